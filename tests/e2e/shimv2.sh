#!/bin/sh
# containerd's runtime v2 with our shim: Debian's containerd (its config,
# root, state and sockets in the test's directory) runs
# `ctr run --runtime io.containerd.kata.v2`, finding containerd-shim-kata-v2
# (a link to kata-runtime) on its PATH. Each task is a container in a VM;
# containerd gets the task events in the order the contract requires.
# Usage: tests/e2e/shimv2.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v containerd > /dev/null || skip "containerd missing (make deps)"
	$B/kata-runtime version | grep -q shim-v2 || skip "the shim v2 is not built in"
	vm_config "$T/kata.toml"
	mkdir -p "$T/bin" "$T/cd"
	ln -s "$B/kata-runtime" "$T/bin/containerd-shim-kata-v2"
	cat > "$T/cd.toml" <<EOT
version = 2
root = "$T/cd/root"
state = "$T/cd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/cd/c.sock"
[ttrpc]
  address = "$T/cd/c.ttrpc"
EOT
	start_containerd
	trap 'kill "$(cat "$T/cd/pid")" 2> /dev/null' EXIT
	/usr/bin/python3 "$top/tests/e2e/oci_image.py" "$T/bb.tar" ukata.test/busybox:1 || fail "image"
	$C images import --snapshotter native "$T/bb.tar" > /dev/null || fail "import"
	RUN="$C run --snapshotter native --runtime io.containerd.kata.v2"
}

start_containerd() {
	PATH="$T/bin:$PATH" KATA_CONF_FILE="$T/kata.toml" \
		containerd --config "$T/cd.toml" >> "$T/cd/log" 2>&1 &
	echo $! > "$T/cd/pid"
	C="ctr -a $T/cd/c.sock"
	for _ in $(seq 100); do $C version > /dev/null 2>&1 && break; sleep 0.1; done
	$C version > /dev/null 2>&1 || fail "containerd did not start: $(tail -5 "$T/cd/log")"
}

# Nothing of the test's tasks is left: no state, VM, shim, socket or mount.
v2_nothing_left() {
	sleep 0.5
	left=$(ls -A "$T/cd/ukata-v2/default" 2> /dev/null)
	[ -z "$left" ] || fail "state left: $left"
	left=$(ls -A "$T/cd/s" 2> /dev/null)
	[ -z "$left" ] || fail "shim sockets left: $left"
	pgrep -f "$T/" | grep -v "^$(cat "$T/cd/pid")\$" > /dev/null &&
		fail "left running: $(pgrep -af "$T/" | grep -v containerd\ --config)"
	grep -q " $T/cd/state" /proc/self/mountinfo && fail "mounts left"
	true
}

test_shim_v2_runs_tasks() {
	setup
	run $RUN --rm ukata.test/busybox:1 v1 echo hello-from-kata-v2
	expect_rc 0
	expect_eq "$out" "hello-from-kata-v2"
	run $RUN --rm ukata.test/busybox:1 v2 sh -c 'echo to-stderr >&2; exit 3'
	expect_rc 3
	expect_eq "$err" "to-stderr"
	echo from-stdin | $RUN --rm ukata.test/busybox:1 v3 cat > "$T/o3" 2>&1
	expect_eq "$(cat "$T/o3")" "from-stdin"
	run $RUN -d ukata.test/busybox:1 k1 sleep 1000
	expect_rc 0
	run $C task ls
	expect_in "$out" "RUNNING"
	pid=$(echo "$out" | awk '$1 == "k1" { print $2 }')
	run $C task exec --exec-id e1 k1 sh -c 'echo exec-out; exit 4'
	expect_rc 4
	expect_eq "$out" "exec-out"
	run $C task ps k1
	expect_in "$out" "$pid"
	# an exec id in use is refused; the task goes on
	run $C task exec --detach --exec-id dup k1 sleep 100
	expect_rc 0
	run $C task exec --detach --exec-id dup k1 true
	expect_rc 1
	expect_in "$err" "exists"
	run $C task exec --exec-id e5 k1 echo fine
	expect_eq "$out" "fine"
	run $C task kill --exec-id dup -s KILL k1
	expect_rc 0
	run $C task metrics k1
	expect_rc 0
	expect_in "$out" "pids.current"
	echo "$out" | grep -q "memory.usage *[1-9]" || fail "metrics: $out"
	echo "$out" | grep -q "cpu.usage_usec *[1-9]" || fail "metrics: $out"
	run $C task pause k1
	expect_rc 0
	run $C task ls
	expect_in "$out" "PAUSED"
	run $C task resume k1
	expect_rc 0
	run $C task kill -s KILL k1
	expect_rc 0
	for _ in $(seq 50); do $C task ls | grep -q STOPPED && break; sleep 0.1; done
	run $C task delete k1
	expect_rc 0
	expect_in "$err$out" "137"
	run $C container rm k1
	expect_rc 0
	v2_nothing_left
}

