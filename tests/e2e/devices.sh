#!/bin/sh
# linux.devices in a container in a VM: character devices and FIFOs made as
# the spec says (mode, uid, gid); block devices (loop devices here)
# hot-plugged as virtio-blk, found by the agent by their PCI path and made
# at their path with the guest's numbers; reads and writes reach the host
# device; the disks on the independent IOThreads in turn, read back from
# QEMU; unplugged when a pod's container goes; a rootfs that is a block
# device's file system mounted in the guest from its disk, and mounts of
# block devices (a file system, a raw block volume); bad devices refused
# with nothing left. Usage: tests/e2e/devices.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

LOOPS=""
setup() {
	vm_setup
	command -v losetup > /dev/null || skip "losetup missing"
	$K version | grep -q block-devices || skip "block devices not built in"
	trap 'for l in $LOOPS; do losetup -d "$l" 2> /dev/null; done' EXIT
	printf 'pcie_root_port = 2\n' >> "$T/c.toml"
}

# A loop device over an 8 MiB image starting with TEXT: its path in $LOOP.
loop() { # NAME TEXT
	truncate -s 8M "$T/$1.img"
	printf '%s' "$2" | dd of="$T/$1.img" conv=notrunc 2> /dev/null
	LOOP=$(losetup -f --show "$T/$1.img") || skip "no loop device"
	LOOPS="$LOOPS $LOOP"
}

# The spec's linux.devices set to JSON.
devices() { # DIR JSON
	/usr/bin/python3 - "$T/$1/config.json" "$2" <<'PYEOF' || fail "devices"
import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("linux", {})["devices"] = json.loads(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"))
PYEOF
}

blk() { # LOOP CONTAINER-PATH: a linux.devices entry for it
	echo "{\"path\":\"$2\",\"type\":\"b\",\"major\":$((0x$(stat -c %t "$1")))," \
		"\"minor\":$((0x$(stat -c %T "$1"))),\"fileMode\":432}"
}

# A QMP command to the VM of sandbox ID: its answer's "return" or "error".
qmp() { # ID COMMAND [ARGS-JSON]
	/usr/bin/python3 - "$T/root/$1/qmp.sock" "$2" "${3:-{\}}" <<'PYEOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
def call(cmd, args):
    f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(f.readline())
call("qmp_capabilities", {})
r = call(sys.argv[2], json.loads(sys.argv[3]))
print(json.dumps(r.get("return", r.get("error"))))
PYEOF
}

test_character_devices_and_fifos() {
	setup
	bundle b sh -c 'stat -c "%F %t:%T %a %u %g" /dev/test1 /dev/fifo1; echo x > /dev/test1 && echo written'
	devices b '[{"path":"/dev/test1","type":"c","major":1,"minor":3,"fileMode":438,"uid":7,"gid":8},
		{"path":"/dev/fifo1","type":"p","fileMode":384}]'
	run $K run -b "$T/b" c1
	expect_rc 0
	expect_in "$out" "character special file 1:3 666 7 8"
	expect_in "$out" "fifo 0:0 600 0 0"
	expect_in "$out" "written"
	nothing_left_here
}

