#!/bin/sh
# The guest image: Debian's kernel (scripts/guest-kernel.sh) and an initrd
# holding our static binary as the agent (/init -> /usr/bin/kata-agent), the
# modules the guest needs and their load order. Nothing else. Reproducible:
# the same binary and kernel package give the same initrd bytes.
# Usage: scripts/guest-image.sh BINARY OUTDIR  (makes OUTDIR/vmlinux and
#   OUTDIR/initrd.img)
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/guest-kernel.sh" "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/ukata-image.XXXXXX)
trap 'rm -rf "$work"' EXIT

r=$work/root
mkdir -p "$r/usr/bin" "$r/lib/modules" "$r/proc" "$r/sys" "$r/dev" "$r/run" "$r/tmp" "$r/etc"
cp "$bin" "$r/usr/bin/kata-agent"
strip "$r/usr/bin/kata-agent" 2> /dev/null || true
ln -s usr/bin/kata-agent "$r/init"
cp "$out"/modules/*.ko "$out/modules/load" "$out/modules/fs.load" "$r/lib/modules/"
find "$r" -exec touch -h -d @0 {} +
chmod -R go-w "$r"
(cd "$r" && find . -print | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet) |
	gzip -n -9 > "$out/initrd.img.tmp"
mv "$out/initrd.img.tmp" "$out/initrd.img"