# A container over its memory limit: the OOM killer in the guest, a
# /tasks/oom event for it (the agent's GetOOMEvent).
test_shim_v2_oom_event() {
	setup
	$C events > "$T/events" 2>&1 &
	ev=$!
	sleep 0.3
	run $RUN --rm --memory-limit 33554432 ukata.test/busybox:1 o1 \
		sh -c 'head -c 200000000 /dev/zero | tail > /dev/null; echo "tail: $?"'
	expect_in "$out" "tail: 137"
	for _ in $(seq 50); do grep -q /tasks/oom "$T/events" && break; sleep 0.1; done
	kill $ev
	grep -q '/tasks/oom {"container_id":"o1"}' "$T/events" ||
		fail "no oom event: $(grep /tasks/ "$T/events")"
	v2_nothing_left
}

# A terminal (ctr run -t, task exec -t), under script(1)'s pty: the
# process has a tty of the size ctr's terminal has (ResizePty).
test_shim_v2_terminal() {
	setup
	command -v script > /dev/null || skip "script (util-linux) missing"
	run timeout 120 script -qec "stty rows 30 cols 100; $RUN --rm -t ukata.test/busybox:1 t1 \
		sh -c 'tty; stty size; exit 5'" /dev/null
	expect_in "$out" "/dev/pts/"
	expect_in "$out" "30 100"
	run $RUN -d ukata.test/busybox:1 t2 sleep 1000
	expect_rc 0
	run timeout 60 script -qec "stty rows 12 cols 40; $C task exec -t --exec-id x1 t2 \
		sh -c 'stty size; tty'" /dev/null
	expect_in "$out" "12 40"
	expect_in "$out" "/dev/pts/"
	$C task kill -s KILL t2
	for _ in $(seq 50); do $C task ls | grep -q STOPPED && break; sleep 0.1; done
	$C task delete t2 > /dev/null
	$C container rm t2
	v2_nothing_left
}

# GET on a unix socket: the response, whole.
http_get() { # SOCKET REQUEST-HEAD-TEXT
	/usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode()); b = b""
while True:
    d = s.recv(65536)
    if not d: break
    b += d
sys.stdout.write(b.decode())' "$1" "$2"
}

# A rootfs on a block device through the shim v2 (ctr run --rootfs: an
# ext4 image on a loop device, mounted, as a devmapper snapshot would be):
# the guest mounts the disk, and the write is in the image.
test_shim_v2_block_rootfs() {
	setup
	command -v losetup > /dev/null && command -v mkfs.ext4 > /dev/null || skip "no losetup, mkfs.ext4"
	$B/kata-runtime version | grep -q block-devices || skip "block devices not built in"
	printf 'pcie_root_port = 1\n' >> "$T/kata.toml"
	sh "$top/scripts/bundle.sh" "$T/img" "$B/kata-runtime" true > /dev/null || fail "bundle"
	truncate -s 64M "$T/r.img"
	mkfs.ext4 -q -d "$T/img/rootfs" "$T/r.img" || fail "mkfs.ext4"
	l=$(losetup -f --show "$T/r.img") || skip "no loop device"
	trap 'kill "$(cat "$T/cd/pid")" 2> /dev/null; umount "$T/broot" 2> /dev/null; losetup -d "$l"' EXIT
	mkdir "$T/broot"
	mount "$l" "$T/broot" || fail "mount $l"
	run $C run --rm --runtime io.containerd.kata.v2 --rootfs "$T/broot" b1 \
		sh -c 'grep " / " /proc/mounts; echo from-the-v2-vm > /written; sync'
	expect_rc 0
	expect_in "$out" "/dev/vda / ext4"
	umount "$T/broot"
	run debugfs -R "cat /written" "$T/r.img"
	expect_in "$out" "from-the-v2-vm"
	v2_nothing_left
}

