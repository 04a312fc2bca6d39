#!/bin/sh
# End-to-end tests of the command line, configuration and logging, run as a
# user runs the binary. Usage: tests/e2e/cli.sh [BUILD_DIR]
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
B=$(cd "${1:-$top/build}" && pwd)
KR=$B/kata-runtime
PY=/usr/bin/python3
unset KATA_CONF_FILE

# A configuration with one key changed, so that tests can tell which file won.
mkconf() { mkdir -p "$(dirname "$1")"; printf '[hypervisor.qemu]\ndefault_memory = %s\n' "$2" > "$1"; }
json_get() { $PY -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

# trace summary reads OTLP/JSON lines (here written by Python from the
# OpenTelemetry JSON encoding: hex ids, times as decimal strings), two
# traces interleaved as concurrent processes append them.
test_trace_summary() {
	"$KR" version | grep -q " trace" || skip "trace not built in"
	$PY - > t.json <<'PYEOF'
import json
def line(trace, sid, parent, name, start, end, service, **attrs):
    span = {"traceId": trace * 16, "spanId": sid * 8, "name": name,
            "startTimeUnixNano": str(10**18 + start * 10**6),
            "endTimeUnixNano": str(10**18 + end * 10**6), "kind": 1,
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
            "status": {"code": 1}}
    if parent:
        span["parentSpanId"] = parent * 8
    print(json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"scope": {"name": "x"}, "spans": [span]}]}]}))
line("ab", "02", "01", "factory.get_vm", 100, 2100, "kata-runtime", source="template")
line("cd", "11", None, "run", 0, 500, "kata-runtime", container="c2")
line("ab", "01", None, "run", 0, 4000, "kata-runtime", container="c1")
print()
line("ab", "03", "01", "agent.StartContainer", 2200, 2300, "kata-shim")
PYEOF
	run "$KR" trace summary t.json
	expect_rc 0
	expect_eq "$out" "trace abababababababababababababababab: 4000.0 ms, 3 spans
  run                                  4000.0 ms 100.0%  kata-runtime container=c1
    factory.get_vm                     2000.0 ms  50.0%  kata-runtime source=template
    agent.StartContainer                100.0 ms   2.5%  kata-shim

trace cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd: 500.0 ms, 1 span
  run                                   500.0 ms 100.0%  kata-runtime container=c2"
	head -c 300 t.json > cut.json
	run "$KR" trace summary cut.json
	expect_rc 1
	expect_eq "$err" "kata-runtime trace summary: cut.json:1: not JSON"
	expect_eq "$out" ""
	run "$KR" trace summary nothing.json
	expect_rc 1
	expect_in "$err" "nothing.json"
	run "$KR" trace
	expect_rc 1
	expect_in "$err" "usage: kata-runtime trace summary FILE"
}

test_version_forms() {
	for form in --version -v version; do
		run "$KR" $form
		expect_rc 0
		expect_in "$out" "kata-runtime  : 0."
		expect_in "$out" "   commit   : "
		expect_in "$out" "   OCI specs: 1.0.2"
		expect_in "$out" "   features : "
	done
	expect_in "$out" "cmd-env"
}

test_help_lists_commands() {
	run "$KR" --help
	expect_rc 0
	for c in create start run state kill delete exec ps list pause resume events update spec env version; do
		expect_in "$out" "  $c "
	done
	expect_in "$out" "(alias kata-env)"
	run "$KR" -h
	expect_rc 0
	run "$KR"
	expect_rc 0
	expect_in "$out" "Usage: kata-runtime"
}

test_command_help() {
	for c in create kill exec env kata-env version factory; do
		run "$KR" $c --help
		expect_rc 0
		expect_in "$out" "Usage: kata-runtime "
	done
	run "$KR" env -h
	expect_in "$out" "--json"
}

test_unknown_option_and_command() {
	run "$KR" --bogus env
	expect_rc 1
	expect_in "$err" "unknown option --bogus"
	run "$KR" frobnicate
	expect_rc 1
	expect_in "$err" 'unknown command "frobnicate"'
	run "$KR" env --bogus
	expect_rc 1
	expect_in "$err" "unknown option --bogus"
	run "$KR" --root
	expect_rc 1
	expect_in "$err" "option --root requires a value"
	run "$KR" --log-format xml env
	expect_rc 1
	expect_in "$err" '--log-format: "xml" is not text or json'
	run "$KR" --rootless maybe env
	expect_rc 1
	expect_in "$err" '--rootless: "maybe" is not true, false or auto'
	run "$KR" --debug=perhaps env
	expect_rc 1
}

