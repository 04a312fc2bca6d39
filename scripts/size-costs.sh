#!/bin/sh
# size-costs.sh [--update | --check] BUILD_DIR
# Builds every feature of tests/build/features.txt alone on its base (over
# allnoconfig) and the base without it, each in BUILD_DIR/feat/NAME with
# its own .config, and prints what each feature costs (stripped bytes).
#   --update  writes the figures into the Kconfig prompts: "... (+12 KB)"
#   --check   fails when a prompt has no figure or one off by more than
#             max(1 KB, 10%) from the measure
# Every build also builds its unit tests (BUILD_DIR/feat/NAME/tests/unit-tests);
# BUILD_DIR/feat/built lists the build directories.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mode=
case "${1:-}" in --update|--check) mode=$1; shift ;; esac
B=$(mkdir -p "${1:-$top/build}" && cd "${1:-$top/build}" && pwd)/feat
mkdir -p "$B"
kconfigs="$top/Kconfig $(ls "$top"/src/*/Kconfig)"

# build NAME OPTION...: allnoconfig with those options; prints what it puts
# in the file (text + data of the stripped binary: the file itself grows in
# page steps).
build() {
	name=$1; shift
	d=$B/$name
	mkdir -p "$d"
	mini=$(for o in "$@"; do echo "CONFIG_$o=y"; done)
	# made again each time: a new option must be off here too (make would
	# give an old .config the option's default)
	echo "$mini" > "$d/mini"
	(cd "$top" && KCONFIG_CONFIG="$d/.config" KCONFIG_ALLCONFIG="$d/mini" \
		kconfig-conf -s --allnoconfig Kconfig) > "$d/build.log" 2>&1
	for o in "$@"; do
		grep -qx "CONFIG_$o=y" "$d/.config" ||
			{ echo "size-costs: $name: CONFIG_$o cannot be set on that base" >&2; exit 1; }
	done
	make -s -C "$top" -j2 O="$d" KCONFIG_CONFIG="$d/.config" all unit-tests \
		> "$d/build.log" 2>&1 || { tail -20 "$d/build.log" >&2
		rm -f "$d/mini"; echo "size-costs: $name ($*) does not build" >&2; exit 1; }
	strip -o "$d/stripped" "$d/kata-runtime"
	size "$d/stripped" | awk 'NR == 2 { print $1 + $2 }' > "$d/size"
	grep -qx "$d" "$B/built" || echo "$d" >> "$B/built"
	cat "$d/size"
}

# KB text of a byte count: one decimal under 10 KB.
kb() {
	awk -v b="$1" 'BEGIN { k = b / 1024; s = k < 0 ? "-" : "+"; if (k < 0) k = -k
		printf (k < 9.95 ? "%s%.1f KB" : "%s%.0f KB"), s, k }'
}

# The figure a prompt states, in bytes, or nothing.
stated() {
	awk -v s="$1" '$1 == "config" && $2 == s { f = 1; next }
		f && /^[ \t]*(bool|tristate)[ \t]+"/ {
			if (match($0, /\([+-][0-9.]+ KB\)"/)) {
				v = substr($0, RSTART + 1, RLENGTH - 6); print int(v * 1024)
			}
			exit
		}
		f && /^[ \t]*(config|menuconfig|endmenu)/ { exit }' $kconfigs
}

# Rewrite symbol's prompt with text.
update() {
	for f in $kconfigs; do
		awk -v s="$1" -v t="$2" '$1 == "config" && $2 == s { f = 1 }
			f && /^[ \t]*bool[ \t]+"/ {
				sub(/ \([+-][0-9.]+ KB\)"$/, "\""); sub(/"$/, " (" t ")\""); f = 0
			}
			{ print }' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
	done
}

: > "$B/built" # the builds of this run, one directory a line
printf '%-18s %10s %10s %10s  %s\n' option base with cost on
grep -v '^#' "$top/tests/build/features.txt" | while read -r feat rest; do
	[ -n "$feat" ] || continue
	base= extra= syms=
	for w in $rest; do
		case $w in
		-) ;;
		+*) extra="$extra ${w#+}" ;;
		@*) syms="$syms ${w#@}" ;;
		*) base="$base $w" ;;
		esac
	done
	bname=base$(echo $base | tr ' ' '\n' | sort | tr '\n' '-' | tr 'A-Z_' 'a-z_')
	b=$(build "$bname" $base)
	w=$(build "$feat" $base $feat $extra)
	for s in $syms; do
		nm "$B/$feat/kata-runtime" | awk '{ print $NF }' | grep -qx "$s" ||
			{ echo "size-costs: CONFIG_$feat: $s is not linked with it" >&2; exit 1; }
		! nm "$B/$bname/kata-runtime" | awk '{ print $NF }' | grep -qx "$s" ||
			{ echo "size-costs: CONFIG_$feat: $s is linked without it" >&2; exit 1; }
	done
	cost=$((w - b))
	printf '%-18s %10d %10d %10s  %s\n' "$feat" "$b" "$w" "$(kb $cost)" "allnoconfig$base$extra"
	case $mode in
	--update) update "$feat" "$(kb $cost)" ;;
	--check)
		s=$(stated "$feat")
		tol=$((cost < 0 ? -cost / 10 : cost / 10)); [ $tol -ge 1024 ] || tol=1024
		if [ -z "$s" ]; then
			echo "size-costs: CONFIG_$feat: its prompt states no cost (run make size-costs UPDATE=1)" >&2
			exit 1
		elif [ $((s - cost)) -gt $tol ] || [ $((cost - s)) -gt $tol ]; then
			echo "size-costs: CONFIG_$feat: its prompt says $(kb "$s"), measured $(kb $cost) (run make size-costs UPDATE=1)" >&2
			exit 1
		fi ;;
	esac
done
