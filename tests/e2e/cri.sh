#!/bin/sh
# Pods as Kubernetes runs them: Debian's containerd with its CRI plugin (its
# config, root, state and sockets in the test's directory), a runtime handler
# `kata` of the runc shim with BinaryName = kata-runtime, CNI's bridge and
# host-local plugins, a pause image and a busybox image made locally, and
# tests/e2e/cri.py calling the CRI as the kubelet does.
# Usage: tests/e2e/cri.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

# Whatever a failed test left: containerd, the pods' network namespaces
# (made by containerd's CRI, never by the runtime), the bridge.
cri_cleanup() { sh "$top/tests/e2e/cri_containerd.sh" stop "$T/cd"; }

# GET URL from the host, with a 10 s timeout (busybox-static's wget
# crashes resolving on a glibc host).
host_get() {
	/usr/bin/python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1"
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v containerd > /dev/null || skip "containerd missing (make deps)"
	[ -x /usr/lib/cni/bridge ] || skip "CNI plugins missing (make deps)"
	$B/kata-runtime version | grep -q pods || skip "pods not built in"
	vm_config "$T/kata.toml"
	mkdir -p "$T/logs"
	trap cri_cleanup EXIT
	sh "$top/tests/e2e/cri_containerd.sh" start "$T/cd" "$B/kata-runtime" "$T/kroot" \
		"$T/kata.toml" $(( $$ % 200 + 20 )) || fail "containerd with its CRI"
	CRI="/usr/bin/python3 $top/tests/e2e/cri.py $T/cd/c.sock"
	run $CRI image ukata.test/busybox:1
	[ "$rc" = 0 ] || fail "the CRI does not see the image: $err; containerd: $(grep -i 'cri\|level=error' "$T/cd/log" | tail -5)"
}

# The state of the runtime handler's containers: the runc shim's --root,
# or the shim v2's (beside containerd's socket).
STATE=kroot
qemus() { pgrep -f "qemu-system-x86_64.*$T/$STATE" | wc -l; }

# After the pod is gone: no QEMU, shim, mount, netns, TAP or state of it.
cri_nothing_left() {
	sleep 0.5
	left=$(ls -A "$T/$STATE/k8s.io" 2> /dev/null | grep -v '^\.cache$')
	[ -z "$left" ] || fail "state left: $left"
	pgrep -f "$T/$STATE" > /dev/null && fail "left running: $(pgrep -af "$T/$STATE")"
	pgrep -f "containerd-shim-kata-v2 .*$T/" > /dev/null && fail "a shim v2 left running"
	grep -q " $T/$STATE" /proc/self/mountinfo && fail "mounts left"
	grep -q " $T/cd/state" /proc/self/mountinfo && fail "rootfs mounts left"
	ip netns list | awk '{ print $1 " " }' > "$T/netns.after"
	cmp -s "$T/cd/netns.before" "$T/netns.after" || fail "netns left: $(diff "$T/cd/netns.before" "$T/netns.after")"
	ip -o link | grep -q "tap.*_kata" && fail "TAP left: $(ip -o link | grep tap)"
	true
}

test_cri_pod_of_two_containers_is_one_vm() {
	setup
	pod_of_two kata
}

# The same pod through the shim v2: one containerd-shim-kata-v2 serves the
# pod (its containers' start names the sandbox's shim), no runc shim.
test_cri_pod_through_the_shim_v2() {
	setup
	$B/kata-runtime version | grep -q shim-v2 || skip "the shim v2 is not built in"
	STATE=cd/ukata-v2
	pod_of_two kata-v2
}

# kata-monitor over both handlers' roots, asking this containerd's CRI:
# the pod's samples carry its sandbox id and its CRI metadata.
monitor_labels() { # POD-ID
	$B/kata-runtime version | grep -q kata-monitor || return 0
	want="cri_uid=\"pod1-uid\",cri_name=\"pod1\",cri_namespace=\"default\",sandbox_id=\"$1\""
	monitor_scrape "^kata_hypervisor_threads{$want} [1-9]" --root "$T/kroot" --root "$T/cd/ukata-v2" \
		--runtime-endpoint "$T/cd/c.sock"
	m=$MON_OUT
	echo "$m" | grep -q "^kata_hypervisor_threads{$want} [1-9]" ||
		fail "kata-monitor: no $want: $(echo "$m" | grep threads) $(cat "$T/monitor.log")"
	echo "$m" | grep -q "^kata_guest_meminfo{$want,item=\"MemTotal\"} [1-9]" ||
		fail "kata-monitor: no guest metrics with the CRI labels"
}

