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

run_suite qemu-driver
