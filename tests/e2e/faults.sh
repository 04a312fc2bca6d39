#!/bin/sh
# Faults, load and bad input, each injected for real (SIGSTOP, a truncated
# file, a reader that goes away, many execs at once), against containers in
# QEMU (TCG) with our agent. After each test nothing of it may be left.
# Usage: tests/e2e/faults.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

setup() { vm_setup; }

# Sixty execs at once all run and answer (they wedged the sandbox: the
# agent's clone hung in libc's setrlimit while ExecProcess held its lock),
# and the container still answers afterwards.
test_concurrent_execs() {
	setup
	bundle b sleep 1000
	run $K run -d -b "$T/b" c1
	expect_rc 0
	i=0
	while [ $i -lt 60 ]; do
		i=$((i + 1))
		(timeout 120 $K exec c1 sh -c "sleep 2; echo x$i" > "$T/x$i.out" 2> "$T/x$i.err"
		 echo $? > "$T/x$i.rc") &
	done
	wait
	i=0
	while [ $i -lt 60 ]; do
		i=$((i + 1))
		[ "$(cat "$T/x$i.rc")" = 0 ] || fail "exec $i: status $(cat "$T/x$i.rc"): $(cat "$T/x$i.err")"
		expect_eq "$(cat "$T/x$i.out")" "x$i"
	done
	run timeout 60 $K ps c1
	expect_rc 0
	expect_in "$out" "sleep 1000"
	run $K delete --force c1
	expect_rc 0
	nothing_left_here
}

# The limit: 128 exec'd processes at once, the next one refused, clearly.
test_exec_limit() {
	setup
	bundle b sleep 1000
	run $K run -d -b "$T/b" c1
	expect_rc 0
	i=0
	while [ $i -lt 128 ]; do
		i=$((i + 1))
		timeout 60 $K exec -d c1 sleep 1000 < /dev/null > /dev/null 2> "$T/e" ||
			fail "exec $i: $(cat "$T/e")"
	done
	run timeout 60 $K exec -d c1 sleep 1000
	expect_rc 1
	expect_in "$err" "128 processes exec'd in it are running, the most a container takes at once"
	run timeout 60 $K ps --format json c1
	expect_rc 0
	expect_eq "$(echo "$out" | tr ',' '\n' | wc -l | tr -d ' ')" 129
	run $K delete --force c1
	expect_rc 0
	nothing_left_here
}

# A rootfs that is a symlink leaving the bundle is refused as runc refuses
# it, and nothing is made where it leads.
test_rootfs_symlink_refused() {
	setup
	bundle b true
	mkdir "$T/outside"
	mv "$T/b/rootfs" "$T/real-rootfs"
	ln -s "$T/outside" "$T/b/rootfs"
	run $K run -b "$T/b" c1
	expect_rc 1
	expect_in "$err" "invalid rootfs: it is a symlink, or under one (it leads to $T/outside)"
	expect_eq "$(ls -A "$T/outside")" ""
	nothing_left_here
}

# A state.json truncated to nothing: list says so, delete refuses naming
# it, delete --force takes everything down (QEMU, proxy, shim, mounts).
test_corrupt_state_force_delete() {
	setup
	bundle b sleep 1000
	run $K run -d -b "$T/b" c1
	expect_rc 0
	: > "$T/root/c1/state.json"
	run $K list
	expect_rc 0
	expect_in "$err" "container c1: $T/root/c1/state.json: JSON: invalid"
	run $K delete c1
	expect_rc 1
	expect_in "$err" "state.json"
	run timeout 60 $K delete --force c1
	expect_rc 0
	expect_in "$err" "taking down what is there"
	nothing_left_here
}

# A stopped QEMU, or a stopped proxy: commands that need the agent fail at
# once saying so; delete --force takes it all down without waiting out
# every agent call's deadline (it took over 100 s).
test_force_delete_hung_vm() {
	setup
	bundle b sleep 1000
	run $K run -d -b "$T/b" c1
	expect_rc 0
	kill -STOP "$(cat "$T/root/c1/pid")"
	wait_stopped "$(cat "$T/root/c1/pid")"
	run timeout 20 $K exec c1 true
	expect_rc 1
	expect_in "$err" "its VM's QEMU (pid $(cat "$T/root/c1/pid")) is stopped (SIGSTOP)"
	run timeout 30 $K delete --force c1
	expect_rc 0
	nothing_left_here
	run $K run -d -b "$T/b" c2
	expect_rc 0
	proxy=$(pgrep -f "proxy --ready-fd 3 $T/root/c2")
	[ -n "$proxy" ] || fail "no proxy"
	kill -STOP "$proxy"
	wait_stopped "$proxy"
	run timeout 20 $K kill c2 KILL
	expect_rc 1
	expect_in "$err" "its proxy (pid $proxy) is stopped"
	run timeout 30 $K delete --force c2
	expect_rc 0
	expect_in "$err" "the agent does not answer"
	nothing_left_here
}