# pod_of_two HANDLER: the pod test of the runtime handler.
pod_of_two() {
	run $CRI runp pod1 --hostname pod-one --logdir "$T/logs" --handler "$1"
	expect_rc 0
	pod=$out
	ip=$($CRI inspectp "$pod" | sed 's/.*"ip": "\([0-9.]*\)".*/\1/')
	case $ip in 10.88.*) ;; *) fail "pod IP: $ip";; esac
	run $CRI create "$pod" web ukata.test/busybox:1 -- sh -c \
		'mkdir -p /www && hostname > /www/index.html && echo web-log-line && exec httpd -f -p 8080 -h /www'
	expect_rc 0
	c1=$out
	run $CRI create "$pod" client ukata.test/busybox:1 -- sleep 1000
	expect_rc 0
	c2=$out
	run $CRI start "$c1"
	expect_rc 0
	run $CRI start "$c2"
	expect_rc 0
	expect_eq "$(qemus)" 1 "QEMU processes for the pod"
	monitor_labels "$pod"
	if [ "$1" = kata-v2 ]; then
		expect_eq "$(pgrep -f "containerd-shim-kata-v2 .*$T/cd/c.sock" | wc -l)" 1 "shims v2"
		pgrep -f "containerd-shim-runc-v2 .*$T/" > /dev/null && fail "a runc shim runs"
	fi
	run $CRI status "$c2"
	expect_in "$out" '"state": "CONTAINER_RUNNING"'
	run $CRI exec "$c2" hostname
	expect_rc 0
	expect_eq "$out" "pod-one"
	for _ in $(seq 50); do
		$CRI exec "$c2" wget -qO- http://127.0.0.1:8080/ > "$T/w" 2>&1 && break
		sleep 0.2
	done
	expect_eq "$(cat "$T/w")" "pod-one" "container 2 to container 1 on 127.0.0.1"
	run $CRI exec "$c2" wget -qO- "http://$ip:8080/"
	expect_eq "$out" "pod-one" "container 2 to container 1 on the pod IP"
	run host_get "http://$ip:8080/"
	expect_eq "$out" "pod-one" "the host to the pod IP"
	# the pod's /dev/shm (the CRI's, shared into the VM) is one
	run $CRI exec "$c1" sh -c 'echo shm-shared > /dev/shm/x'
	expect_rc 0
	run $CRI exec "$c2" cat /dev/shm/x
	expect_eq "$out" "shm-shared"
	run $CRI exec "$c2" sh -c 'echo out; echo err >&2; exit 3'
	expect_rc 3
	expect_eq "$out" "out"
	expect_eq "$err" "err"
	grep -q "stdout F web-log-line" "$T/logs/web.log" || fail "log: $(cat "$T/logs/web.log")"
	run $CRI stop "$c1" 2
	expect_rc 0
	run $CRI status "$c1"
	expect_in "$out" '"state": "CONTAINER_EXITED"'
	run $CRI status "$c2"
	expect_in "$out" '"state": "CONTAINER_RUNNING"'
	run $CRI stopp "$pod"
	expect_rc 0
	run $CRI rmp "$pod"
	expect_rc 0
	cri_nothing_left
}

# shareProcessNamespace: the containers see each other's processes; a CPU
# limit grows the pod's VM; a container removed while the pod runs goes
# alone.
test_cri_shared_pid_namespace_limits_and_remove() {
	setup
	run $CRI runp pod2 --pidns pod
	expect_rc 0
	pod=$out
	run $CRI create "$pod" sleeper ukata.test/busybox:1 --pidns pod -- sleep 1234
	expect_rc 0
	c1=$out
	run $CRI create "$pod" worker ukata.test/busybox:1 --pidns pod --cpus 2 -- sleep 1000
	expect_rc 0
	c2=$out
	for c in "$c1" "$c2"; do
		run $CRI start "$c"
		expect_rc 0
	done
	expect_eq "$(qemus)" 1
	run $CRI exec "$c2" ps -o args
	expect_in "$out" "sleep 1234"
	run $CRI exec "$c2" nproc
	expect_eq "$out" 2 "vCPUs after a limit of 2 CPUs"
	run $CRI stop "$c1" 2
	expect_rc 0
	run $CRI rm "$c1"
	expect_rc 0
	run $CRI status "$c1"
	expect_rc 1
	[ -d "$T/kroot/k8s.io/$c1" ] && fail "state of the removed container left"
	run $CRI exec "$c2" ps -o args
	expect_rc 0
	expect_not_in "$out" "sleep 1234"
	run $CRI stopp "$pod"
	expect_rc 0
	run $CRI rmp "$pod"
	expect_rc 0
	cri_nothing_left
}

run_suite cri
