#!/bin/sh
# Tracing end to end: a traced `run` (cold, and from a VMCache server) is
# one trace whose spans form a tree across the runtime, proxy, shim, agent
# and server (tests/e2e/trace_check.py says what it checks); --trace; the
# OTLP/HTTP export to a collector on loopback (a Python one here); refused
# settings leave nothing behind.
# Usage: tests/e2e/trace.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"
PY=/usr/bin/python3

traced() {
	"$B/kata-runtime" version | grep -q " trace" || skip "tracing not built in"
}

setup() {
	traced
	[ "$(id -u)" = 0 ] || skip "needs root (bind mounts into the VM's share)"
	vm_config "$T/c.toml"
	printf '[agent.kata]\nenable_tracing = true\n[runtime]\nenable_tracing = true\ntrace_file = "%s"\n' \
		"$T/trace.json" >> "$T/c.toml"
	K="$B/kata-runtime --root $T/root"
	sh "$top/scripts/bundle.sh" "$T/b" "$B/kata-runtime" sh -c 'echo hello; exit 3' \
		> /dev/null || fail "bundle"
}

nothing_left_here() {
	sleep 0.2
	left=$(ls -A "$T/root" 2> /dev/null | grep -v '^\.cache$' | grep -v '^trace.json$')
	[ -z "$left" ] || fail "state left: $left"
	pgrep -f "$T/" > /dev/null && fail "left running: $(pgrep -af "$T/")"
	grep -q " $T/" /proc/self/mountinfo && fail "mounts left: $(grep " $T/" /proc/self/mountinfo)"
	true
}

test_traced_run() {
	setup
	run $K --config "$T/c.toml" run -b "$T/b" c1
	expect_rc 3
	expect_eq "$out" "hello"
	nothing_left_here
	run $PY "$top/tests/e2e/trace_check.py" "$T/trace.json" c1 direct
	expect_rc 0
	echo "$out"
	run "$B/kata-runtime" trace summary "$T/trace.json"
	expect_rc 0
	expect_eq "$(echo "$out" | grep -c '^trace ')" 1
	expect_in "$out" "
  run "
	expect_in "$out" "100.0%  kata-runtime container.id=c1"
	expect_in "$out" "kata-runtime vm.source=direct vm.accel=tcg"
	expect_in "$out" "kata-agent rpc.system=grpc rpc.method=CreateContainer"
}

# A template clone: vm.source=template, the clone's launch and migration.
test_traced_template_run() {
	setup
	printf '[factory]\nenable_template = true\ntemplate_path = "%s/tpl"\n' "$T" >> "$T/c.toml"
	run $K --config "$T/c.toml" factory init
	expect_rc 0
	run $K --config "$T/c.toml" run -b "$T/b" c6
	expect_rc 3
	run $K --config "$T/c.toml" factory destroy
	expect_rc 0
	nothing_left_here
	run $PY "$top/tests/e2e/trace_check.py" "$T/trace.json" c6 template
	expect_rc 0
}

# Kata's static mode: agent.trace on the kernel command line, tracing from
# boot, no StartTracing; the agent's spans still come back.
test_traced_run_static() {
	setup
	sed -i '0,/^enable_tracing = true$/s//enable_tracing = true\ntrace_mode = "static"/' "$T/c.toml"
	grep -q 'trace_mode = "static"' "$T/c.toml" || fail "config"
	run $K --config "$T/c.toml" run -b "$T/b" c5
	expect_rc 3
	run $PY "$top/tests/e2e/trace_check.py" "$T/trace.json" c5 direct
	expect_rc 0
	grep -q StartTracing "$T/trace.json" && fail "StartTracing in static mode"
	true
}

