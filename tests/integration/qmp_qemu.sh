#!/bin/sh
# Our QMP client against real QEMU (TCG, no guest needed: -S, then SeaBIOS):
# capabilities, query-status through prelaunch/running/paused, stop and the
# STOP event, device_add on a PCIe root port, getfd with SCM_RIGHTS and
# closefd, an error reply with its class, quit and SHUTDOWN; afterwards no
# QEMU, socket or pid file is left.
# Usage: tests/integration/qmp_qemu.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"
tool=$B/tests/qmp-tool

start_qemu() { # DIR
	qemu-system-x86_64 -machine q35,accel=tcg -nodefaults -nographic -display none -m 64 -S \
		-daemonize -pidfile "$1/qemu.pid" -qmp "unix:$1/qmp.sock,server=on,wait=off" \
		-device pcie-root-port,id=rp0,bus=pcie.0,chassis=1 > "$1/qemu.log" 2>&1
}

gone_files() { # DIR PID FILE...: QEMU ended and removed these files
	d=$1 p=$2
	shift 2
	i=0
	while kill -0 "$p" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill -0 "$p" 2> /dev/null && { kill -9 "$p"; fail "QEMU $p still running"; }
	for f in "$@"; do
		[ -e "$d/$f" ] && fail "$f left behind"
	done
	true
}

gone() { gone_files "$1" "$2" qmp.sock qemu.pid; }

gone_named() { gone_files "$1" "$3" "$2.sock" "$2.pid"; }

test_qmp_real_qemu() {
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	start_qemu "$T" || fail "QEMU did not start: $(cat "$T/qemu.log")"
	pid=$(cat "$T/qemu.pid")
	trap 'kill -9 $pid 2> /dev/null' EXIT # whatever fails, no QEMU stays
	run "$tool" "$T/qmp.sock" 10000 status cont status stop wait:STOP status \
		'device_add={"driver":"virtio-rng-pci","id":"rng0","bus":"rp0"}' getfd:tap0 \
		'closefd={"fdname":"tap0"}'
	expect_rc 0
	expect_eq "$(printf '%s' "$out" | tr '\n' '|')" \
		"status prelaunch|ok cont {}|status running|ok stop {}|event STOP |status paused|ok device_add {}|getfd tap0|ok closefd {}"
	run "$tool" "$T/qmp.sock" 10000 'closefd={"fdname":"nope"}'
	expect_rc 1
	expect_in "$err" "QMP closefd: GenericError: File descriptor named 'nope' not found"
	run "$tool" "$T/qmp.sock" 10000 quit wait:SHUTDOWN
	expect_rc 0
	expect_in "$out" 'event SHUTDOWN {"guest": false, "reason": "host-qmp-quit"}'
	gone "$T" "$pid"
}

# The commands the driver will use, as QEMU takes them: an iothread, a RAM
# backend and a pc-dimm, a vCPU with the props query-hotpluggable-cpus gives,
# a block node, a netdev, the x-ignore-shared capability.
test_qmp_driver_commands() {
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	qemu-system-x86_64 -machine q35,accel=tcg -nodefaults -nographic -display none \
		-m 128M,slots=2,maxmem=512M -smp 1,maxcpus=2 -S -daemonize -pidfile "$T/qemu.pid" \
		-qmp "unix:$T/qmp.sock,server=on,wait=off" > "$T/qemu.log" 2>&1 ||
		fail "QEMU did not start: $(cat "$T/qemu.log")"
	pid=$(cat "$T/qemu.pid")
	trap 'kill -9 $pid 2> /dev/null' EXIT
	run "$tool" "$T/qmp.sock" 10000 \
		'object-add={"qom-type":"iothread","id":"indep_iothread_0"}' query-iothreads \
		'object-add={"qom-type":"memory-backend-ram","id":"mem1","size":134217728}' \
		'device_add={"driver":"pc-dimm","id":"dimm1","memdev":"mem1"}' query-memory-devices \
		query-hotpluggable-cpus \
		'device_add={"driver":"qemu64-x86_64-cpu","id":"cpu1","socket-id":0,"core-id":1,"thread-id":0,"node-id":0}' \
		query-cpus-fast \
		'blockdev-add={"driver":"null-co","node-name":"disk0"}' 'blockdev-del={"node-name":"disk0"}' \
		'netdev_add={"type":"user","id":"net0"}' 'netdev_del={"id":"net0"}' \
		'migrate-set-capabilities={"capabilities":[{"capability":"x-ignore-shared","state":true}]}' \
		'object-del={"id":"indep_iothread_0"}' query-iothreads quit
	expect_rc 0
	expect_in "$out" '"id": "indep_iothread_0"}]'
	expect_in "$out" '"size": 134217728, "slot": 0, "node": 0, "id": "dimm1"'
	expect_in "$out" '{"props": {"core-id": 1, "thread-id": 0, "node-id": 0, "socket-id": 0}, "vcpus-count": 1, "type": "qemu64-x86_64-cpu"}'
	expect_in "$out" '"qom-path": "/machine/peripheral/cpu1", "cpu-index": 1'
	expect_in "$out" "ok query-iothreads []"
	gone "$T" "$pid"
}

