#!/bin/sh
# containerd drives kata-runtime as it drives runc: Debian's containerd with
# its state in the test's directory, a busybox image made locally as an OCI
# archive (tests/e2e/oci_image.py, no registry), and
# `ctr run --runtime io.containerd.runc.v2 --runc-binary kata-runtime`. The
# runc shim sees the container's process as the pid kata-runtime reports
# (our shim) and its exit status as the container's.
# Usage: tests/e2e/containerd.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v containerd > /dev/null && command -v ctr > /dev/null ||
		skip "containerd missing (make deps)"
	vm_config "$T/kata.toml"
	printf 'version = 2\nroot = "%s/cd/root"\nstate = "%s/cd/state"\n' "$T" "$T" > "$T/cd.toml"
	printf 'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >> "$T/cd.toml"
	printf '[grpc]\n  address = "%s/cd/c.sock"\n[ttrpc]\n  address = "%s/cd/c.ttrpc"\n' "$T" "$T" >> "$T/cd.toml"
	mkdir -p "$T/cd"
	# The runc shim and kata-runtime inherit containerd's environment.
	KATA_CONF_FILE="$T/kata.toml" containerd --config "$T/cd.toml" > "$T/cd/log" 2>&1 &
	echo $! > "$T/cd/pid"
	trap 'kill "$(cat "$T/cd/pid")" 2> /dev/null' EXIT
	C="ctr -a $T/cd/c.sock"
	for _ in $(seq 100); do $C version > /dev/null 2>&1 && break; sleep 0.1; done
	$C version > /dev/null 2>&1 || fail "containerd did not start: $(tail -5 "$T/cd/log")"
	/usr/bin/python3 "$top/tests/e2e/oci_image.py" "$T/bb.tar" ukata.test/busybox:1 || fail "image"
	$C images import --snapshotter native "$T/bb.tar" > /dev/null || fail "import"
	RUN="$C run --snapshotter native --runtime io.containerd.runc.v2 --runc-binary $B/kata-runtime --runc-root $T/kroot"
}

teardown() {
	kill "$(cat "$T/cd/pid")" 2> /dev/null
	sleep 0.5
	left=$(ls -A "$T/kroot/default" 2> /dev/null | grep -v '^\.cache$')
	[ -z "$left" ] || fail "state left: $left"
	pgrep -f "$T/kroot" > /dev/null && fail "left running: $(pgrep -af "$T/kroot")"
	grep -q " $T/kroot" /proc/self/mountinfo && fail "mounts left"
	true
}

test_containerd_runs_containers_through_kata_runtime() {
	setup
	run $RUN --rm ukata.test/busybox:1 k1 echo hello-from-containerd
	expect_rc 0
	expect_eq "$out" "hello-from-containerd"
	run $RUN --rm ukata.test/busybox:1 k2 sh -c 'exit 3'
	expect_rc 3
	run $RUN -d ukata.test/busybox:1 k3 sleep 1000
	expect_rc 0
	run $C task ls
	expect_in "$out" "RUNNING"
	pid=$(echo "$out" | awk '$1 == "k3" { print $2 }')
	run $B/kata-runtime --root "$T/kroot/default" state k3
	expect_in "$out" "\"pid\": $pid,"
	run $C task exec --exec-id e1 k3 sh -c 'echo exec-out; exit 4'
	expect_rc 4
	expect_eq "$out" "exec-out"
	run $C task ps k3
	expect_in "$out" "$pid"
	run $C task pause k3
	expect_rc 0
	run $C task ls
	expect_in "$out" "PAUSED"
	run $C task resume k3
	expect_rc 0
	run $C task kill -s KILL k3
	expect_rc 0
	for _ in $(seq 50); do $C task ls | grep -q STOPPED && break; sleep 0.1; done
	run $C task delete k3
	expect_rc 0
	expect_in "$err$out" "137"
	run $C container rm k3
	expect_rc 0
	teardown
}

run_suite containerd