# Another command that holds the container's lock and never lets go: a
# forced delete waits 5 s for it, then takes the container down anyway.
test_force_delete_past_a_held_lock() {
	setup
	command -v flock > /dev/null || skip "flock (util-linux) missing"
	bundle b sleep 1000
	run $K run -d -b "$T/b" c1
	expect_rc 0
	flock "$T/root/c1" sleep 300 &
	holder=$!
	sleep 0.5
	run timeout 10 $K kill c1 KILL # a command that waits for the lock
	expect_rc 124
	run timeout 30 $K delete --force c1
	expect_rc 0
	expect_in "$err" "another command has held it for 5 s: going on without waiting for it"
	kill "$holder" 2> /dev/null
	wait "$holder" 2> /dev/null
	nothing_left_here
}

# A container whose output reader goes away gets EPIPE as under runc: the
# container's init (which SIGPIPE cannot kill in its namespace) sees its
# write fail; an exec'd process dies of SIGPIPE.
test_output_reader_gone() {
	setup
	bundle y yes
	(timeout 60 $K run -b "$T/y" y1 < /dev/null 2> "$T/y1.err"; echo $? > "$T/y1.rc") |
		head -c 1000 > "$T/y1.out"
	expect_eq "$(wc -c < "$T/y1.out" | tr -d ' ')" 1000
	expect_eq "$(cat "$T/y1.rc")" 1 "yes: write error"
	expect_in "$(cat "$T/y1.err")" "Broken pipe"
	bundle b sleep 1000
	run $K run -d -b "$T/b" c1
	expect_rc 0
	(timeout 60 $K exec c1 yes < /dev/null; echo $? > "$T/x.rc") | head -c 10 > /dev/null
	expect_eq "$(cat "$T/x.rc")" 141 "killed by SIGPIPE"
	run $K delete --force c1
	expect_rc 0
	nothing_left_here
}

# Bad config.json input is refused naming the field, with nothing left.
test_bad_spec_fields() {
	setup
	bundle b true
	sed -i 's/"true"/"tr\\u0000ue"/' "$T/b/config.json"
	run $K run -b "$T/b" c1
	expect_rc 1
	expect_in "$err" "process.args[0]: contains a NUL character"
	bundle b2 true
	sed -i 's/"type": "uts"/"type": "utz"/' "$T/b2/config.json"
	grep -q utz "$T/b2/config.json" || fail "the spec has no uts namespace to change"
	run $K run -b "$T/b2" c2
	expect_rc 1
	expect_in "$err" "\"utz\" is not a namespace type"
	nothing_left_here
}

# A guest that never starts (a garbage initrd) is said to be that, naming
# its console log, and leaves nothing.
test_guest_that_does_not_start() {
	setup
	bundle b true
	head -c 100000 /dev/urandom > "$T/garbage.img"
	sed "s|^initrd = .*|initrd = \"$T/garbage.img\"|" "$T/c.toml" > "$T/g.toml"
	run timeout 120 $B/kata-runtime --root "$T/root" --config "$T/g.toml" run -b "$T/b" g1
	expect_rc 1
	expect_in "$err" "the guest did not start ("
	expect_in "$err" "its console, $T/root/g1/console.log, ends: "
	nothing_left_here
}

# The state file's directory is synced after each rename into it.
test_state_write_syncs_directory() {
	setup
	command -v strace > /dev/null || skip "strace missing (make deps)"
	bundle b sleep 1000
	run $K run -d -b "$T/b" c1
	expect_rc 0
	strace -f -e trace=rename,open,openat,fsync -o "$T/trace" $K pause c1 > /dev/null 2>&1 ||
		fail "pause"
	awk '/rename\(.*state.json.tmp/ { r = 1; next }
	     r && /open(at)?\(.*root\/c1", O_RDONLY.*O_DIRECTORY/ { fd = $0; sub(/.*= /, "", fd); next }
	     r && fd != "" && $0 ~ "fsync\\(" fd "\\)" { ok = 1 }
	     END { exit !ok }' "$T/trace" || fail "no fsync of the directory after the rename: $(cat "$T/trace")"
	run $K delete --force c1
	expect_rc 0
	nothing_left_here
}

run_suite faults