test_global_option_forms() {
	# containerd's go-runc and CRI-O's conmon use both forms.
	mkconf c.toml 640
	run "$KR" --root /run/x --log "$T/a.log" --log-format json --debug --systemd-cgroup \
		--rootless false --config "$T/c.toml" env --json
	expect_rc 0
	expect_eq "$(echo "$out" | json_get "['Hypervisor']['DefaultMemory']")" 640
	run "$KR" --root=/run/x --log="$T/b.log" --log-format=text --debug=true --systemd-cgroup=false \
		--rootless=auto --kata-config="$T/c.toml" kata-env --json
	expect_rc 0
	expect_eq "$(echo "$out" | json_get "['Hypervisor']['DefaultMemory']")" 640
	expect_in "$(cat "$T/b.log")" 'level=debug msg="command env"'
}

test_show_default_config_paths() {
	for f in --show-default-config-paths --kata-show-default-config-paths; do
		run "$KR" $f
		expect_rc 0
		expect_eq "$out" "/etc/kata-containers/configuration.toml
/usr/share/defaults/kata-containers/configuration.toml"
	done
}

# kata-network without a running container: usage errors and the missing
# container named, nothing on stdout.
test_kata_network_usage() {
	run "$KR" kata-network bogus x
	expect_rc 1
	expect_in "$err" "usage: kata-network add-iface|del-iface|update-routes"
	run "$KR" kata-network add-iface onlyid
	expect_rc 1
	echo '{"Name":' > "$T/bad.json"
	run "$KR" kata-network add-iface c1 "$T/bad.json"
	expect_rc 1
	expect_in "$err" "kata-network add-iface: $T/bad.json"
	run "$KR" --root "$T/root" kata-network list-routes nosuch
	expect_rc 1
	expect_in "$err" 'container "nosuch" does not exist'
	[ -z "$out" ] || fail "printed on stdout: $out"
}

# The agent outside a VM (not PID 1, no agent channel): it says so and
# exits at once, however it is invoked.
test_multi_call_agent() {
	run "$B/kata-agent"
	expect_rc 1
	expect_in "$err" "no virtio-serial port named agent.channel.0"
	ln -s "$KR" "$T/kata-agent"
	run "$T/kata-agent"
	expect_rc 1
	expect_in "$err" "no virtio-serial port named agent.channel.0"
	run "$KR" agent
	expect_rc 1
	expect_in "$err" "no virtio-serial port named agent.channel.0"
	run "$KR" agent --help
	expect_rc 0
	expect_in "$out" "Serves grpc.AgentService and grpc.Health"
}

test_env_toml_and_json_parse() {
	run "$KR" --config "$top/configs/configuration.toml" env
	expect_rc 0
	echo "$out" > env.toml
	$PY - env.toml "$top/configs/configuration.toml" <<'PY' || fail "env TOML"
import sys, tomllib
d = tomllib.load(open(sys.argv[1], "rb"))
for s in ["Meta", "Runtime", "Hypervisor", "Image", "Kernel", "Initrd", "Proxy", "Shim",
          "Agent", "Host", "Netmon", "Factory"]:
    assert s in d, s
assert d["Meta"]["Version"] == "1.0.24"
assert d["Runtime"]["Config"]["Path"] == sys.argv[2], d["Runtime"]["Config"]
assert d["Runtime"]["Version"]["OCI"] == "1.0.2"
assert d["Hypervisor"]["Path"] == "/usr/bin/qemu-system-x86_64"
assert d["Hypervisor"]["Msize9p"] == 8192
assert d["Runtime"]["DisableGuestSeccomp"] is True   # the shipped file sets it
assert d["Host"]["Architecture"] == "amd64"
assert d["Proxy"]["Version"]["Semver"].count(".") == 2
PY
	run "$KR" --config "$top/configs/configuration.toml" env --json
	expect_rc 0
	expect_eq "$(echo "$out" | json_get "['Agent']['Type']")" kata
	expect_eq "$(echo "$out" | json_get "['Runtime']['Config']['Path']")" "$top/configs/configuration.toml"
}

