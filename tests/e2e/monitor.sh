#!/bin/sh
# kata-monitor (a link to kata-runtime) on a port of its own, watching the
# test's roots: a sandbox of the CLI path and one of the shim v2 (under
# containerd) found, scraped and labelled; sandboxes that come and go; a
# VM killed under it; an agent with no GetMetrics (a grpcio fake); bad
# requests; a real Prometheus scraping it.
# Usage: tests/e2e/monitor.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

setup() {
	$B/kata-runtime version | grep -q kata-monitor || skip "kata-monitor is not built in"
	vm_setup
	mkdir -p "$T/bin" "$T/root"
	ln -s "$B/kata-runtime" "$T/bin/kata-monitor"
	PORT=$(free_port)
	"$T/bin/kata-monitor" --listen-address "127.0.0.1:$PORT" --root "$T/root" \
		--log-level debug > "$T/monitor.log" 2>&1 &
	MON=$!
	trap 'kill $MON 2> /dev/null' EXIT
	for _ in $(seq 50); do get /sandboxes > /dev/null 2>&1 && break; sleep 0.1; done
	get /sandboxes > /dev/null || fail "kata-monitor did not start: $(cat "$T/monitor.log")"
}

get() { # PATH: the body; the status line in $T/status
	/usr/bin/python3 - "$PORT" "$1" "$T/status" <<'PYEOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
c.request("GET", sys.argv[2])
r = c.getresponse()
open(sys.argv[3], "w").write("%d\n" % r.status)
sys.stdout.write(r.read().decode())
sys.exit(0 if r.status == 200 else 1)
PYEOF
}

# Until /sandboxes lists (or with -n no longer lists) ID.
wait_listed() { # [-n] ID
	neg=""; [ "$1" = -n ] && { neg=1; shift; }
	for _ in $(seq 100); do
		if get /sandboxes | grep -qx "$1"; then [ -z "$neg" ] && return 0
		else [ -n "$neg" ] && return 0; fi
		sleep 0.1
	done
	fail "/sandboxes: $1 ${neg:+still }$( [ -z "$neg" ] && echo "never ")listed: $(get /sandboxes)"
}

test_monitor_scrapes_sandboxes_as_they_come_and_go() {
	setup
	run get /metrics
	expect_rc 0
	expect_in "$out" "kata_monitor_running_shims 0"
	bundle b1 sleep 1000
	run $K run -d -b "$T/b1" s1
	expect_rc 0
	wait_listed s1
	run get /metrics
	expect_rc 0
	echo "$out" | grep -q '^kata_hypervisor_threads{sandbox_id="s1"} [1-9]' || fail "no threads: $out"
	echo "$out" | grep -q '^kata_guest_meminfo{sandbox_id="s1",item="MemTotal"} [1-9]' ||
		fail "no guest meminfo: $out"
	echo "$out" | grep -q '^kata_guest_load{sandbox_id="s1",item="load1"}' || fail "no load: $out"
	expect_in "$out" "kata_monitor_running_shims 1"
	[ "$(echo "$out" | grep -c '^# TYPE kata_guest_meminfo ')" = 1 ] || fail "a family twice"
	# the agent connection is kept from scrape to scrape: the sockets of
	# this scrape are those of the last one (the listener's and s1's)
	s_before=$(sockets)
	run get /metrics
	echo "$out" | grep -q '^kata_guest_meminfo{sandbox_id="s1",item="MemTotal"} [1-9]' ||
		fail "no guest meminfo the second time: $out"
	expect_eq "$(sockets)" "$s_before"
	[ "$(echo "$s_before" | wc -w)" -ge 2 ] || fail "no agent connection kept: $s_before"
	run get "/agent-url?sandbox=s1"
	expect_eq "$out" "$T/root/s1/proxy.sock"
	run get "/agent-url?sandbox=nosuch"
	expect_rc 1
	expect_in "$out" "sandbox nosuch: not found"
	bundle b2 sleep 1000
	run $K run -d -b "$T/b2" s2
	expect_rc 0
	wait_listed s2
	run get /metrics
	echo "$out" | grep -q '^kata_guest_meminfo{sandbox_id="s2",item="MemTotal"} [1-9]' ||
		fail "no s2: $out"
	[ "$(echo "$out" | grep -c '^# TYPE kata_hypervisor_threads ')" = 1 ] || fail "a family twice"
	# a VM killed under it: its sandbox fails alone, counted, quickly
	kill -KILL "$(cat "$T/root/s2/pid")"
	run get /metrics
	expect_rc 0
	echo "$out" | grep -q '^kata_guest_meminfo{sandbox_id="s1",' || fail "s1 lost with s2: $out"
	echo "$out" | grep -q '^kata_monitor_scrape_failures_total [1-9]' ||
		fail "the failure is not counted: $(echo "$out" | grep kata_monitor)"
	$K delete --force s2
	$K delete --force s1
	wait_listed -n s1
	wait_listed -n s2
	run get /metrics
	expect_in "$out" "kata_monitor_running_shims 0"
	# and closed once its sandbox is gone: the listener's socket alone
	[ "$(sockets | wc -w)" = 1 ] || fail "a connection left: $(sockets)"
}