# shim-monitor.sock in the sandbox's directory, for kata-monitor: the
# shim's and QEMU's figures as Prometheus text, the agent's URL, and
# errors for what is not a GET of those.
test_shim_v2_monitor_socket() {
	setup
	run $RUN -d ukata.test/busybox:1 m1 sleep 1000
	expect_rc 0
	sock=$T/cd/ukata-v2/default/m1/shim-monitor.sock
	[ -S "$sock" ] || fail "no $sock"
	run http_get "$sock" "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
	expect_in "$out" "HTTP/1.1 200 OK"
	expect_in "$out" "Content-Type: text/plain; version=0.0.4"
	echo "$out" | grep -q '^kata_hypervisor_threads{sandbox_id="m1"} [1-9]' || fail "metrics: $out"
	echo "$out" | grep -q '^kata_shim_process_resident_memory_bytes{sandbox_id="m1"} [1-9]' ||
		fail "metrics: $out"
	echo "$out" | grep -q '^kata_guest_meminfo{sandbox_id="m1",item="MemTotal"} [1-9]' ||
		fail "no guest metrics: $out"
	[ "$(echo "$out" | grep -c '^# TYPE kata_shim_threads ')" = 1 ] || fail "a family twice: $out"
	# the durations of the Task calls served and of the agent calls made,
	# Kata's histograms (buckets 1 to 512 ms), and the pod's overhead
	h=kata_shim_rpc_durations_histogram_milliseconds
	echo "$out" | grep -q "^${h}_count{sandbox_id=\"m1\",action=\"create\"} 1\$" ||
		fail "no create duration: $out"
	echo "$out" | grep -q "^${h}_bucket{sandbox_id=\"m1\",action=\"start\",le=\"+Inf\"} 1\$" ||
		fail "no start duration: $out"
	echo "$out" | grep -q "^${h}_bucket{sandbox_id=\"m1\",action=\"create\",le=\"512\"} [01]\$" ||
		fail "no 512 ms bucket: $out"
	h=kata_shim_agent_rpc_durations_histogram_milliseconds
	echo "$out" | grep -q "^${h}_count{sandbox_id=\"m1\",action=\"grpc.CreateContainerRequest\"} 1\$" ||
		fail "no agent call durations: $out"
	echo "$out" | grep -q '^kata_shim_pod_overhead_memory_in_bytes{sandbox_id="m1"} [1-9]' ||
		fail "no memory overhead: $out"
	echo "$out" | sed '1,/^\r*$/d' | tr -d '\r' > "$T/shim-metrics.txt"
	promtool_clean "$T/shim-metrics.txt"
	# the CPU overhead is over the time since the scrape before
	run http_get "$sock" "GET /metrics HTTP/1.1\r\n\r\n"
	echo "$out" | grep -Eq '^kata_shim_pod_overhead_cpu\{sandbox_id="m1"\} -?[0-9]+\.[0-9]+' ||
		fail "no CPU overhead: $out"
	echo "$out" | grep -q "^kata_shim_rpc_durations_histogram_milliseconds_count{sandbox_id=\"m1\",action=\"state\"} [1-9]" ||
		fail "no state duration: $out"
	# kata-monitor finds the shim's sandbox under the namespaces' root
	if $B/kata-runtime version | grep -q kata-monitor; then
		monitor_scrape '^kata_shim_threads{sandbox_id="m1"} [1-9]' --root "$T/cd/ukata-v2"
		curl_out=$MON_OUT
		echo "$curl_out" | grep -q '^kata_shim_threads{sandbox_id="m1"} [1-9]' ||
			fail "kata-monitor: $curl_out $(cat "$T/monitor.log")"
		echo "$curl_out" | grep -q '^kata_guest_meminfo{sandbox_id="m1",item="MemTotal"} [1-9]' ||
			fail "kata-monitor: no guest metrics: $curl_out"
	fi
	run http_get "$sock" "GET /agent-url HTTP/1.1\r\n\r\n"
	expect_in "$out" "HTTP/1.1 200 OK"
	expect_in "$out" "m1/proxy.sock"
	run http_get "$sock" "GET /nothing HTTP/1.1\r\n\r\n"
	expect_in "$out" "HTTP/1.1 404"
	run http_get "$sock" "DELETE /metrics HTTP/1.1\r\n\r\n"
	expect_in "$out" "HTTP/1.1 405"
	run http_get "$sock" "GET metrics\r\n\r\n"
	expect_in "$out" "HTTP/1.1 400"
	run http_get "$sock" "GET /$(printf '%09000d' 0) HTTP/1.1\r\n\r\n"
	expect_in "$out" "HTTP/1.1 431"
	run $C task exec --exec-id e1 m1 true
	expect_rc 0
	$C task kill -s KILL m1
	for _ in $(seq 50); do $C task ls | grep -q STOPPED && break; sleep 0.1; done
	$C task delete m1 > /dev/null
	$C container rm m1
	[ -e "$sock" ] && fail "the monitor socket is left"
	v2_nothing_left
}

