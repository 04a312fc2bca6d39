#!/bin/sh
# The QEMU driver (hypervisor/qemu/driver.c) with real QEMU under TCG and the
# Debian guest kernel: launch and wait for QMP, pause and resume, stop (quit,
# SIGTERM, SIGKILL) leaving no process, socket or pid file; a QEMU that dies
# is reported; a QEMU that cannot start gives its own message and leaves
# nothing behind.
# Usage: tests/integration/qemu_driver.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"
tool=$B/tests/vm-tool

toml() { # KERNEL INITRD
	printf '[hypervisor.qemu]\nkernel = "%s"\ninitrd = "%s"\ndefault_memory = 256\n' "$1" "$2"
}

fixture() {
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	sh "$top/scripts/guest-fixture.sh" "$B/guest" > "$T/fixture.log" 2>&1 ||
		fail "guest fixture: $(cat "$T/fixture.log")"
}

nothing_left() { # RUN_DIR
	for f in qmp.sock kata.sock pid; do
		[ -e "$1/$f" ] && fail "$f left behind"
	done
	pgrep -f "qemu-system-x86_64 -name sandbox-test .*$1/" > /dev/null &&
		fail "a QEMU of this test still runs"
	true
}

test_vm_lifecycle() {
	fixture
	run "$tool" "$T/run" "$(toml "$B/guest/vmlinux" "$B/guest/initrd-idle.img")" \
		start status pause status resume status stop
	expect_rc 0
	expect_eq "$(printf '%s' "$out" | tr '\n' '|')" \
		"status running|pause ok|status paused|resume ok|status running|stop ok"
	nothing_left "$T/run"
}

test_vm_death_is_reported() {
	fixture
	run "$tool" "$T/run" "$(toml "$B/guest/vmlinux" "$B/guest/initrd-idle.img")" \
		start kill9 check
	expect_rc 1
	expect_in "$err" "VM test: QEMU (pid "
	expect_in "$err" ") is gone"
	nothing_left "$T/run"
}

test_vm_that_cannot_start() {
	fixture
	run "$tool" "$T/run" "$(toml /nonexistent/vmlinux "$B/guest/initrd-idle.img")" start
	expect_rc 1
	expect_in "$err" "VM test: QEMU failed to start: qemu: could not open kernel file '/nonexistent/vmlinux'"
	nothing_left "$T/run"
}

# Hotplug into a running guest: a vCPU in the slot QEMU lists (seen in
# query-cpus-fast; then no slot is left), 128 MiB as a pc-dimm (seen in
# query-memory-devices), two disks on the two root ports, spread over the
# two independent iothreads (seen with qom-get), and a third refused.
test_vm_hotplug() {
	fixture
	truncate -s 16M "$T/d1.img" "$T/d2.img"
	run "$tool" "$T/run" "$(toml "$B/guest/vmlinux" "$B/guest/initrd-idle.img")
default_maxvcpus = 2
pcie_root_port = 2
enable_iothreads = true
indep_iothreads = 2" start cpu+ qmp:query-cpus-fast mem+:128 qmp:query-memory-devices \
		"disk+:$T/d1.img" "disk+:$T/d2.img" \
		'qmp:qom-get={"path":"/machine/peripheral/virtio-disk0","property":"iothread"}' \
		'qmp:qom-get={"path":"/machine/peripheral/virtio-disk1","property":"iothread"}' \
		stop
	expect_rc 0
	expect_in "$out" "added cpu-1"
	expect_in "$out" '"qom-path": "/machine/peripheral/cpu-1", "cpu-index": 1'
	expect_in "$out" "added dimm0"
	expect_in "$out" '"size": 134217728, "slot": 0, "node": 0, "id": "dimm0"'
	expect_in "$out" "added virtio-disk1"
	expect_in "$out" 'qom-get "/objects/indep_iothread_0"
qom-get "/objects/indep_iothread_1"'
	nothing_left "$T/run"
	run "$tool" "$T/run2" "$(toml "$B/guest/vmlinux" "$B/guest/initrd-idle.img")
pcie_root_port = 1" start cpu+ "disk+:$T/d1.img" "disk+:$T/d2.img"
	expect_rc 1
	expect_in "$err" "no free vCPU slot (maxcpus reached)"
	run "$tool" "$T/run2" "$(toml "$B/guest/vmlinux" "$B/guest/initrd-idle.img")
pcie_root_port = 1" start "disk+:$T/d1.img" "disk+:$T/d2.img"
	expect_rc 1
	expect_in "$err" "no free PCIe root port for a disk (hypervisor.qemu.pcie_root_port = 1)"
	nothing_left "$T/run2"
}

run_suite qemu-driver
