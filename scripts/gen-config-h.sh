#!/bin/sh
# gen-config-h.sh DOTCONFIG OUT KCONFIG...
# Writes OUT with, for every symbol declared in the Kconfig files:
#   bool:   CONFIG_X (only when set), ENABLE_X (0/1), IF_X(...), IF_NOT_X(...)
#   string/int: CONFIG_X with its value
# OUT is rewritten only when its content changes, so that objects do not
# rebuild needlessly.
set -eu
dotconfig=$1; out=$2; shift 2
tmp="$out.tmp.$$"
mkdir -p "$(dirname "$out")"
{
	echo "/* Generated from $dotconfig by scripts/gen-config-h.sh. Do not edit. */"
	echo "#ifndef UKATA_AUTOCONF_H"
	echo "#define UKATA_AUTOCONF_H"
	awk '
	FNR == NR {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) {
			i = index($0, "="); k = substr($0, 8, i - 8); v[k] = substr($0, i + 1)
		}
		next
	}
	/^[ \t]*(menu)?config[ \t]+[A-Za-z0-9_]+/ {
		s = $2; if (!(s in seen)) { seen[s] = 1; order[n++] = s }
	}
	END {
		feats = ""
		for (j = 0; j < n; j++) {
			s = order[j]
			if (s in v && v[s] != "y") {
				printf "#define CONFIG_%s %s\n", s, v[s]
			} else if (s in v) {
				printf "#define CONFIG_%s 1\n#define ENABLE_%s 1\n", s, s
				printf "#define IF_%s(...) __VA_ARGS__\n#define IF_NOT_%s(...)\n", s, s
				f = tolower(s); gsub(/_/, "-", f); feats = feats (feats == "" ? "" : " ") f
			} else {
				printf "#define ENABLE_%s 0\n", s
				printf "#define IF_%s(...)\n#define IF_NOT_%s(...) __VA_ARGS__\n", s, s
			}
		}
		printf "#define UKATA_FEATURES \"%s\"\n", feats
	}' "$dotconfig" "$@"
	echo "#endif"
} > "$tmp"
if cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