# The configuration a container names, as Kata's shim finds it: the
# runtime options' ConfigPath (ctr --runtime-config-path), then the
# io.katacontainers.config_path annotation, then KATA_CONF_FILE.
test_shim_v2_config_path() {
	setup
	sed 's/^accel = "tcg"$/&\nkernel_params = "ukata.cfg=options"/' "$T/kata.toml" > "$T/opt.toml"
	sed 's/^accel = "tcg"$/&\nkernel_params = "ukata.cfg=annotation"/' "$T/kata.toml" > "$T/ann.toml"
	grep -q options "$T/opt.toml" || fail "config"
	run $RUN --rm --runtime-config-path "$T/opt.toml" ukata.test/busybox:1 c1 cat /proc/cmdline
	expect_in "$out" "ukata.cfg=options"
	run $RUN --rm --annotation "io.katacontainers.config_path=$T/ann.toml" ukata.test/busybox:1 \
		c2 cat /proc/cmdline
	expect_in "$out" "ukata.cfg=annotation"
	run $RUN --rm ukata.test/busybox:1 c3 cat /proc/cmdline
	expect_not_in "$out" "ukata.cfg"
	run $RUN --rm --runtime-config-path "$T/nosuch.toml" ukata.test/busybox:1 c4 true
	expect_rc 1
	expect_in "$err" "nosuch.toml"
	$C container rm c4 > /dev/null 2>&1
	v2_nothing_left
}

# ctr events: create, start, exit, delete (and an exec's added, started,
# exit, delete; paused, resumed) in the contract's order.
test_shim_v2_events_in_order() {
	setup
	$C events > "$T/events" 2>&1 &
	ev=$!
	sleep 0.3
	run $RUN -d ukata.test/busybox:1 k2 sleep 1000
	expect_rc 0
	run $C task exec --exec-id e2 k2 true
	expect_rc 0
	$C task pause k2 && $C task resume k2 || fail "pause, resume"
	$C task kill -s KILL k2
	for _ in $(seq 50); do $C task ls | grep -q STOPPED && break; sleep 0.1; done
	$C task delete k2 > /dev/null || fail "delete"
	$C container rm k2
	sleep 0.5
	kill $ev
	got=$(awk '$6 ~ /^\/tasks\// { print $6 }' "$T/events" | tr '\n' ' ')
	expect_eq "$got" "/tasks/create /tasks/start /tasks/exec-added /tasks/exec-started /tasks/exit /tasks/delete /tasks/paused /tasks/resumed /tasks/exit /tasks/delete "
	grep -q '/tasks/exit {"container_id":"k2","id":"k2","pid":[0-9]*,"exit_status":137' "$T/events" ||
		fail "the exit event: $(grep /tasks/exit "$T/events")"
	v2_nothing_left
}

