# A small shell test harness. A suite defines functions test_* and ends with
# run_suite NAME; each test runs in a subshell with its own temporary
# directory ($T), and its output is shown only when it fails.
# Helpers: run CMD... (sets $rc, $out, $err), expect_eq, expect_in, fail, skip.

TESTS_PASSED=0
TESTS_FAILED=0
TESTS_SKIPPED=0

fail() { echo "    $*" >&2; exit 1; }
skip() { echo "$*" > "$T/.skip"; exit 0; }

run() {
	"$@" > "$T/.out" 2> "$T/.err"
	rc=$?
	out=$(cat "$T/.out")
	err=$(cat "$T/.err")
	return 0
}

expect_eq() { [ "$1" = "$2" ] || fail "expected [$2], got [$1]${3:+ ($3)}"; }
expect_in() { case "$1" in *"$2"*) ;; *) fail "expected to find [$2] in [$1]";; esac; }
expect_not_in() { case "$1" in *"$2"*) fail "did not expect [$2] in [$1]";; esac; }
# PID is a process that runs: a zombie (dead, its parent not yet told) does
# not; kill -0 cannot tell them apart.
pid_runs() { # PID
	state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2> /dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}
# After kill -STOP: until PID is stopped (a busy multi-threaded process
# takes a moment to stop every thread), at most 5 s.
wait_stopped() { # PID
	for _ in $(seq 100); do
		[ "$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2> /dev/null)" = T ] &&
			return 0
		sleep 0.05
	done
	fail "$1 did not stop"
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit status $rc, expected $1; stderr: $err"; }

# A VM started by vm-tool in RUN_DIR left no socket, pid file or QEMU.
nothing_left() { # RUN_DIR
	for f in qmp.sock kata.sock pid; do
		[ -e "$1/$f" ] && fail "$f left behind"
	done
	pgrep -f "qemu-system-x86_64 -name sandbox-test .*$1/" > /dev/null &&
		fail "a QEMU of this test still runs"
	true
}

# For suites that run containers in VMs: skip without QEMU or the binary,
# (re)build the guest image when its agent is newer, and write FILE: the
# configuration every such test boots with (TCG, 256 MiB, our guest).
vm_config() { # FILE
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	[ -x "$B/kata-runtime" ] || skip "no $B/kata-runtime"
	ga=$B/guest-agent/kata-runtime # configs/guest_defconfig's, as make guest uses
	[ -x "$ga" ] || skip "no $ga (make guest-agent)"
	if [ ! -f "$B/guest/initrd.img" ] || [ "$ga" -nt "$B/guest/initrd.img" ]; then
		sh "$top/scripts/guest-image.sh" "$ga" "$B/guest" > "$T/image.log" 2>&1 ||
			fail "guest image: $(cat "$T/image.log")"
	fi
	printf '[hypervisor.qemu]\nkernel = "%s"\ninitrd = "%s"\ndefault_memory = 256\naccel = "tcg"\n' \
		"$B/guest/vmlinux" "$B/guest/initrd.img" > "$1"
}

# For suites of containers in VMs: root, the VM configuration, and $K,
# the runtime with this test's --root and configuration.
vm_setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (bind mounts into the VM's share)"
	vm_config "$T/c.toml"
	K="$B/kata-runtime --root $T/root --config $T/c.toml"
}

# For suites of containers in VMs ($K, $T/root): an OCI bundle in $T/DIR
# running ARG..., and the check that nothing of the test runs, stays
# mounted or is left under --root.
bundle() { # DIR [--tty] ARG...
	d=$1
	shift
	sh "$top/scripts/bundle.sh" "$T/$d" "$B/kata-runtime" "$@" > /dev/null || fail "bundle $d"
}

# pod_bundle DIR TYPE SANDBOX ARG...: a bundle with CRI-O's annotations
# and hostname pod-host.
pod_bundle() { # DIR TYPE SANDBOX ARG...
	d=$1 type=$2 sid=$3
	shift 3
	bundle "$d" "$@"
	/usr/bin/python3 - "$T/$d/config.json" "$type" "$sid" <<'PYEOF' || fail "annotate $d"
import json, sys
p, t, s = sys.argv[1:]
c = json.load(open(p))
c["hostname"] = "pod-host"
c.setdefault("annotations", {})
c["annotations"]["io.kubernetes.cri-o.ContainerType"] = t
c["annotations"]["io.kubernetes.cri-o.SandboxID"] = s
json.dump(c, open(p, "w"))
PYEOF
}

nothing_left_here() {
	sleep 0.2
	left=$(ls -A "$T/root" 2> /dev/null | grep -v '^\.cache$')
	[ -z "$left" ] || fail "state left: $left"
	pgrep -f "$T/root" > /dev/null && fail "left running: $(pgrep -af "$T/root")"
	grep -q " $T/" /proc/self/mountinfo && fail "mounts left: $(grep " $T/" /proc/self/mountinfo)"
	true
}

run_suite() {
	suite=$1
	for t in $(grep -o '^test_[a-z0-9_]*' "$0"); do
		T=$(mktemp -d /tmp/ukata-test.XXXXXX)
		if (set -u; cd "$T" && "$t") > "$T/.log" 2>&1; then
			if [ -f "$T/.skip" ]; then
				echo "SKIP $t: $(cat "$T/.skip")"
				TESTS_SKIPPED=$((TESTS_SKIPPED + 1))
			else
				TESTS_PASSED=$((TESTS_PASSED + 1))
			fi
		else
			echo "FAIL $t"
			sed 's/^/    /' "$T/.log"
			TESTS_FAILED=$((TESTS_FAILED + 1))
		fi
		# Nothing a test started outlives it, failed or not (its VMs, shims,
		# proxies name their paths under $T).
		pkill -KILL -f "$T/" 2> /dev/null
		# Never remove through a mount a test left behind.
		grep -o " $T/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do
			umount -l "$m" 2> /dev/null
		done
		rm -rf "$T"
	done
	echo "$suite: $TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
	[ "$TESTS_FAILED" -eq 0 ]
}

# A free TCP port on 127.0.0.1.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kata-monitor (a link to $B/kata-runtime) on a free port with ARG..., its
# /metrics scraped until a line matches the regex PATTERN (10 s at most),
# then stopped; the last scrape in $MON_OUT, its log in $T/monitor.log.
monitor_scrape() { # PATTERN ARG...
	pat=$1
	shift
	ln -sf "$B/kata-runtime" "$T/kata-monitor"
	mport=$(free_port)
	"$T/kata-monitor" --listen-address "127.0.0.1:$mport" "$@" > "$T/monitor.log" 2>&1 &
	mpid=$!
	for _ in $(seq 100); do
		MON_OUT=$(/usr/bin/python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10).read().decode())' "$mport" 2> /dev/null)
		echo "$MON_OUT" | grep -q "$pat" && break
		sleep 0.1
	done
	kill $mpid
	wait $mpid 2> /dev/null
	true
}

# promtool's check of the Prometheus text in FILE: clean, but for its lint
# of Kata's own histogram names (kata_shim_*_rpc_durations_histogram_
# milliseconds, kept as Kata names them for its dashboards).
promtool_clean() { # FILE
	promtool check metrics < "$1" > "$T/promtool.out" 2>&1
	prc=$?
	[ $prc = 0 ] && return 0
	[ $prc = 3 ] || fail "promtool (rc $prc): $(cat "$T/promtool.out")"
	grep -v -e '^kata_shim_[a-z_]*_histogram_milliseconds metric name should not include type .histogram.$' \
		-e '^kata_shim_[a-z_]*_histogram_milliseconds use base unit "seconds" instead of "milliseconds"$' \
		"$T/promtool.out" | grep -q . && fail "promtool: $(cat "$T/promtool.out")"
	true
}
