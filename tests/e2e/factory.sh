#!/bin/sh
# The VM factory and the VMCache server, with real QEMU (TCG) and our
# agent: templates and their clones, a server keeping VMs ready, clients
# taking them, the fallbacks, and a server that dies. After each test no
# QEMU, mount or socket of it may be left.
# Usage: tests/e2e/factory.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (tmpfs for templates, bind mounts)"
	EP=$T/cache.sock
	vm_config "$T/base.toml"
	conf direct ''
	conf cache "vm_cache_number = 2
vm_cache_endpoint = \"$EP\""
	conf tpl "enable_template = true
template_path = \"$T/tpl\""
	K="$B/kata-runtime --root $T/root"
	sh "$top/scripts/bundle.sh" "$T/b" "$B/kata-runtime" sh -c \
		'echo out; head -c 16 /dev/urandom | od -An -tx1 | tr -d " \n"; echo; exit 3' \
		> /dev/null || fail "bundle"
	trap 'cleanup' EXIT
}

conf() { # NAME [FACTORY-TOML] [HYPERVISOR-TOML]
	{ cat "$T/base.toml"; [ -n "${3:-}" ] && printf '%s\n' "$3"; printf '[factory]\n%s\n' "$2"; } \
		> "$T/$1.toml"
}

# Whatever a failed test left: servers first (they stop their VMs), then
# any QEMU naming this test's directory, then the template's tmpfs.
cleanup() {
	pkill -f "kata-runtime --root $T/root" 2> /dev/null
	sleep 0.5
	pkill -9 -f "qemu-system-x86_64 .*$T/" 2> /dev/null
	grep -q " $T/tpl " /proc/self/mountinfo && umount -l "$T/tpl"
	true
}

server() { # CONF
	$K --config "$T/$1.toml" --cache-server > "$T/server.log" 2>&1 &
	SRV=$!
}

# factory status until it lists N cached VMs; their pids in $PIDS.
wait_ready() { # CONF N
	for _ in $(seq 600); do
		PIDS=$($K --config "$T/$1.toml" factory status 2> /dev/null |
			sed -n 's/^VM pid = \([0-9]*\) .*/\1/p' | sort | tr '\n' ' ')
		[ "$(echo $PIDS | wc -w)" -ge "$2" ] && return 0
		sleep 0.1
	done
	fail "the server never had $2 VMs ready: $($K --config "$T/$1.toml" factory status 2>&1); $(cat "$T/server.log")"
}

no_qemu_left() {
	sleep 0.2
	pgrep -f "qemu-system-x86_64 .*$T/" > /dev/null &&
		fail "QEMU left: $(pgrep -af "qemu-system-x86_64 .*$T/" | cut -c1-200)"
	grep -q " $T/" /proc/self/mountinfo && fail "mounts left: $(grep " $T/" /proc/self/mountinfo)"
	left=$(ls -A "$T/root" 2> /dev/null | grep -v '^\.cache$')
	[ -z "$left" ] || fail "state left: $left"
	true
}

# The server stops on destroy (Quit) with its VMs, socket and files.
destroy() { # CONF
	run $K --config "$T/$1.toml" factory destroy
	expect_rc 0
	expect_eq "$out" "vm factory destroyed"
	wait "$SRV" || fail "server exit status $?: $(cat "$T/server.log")"
	for f in "$EP" "$EP.lock" "$EP.vms"; do
		[ -e "$f" ] && fail "$f left behind"
	done
	no_qemu_left
}

test_cache_server_hands_out_vms_and_refills() {
	setup
	server cache
	wait_ready cache 2
	before=$PIDS
	run $K --config "$T/cache.toml" factory status
	expect_in "$out" "VM cache server pid = $SRV"
	expect_in "$out" "vm factory not enabled"
	run /usr/bin/python3 "$top/tests/e2e/cache_client.py" "$EP" config status
	expect_rc 0
	expect_in "$out" "config qemu False True"
	expect_in "$out" "status $SRV 2 "
	# 1: created from a cached VM (its QEMU is one the server listed).
	run $K --config "$T/cache.toml" create -b "$T/b" c1
	expect_rc 0
	expect_in " $before" " $(cat "$T/root/c1/pid") "
	run $K --config "$T/cache.toml" delete -f c1
	expect_rc 0
	# 2 and 3: run to the end; the third waits for a refill.
	for c in c2 c3; do
		run $K --config "$T/cache.toml" run -b "$T/b" $c
		expect_rc 3
		expect_in "$out" "out"
		expect_not_in "$err" "booting the VM directly"
	done
	# 4: --cache-server=EP names the server with no [factory] settings.
	run $K --config "$T/direct.toml" --cache-server="$EP" run -b "$T/b" c4
	expect_rc 3
	expect_not_in "$err" "directly"
	wait_ready cache 2
	for p in $PIDS; do
		expect_not_in " $before" " $p "
	done
	destroy cache
}

