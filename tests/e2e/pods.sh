#!/bin/sh
# Pods on the command line, as CRI-O drives a runtime: a sandbox (the pause
# container) and containers that say in their annotations which sandbox
# they belong to. One VM for the pod; the containers share its hostname,
# IPC and network. Usage: tests/e2e/pods.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

qemus() { pgrep -f "qemu-system-x86_64.*$T/root" | wc -l; }

setup() {
	vm_setup
	$K version | grep -q pods || skip "pods not built in"
	pod_bundle sb sandbox pod1 sleep 1000
	run $K create -b "$T/sb" pod1
	expect_rc 0
	run $K start pod1
	expect_rc 0
}

test_pod_containers_share_one_vm() {
	setup
	pod_bundle b1 container pod1 sh -c 'echo shared > /dev/shm/x; sleep 1000'
	pod_bundle b2 container pod1 sleep 1000
	run $K create -b "$T/b1" c1
	expect_rc 0
	run $K create -b "$T/b2" c2
	expect_rc 0
	expect_eq "$(qemus)" 1
	run $K start c1
	expect_rc 0
	run $K start c2
	expect_rc 0
	run $K exec c2 hostname
	expect_eq "$out" "pod-host"
	sleep 1
	# IPC is the pod's: c1's POSIX shm is not (each has its /dev/shm
	# mount), but the hostname and the network are.
	run $K exec c1 cat /proc/net/dev
	expect_in "$out" "lo:"
	run $K list
	expect_in "$out" "c1"
	expect_in "$out" "c2"
	expect_in "$out" "pod1"
	run $K ps c2
	expect_rc 0
	# The sandbox goes last: stopped, with its containers running, it
	# refuses; the containers run on without it.
	run $K kill pod1 KILL
	expect_rc 0
	for _ in $(seq 50); do $K state pod1 | grep -q '"stopped"' && break; sleep 0.1; done
	run $K delete pod1
	expect_rc 1
	expect_in "$err" "its container c1 is running"
	run $K kill c1 KILL
	expect_rc 0
	for _ in $(seq 50); do $K state c1 | grep -q '"stopped"' && break; sleep 0.1; done
	run $K delete c1
	expect_rc 0
	expect_eq "$(qemus)" 1
	run $K state c1
	expect_rc 1
	run $K exec c2 true
	expect_rc 0
	run $K delete --force pod1
	expect_rc 0
	run $K state c2
	expect_rc 1
	expect_eq "$(qemus)" 0
	nothing_left_here
}

test_pod_bad_annotations_leave_nothing() {
	setup
	pod_bundle b1 container nosuch true
	run $K create -b "$T/b1" c1
	expect_rc 1
	expect_in "$err" "annotation io.kubernetes.cri-o.SandboxID: sandbox nosuch"
	expect_in "$err" "does not exist"
	pod_bundle b2 sidecar pod1 true
	run $K create -b "$T/b2" c2
	expect_rc 1
	expect_in "$err" "annotation io.kubernetes.cri-o.ContainerType: unknown container type \"sidecar\""
	# A create that fails in the guest (no such working directory)
	# leaves the pod as it was.
	pod_bundle b3 container pod1 true
	sed -i 's|"cwd": *"[^"]*"|"cwd": "/no/such/dir"|' "$T/b3/config.json"
	grep -q /no/such/dir "$T/b3/config.json" || fail "cwd not set"
	run $K create -b "$T/b3" c3
	expect_rc 1
	run $K state c3
	expect_rc 1
	pod_bundle b4 container pod1 echo still-fine
	run $K run -b "$T/b4" c4
	expect_rc 0
	expect_eq "$out" "still-fine"
	run $K delete --force pod1
	expect_rc 0
	nothing_left_here
}

test_pod_vm_killed_stops_every_container() {
	setup
	pod_bundle b1 container pod1 sleep 1000
	run $K create -b "$T/b1" c1
	expect_rc 0
	run $K start c1
	expect_rc 0
	kill -KILL "$(cat "$T/root/pod1/pid")"
	for _ in $(seq 50); do $K state c1 | grep -q '"stopped"' && break; sleep 0.1; done
	run $K state c1
	expect_in "$out" '"stopped"'
	run $K state pod1
	expect_in "$out" '"stopped"'
	run $K delete c1
	expect_rc 0
	run $K delete pod1
	expect_rc 0
	nothing_left_here
}

