#!/bin/sh
# Test guest: Debian's kernel (scripts/guest-kernel.sh) and busybox initrds.
# Usage: scripts/guest-fixture.sh OUTDIR   makes in OUTDIR:
#   vmlinux, modules/ (those of the guest image),
#   initrd-poweroff.img: init powers off at once;
#   initrd-idle.img: init loads the modules, says "ukata-guest ready" on the
#     console (hvc0), then brings hot-added vCPUs and memory online and
#     prints a line "ukata-guest state cpus=LIST memblocks=N disks=N"
#     whenever that changes, so a test sees hotplug from inside the guest.
set -eu
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/guest-kernel.sh" "$out"
out=$(cd "$out" && pwd)
[ -s "$out/initrd-poweroff.img" ] && [ "$out/initrd-idle.img" -nt "$out/modules/load" ] &&
	[ "$out/initrd-idle.img" -nt "$0" ] && exit 0
work=$(mktemp -d /tmp/ukata-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

mkdir -p root/bin root/proc root/sys root/dev root/lib/modules
cp /bin/busybox root/bin/busybox
ln -s busybox root/bin/sh
initrd() { # NAME: root/init is written
	chmod 755 root/init
	(cd root && find . | busybox cpio -o -H newc 2> /dev/null | gzip -1) > "$out/$1"
}
printf '#!/bin/sh\n/bin/busybox poweroff -f\n' > root/init
initrd initrd-poweroff.img

cp "$out"/modules/*.ko "$out/modules/load" root/lib/modules/
cat > root/init << 'INIT'
#!/bin/sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
for m in $(busybox cat /lib/modules/load); do busybox insmod /lib/modules/$m; done
n=0
while [ ! -c /dev/hvc0 ] && [ $n -lt 100 ]; do busybox sleep 0.05; n=$((n + 1)); done
exec > /dev/hvc0 2>&1
echo "ukata-guest ready"
last=
while :; do
	for f in /sys/devices/system/cpu/cpu[0-9]*/online; do
		[ -f $f ] && [ "$(busybox cat $f)" = 0 ] && echo 1 > $f
	done
	for f in /sys/devices/system/memory/memory*/state; do
		[ "$(busybox cat $f)" = offline ] && echo online_movable > $f
	done
	blocks=$(busybox cat /sys/devices/system/memory/memory*/state | busybox grep -c online)
	disks=$(busybox ls /sys/block | busybox grep -c vd)
	s="cpus=$(busybox cat /sys/devices/system/cpu/online) memblocks=$blocks disks=$disks"
	[ "$s" != "$last" ] && echo "ukata-guest state $s" && last=$s
	busybox sleep 0.2
done
INIT
initrd initrd-idle.img