test_env_reports_qemu_version() {
	[ -x /usr/bin/qemu-system-x86_64 ] || skip "no qemu-system-x86_64"
	run "$KR" --config "$top/configs/configuration.toml" env --json
	expect_in "$(echo "$out" | json_get "['Hypervisor']['Version']")" "QEMU emulator version"
	printf '[hypervisor.qemu]\npath = "/nonexistent/qemu"\n' > c.toml
	run "$KR" --config c.toml env --json
	expect_rc 0
	expect_eq "$(echo "$out" | json_get "['Hypervisor']['Version']")" unknown
}

test_search_order_explicit_env() {
	mkconf a/configuration.toml 300
	mkconf b/configuration.toml 400
	run env KATA_CONF_FILE="$T/b/configuration.toml" "$KR" env --json
	expect_eq "$(echo "$out" | json_get "['Hypervisor']['DefaultMemory']")" 400
	run env KATA_CONF_FILE="$T/b/configuration.toml" "$KR" --config "$T/a/configuration.toml" env --json
	expect_eq "$(echo "$out" | json_get "['Hypervisor']['DefaultMemory']")" 300
	run "$KR" --config "$T/missing.toml" env
	expect_rc 1
	expect_in "$err" "configuration file $T/missing.toml: no such file"
	run env KATA_CONF_FILE="$T/missing.toml" "$KR" env
	expect_rc 1
	expect_in "$err" "KATA_CONF_FILE $T/missing.toml: no such file"
}

# The default paths, in a private mount namespace so that the host's /etc and
# /usr/share are untouched.
test_search_order_default_paths() {
	[ "$(id -u)" = 0 ] || skip "needs root for a mount namespace"
	command -v unshare >/dev/null || skip "no unshare"
	unshare -m true 2>/dev/null || skip "unshare -m not permitted here"
	cat > ns.sh <<SH
set -e
mount --make-rprivate /
mount -t tmpfs none /etc
mount -t tmpfs none /usr/share
mkdir -p /etc/kata-containers /usr/share/defaults/kata-containers
printf '[hypervisor.qemu]\ndefault_memory = 111\n' > /usr/share/defaults/kata-containers/configuration.toml
echo "only-defaults \$("$KR" env --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["Hypervisor"]["DefaultMemory"])')"
printf '[hypervisor.qemu]\ndefault_memory = 222\n' > /etc/kata-containers/configuration.toml
mkdir /etc/kata-containers/config.d
printf '[hypervisor.qemu]\nmemory_slots = 7\n' > /etc/kata-containers/config.d/10.toml
echo "both \$("$KR" env --json | $PY -c 'import json,sys; d=json.load(sys.stdin)["Hypervisor"]; print(d["DefaultMemory"], d["MemorySlots"])')"
rm -r /etc/kata-containers/configuration.toml /etc/kata-containers/config.d /usr/share/defaults/kata-containers/configuration.toml
echo "none \$("$KR" env --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["Hypervisor"]["DefaultMemory"], repr(d["Runtime"]["Config"]["Path"]))')"
SH
	run unshare -m sh ns.sh
	expect_rc 0
	expect_in "$out" "only-defaults 111"
	expect_in "$out" "both 222 7"
	expect_in "$out" "none 2048 ''"
}

test_dropins_override_in_order() {
	mkconf etc/configuration.toml 100
	mkdir etc/config.d
	printf '[hypervisor.qemu]\ndefault_memory = 200\nmemory_slots = 3\n' > etc/config.d/10-a.toml
	printf '[hypervisor.qemu]\ndefault_memory = 300\n' > etc/config.d/20-b.toml
	run "$KR" --config etc/configuration.toml env --json
	expect_rc 0
	expect_eq "$(echo "$out" | json_get "['Hypervisor']['DefaultMemory']")" 300
	expect_eq "$(echo "$out" | json_get "['Hypervisor']['MemorySlots']")" 3
	expect_eq "$(echo "$out" | json_get "['Runtime']['Config']['DropIns']")" \
		"['$T/etc/config.d/10-a.toml', '$T/etc/config.d/20-b.toml']"
	printf '[hypervisor.qemu]\nmemory_slots = "x"\n' > etc/config.d/30-bad.toml
	run "$KR" --config etc/configuration.toml env
	expect_rc 1
	expect_in "$err" "etc/config.d/30-bad.toml:2: memory_slots: expected an integer"
}

