#!/bin/sh
# Containers end to end: kata-runtime as a user (or containerd) runs it,
# each container in its own QEMU (TCG) booting the guest image with our
# agent, busybox bundles from busybox-static. After each test nothing of it
# may be left: no state directory, QEMU, proxy, shim or mount.
# Usage: tests/e2e/lifecycle.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

setup() { vm_setup; }

wait_status() { # ID STATUS
	for _ in $(seq 100); do
		$K state "$1" 2> /dev/null | grep -q "\"status\": \"$2\"" && return 0
		sleep 0.1
	done
	fail "$1 never became $2: $($K state "$1" 2>&1)"
}

test_run_output_exit_status_stdin() {
	setup
	bundle b1 echo hello
	run $K run -b "$T/b1" c1
	expect_rc 0
	expect_eq "$out" "hello"
	bundle b2 sh -c 'echo to-stderr >&2; exit 3'
	run $K run -b "$T/b2" c2
	expect_rc 3
	expect_eq "$err" "to-stderr"
	bundle b3 cat
	printf 'line one\nline two\n' > "$T/in"
	$K run -b "$T/b3" c3 < "$T/in" > "$T/o3" 2> "$T/e3"
	expect_eq "$?" 0
	expect_eq "$(cat "$T/o3")" "line one
line two"
	# Killed from outside (the container's PID 1 cannot be from inside).
	bundle b4 sleep 1000
	$K run -b "$T/b4" c4 < /dev/null > /dev/null 2>&1 &
	runner=$!
	wait_status c4 running
	$K kill c4 KILL || fail "kill"
	wait "$runner"
	expect_eq "$?" 137
	nothing_left_here
}

# containerd's ids are 64 characters: under a long --root the container's
# sockets (QEMU's QMP and agent channel, the proxy's) have paths longer than
# a sockaddr_un takes, and still work.
test_long_root_and_id() {
	setup
	long=$T/root/$(printf '%060d' 0)
	id=$(printf 'c%063d' 1)
	K="$B/kata-runtime --root $long --config $T/c.toml"
	bundle b1 sleep 1000
	run $K create -b "$T/b1" "$id"
	expect_rc 0
	run $K start "$id"
	expect_rc 0
	run $K exec "$id" echo long-ok
	expect_rc 0
	expect_eq "$out" "long-ok"
	run $K delete --force "$id"
	expect_rc 0
	[ -z "$(ls -A "$long")" ] || fail "state left: $(ls -A "$long")"
	rmdir "$long"
	nothing_left_here
}

test_terminal() {
	setup
	command -v script > /dev/null || skip "script (bsdutils) missing"
	bundle b1 --tty sh -c 'tty; exit 4'
	script -qec "$K run -b $T/b1 t1" /dev/null < /dev/null > "$T/o" 2>&1
	rc=$?
	expect_eq "$rc" 4
	expect_in "$(cat "$T/o")" "/dev/pts/"
	nothing_left_here
}

# A terminal through --console-socket, as containerd asks for one: the pty
# master goes to the socket, the window size set there reaches the
# container, and what is typed there is read in the container.
test_console_socket() {
	setup
	bundle b --tty sh -c 'read line; echo "got $line"; stty size'
	/usr/bin/python3 "$top/tests/e2e/console.py" "$T/console.sock" "typed-in
" > "$T/console.out" 2>&1 &
	cons=$!
	for _ in $(seq 50); do [ -S "$T/console.sock" ] && break; sleep 0.1; done
	run $K create -b "$T/b" --console-socket "$T/console.sock" --pid-file "$T/pid" tty1
	expect_rc 0
	run $K start tty1
	expect_rc 0
	wait "$cons"
	expect_in "$(cat "$T/console.out")" "name /dev/pts/"
	expect_in "$(cat "$T/console.out")" "got typed-in"
	expect_in "$(cat "$T/console.out")" "30 100"
	wait_status tty1 stopped
	run $K delete tty1
	expect_rc 0
	run $K create -b "$T/b" tty2 < /dev/null
	expect_rc 1
	expect_in "$err" "process.terminal is true: a detached container needs --console-socket"
	nothing_left_here
}