test_block_devices_reach_the_host_device() {
	setup
	loop d1 "hello-from-d1"
	l1=$LOOP
	loop d2 "hello-from-d2"
	l2=$LOOP
	bundle b sh -c 'printf written-in-vm | dd of=/dev/xvdb bs=512 seek=8 conv=fsync; sleep 1000'
	devices b "[$(blk "$l1" /dev/xvda), $(blk "$l2" /dev/xvdb)]"
	printf 'enable_iothreads = true\nindep_iothreads = 2\n' >> "$T/c.toml"
	run $K run -d -b "$T/b" c1
	expect_rc 0
	for _ in $(seq 100); do
		[ "$(dd if="$l2" bs=512 skip=8 count=1 2> /dev/null | head -c 13)" = written-in-vm ] && break
		sleep 0.1
	done
	# the disks and their IOThreads as QEMU has them
	run qmp c1 qom-get '{"path":"/machine/peripheral/virtio-disk0","property":"iothread"}'
	expect_eq "$out" '"/objects/indep_iothread_0"'
	run qmp c1 qom-get '{"path":"/machine/peripheral/virtio-disk1","property":"iothread"}'
	expect_eq "$out" '"/objects/indep_iothread_1"'
	run qmp c1 query-block
	expect_in "$out" "$l1"
	expect_in "$out" "$l2"
	expect_eq "$(dd if="$l2" bs=512 skip=8 count=1 2> /dev/null | head -c 13)" written-in-vm
	run $K exec c1 sh -c 'stat -c "%F %a" /dev/xvda; head -c 13 /dev/xvda; echo; head -c 13 /dev/xvdb'
	expect_eq "$out" "block special file 660
hello-from-d1
hello-from-d2"
	run $K delete --force c1
	expect_rc 0
	nothing_left_here
}

# Output of a detached container, once it has some.
wait_output() { # ID
	for _ in $(seq 100); do [ -s "$T/out.$1" ] && break; sleep 0.1; done
}

test_a_pod_container_takes_its_disk_away() {
	setup
	$K version | grep -q pods || skip "pods not built in"
	loop d1 "pod-disk"
	pod_bundle sb sandbox pod1 sleep 1000
	run $K run -d -b "$T/sb" pod1
	expect_rc 0
	pod_bundle b1 container pod1 sh -c 'head -c 8 /dev/xvdc; echo; sleep 1000'
	devices b1 "[$(blk "$LOOP" /dev/xvdc)]"
	run $K run -d -b "$T/b1" c1
	expect_rc 0
	run qmp pod1 qom-get '{"path":"/machine/peripheral/virtio-disk0","property":"type"}'
	expect_eq "$out" '"virtio-blk-pci"'
	run $K exec c1 head -c 8 /dev/xvdc
	expect_eq "$out" "pod-disk"
	run $K delete --force c1
	expect_rc 0
	run qmp pod1 qom-get '{"path":"/machine/peripheral/virtio-disk0","property":"type"}'
	expect_in "$out" "DeviceNotFound"
	# the port is free again for the next container's disk
	run $K run -d -b "$T/b1" c2
	expect_rc 0
	run $K exec c2 head -c 8 /dev/xvdc
	expect_eq "$out" "pod-disk"
	run $K delete --force c2
	run $K delete --force pod1
	nothing_left_here
}

# A bundle whose rootfs is an ext4 file system on a loop device, mounted
# at DIR/rootfs (as a devmapper snapshot is): the image in $T/DIR.img.
block_rootfs() { # DIR ARG...
	d=$1
	bundle "$@"
	mv "$T/$d/rootfs" "$T/$d/rootfs.dir"
	truncate -s 64M "$T/$d.img"
	mkfs.ext4 -q -d "$T/$d/rootfs.dir" "$T/$d.img" || fail "mkfs.ext4"
	mkdir "$T/$d/rootfs"
	LOOP=$(losetup -f --show "$T/$d.img") || skip "no loop device"
	LOOPS="$LOOPS $LOOP"
	mount "$LOOP" "$T/$d/rootfs" || fail "mount $LOOP"
}

test_a_rootfs_on_a_block_device_is_the_vms_disk() {
	setup
	command -v mkfs.ext4 > /dev/null || skip "mkfs.ext4 missing"
	block_rootfs b sh -c 'grep " / " /proc/mounts; echo from-the-vm > /written; sync'
	run $K run -b "$T/b" c1
	expect_rc 0
	expect_in "$out" "/dev/vda / ext4"
	umount "$T/b/rootfs"
	# the write reached the device, not a share
	run debugfs -R "cat /written" "$T/b.img"
	expect_in "$out" "from-the-vm"
	nothing_left_here
	# with no root port free (pcie_root_port = 0, the default), it is
	# shared as a directory, as before, said in a warning
	mount "$LOOP" "$T/b/rootfs"
	sed -i 's/^pcie_root_port = 2$/pcie_root_port = 0/' "$T/c.toml"
	run $K run -b "$T/b" c3
	expect_rc 0
	expect_not_in "$out" "/dev/vda"
	expect_in "$err" "shared over 9p, not plugged as a disk"
	sed -i 's/^pcie_root_port = 0$/pcie_root_port = 2/' "$T/c.toml"
	# with disable_block_device_use it is shared as a directory, as before
	printf 'disable_block_device_use = true\n' >> "$T/c.toml"
	run $K run -b "$T/b" c2
	expect_rc 0
	expect_not_in "$out" "/dev/vda"
	umount "$T/b/rootfs"
	nothing_left_here
}