# The shim SIGKILLed with its task running: containerd runs its delete,
# which takes the VM down, and forgets the task; nothing is left.
test_shim_v2_killed_shim_leaves_nothing() {
	setup
	run $RUN -d ukata.test/busybox:1 k3 sleep 1000
	expect_rc 0
	shim=$(pgrep -f "containerd-shim-kata-v2 -namespace default .*-id k3") ||
		fail "no shim: $(pgrep -af shim)"
	kill -KILL $shim
	for _ in $(seq 100); do $C task ls | grep -q "^k3 " || break; sleep 0.1; done
	run $C task ls
	expect_not_in "$out" "k3"
	$C container rm k3 || fail "container rm"
	for _ in $(seq 50); do pgrep -f "qemu.*$T/" > /dev/null || break; sleep 0.1; done
	v2_nothing_left
}

# containerd restarted while a task runs: the shim goes on serving it.
test_shim_v2_containerd_restarted() {
	setup
	run $RUN -d ukata.test/busybox:1 k4 sleep 1000
	expect_rc 0
	kill "$(cat "$T/cd/pid")"
	for _ in $(seq 50); do kill -0 "$(cat "$T/cd/pid")" 2> /dev/null || break; sleep 0.1; done
	start_containerd
	run $C task ls
	expect_in "$out" "RUNNING"
	run $C task exec --exec-id e4 k4 echo still-here
	expect_eq "$out" "still-here"
	run $C task kill -s KILL k4
	for _ in $(seq 50); do $C task ls | grep -q STOPPED && break; sleep 0.1; done
	run $C task delete k4
	expect_rc 0
	$C container rm k4
	v2_nothing_left
}