test_lifecycle_step_by_step() {
	setup
	bundle b sleep 1000
	run $K create -b "$T/b" --pid-file "$T/pid" s1
	expect_rc 0
	pid=$(cat "$T/pid")
	expect_eq "$(wc -l < "$T/pid" | tr -d ' ')" 0 "no newline in the pid file"
	kill -0 "$pid" || fail "the shim $pid is not running"
	run $K state s1
	expect_in "$out" "\"status\": \"created\""
	expect_in "$out" "\"pid\": $pid,"
	expect_in "$out" "\"bundle\": \"$T/b\""
	expect_in "$out" "\"ociVersion\": \"1.0.2\""
	run $K start s1
	expect_rc 0
	wait_status s1 running
	run $K start s1
	expect_rc 1
	expect_in "$err" "container s1 is running: only a created container can start"
	run $K exec s1 sh -c 'echo in-exec; hostname; exit 6'
	expect_rc 6
	expect_eq "$out" "in-exec
runc"
	printf '{"args": ["sh", "-c", "echo $A; pwd"], "env": ["A=from-file"], "cwd": "/tmp"}' > "$T/p.json"
	run $K exec --process "$T/p.json" s1
	expect_rc 0
	expect_eq "$out" "from-file
/tmp"
	run $K exec -e B=from-flag --cwd /bin s1 sh -c 'echo $B; pwd'
	expect_eq "$out" "from-flag
/bin"
	run $K exec --user 1000:1001 s1 id
	expect_in "$out" "uid=1000 gid=1001"
	run $K exec --user nobody s1 id
	expect_rc 1
	expect_in "$err" "--user \"nobody\": expected uid[:gid] (numbers)"
	run $K ps --format json s1
	expect_eq "$out" "[$pid]"
	run $K ps s1
	expect_in "$out" "sleep 1000"
	run $K list
	expect_in "$out" "ID          PID         STATUS      BUNDLE"
	expect_in "$out" "s1          $pid"
	run $K list --format json
	expect_in "$out" "\"id\":\"s1\",\"pid\":$pid,\"status\":\"running\""
	run $K list -q
	expect_eq "$out" "s1"
	run $K pause s1
	expect_rc 0
	run $K state s1
	expect_in "$out" "\"status\": \"paused\""
	run $K exec s1 cat /sys/fs/cgroup/kata/s1/cgroup.freeze
	expect_rc 1
	run $K resume s1
	expect_rc 0
	run $K update --memory 64m --pids-limit 30 s1
	expect_rc 0
	run $K exec s1 cat /sys/fs/cgroup/kata/s1/memory.max /sys/fs/cgroup/kata/s1/pids.max
	expect_eq "$out" "67108864
30"
	echo '{"memory": {"limit": 100663296}}' > "$T/res.json"
	run $K update --resources "$T/res.json" s1
	expect_rc 0
	echo '{"pids": {"limit": 40}}' | $K update --resources - s1 || fail "update from stdin"
	run timeout 3 $K events --interval 1s s1
	n=$(echo "$out" | grep -c '"pids":{"current":1,"limit":40}')
	[ "$n" -ge 2 ] && [ "$n" -le 4 ] || fail "$n events in 3 s at 1 s intervals: $out"
	run $K update --pids-limit 30 s1
	# Two commands at once on one container: the lock orders them.
	$K pause s1 & $K pause s1 & wait
	run $K state s1
	expect_in "$out" "\"status\": \"paused\""
	run $K resume s1
	expect_rc 0
	run $K events --stats s1
	expect_rc 0
	expect_in "$out" '{"type":"stats","id":"s1","data":{"cpu":{"usage":{"total":'
	expect_in "$out" '"limit":100663296'
	expect_in "$out" '"pids":{"current":1,"limit":30}'
	run $K delete s1
	expect_rc 1
	expect_in "$err" "cannot delete container s1 that is not stopped: running"
	run $K kill s1 KILL
	expect_rc 0
	wait_status s1 stopped
	run $K state s1
	expect_in "$out" "\"pid\": 0,"
	run $K kill s1 TERM
	expect_rc 1
	expect_in "$err" "container not running"
	run $K delete s1
	expect_rc 0
	nothing_left_here
}