test_malformed_config_names_file_and_line() {
	printf '# ok\n[hypervisor.qemu]\npath = "/usr/bin/qemu-system-x86_64"\n\ndefault_memory = 1.5\n' > c.toml
	run "$KR" --config c.toml env
	expect_rc 1
	expect_in "$err" "$T/c.toml:5: default_memory: floats are not supported"
	[ -z "$out" ] || fail "printed on stdout: $out"
	printf '[hypervisor.qemu]\nindep_iothreads = 99\n' > c.toml
	run "$KR" --config c.toml env
	expect_rc 1
	expect_in "$err" "c.toml:2: indep_iothreads: 99 is out of range (0 to 50)"
	printf '[runtime\n' > c.toml
	run "$KR" --config c.toml env
	expect_rc 1
	expect_in "$err" "c.toml:1: expected ']' after table name"
}

test_unknown_key_warns() {
	printf '[hypervisor.qemu]\nno_such_key = 1\n[hypervisor.firecracker]\npath = "x"\n' > c.toml
	run "$KR" --config c.toml env
	expect_rc 0
	expect_in "$err" "warning: $T/c.toml:2: unknown key \"no_such_key\" in [hypervisor.qemu]"
	expect_in "$err" "warning: $T/c.toml:4: unknown table [hypervisor.firecracker]"
}

test_log_json_last_error_line() {
	# containerd reads the last {"level":"error"} line of the log file.
	printf '[hypervisor.qemu]\ndefault_memory = true\n' > c.toml
	run "$KR" --log "$T/log.json" --log-format json --config c.toml env
	expect_rc 1
	expect_in "$err" "c.toml:2: default_memory: expected an integer"  # errors still reach stderr
	last=$(tail -n 1 log.json)
	expect_eq "$(echo "$last" | json_get "['level']")" error
	expect_in "$(echo "$last" | json_get "['msg']")" "c.toml:2: default_memory: expected an integer"
	echo "$last" | json_get "['time']" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' || fail "time: $last"
	run "$KR" --log "$T/log.json" --log-format json create web
	expect_rc 1
	expect_in "$(tail -n 1 log.json)" '"level":"error","msg":"'"$T"'/config.json: No such file or directory"'
	expect_eq "$(wc -l < log.json)" 2
}

test_log_appends_and_debug_levels() {
	run "$KR" --log "$T/l.txt" --config "$top/configs/configuration.toml" env
	expect_rc 0
	[ ! -s l.txt ] || fail "non-debug run logged: $(cat l.txt)"
	printf '[runtime]\nenable_debug = true\n' > c.toml
	run "$KR" --log "$T/l.txt" --config c.toml env
	expect_in "$(cat l.txt)" "level=debug msg=\"configuration $T/c.toml"
	before=$(wc -l < l.txt)
	run "$KR" --log "$T/l.txt" --debug --config "$top/configs/configuration.toml" env
	[ "$(wc -l < l.txt)" -gt "$before" ] || fail "log not appended"
	run "$KR" --log /nonexistent-dir/x.log env
	expect_rc 1
	expect_in "$err" "log file /nonexistent-dir/x.log: No such file or directory"
}

# Without --log, messages go to syslog: catch them on a private /dev/log.
test_syslog_without_log_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for a mount namespace"
	unshare -m true 2>/dev/null || skip "unshare -m not permitted here"
	cat > catch.py <<'PY'
import os, socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(5)
r = subprocess.run([sys.argv[1], "--debug", "create", "web"], capture_output=True)
msgs = []
try:
    while True:
        msgs.append(s.recv(8192).decode())
        s.settimeout(0.5)
except socket.timeout:
    pass
print(r.returncode)
print("\n".join(msgs))
PY
	cat > ns.sh <<SH
set -e
mount --make-rprivate /
mount -t tmpfs none /dev
mknod -m 666 /dev/null c 1 3
$PY catch.py "$KR"
SH
	run unshare -m sh ns.sh
	expect_rc 0
	expect_in "$out" "1"
	expect_in "$out" "<11>"                          # user.err
	expect_in "$out" "kata-runtime["
	expect_in "$out" "config.json: No such file or directory"
	expect_in "$out" "<15>"                          # user.debug, with --debug
}

run_suite cli
