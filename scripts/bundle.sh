#!/bin/sh
# A busybox bundle for trying containers and for the tests:
#   scripts/bundle.sh DIR KATA_RUNTIME [--tty] [ARG...]
# DIR/rootfs: busybox (static, from busybox-static) with every applet linked
# in /bin; DIR/config.json: the runtime's default spec (`kata-runtime spec`)
# with process.args set to ARG... (default: sh) and process.terminal false
# unless --tty. Writable rootfs (the share is the bundle's directory).
set -e
dir=$1 rt=$2
[ -n "$dir" ] && [ -x "$rt" ] || { echo "usage: $0 DIR KATA_RUNTIME [--tty] [ARG...]" >&2; exit 2; }
shift 2
tty=false
[ "$1" = "--tty" ] && { tty=true; shift; }
bb=/bin/busybox
[ -x "$bb" ] || { echo "$0: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" \
	"$dir/rootfs/tmp" "$dir/rootfs/etc" "$dir/rootfs/root"
cp "$bb" "$dir/rootfs/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$dir/rootfs/bin/$a"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$dir/rootfs/etc/passwd"
echo "root:x:0:" > "$dir/rootfs/etc/group"
rm -f "$dir/config.json"
"$rt" spec --bundle "$dir"
[ $# -gt 0 ] || set -- sh
args=""
for a in "$@"; do
	a=$(printf '%s' "$a" | sed 's/\\/\\\\/g; s/"/\\"/g')
	args="$args${args:+, }\"$a\""
done
# sed's c\ text takes backslash escapes: double them.
args=$(printf '%s' "$args" | sed 's/\\/\\\\/g')
# One line per key in the default spec: replace the values in place.
sed -i -e "s|\"terminal\": true|\"terminal\": $tty|" \
	-e "/\"args\": \[/,/\]/c\\		\"args\": [$args]," \
	-e 's|"readonly": true|"readonly": false|' "$dir/config.json"