# The shim is the container's process on the host: whoever reaps it sees
# the container's exit status (a signal by number, and an exec's own).
test_shim_exit_status_and_exec_detached() {
	setup
	bundle b sleep 1000
	$K create -b "$T/b" --pid-file "$T/pid" s2 < /dev/null > /dev/null 2>&1 &
	wait $!
	$K start s2 || fail "start"
	run $K exec -d --pid-file "$T/epid" s2 sleep 500
	expect_rc 0
	epid=$(cat "$T/epid")
	run $K ps --format json s2
	expect_eq "$out" "[$(cat "$T/pid"),$epid]"
	run $K kill --all s2 9
	expect_rc 0
	wait_status s2 stopped
	run $K delete s2
	expect_rc 0
	nothing_left_here
}

test_three_containers_at_once() {
	setup
	bundle b sleep 1000
	for c in x1 x2 x3; do
		$K run -d -b "$T/b" "$c" < /dev/null > /dev/null 2>&1 &
	done
	wait
	run $K list -q
	expect_eq "$(echo "$out" | tr '\n' ' ')" "x1 x2 x3 "
	for c in x1 x2 x3; do
		run $K exec "$c" sh -c "echo \$((1 + 2))"
		expect_eq "$out" "3"
	done
	expect_eq "$(pgrep -fc "qemu-system-x86_64 -name sandbox-x.*$T/root")" 3
	run $K delete --force x1 x2 x3
	expect_rc 0
	nothing_left_here
}

test_bad_input() {
	setup
	run $K run -b "$T/nosuch" c1
	expect_rc 1
	expect_in "$err" "bundle $T/nosuch: No such file or directory"
	mkdir -p "$T/empty"
	run $K create -b "$T/empty" c1
	expect_rc 1
	expect_in "$err" "$T/empty/config.json: No such file or directory"
	bundle b echo hi
	sed -i 's/"args": \[/"args": [1, /' "$T/b/config.json"
	run $K create -b "$T/b" c1
	expect_rc 1
	expect_in "$err" "$T/b/config.json: process.args[0]: expected a string"
	echo '{"ociVersion": "1.0.2", "process": ' > "$T/b/config.json"
	run $K create -b "$T/b" c1
	expect_in "$err" "$T/b/config.json: JSON: truncated"
	bundle b2 sh -c 'sleep 1000'
	rm -rf "$T/b2/rootfs"
	run $K create -b "$T/b2" c1
	expect_rc 1
	expect_in "$err" "root.path $T/b2/rootfs: No such file or directory"
	run $K create -b "$T/b" "bad/id"
	expect_in "$err" "invalid container id \"bad/id\""
	for cmd in state start pause resume delete "kill" "exec" ps "events --stats"; do
		run $K $cmd nosuch true
		[ "$cmd" = "exec" ] || run $K $cmd nosuch
		expect_rc 1
		expect_in "$err" "container \"nosuch\" does not exist"
	done
	nothing_left_here
	bundle b3 sleep 1000
	run $K create -b "$T/b3" d1 < /dev/null
	expect_rc 0
	run $K create -b "$T/b3" d1 < /dev/null
	expect_rc 1
	expect_in "$err" "container \"d1\" exists already"
	run $K kill d1 NOSUCHSIG
	expect_in "$err" "\"NOSUCHSIG\" is not a signal"
	run $K --log "$T/log.json" --log-format json state nosuch
	expect_in "$(tail -n 1 "$T/log.json")" '"level":"error","msg":"container \"nosuch\" does not exist"'
	run $K delete d1 # created, never started: deleted
	expect_rc 0
	nothing_left_here
}

