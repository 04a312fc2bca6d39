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
echo
echo "text by room (bytes, objects before --gc-sections):"
for d in "$o"/obj/*/; do
	room=$(basename "$d")
	find "$d" -name '*.o' -exec size {} + 2>/dev/null |
		awk -v r="$room" 'NR > 1 { t += $1 } END { if (t) printf "  %8d  %s\n", t, r }'
done | sort -rn
wire=$(find "$o/obj/http2" "$o/obj/grpc" "$o/obj/yamux" "$o/obj/rpc" "$o/obj/transport" \
	-name '*.o' -exec size {} + 2>/dev/null | awk 'NR > 1 { t += $1 } END { print t + 0 }')
desc=$(find "$o/obj/proto" -name '*.o' -exec size {} + 2>/dev/null |
	awk 'NR > 1 { t += $1 + $2 } END { print t + 0 }')
echo "  wire stack (http2 + grpc + yamux + rpc + transport): $wire bytes of text"
echo "  protobuf descriptors (proto/, text+data): $desc bytes"
