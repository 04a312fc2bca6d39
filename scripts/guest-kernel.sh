#!/bin/sh
# The guest kernel: Debian's, downloaded and unpacked, never installed.
# Makes OUTDIR/vmlinux (uncompressed: it boots through PVH, about twice as
# fast under TCG as the bzImage) and OUTDIR/modules/: the named modules and
# everything they depend on (from each module's .modinfo), with
# OUTDIR/modules/load listing them in an order insmod accepts; the disks'
# file systems (ext4) in OUTDIR/modules/fs.load, loaded on demand.
# Usage: scripts/guest-kernel.sh OUTDIR [MODULE...]
# Without modules named: those the guest image needs (console, block, net,
# 9p and vsock, over virtio PCI; vsock's loopback for in-guest tests).
set -eu
out=$1
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
want=${*:-virtio_pci virtio_console virtio_blk virtio_net 9pnet_virtio 9p vmw_vsock_virtio_transport vsock_loopback}
# File systems of disks (a rootfs on a block device): not loaded at boot,
# but by the agent when it first mounts one (modules/fs.load).
fs_mods="ext4 crc32c_generic"
have() { [ -s "$out/vmlinux" ] && [ -f "$out/modules/load" ] && [ -f "$out/modules/fs.load" ] &&
	[ "$(cat "$out/modules/wanted" 2> /dev/null)" = "$want + $fs_mods" ]; }
have && exit 0
work=$(mktemp -d /tmp/ukata-kernel.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || { echo "guest-kernel: no linux-image package found" >&2; exit 1; }
apt-get download -q "$pkg" > /dev/null 2>&1 || { echo "guest-kernel: cannot download $pkg" >&2; exit 1; }
deb=$(ls ./*.deb)

dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards './boot/vmlinuz-*'
bz=$(ls ./boot/vmlinuz-*)
# The payload is an xz stream inside the bzImage: find it and unpack it.
printf '\375\067\172\130\132\000' > magic
off=$(grep -obUaF -f magic "$bz" | head -1 | cut -d: -f1)
[ -n "$off" ] || { echo "guest-kernel: no xz payload in $bz" >&2; exit 1; }
tail -c +"$((off + 1))" "$bz" | xz -dc > vmlinux 2> /dev/null || true
head -c 4 vmlinux | grep -q ELF || { echo "guest-kernel: $bz did not unpack to ELF" >&2; exit 1; }

# Modules: extract those asked for, then their dependencies, until closed.
dpkg-deb --fsys-tarfile "$deb" | tar -t | grep '\.ko$' > all
path_of() { # module name (- and _ are the same) -> path in the package
	grep -E "/$(echo "$1" | sed 's/[-_]/[-_]/g')\.ko\$" all | head -1
}
deps_of() { # extracted .ko -> its dependencies, space separated
	objcopy -O binary --only-section=.modinfo "$1" modinfo
	tr '\0' '\n' < modinfo | sed -n 's/^depends=//p' | tr ',' ' '
}
mkdir -p mods
: > pairs
done_=" "
closure() { # the modules named and what they depend on, into pairs
todo=$*
while [ -n "$todo" ]; do # breadth first, one pass over the package a level
	paths=
	for m in $todo; do
		p=$(path_of "$m")
		[ -n "$p" ] || { echo "guest-kernel: no module $m in $pkg" >&2; exit 1; }
		paths="$paths $p"
	done
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C mods $paths
	next=
	for m in $todo; do
		done_="$done_$m "
		echo "$m $m" >> pairs
		for d in $(deps_of "mods/$(path_of "$m")"); do
			echo "$d $m" >> pairs # d before m
			case "$done_ $todo $next " in *" $d "*) ;; *) next="$next $d" ;; esac
		done
	done
	todo=$next
done
}
closure $want
tsort pairs > order
closure $fs_mods
tsort pairs | grep -vxF -f order > fs_order || true

rm -rf "$out/modules"
mkdir -p "$out/modules"
while read -r m; do
	cp "mods/$(path_of "$m")" "$out/modules/$m.ko"
	echo "$m.ko" >> "$out/modules/load"
done < order
: > "$out/modules/fs.load"
while read -r m; do
	cp "mods/$(path_of "$m")" "$out/modules/$m.ko"
	echo "$m.ko" >> "$out/modules/fs.load"
done < fs_order
echo "$want + $fs_mods" > "$out/modules/wanted"
mv vmlinux "$out/vmlinux"
