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

CNI_BIN=/usr/lib/cni

# cd_config: containerd's configuration, with the CRI plugin, in $T/cd.toml;
# the pod network a bridge of the test's own on 10.88.N.0/24.
cd_config() {
	br=ukc$$
	net=$(( $$ % 200 + 20 ))
	mkdir -p "$T/cd" "$T/cni" "$T/ipam" "$T/logs"
	cat > "$T/cd.toml" <<EOT
version = 2
root = "$T/cd/root"
state = "$T/cd/state"
[grpc]
  address = "$T/cd/c.sock"
[ttrpc]
  address = "$T/cd/c.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "ukata.test/pause:1"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "kata"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
    runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]
    BinaryName = "$B/kata-runtime"
    Root = "$T/kroot"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$T/cni"
EOT
	cat > "$T/cni/10-ukata.conflist" <<EOT
{"cniVersion": "0.4.0", "name": "ukata-test", "plugins": [
  {"type": "bridge", "bridge": "$br", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "dataDir": "$T/ipam",
            "ranges": [[{"subnet": "10.88.$net.0/24"}]]}},
  {"type": "loopback"}]}
EOT
}

# Whatever a failed test left: containerd, the pods' network namespaces
# (made by containerd's CRI, never by the runtime), the bridge.
cri_cleanup() {
	kill "$(cat "$T/cd/pid")" 2> /dev/null
	ip netns list | awk '{ print $1 }' | while read -r n; do
		grep -q "^$n " "$T/netns.before" 2> /dev/null || ip netns del "$n" 2> /dev/null
	done
	ip link del "$br" 2> /dev/null
}

# GET URL from the host, with a 10 s timeout (busybox-static's wget
# crashes resolving on a glibc host).
host_get() {
	/usr/bin/python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1"
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v containerd > /dev/null || skip "containerd missing (make deps)"
	[ -x "$CNI_BIN/bridge" ] || skip "CNI plugins missing (make deps)"
	$B/kata-runtime version | grep -q pods || skip "pods not built in"
	vm_config "$T/kata.toml"
	cd_config
	ip netns list | awk '{ print $1 " " }' > "$T/netns.before"
	KATA_CONF_FILE="$T/kata.toml" containerd --config "$T/cd.toml" > "$T/cd/log" 2>&1 &
	echo $! > "$T/cd/pid"
	trap cri_cleanup EXIT
	C="ctr -a $T/cd/c.sock -n k8s.io"
	CRI="/usr/bin/python3 $top/tests/e2e/cri.py $T/cd/c.sock"
	for _ in $(seq 100); do $C version > /dev/null 2>&1 && break; sleep 0.1; done
	$C version > /dev/null 2>&1 || fail "containerd did not start: $(tail -5 "$T/cd/log")"
	/usr/bin/python3 "$top/tests/e2e/oci_image.py" "$T/pause.tar" ukata.test/pause:1 \
		sleep 2147483647 || fail "pause image"
	/usr/bin/python3 "$top/tests/e2e/oci_image.py" "$T/bb.tar" ukata.test/busybox:1 || fail "image"
	for i in pause bb; do
		$C images import --snapshotter native "$T/$i.tar" > /dev/null || fail "import $i"
	done
	run $CRI image ukata.test/busybox:1
	[ "$rc" = 0 ] || fail "the CRI does not see the image: $err; containerd: $(grep -i 'cri\|level=error' "$T/cd/log" | tail -5)"
}

qemus() { pgrep -f "qemu-system-x86_64.*$T/kroot" | wc -l; }

# After the pod is gone: no QEMU, shim, mount, netns, TAP or state of it.
cri_nothing_left() {
	sleep 0.5
	left=$(ls -A "$T/kroot/k8s.io" 2> /dev/null | grep -v '^\.cache$')
	[ -z "$left" ] || fail "state left: $left"
	pgrep -f "$T/kroot" > /dev/null && fail "left running: $(pgrep -af "$T/kroot")"
	grep -q " $T/kroot" /proc/self/mountinfo && fail "mounts left"
	ip netns list | awk '{ print $1 " " }' > "$T/netns.after"
	cmp -s "$T/netns.before" "$T/netns.after" || fail "netns left: $(diff "$T/netns.before" "$T/netns.after")"
	ip -o link | grep -q "tap.*_kata" && fail "TAP left: $(ip -o link | grep tap)"
	true
}

test_cri_pod_of_two_containers_is_one_vm() {
	setup
	run $CRI runp pod1 --hostname pod-one --logdir "$T/logs"
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