# A runtime that wants more than the cached VM has: vCPUs and memory are
# hot-added and brought online before the container starts.
test_cached_vm_grows_to_the_request() {
	setup
	conf big "vm_cache_number = 1
vm_cache_endpoint = \"$EP\"" 'default_vcpus = 2'
	sed -i 's/^default_memory = 256/default_memory = 384/' "$T/big.toml"
	server cache
	wait_ready cache 1
	sh "$top/scripts/bundle.sh" "$T/nproc" "$B/kata-runtime" sh -c \
		'nproc; sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo' > /dev/null
	run $K --config "$T/big.toml" run -b "$T/nproc" c1
	expect_rc 0
	expect_not_in "$err" "directly"
	expect_eq "$(echo "$out" | head -n 1)" 2
	mem=$(echo "$out" | tail -n 1)
	[ "$mem" -gt 300000 ] || fail "MemTotal $mem kB: the 128 MiB added is not online"
	destroy cache
}

test_cache_mismatch_and_server_down_boot_directly() {
	setup
	conf other "vm_cache_number = 1
vm_cache_endpoint = \"$EP\"" 'kernel_params = "ukata.test=1"'
	server other
	wait_ready other 1
	run $K --config "$T/cache.toml" run -b "$T/b" c1
	expect_rc 3
	expect_in "$err" "KernelParams differs"
	expect_in "$err" "booting the VM directly"
	wait_ready other 1
	destroy other # the unfit VM was stopped, not left running
	run $K --config "$T/cache.toml" run -b "$T/b" c2
	expect_rc 3
	expect_in "$err" "VMCache server $EP"
	expect_in "$err" "booting the VM directly"
	no_qemu_left
}

# A server that describes its VM Kata's way (no "ukata" part): refused
# with the field named, and the container boots directly.
test_kata_style_server_falls_back() {
	setup
	/usr/bin/python3 "$top/tests/e2e/cache_fake.py" "$EP" > "$T/fake.log" 2>&1 &
	fake=$!
	for _ in $(seq 100); do
		grep -q ready "$T/fake.log" && break
		sleep 0.1
	done
	run $K --config "$T/cache.toml" run -b "$T/b" c1
	kill "$fake"
	expect_rc 3
	expect_in "$(cat "$T/fake.log")" "GetBaseVM"
	expect_in "$err" "VM description: ukata: missing or not valid"
	expect_in "$err" "booting the VM directly"
	no_qemu_left
}