# The monitor's sockets (their inodes), sorted, a line each.
sockets() {
	for f in /proc/$MON/fd/*; do readlink "$f"; done | grep '^socket:' | sort
}

raw() { # REQUEST-TEXT (with \r\n escapes): the whole answer
	/usr/bin/python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode()); b = b""
while True:
    d = s.recv(65536)
    if not d: break
    b += d
sys.stdout.write(b.decode())' "$PORT" "$1"
}

test_monitor_refuses_bad_requests() {
	setup
	out=$(raw 'GET metrics\r\n\r\n')
	expect_in "$out" "HTTP/1.1 400"
	out=$(raw "GET /$(printf '%09000d' 0) HTTP/1.1\r\n\r\n")
	expect_in "$out" "HTTP/1.1 431"
	run get /nothing
	expect_rc 1
	expect_eq "$(cat "$T/status")" 404
	run get /sandboxes
	expect_rc 0
	kill -0 $MON || fail "the monitor died"
}

# Fault injection for an agent with no GetMetrics (Kata's 1.x agent has
# none): a sandbox whose agent is a grpcio server that implements no
# method. Its own figures are there, its guest's are not, and that is said
# once in the log, however many scrapes.
test_monitor_agent_without_get_metrics() {
	setup
	mkdir -p "$T/root/old"
	/usr/bin/python3 -c 'import grpc, sys, time
from concurrent import futures
s = grpc.server(futures.ThreadPoolExecutor(2))
s.add_insecure_port("unix:" + sys.argv[1])
s.start()
time.sleep(600)' "$T/root/old/agent.sock" &
	FAKE=$!
	trap 'kill $MON $FAKE 2> /dev/null' EXIT
	for _ in $(seq 50); do [ -S "$T/root/old/agent.sock" ] && break; sleep 0.1; done
	echo $FAKE > "$T/root/old/pid"
	cat > "$T/root/old/state.json" <<EOT
{ "id": "old", "status": "running", "bundle": "$T", "rootfs": "$T",
  "created": "2026-12-04T00:00:00Z", "agent": "$T/root/old/agent.sock",
  "shim_pid": $FAKE, "shim_start": 0, "proxy_pid": 0, "proxy_start": 0,
  "vsock_cid": 0, "terminal": 0, "annotations": {} }
EOT
	wait_listed old
	for _ in 1 2 3; do
		run get /metrics
		expect_rc 0
	done
	echo "$out" | grep -q '^kata_hypervisor_threads{sandbox_id="old"} [1-9]' ||
		fail "no figures of its own: $out"
	echo "$out" | grep -q 'kata_guest_.*sandbox_id="old"' && fail "guest figures: $out"
	echo "$out" | grep -q '^kata_monitor_scrape_failures_total 0$' ||
		fail "counted as failed: $(echo "$out" | grep kata_monitor_scrape)"
	[ "$(grep -c 'sandbox old: its agent has no GetMetrics' "$T/monitor.log")" = 1 ] ||
		fail "not said once: $(cat "$T/monitor.log")"
	kill $FAKE
	wait $FAKE 2> /dev/null
	rm -rf "$T/root/old"
}

# A real Prometheus scraping the monitor: its query API returns the guest's
# and the hypervisor's families; promtool finds the text clean.
test_monitor_under_prometheus() {
	setup
	command -v prometheus > /dev/null || skip "prometheus missing (make deps)"
	bundle b1 sleep 1000
	run $K run -d -b "$T/b1" p1
	expect_rc 0
	wait_listed p1
	get /metrics > "$T/metrics.txt" || fail "scrape"
	promtool_clean "$T/metrics.txt"
	PP=$(free_port)
	cat > "$T/prom.yml" <<EOT
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: kata
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
EOT
	prometheus --config.file "$T/prom.yml" --storage.tsdb.path "$T/tsdb" \
		--web.listen-address "127.0.0.1:$PP" > "$T/prom.log" 2>&1 &
	PROM=$!
	trap 'kill $MON $PROM 2> /dev/null' EXIT
	q() {
		/usr/bin/python3 - "$PP" "$1" <<'PYEOF'
import json, sys, urllib.parse, urllib.request
u = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1], urllib.parse.quote(sys.argv[2]))
r = json.load(urllib.request.urlopen(u, timeout=10))["data"]["result"]
print("\n".join("%s %s" % (x["metric"].get("sandbox_id", ""), x["value"][1]) for x in r))
PYEOF
	}
	got=""
	for _ in $(seq 100); do
		got=$(q 'kata_guest_meminfo{item="MemTotal"}' 2> /dev/null)
		[ -n "$got" ] && break
		sleep 0.3
	done
	echo "$got" | grep -q "^p1 [1-9]" || fail "Prometheus has no kata_guest_meminfo: $got $(tail -3 "$T/prom.log")"
	got=$(q kata_hypervisor_threads)
	echo "$got" | grep -q "^p1 [1-9]" || fail "Prometheus has no kata_hypervisor_threads: $got"
	kill $PROM
	wait $PROM 2> /dev/null
	$K delete --force p1
}

run_suite monitor