# A container's CPU limit is hot-added to the pod's VM (Kata 1.x): the
# VM has one vCPU, and two for a quota of two CPUs where the host has room.
test_pod_cpu_limit_hot_adds_vcpus() {
	setup
	[ "$(nproc)" -ge 2 ] || skip "one host CPU: maxcpus leaves no room"
	pod_bundle b1 container pod1 sleep 1000
	/usr/bin/python3 - "$T/b1/config.json" <<'PYEOF' || fail "limit"
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"].setdefault("resources", {})["cpu"] = {"quota": 200000, "period": 100000}
json.dump(c, open(sys.argv[1], "w"))
PYEOF
	run $K exec pod1 nproc
	expect_eq "$out" "1"
	run $K create -b "$T/b1" c1
	expect_rc 0
	run $K start c1
	expect_rc 0
	run $K exec c1 nproc
	expect_eq "$out" "2"
	run $K delete --force pod1
	expect_rc 0
	nothing_left_here
}

# Every command on a pod's container: pause and resume freeze it alone,
# update reaches its cgroup in the pod's VM, events reads its stats.
test_pod_member_commands() {
	setup
	pod_bundle b1 container pod1 sleep 1000
	pod_bundle b2 container pod1 sleep 1000
	for c in c1 c2; do
		run $K create -b "$T/b${c#c}" $c
		expect_rc 0
		run $K start $c
		expect_rc 0
	done
	run $K pause c1
	expect_rc 0
	run $K state c1
	expect_in "$out" '"status": "paused"'
	run $K state c2
	expect_in "$out" '"status": "running"'
	run $K exec c2 cat /sys/fs/cgroup/kata/c1/cgroup.freeze
	expect_eq "$out" 1
	run $K resume c1
	expect_rc 0
	run $K update --memory 64m --pids-limit 30 c1
	expect_rc 0
	run $K exec c1 cat /sys/fs/cgroup/kata/c1/memory.max /sys/fs/cgroup/kata/c1/pids.max
	expect_eq "$out" "67108864
30"
	run $K exec c2 cat /sys/fs/cgroup/kata/c2/pids.max
	expect_eq "$out" "max"
	run $K events --stats c1
	expect_rc 0
	expect_in "$out" '{"type":"stats","id":"c1","data":{"cpu":{"usage":{"total":'
	expect_in "$out" '"pids":{"current":1,"limit":30}'
	run $K ps c2
	expect_in "$out" "sleep 1000"
	run $K kill c2 KILL
	expect_rc 0
	for _ in $(seq 50); do $K state c2 | grep -q '"stopped"' && break; sleep 0.1; done
	run $K state c2
	expect_in "$out" '"status": "stopped"'
	run $K exec c1 true
	expect_rc 0
	run $K delete --force pod1
	expect_rc 0
	nothing_left_here
}

# Two commands on one pod at once never corrupt it: two creates together
# (each hot-adds memory and joins the VM), two starts together, a delete of
# one container during an exec in the other.
test_pod_concurrent_commands() {
	setup
	for i in 1 2; do
		pod_bundle b$i container pod1 sleep 1000
		/usr/bin/python3 - "$T/b$i/config.json" <<'PYEOF' || fail "limit"
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"].setdefault("resources", {})["memory"] = {"limit": 128 << 20}
json.dump(c, open(sys.argv[1], "w"))
PYEOF
	done
	$K create -b "$T/b1" c1 > "$T/o1" 2>&1 &
	p1=$!
	$K create -b "$T/b2" c2 > "$T/o2" 2>&1 &
	p2=$!
	wait $p1 || fail "create c1: $(cat "$T/o1")"
	wait $p2 || fail "create c2: $(cat "$T/o2")"
	$K start c1 & p1=$!
	$K start c2 & p2=$!
	wait $p1 || fail "start c1"
	wait $p2 || fail "start c2"
	expect_eq "$(qemus)" 1
	run $K exec pod1 sh -c 'grep MemTotal /proc/meminfo'
	total=$(echo "$out" | awk '{ print $2 }')
	[ "$total" -gt $((256 * 1024 + 200 * 1024)) ] || fail "two 128 MiB blocks not added: $out"
	$K exec c1 sh -c 'sleep 3; echo exec-done' > "$T/x" 2>&1 &
	px=$!
	sleep 1
	run $K delete --force c2
	expect_rc 0
	wait $px || fail "exec during a delete: $(cat "$T/x")"
	expect_eq "$(cat "$T/x")" "exec-done"
	run $K list
	expect_in "$out" "c1"
	expect_not_in "$out" "c2"
	run $K exec c1 true
	expect_rc 0
	run $K delete --force pod1
	expect_rc 0
	nothing_left_here
}

run_suite pods