# The shim holds the pod: its only children are the VM's QEMU and a
# logging binary (no proxy, no shim per process: it relays every
# process's stdio itself). CloseIO ends a process's stdin while
# containerd's FIFO stays open; Update reaches the container's cgroup;
# file:// and binary:// log URIs (containerd's logging contract).
test_shim_v2_owns_the_pod_io() {
	setup
	run $RUN -d ukata.test/busybox:1 p1 sleep 1000
	expect_rc 0
	run $C task exec --detach --exec-id x1 p1 sleep 100
	expect_rc 0
	shim=$(pgrep -f "containerd-shim-kata-v2 -namespace default .*-id p1") || fail "no shim"
	for c in $(pgrep -P "$shim"); do
		tr '\0' ' ' < /proc/$c/cmdline | grep -q "^/usr/bin/qemu-system" ||
			fail "a child of the shim that is not QEMU: $(tr '\0' ' ' < /proc/$c/cmdline)"
	done
	pgrep -af "$T/" | grep -E " (proxy|shim --agent) " && fail "a proxy or a per-process shim runs"
	# Update (ctr 1.6 has no command for it: containerd's call, made here)
	"$B/tests/ttrpc-tool" update "$(cat "$T/cd/state/io.containerd.runtime.v2.task/default/p1/address")" \
		p1 '{"memory": {"limit": 67108864}, "pids": {"limit": 30}}' || fail "Update"
	run $C task metrics p1
	echo "$out" | grep -q "memory.usage_limit *67108864" || fail "metrics after Update: $out"
	echo "$out" | grep -q "pids.limit *30" || fail "metrics after Update: $out"
	# CloseIO: sleep holds ctr's stdin (and so the FIFO) open
	sleep 60 | $RUN --rm ukata.test/busybox:1 c2 sh -c 'cat; echo stdin-closed' > "$T/c2.out" 2>&1 &
	for _ in $(seq 100); do $C task ls 2> /dev/null | grep -q "^c2 .*RUNNING" && break; sleep 0.1; done
	addr=$(cat "$T/cd/state/io.containerd.runtime.v2.task/default/c2/address") || fail "no address"
	"$B/tests/ttrpc-tool" closeio "$addr" c2 || fail "CloseIO"
	for _ in $(seq 100); do grep -q stdin-closed "$T/c2.out" && break; sleep 0.1; done
	expect_eq "$(cat "$T/c2.out")" "stdin-closed"
	pkill -f "^sleep 60$" 2> /dev/null
	# log URIs
	run $RUN --rm --log-uri "file://$T/f1.log" ukata.test/busybox:1 f1 sh -c 'echo to-file; echo e >&2'
	expect_rc 0
	expect_eq "$(sort "$T/f1.log" | tr '\n' ' ')" "e to-file "
	cat > "$T/logger" <<'EOT'
#!/bin/sh
# containerd's logging binary: fd 3 stdout, 4 stderr, fd 5 closed when ready
exec 5>&-
echo "$CONTAINER_NAMESPACE/$CONTAINER_ID $*" > "$2.args"
cat <&3 > "$2.out" &
cat <&4 > "$2.err"
wait
EOT
	chmod +x "$T/logger"
	run $RUN --rm --log-uri "binary://$T/logger?dir=$T/b1&x=a%20b" ukata.test/busybox:1 b1 \
		sh -c 'echo to-out; echo to-err >&2; exit 5'
	expect_rc 5
	for _ in $(seq 50); do [ -s "$T/b1.err" ] && break; sleep 0.1; done
	expect_eq "$(cat "$T/b1.args")" "default/b1 dir $T/b1 x a b"
	expect_eq "$(cat "$T/b1.out")" "to-out"
	expect_eq "$(cat "$T/b1.err")" "to-err"
	run $RUN --rm --log-uri "binary://$T/no-such-logger" ukata.test/busybox:1 b2 true
	expect_rc 1
	expect_in "$err" "$T/no-such-logger"
	$C container rm b2 > /dev/null 2>&1
	run $C task kill -s KILL p1
	for _ in $(seq 50); do $C task ls | grep -q "^p1 .*STOPPED" && break; sleep 0.1; done
	run $C task delete p1
	expect_rc 0
	$C container rm p1
	v2_nothing_left
}

# A pod's VM from a VMCache server (containerd's runtime options naming
# the configuration): no VM is booted for it.
test_shim_v2_vmcache_pod() {
	setup
	{ cat "$T/kata.toml"; printf '[factory]\nvm_cache_number = 1\nvm_cache_endpoint = "%s"\n' \
		"$T/cache.sock"; } > "$T/cache.toml"
	K="$B/kata-runtime --root $T/fr --config $T/cache.toml"
	$K --cache-server > "$T/server.log" 2>&1 &
	srv=$!
	for _ in $(seq 600); do $K factory status 2> /dev/null | grep -q "^VM pid" && break; sleep 0.1; done
	cached=$($K factory status | sed -n 's/^VM pid = \([0-9]*\) .*/\1/p')
	[ -n "$cached" ] || fail "no VM ready: $(cat "$T/server.log")"
	run $RUN --rm --runtime-config-path "$T/cache.toml" ukata.test/busybox:1 v1 echo from-cache
	expect_rc 0
	expect_eq "$out" "from-cache"
	# the cached VM was the task's: it went with the task
	for _ in $(seq 50); do kill -0 "$cached" 2> /dev/null || break; sleep 0.1; done
	kill -0 "$cached" 2> /dev/null && fail "the cached VM $cached was not used"
	$K factory destroy > /dev/null
	wait $srv
	v2_nothing_left
}

run_suite shimv2