# Whatever dies, delete --force leaves the host clean.
test_faults_delete_force_cleans_up() {
	setup
	bundle b sleep 1000
	# Fixed points (before, during and after the boot) and a random one.
	rnd=$(awk -v s="$$" 'BEGIN { srand(s); printf "%.2f", rand() * 3.5 }')
	for at in 0.3 1.2 2.5 "$rnd"; do
		echo "create killed after ${at}s"
		$K create -b "$T/b" "k$at" < /dev/null > /dev/null 2>&1 &
		sleep "$at"
		kill -9 $!
		wait $! 2> /dev/null
		run $K delete --force "k$at"
		nothing_left_here
	done
	$K run -d -b "$T/b" q1 < /dev/null > /dev/null 2>&1 || fail "run q1"
	kill -9 "$(cat "$T/root/q1/pid")"
	wait_status q1 stopped
	run $K delete q1
	expect_rc 0
	$K run -d -b "$T/b" p1 < /dev/null > /dev/null 2>&1 || fail "run p1"
	pkill -9 -f "proxy --ready-fd 3 $T/root/p1"
	run $K delete --force p1
	expect_rc 0
	nothing_left_here
}

# With use_vsock the agent is reached over vsock, with no proxy; hosts
# without /dev/vhost-vsock (these machines) get an error naming the key.
test_vsock() {
	setup
	printf 'use_vsock = true\n' >> "$T/c.toml"
	bundle b echo over-vsock
	run $K run -b "$T/b" v1
	if [ -e /dev/vhost-vsock ]; then
		expect_rc 0
		expect_eq "$out" "over-vsock"
	else
		expect_rc 1
		expect_in "$err" "hypervisor.qemu.use_vsock: /dev/vhost-vsock: No such file or directory"
	fi
	nothing_left_here
}

# [agent.noop] (full_defconfig): the VM boots, nothing is asked of it; the
# container's process "ends" at once with 0. Not built in by defconfig.
test_noop_agent() {
	setup
	F=$B/full/kata-runtime
	[ -x "$F" ] || skip "no $F (make full-build)"
	printf '[agent.noop]\n' >> "$T/c.toml"
	bundle b1 echo never printed
	run $K create -b "$T/b1" c1
	expect_rc 1
	expect_in "$err" "the noop agent (CONFIG_AGENT_NOOP) is not built in"
	expect_eq "$(ls -A "$T/root" 2> /dev/null | grep -v '^\.cache$')" ""
	N="$F --root $T/root --config $T/c.toml"
	run $N env
	expect_in "$out" "[Agent]
  Type = \"noop\""
	run $N create -b "$T/b1" c1
	expect_rc 0
	run $N state c1
	expect_in "$out" '"status": "created"'
	grep -q "\"agent\": *\"noop://$T/root/c1\"" "$T/root/c1/state.json" ||
		fail "$(cat "$T/root/c1/state.json")"
	pgrep -f "qemu-system-x86_64 .*$T/root/c1" > /dev/null || fail "no QEMU for c1"
	pgrep -f "kata-runtime.* proxy .*$T/root/c1" > /dev/null && fail "a proxy runs for the noop agent"
	run $N start c1
	expect_rc 0
	K=$N wait_status c1 stopped
	run $N exec c1 true
	expect_rc 1
	run $N delete c1
	expect_rc 0
	run $N run -b "$T/b1" c2
	expect_rc 0
	expect_eq "$out" ""
	# signalled before it is started: it ends with 128+N
	run $N create -b "$T/b1" c3
	expect_rc 0
	run $N kill c3 KILL
	expect_rc 0
	K=$N wait_status c3 stopped
	run $N delete c3
	expect_rc 0
	nothing_left_here
}

test_spec() {
	setup
	mkdir "$T/s"
	run "$B/kata-runtime" spec --bundle "$T/s"
	expect_rc 0
	expect_in "$(cat "$T/s/config.json")" '"args": ['
	run "$B/kata-runtime" spec --bundle "$T/s"
	expect_rc 1
	expect_in "$err" "config.json exists. Remove it first."
}

run_suite lifecycle
