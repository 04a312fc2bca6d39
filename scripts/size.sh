#!/bin/sh
# size.sh BINARY OBJDIR: stripped size, then the largest objects and symbols.
set -eu
bin=$1; o=$2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
strip -o "$tmp" "$bin"
printf 'stripped %s: %s bytes\n' "$bin" "$(stat -c %s "$tmp")"
size "$bin" | sed 's/^/  /'
echo
echo "largest objects (text+data, bytes):"
find "$o/obj" -name '*.o' -exec size {} + 2>/dev/null | awk 'NR > 1 { print $1 + $2, $6 }' |
	sort -rn | head -15 | awk '{ printf "  %8d  %s\n", $1, $2 }'
echo
echo "largest symbols in the binary (bytes):"
nm --size-sort -S "$bin" | tail -20 | while read -r _ sz type name; do
	printf '  %8d  %s %s\n' "0x$sz" "$type" "$name"
done | sort -rn