# A template at the QMP level (no guest yet): memory in a shared file, the
# device state saved with x-ignore-shared; two clones map the same file
# privately, take the state with migrate-incoming, and run.
test_qmp_template_and_two_clones() {
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	q() { # NAME SHARE [ARGS...]
		n=$1 share=$2
		shift 2
		qemu-system-x86_64 -nodefaults -nographic -display none -m 128M -smp 1 \
			-machine q35,accel=tcg,memory-backend=mem0 \
			-object "memory-backend-file,id=mem0,size=128M,mem-path=$T/mem,share=$share" \
			-S -daemonize -pidfile "$T/$n.pid" -qmp "unix:$T/$n.sock,server=on,wait=off" \
			"$@" > "$T/$n.log" 2>&1 || fail "QEMU $n did not start: $(cat "$T/$n.log")"
	}
	trap 'for p in "$T"/*.pid; do kill -9 "$(cat "$p")" 2> /dev/null; done' EXIT
	caps='migrate-set-capabilities={"capabilities":[{"capability":"x-ignore-shared","state":true}]}'
	q template on
	tpid=$(cat "$T/template.pid")
	run "$tool" "$T/template.sock" 30000 cont stop "$caps" \
		"migrate={\"uri\":\"exec:cat > $T/state\"}" migrated quit
	expect_rc 0
	gone_named "$T" template "$tpid"
	size=$(stat -c %s "$T/state")
	[ "$size" -lt 4194304 ] || fail "state file of $size bytes: guest memory was copied"
	for c in 1 2; do
		q "clone$c" off -incoming defer
	done
	for c in 1 2; do
		cpid=$(cat "$T/clone$c.pid")
		run "$tool" "$T/clone$c.sock" 30000 "$caps" \
			"migrate-incoming={\"uri\":\"exec:cat $T/state\"}" migrated status cont status quit
		expect_rc 0
		expect_eq "$(printf '%s' "$out" | tr '\n' '|')" \
			"ok migrate-set-capabilities {}|ok migrate-incoming {}|migrated|status paused|ok cont {}|status running|ok quit {}"
		gone_named "$T" "clone$c" "$cpid"
	done
}

# QEMU takes the command line we build (hypervisor/qemu/argv.c). No guest
# kernel yet: -kernel, -initrd and -append are left out and the VM stays
# stopped (-S); every device, backend, socket and the daemonizing are real.
start_built() { # MODE TOML
	"$B/tests/qemu-argv" "$T" "$1" "$2" > "$T/argv" || fail "qemu-argv failed"
	awk 'skip { skip = 0; next } /^-(kernel|initrd|append)$/ { skip = 1; next } { print }' \
		"$T/argv" > "$T/argv2"
	grep -q ' ' "$T/argv2" && fail "an argument with a space: $(grep ' ' "$T/argv2")"
	# shellcheck disable=SC2046
	set -- $(cat "$T/argv2")
	"$@" -S > "$T/qemu.log" 2>&1 || fail "QEMU refused our argv: $(cat "$T/qemu.log")"
	pid=$(cat "$T/pid")
	trap 'kill -9 $pid 2> /dev/null' EXIT
}

test_qemu_takes_our_argv() {
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	start_built boot '[hypervisor.qemu]
kernel = "/unused"
default_memory = 128
default_maxvcpus = 2
pcie_root_port = 2
enable_iothreads = true
indep_iothreads = 2'
	[ -S "$T/kata.sock" ] || fail "no agent channel socket"
	run "$tool" "$T/qmp.sock" 10000 status query-iothreads query-hotpluggable-cpus quit
	expect_rc 0
	expect_in "$out" "status prelaunch"
	expect_in "$out" '"id": "indep_iothread_1"'
	expect_in "$out" '"qom-path": "/machine/unattached/device[0]"'
	gone_files "$T" "$pid" pid qmp.sock kata.sock
}

test_qemu_takes_our_template_and_clone_argv() {
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	toml='[hypervisor.qemu]
kernel = "/unused"
default_memory = 128'
	start_built "template:$T/memory" "$toml"
	[ "$(stat -c %s "$T/memory")" = 134217728 ] || fail "no 128 MiB memory file"
	run "$tool" "$T/qmp.sock" 10000 status quit
	expect_in "$out" "status prelaunch"
	sleep 0.3
	start_built "clone:$T/memory" "$toml"
	run "$tool" "$T/qmp.sock" 10000 status quit
	expect_in "$out" "status inmigrate"
}

# The Debian kernel (as vmlinux, through PVH) and a busybox initrd booted by
# the command line we build: the guest reaches its init, which powers off.
test_guest_boots_to_init() {
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	sh "$top/scripts/guest-fixture.sh" "$B/guest" > "$T/fixture.log" 2>&1 ||
		fail "guest fixture: $(cat "$T/fixture.log")"
	"$B/tests/qemu-argv" "$T" boot "[hypervisor.qemu]
kernel = \"$B/guest/vmlinux\"
initrd = \"$B/guest/initrd-poweroff.img\"
default_memory = 256" > "$T/argv" || fail "qemu-argv failed"
	# One argument a line (-append's value has spaces): split on newlines only.
	set -f
	IFS='
'
	# shellcheck disable=SC2046
	set -- $(cat "$T/argv")
	unset IFS
	set +f
	"$@" -S > "$T/qemu.log" 2>&1 || fail "QEMU refused our argv: $(cat "$T/qemu.log")"
	pid=$(cat "$T/pid")
	trap 'kill -9 $pid 2> /dev/null' EXIT
	run "$tool" "$T/qmp.sock" 120000 cont wait:SHUTDOWN
	expect_rc 0
	expect_in "$out" 'event SHUTDOWN {"guest": true, "reason": "guest-shutdown"}'
	gone_files "$T" "$pid" pid qmp.sock kata.sock
}

run_suite qmp-qemu