test_template_clones_get_their_own_entropy() {
	setup
	run $K --config "$T/tpl.toml" factory status
	expect_eq "$out" "vm factory is off"
	run $K --config "$T/tpl.toml" factory init
	expect_rc 0
	expect_eq "$out" "vm factory initialized"
	grep -q " $T/tpl tmpfs" /proc/self/mountinfo || grep -q " $T/tpl .* - tmpfs" /proc/self/mountinfo ||
		fail "no tmpfs at $T/tpl"
	run $K --config "$T/tpl.toml" factory status
	expect_eq "$out" "vm factory is on"
	run $K --config "$T/tpl.toml" run -b "$T/b" c1
	expect_rc 3
	r1=$(echo "$out" | tail -n 1)
	run $K --config "$T/tpl.toml" run -b "$T/b" c2
	expect_rc 3
	r2=$(echo "$out" | tail -n 1)
	[ ${#r1} = 32 ] || fail "no random bytes: $out"
	[ "$r1" != "$r2" ] || fail "two clones read the same random bytes: $r1"
	expect_not_in "$err" "directly"
	run $K --config "$T/tpl.toml" factory destroy
	expect_eq "$out" "vm factory destroyed"
	[ -e "$T/tpl" ] && fail "template left: $(ls -la "$T/tpl")"
	no_qemu_left
	# A template needs an initrd.
	conf img "enable_template = true
template_path = \"$T/tpl\"" "image = \"$B/guest/vmlinux\""
	sed -i "s/^initrd = .*/initrd = \"\"/" "$T/img.toml"
	run $K --config "$T/img.toml" factory init
	expect_rc 1
	expect_in "$err" "enable_template ($T/img.toml:8) requires an initrd image"
	[ -e "$T/tpl" ] && fail "template dir made"
	true
}

# A clone of a template takes a hot-plugged disk (linux.devices): the
# root ports the template was booted with are the clone's.
test_template_clone_takes_a_disk() {
	setup
	$B/kata-runtime version | grep -q block-devices || skip "block devices not built in"
	command -v losetup > /dev/null || skip "losetup missing"
	conf tpl "enable_template = true
template_path = \"$T/tpl\"" "pcie_root_port = 1"
	truncate -s 8M "$T/d.img"
	printf 'clone-disk' | dd of="$T/d.img" conv=notrunc 2> /dev/null
	l=$(losetup -f --show "$T/d.img") || skip "no loop device"
	trap 'cleanup; losetup -d "$l"' EXIT
	sh "$top/scripts/bundle.sh" "$T/bd" "$B/kata-runtime" head -c 10 /dev/xvda > /dev/null || fail "bundle"
	/usr/bin/python3 - "$T/bd/config.json" "$l" <<'PYEOF' || fail "devices"
import json, os, sys
p, dev = sys.argv[1:]
c = json.load(open(p))
st = os.stat(dev)
c["linux"]["devices"] = [{"path": "/dev/xvda", "type": "b", "major": os.major(st.st_rdev),
                          "minor": os.minor(st.st_rdev)}]
json.dump(c, open(p, "w"))
PYEOF
	run $K --config "$T/tpl.toml" factory init
	expect_rc 0
	run $K --config "$T/tpl.toml" run -b "$T/bd" c1
	expect_rc 0
	expect_eq "$out" "clone-disk"
	expect_not_in "$err" "directly"
	run $K --config "$T/tpl.toml" factory destroy
	expect_rc 0
	no_qemu_left
}

test_cache_of_template_clones() {
	setup
	conf both "vm_cache_number = 2
vm_cache_endpoint = \"$EP\"
enable_template = true
template_path = \"$T/tpl\""
	server both
	wait_ready both 2
	run $K --config "$T/both.toml" factory status
	expect_in "$out" "vm factory is on"
	for c in c1 c2 c3; do
		run $K --config "$T/both.toml" run -b "$T/b" $c
		expect_rc 3
		expect_not_in "$err" "directly"
	done
	wait_ready both 2
	destroy both
	[ -e "$T/tpl" ] && fail "template left"
	true
}

# A cached VM whose QEMU died is dropped and made again, never handed out.
test_cache_drops_a_dead_vm() {
	setup
	conf one "vm_cache_number = 1
vm_cache_endpoint = \"$EP\""
	server one
	wait_ready one 1
	dead=$PIDS
	kill -9 $dead
	for _ in $(seq 100); do
		$K --config "$T/one.toml" factory status 2> /dev/null | grep -q "VM pid = $dead " || break
		sleep 0.1
	done
	$K --config "$T/one.toml" factory status 2> /dev/null | grep -q "VM pid = $dead " &&
		fail "factory status still lists the dead VM $dead"
	run $K --config "$T/one.toml" run -b "$T/b" c1
	expect_rc 3
	expect_in "$out" "out"
	expect_not_in "$err" "QEMU is gone"
	run $K --config "$T/one.toml" factory destroy
	expect_rc 0
	wait $SRV
	no_qemu_left
}

# A client that gives up on GetBaseVM (a grpcio call with a 1 s deadline,
# while the server makes the VM) leaves the VM in the cache: it is not
# handed to nobody and forgotten.
test_cache_vm_a_client_gave_up_on_goes_back() {
	setup
	conf one "vm_cache_number = 1
vm_cache_endpoint = \"$EP\""
	server one
	wait_ready one 1
	# The first call takes the only VM; the second gives up while the
	# server boots the next.
	run /usr/bin/python3 "$top/tests/e2e/cache_client.py" "$EP" get:20 get:1
	expect_rc 2
	expect_in "$out" "error DEADLINE_EXCEEDED"
	taken=$(echo "$out" | sed -n 's/^get //p')
	[ -n "$taken" ] || fail "no VM taken: $out"
	wait_ready one 1
	sleep 1
	n=$(pgrep -f "qemu-system-x86_64 .*$T/" | wc -l)
	expect_eq "$n" 2 "QEMUs running: the one taken and the cached one ($(pgrep -af "qemu-system-x86_64 .*$T/"))"
	expect_in "$(cat "$T/server.log")" "the client did not take it: back in the cache"
	pkill -9 -f "qemu-system-x86_64 .*$taken"
	run $K --config "$T/one.toml" factory destroy
	expect_rc 0
	wait $SRV
	no_qemu_left
}

# A cached VM's QEMU takes signals: the server blocks SIGTERM in its threads,
# and QEMU must not inherit that (delete then waited 2 s for SIGKILL).
test_cached_vm_qemu_has_no_blocked_signals() {
	setup
	server cache
	wait_ready cache 2
	for p in $PIDS; do
		# SIGINT (bit 1) and SIGTERM (bit 14) not blocked; QEMU blocks
		# some of its own (SIGBUS, SIGUSR1, SIGALRM, SIGIO)
		blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$p/status")
		[ -n "$blk" ] && [ $((0x$blk & 0x4002)) -eq 0 ] ||
			fail "QEMU $p blocks SIGTERM or SIGINT (SigBlk $blk)"
	done
	destroy cache
}

test_cache_server_killed_leaves_nothing() {
	setup
	server cache
	wait_ready cache 2
	first=$PIDS
	kill -9 "$SRV"
	wait "$SRV"
	for p in $first; do
		kill -0 "$p" || fail "VM $p went with the server (expected it to outlive SIGKILL)"
	done
	# A second server finds the socket stale and the VMs left: it stops them.
	server cache
	wait_ready cache 2
	for p in $first; do
		pid_runs "$p" && fail "VM $p of the dead server still runs"
	done
	# A third one is refused while the second runs.
	run $K --config "$T/cache.toml" --cache-server
	expect_rc 1
	expect_in "$err" "another one (pid $SRV) runs on $EP"
	destroy cache
}

test_cache_socket_permissions() {
	setup
	command -v setpriv > /dev/null || skip "setpriv missing"
	server cache
	wait_ready cache 1
	expect_eq "$(stat -c %a "$EP")" 600
	nobody="setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3"
	run $nobody "$top/tests/e2e/cache_client.py" "$EP" status
	expect_rc 2
	expect_in "$out" "error UNAVAILABLE"
	chmod 666 "$EP" # the socket's mode aside, the server checks the caller
	chmod 755 "$T"
	run $nobody "$top/tests/e2e/cache_client.py" "$EP" status
	expect_rc 2
	expect_in "$out" "error PERMISSION_DENIED VMCache: uid 65534 may not use this server"
	chmod 700 "$T"
	run /usr/bin/python3 "$top/tests/e2e/cache_client.py" "$EP" quit
	expect_eq "$out" "quit ok"
	wait "$SRV" || fail "server exit status $?"
	no_qemu_left
	[ -e "$EP" ] && fail "socket left"
	true
}

# A pod's VM from the factory: the sandbox takes a cached VM, then a
# template's clone; its container joins it (nothing boots for it).
test_pod_vm_from_the_cache_and_a_template() {
	setup
	$B/kata-runtime version | grep -q pods || skip "pods not built in"
	server cache
	wait_ready cache 2
	K="$K --config $T/cache.toml"
	pod_bundle sb sandbox p1 sleep 1000
	pod_bundle b1 container p1 hostname
	run $K create -b "$T/sb" p1
	expect_rc 0
	expect_not_in "$err" "directly"
	run $K start p1
	expect_rc 0
	pgrep -f "qemu-system-x86_64 .*$T/root/" > /dev/null && fail "a VM was booted for the pod"
	run $K run -b "$T/b1" c1
	expect_rc 0
	expect_eq "$out" "pod-host"
	run $K delete --force p1
	expect_rc 0
	$B/kata-runtime --root "$T/root" --config "$T/cache.toml" factory destroy > /dev/null
	wait $SRV
	K="$B/kata-runtime --root $T/root --config $T/tpl.toml"
	run $K factory init
	expect_rc 0
	run $K create -b "$T/sb" p2
	expect_rc 0
	expect_not_in "$err" "directly"
	run $K start p2
	expect_rc 0
	pod_bundle b2 container p2 hostname
	run $K run -b "$T/b2" c2
	expect_rc 0
	expect_eq "$out" "pod-host"
	run $K delete --force p2
	expect_rc 0
	run $K factory destroy
	expect_rc 0
	no_qemu_left
}

run_suite factory