test_traced_cache_run() {
	setup
	EP=$T/cache.sock
	cp "$T/c.toml" "$T/cache.toml"
	printf '[factory]\nvm_cache_number = 1\nvm_cache_endpoint = "%s"\n' "$EP" >> "$T/cache.toml"
	$K --config "$T/cache.toml" --cache-server > "$T/server.log" 2>&1 &
	srv=$!
	for _ in $(seq 600); do
		$K --config "$T/cache.toml" factory status 2> /dev/null | grep -q '^VM pid' && break
		sleep 0.1
	done
	run $K --config "$T/cache.toml" run -b "$T/b" c2
	expect_rc 3
	expect_eq "$out" "hello"
	run $K --config "$T/cache.toml" factory destroy
	expect_rc 0
	wait $srv
	nothing_left_here
	run $PY "$top/tests/e2e/trace_check.py" "$T/trace.json" c2 cache
	expect_rc 0
	echo "$out"
	run "$B/kata-runtime" trace summary "$T/trace.json"
	expect_in "$out" "kata-runtime vm.source=cache"
	expect_in "$out" "kata-vmcache rpc.system=grpc rpc.method=GetBaseVM"
}

# --trace alone, --trace=FILE, and off: no file at all.
test_trace_flag() {
	traced
	printf '[hypervisor.qemu]\naccel = "tcg"\n' > c.toml
	K="$B/kata-runtime --root $T/root --config $T/c.toml"
	run $K state nosuch
	expect_rc 1
	[ -e "$T/root/trace.json" ] && fail "a trace file without tracing"
	run $K --trace state nosuch
	expect_rc 1
	expect_in "$err" 'container "nosuch" does not exist'
	run "$B/kata-runtime" trace summary "$T/root/trace.json"
	expect_rc 0
	expect_in "$out" "  state "
	expect_in "$out" "kata-runtime ERROR"
	expect_in "$out" "    config.load "
	run $K --trace="$T/t.json" list
	expect_rc 0
	run "$B/kata-runtime" trace summary "$T/t.json"
	expect_in "$out" ", 2 spans"
	expect_in "$out" "  list "
}

# The collector: one POST of OTLP/HTTP JSON per process, on loopback.
test_trace_collector() {
	traced
	$PY - "$T/posts" > port 2> collector.log <<'PYEOF' &
import http.server, json, sys
out = open(sys.argv[1], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        out.write(json.dumps({"path": self.path, "type": self.headers["Content-Type"],
                              "body": json.loads(body)}) + "\n")
        out.flush()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
PYEOF
	col=$!
	for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
	printf '[runtime]\nenable_tracing = true\ntrace_collector = "http://127.0.0.1:%s/v1/traces"\n' \
		"$(cat port)" > c.toml
	run "$B/kata-runtime" --root "$T/root" --config c.toml list
	expect_rc 0
	kill $col
	run $PY - "$T/posts" <<'PYEOF'
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
assert len(posts) == 1, posts
p = posts[0]
assert p["path"] == "/v1/traces" and p["type"] == "application/json", p
spans = [s for rs in p["body"]["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
names = sorted(s["name"] for s in spans)
assert names == ["config.load", "list"], names
assert len({s["traceId"] for s in spans}) == 1
print("ok")
PYEOF
	expect_rc 0
	# the file is written as well (by default under --root)
	run "$B/kata-runtime" trace summary "$T/root/trace.json"
	expect_in "$out" "  list "
	# nobody listening: a warning, the command's status unchanged
	run "$B/kata-runtime" --root "$T/root" --config c.toml list
	expect_rc 0
	expect_in "$err" "spans not delivered"
}

# Settings that cannot work are refused before anything starts.
test_trace_refused_settings() {
	setup
	printf '[runtime]\nenable_tracing = true\ntrace_collector = "http://10.1.2.3:4318/v1/traces"\n' \
		> bad.toml
	grep -v '^\[runtime\]\|^enable_tracing\|^trace_file' "$T/c.toml" >> bad.toml
	run $K --config bad.toml run -b "$T/b" c3
	expect_rc 1
	expect_in "$err" "trace collector http://10.1.2.3:4318/v1/traces: not a loopback address"
	expect_in "$err" "[runtime] enable_tracing"
	run $K --config "$T/c.toml" --trace=/proc/self/nowhere/t.json run -b "$T/b" c3
	expect_rc 1
	expect_in "$err" "--trace: trace file /proc/self/nowhere/t.json"
	nothing_left_here
	[ -e "$T/trace.json" ] && fail "spans written by a refused run"
	true
}

run_suite trace