# Mounts whose source is a block device: a file system (type ext4) is the
# VM's disk, mounted by the agent and bound in; a bind of the device (a
# raw block volume) is the device node at its destination.
test_mounts_of_block_devices() {
	setup
	command -v mkfs.ext4 > /dev/null || skip "mkfs.ext4 missing"
	mkdir -p "$T/vol"
	echo in-the-volume > "$T/vol/hello"
	truncate -s 32M "$T/vol.img"
	mkfs.ext4 -q -d "$T/vol" "$T/vol.img" || fail "mkfs.ext4"
	vol=$(losetup -f --show "$T/vol.img") || skip "no loop device"
	LOOPS="$LOOPS $vol"
	loop raw "raw-volume"
	bundle b sh -c 'cat /data/hello; echo new > /data/new; sync; grep " /data " /proc/mounts; stat -c %F /dev/xvdr; head -c 10 /dev/xvdr; echo'
	/usr/bin/python3 - "$T/b/config.json" "$vol" "$LOOP" <<'PYEOF' || fail "mounts"
import json, sys
p, vol, raw = sys.argv[1:]
c = json.load(open(p))
c["mounts"] += [{"destination": "/data", "type": "ext4", "source": vol, "options": ["rw"]},
                {"destination": "/dev/xvdr", "type": "bind", "source": raw, "options": ["bind"]}]
json.dump(c, open(p, "w"))
PYEOF
	run $K run -b "$T/b" c1
	expect_rc 0
	expect_in "$out" "in-the-volume"
	expect_in "$out" "/data ext4"
	expect_in "$out" "block special file
raw-volume"
	run debugfs -R "cat /new" "$T/vol.img"
	expect_in "$out" "new"
	nothing_left_here
}

test_bad_devices_are_refused_with_nothing_left() {
	setup
	bundle b true
	# a block device the host does not have
	devices b '[{"path":"/dev/xvda","type":"b","major":7,"minor":1000}]'
	run $K run -b "$T/b" c1
	expect_rc 1
	expect_in "$err" "container c1"
	expect_in "$err" "/dev/xvda: the host has no block device 7:1000"
	nothing_left_here
	# a character device's numbers given as a block device's
	devices b '[{"path":"/dev/xvda","type":"b","major":1,"minor":3}]'
	run $K run -b "$T/b" c1
	expect_rc 1
	expect_in "$err" "/dev/xvda: the host has no block device 1:3"
	nothing_left_here
	# more disks than root ports: the first is unplugged again
	loop d1 a
	l1=$LOOP
	loop d2 b
	l2=$LOOP
	loop d3 c
	devices b "[$(blk "$l1" /dev/xvda), $(blk "$l2" /dev/xvdb), $(blk "$LOOP" /dev/xvdc)]"
	run $K run -b "$T/b" c1
	expect_rc 1
	expect_in "$err" "container c1"
	expect_in "$err" "no free PCIe root port for a disk (hypervisor.qemu.pcie_root_port = 2)"
	nothing_left_here
	# a spec error names the field
	devices b '[{"path":"xvda","type":"b","major":7,"minor":0}]'
	run $K run -b "$T/b" c1
	expect_rc 1
	expect_in "$err" "linux.devices[0].path: missing or not absolute"
	nothing_left_here
}

run_suite devices
