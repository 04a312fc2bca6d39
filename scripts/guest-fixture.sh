#!/bin/sh
# Test guest: the Debian kernel as an uncompressed vmlinux (boots through PVH,
# about twice as fast under TCG as the bzImage) and a minimal busybox initrd
# whose init powers the VM off, so a test can see a guest reach userspace.
# The kernel package is downloaded and unpacked, never installed.
# Usage: scripts/guest-fixture.sh OUTDIR   (makes OUTDIR/vmlinux, and
#   OUTDIR/initrd-poweroff.img, whose init powers off, and
#   OUTDIR/initrd-idle.img, whose init waits for ever)
set -eu
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -s "$out/vmlinux" ] && [ -s "$out/initrd-poweroff.img" ] && [ -s "$out/initrd-idle.img" ] && exit 0
work=$(mktemp -d /tmp/ukata-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

if [ ! -s "$out/vmlinux" ]; then
	pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || { echo "guest-fixture: no linux-image package found" >&2; exit 1; }
	apt-get download -q "$pkg" > /dev/null 2>&1 || { echo "guest-fixture: cannot download $pkg" >&2; exit 1; }
	dpkg-deb --fsys-tarfile ./*.deb | tar -x --wildcards './boot/vmlinuz-*'
	bz=$(ls ./boot/vmlinuz-*)
	# The payload is an xz stream inside the bzImage: find it and unpack it.
	printf '\375\067\172\130\132\000' > magic
	off=$(grep -obUaF -f magic "$bz" | head -1 | cut -d: -f1)
	[ -n "$off" ] || { echo "guest-fixture: no xz payload in $bz" >&2; exit 1; }
	tail -c +"$((off + 1))" "$bz" | xz -dc > vmlinux 2> /dev/null || true
	head -c 4 vmlinux | grep -q ELF || { echo "guest-fixture: $bz did not unpack to ELF" >&2; exit 1; }
	mv vmlinux "$out/vmlinux"
fi

mkdir -p root/bin root/proc root/sys root/dev
cp /bin/busybox root/bin/busybox
ln -s busybox root/bin/sh
initrd() { # NAME LAST-COMMAND
	cat > root/init << INIT
#!/bin/sh
/bin/busybox mount -t proc proc /proc
$2
INIT
	chmod 755 root/init
	(cd root && find . | busybox cpio -o -H newc 2> /dev/null | gzip -1) > "$out/$1"
}
initrd initrd-poweroff.img "/bin/busybox poweroff -f"
initrd initrd-idle.img "while :; do /bin/busybox sleep 1000; done"
