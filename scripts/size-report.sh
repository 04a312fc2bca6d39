#!/bin/sh
# size-report.sh [BUILD_DIR]
#   Builds every file in configs/ (*defconfig), allnoconfig and allyesconfig,
#   each in BUILD_DIR/cfg/NAME with its own .config, and prints their
#   stripped sizes against the goals. Exits 1 when a build fails or a goal
#   is missed.
# size-report.sh --compare OLD NEW
#   Compares two binaries (unstripped; or build directories holding
#   kata-runtime) symbol by symbol, as the kernel's bloat-o-meter does.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

# The goals (stripped bytes): full 1 MiB, tiny 256 KiB, guest 200 KiB.
goal() {
	case $1 in
	full_defconfig) echo 1048576 ;;
	tiny_defconfig) echo 262144 ;;
	guest_defconfig) echo 204800 ;;
	*) echo - ;;
	esac
}

compare() {
	old=$1 new=$2
	[ -d "$old" ] && old=$old/kata-runtime
	[ -d "$new" ] && new=$new/kata-runtime
	for f in "$old" "$new"; do
		[ -f "$f" ] || { echo "size-report: $f: no such binary" >&2; exit 1; }
	done
	# name size, for text, data and rodata symbols; a name several objects
	# define (static functions) is summed
	syms() {
		nm --size-sort -S "$1" | awk '$3 ~ /^[tTdDrRbBvVwW]$/ { s[$4] += ("0x" $2) + 0 }
			END { for (n in s) print n, s[n] }'
	}
	t=${TMPDIR:-/tmp}/size-report.$$
	syms "$old" > "$t.old"
	syms "$new" > "$t.new"
	awk 'FNR == NR { o[$1] = $2; next }
		{ n[$1] = $2 }
		END {
			for (k in o) { ov = o[k]; nv = (k in n) ? n[k] : 0
				if (!(k in n)) rem++; else if (nv > ov) grow++; else if (nv < ov) shrink++
				if (nv != ov) rows[k] = ((k in n) ? nv : "-") " " (nv - ov) }
			for (k in n) if (!(k in o)) { add++; rows[k] = n[k] " " n[k] }
			for (k in rows) { split(rows[k], r, " ")
				if (r[2] > 0) up += r[2]; else down += r[2]
				d = r[2] < 0 ? -r[2] : r[2]
				print d, k, (k in o) ? o[k] : "-", r[1], r[2] > "'"$t.rows"'" }
			printf "add/remove: %d/%d grow/shrink: %d/%d up/down: %d/%d (%d)\n",
				add, rem, grow, shrink, up, down, up + down
		}' "$t.old" "$t.new"
	printf '%-48s %8s %8s %8s\n' symbol old new delta
	[ -s "$t.rows" ] && sort -k1,1nr -k2 "$t.rows" |
		awk '{ printf "%-48s %8s %8s %+8d\n", $2, $3, $4, $5 }'
	awk -v so="$(stat -c %s "$old")" -v sn="$(stat -c %s "$new")" 'BEGIN {
		printf "Total (file): before=%d, after=%d, chg %+.2f%%\n", so, sn, (sn - so) * 100 / so }'
	rm -f "$t.old" "$t.new" "$t.rows"
}

if [ "${1:-}" = "--compare" ]; then
	[ $# -eq 3 ] || { echo "usage: size-report.sh --compare OLD NEW" >&2; exit 2; }
	compare "$2" "$3"
	exit 0
fi

B=$(mkdir -p "${1:-$top/build}" && cd "${1:-$top/build}" && pwd)/cfg
mkdir -p "$B"
status=0
names="$(cd "$top/configs" && ls *defconfig) allnoconfig allyesconfig"
printf '%-16s %10s %9s %9s  %s\n' config bytes KiB goal ""
for n in $names; do
	d=$B/$n
	mkdir -p "$d"
	if ! { make -s -C "$top" O="$d" KCONFIG_CONFIG="$d/.config" "$n" &&
		make -s -C "$top" -j2 O="$d" KCONFIG_CONFIG="$d/.config" all; } > "$d/build.log" 2>&1; then
		tail -20 "$d/build.log" >&2
		printf '%-16s %10s\n' "$n" "does not build"
		status=1
		continue
	fi
	strip -o "$d/stripped" "$d/kata-runtime"
	sz=$(stat -c %s "$d/stripped") g=$(goal "$n") verdict=
	if [ "$g" != - ]; then
		if [ "$sz" -le "$g" ]; then verdict=ok; else verdict="OVER by $((sz - g))"; status=1; fi
	fi
	printf '%-16s %10d %9s %9s  %s\n' "$n" "$sz" "$(awk -v s="$sz" 'BEGIN { printf "%.1f", s / 1024 }')" \
		"$([ "$g" = - ] && echo - || echo $((g / 1024)))" "$verdict"
done
exit $status
