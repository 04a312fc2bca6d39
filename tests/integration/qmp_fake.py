#!/usr/bin/python3
"""A QMP server that misbehaves on purpose, against our client (qmp-tool).
usage: qmp_fake.py QMP_TOOL. Each scenario checks the client's output or
error, that it ends in bounded time, and that it leaves nothing behind."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

tool = sys.argv[1]
passed = failed = 0
GREETING = b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\n'


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", name, detail)


def serve(path, behaviour):
    """Accept one client; greet and answer qmp_capabilities, then hand each
    command to behaviour(conn, cmd), which answers (or not)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def run():
        conn, _ = srv.accept()
        srv.close()
        f = conn.makefile("rb")
        conn.sendall(GREETING)
        try:
            for line in f:
                cmd = json.loads(line)
                if cmd["execute"] == "qmp_capabilities":
                    conn.sendall(json.dumps({"return": {}, "id": cmd["id"]}).encode() + b"\n")
                    continue
                if behaviour(conn, cmd) == "close":
                    break
        except (OSError, ValueError):
            pass
        conn.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def reply(conn, cmd, value):
    conn.sendall(json.dumps({"return": value, "id": cmd["id"]}).encode() + b"\n")


def event(conn, name, data=None):
    e = {"event": name, "timestamp": {"seconds": 1, "microseconds": 2}}
    if data is not None:
        e["data"] = data
    conn.sendall(json.dumps(e).encode() + b"\n")


def scenario(name, behaviour, steps, expect_rc, expect, timeout_ms=1000, greeting=True):
    d = tempfile.mkdtemp(prefix="ukata-qmp-")
    path = os.path.join(d, "qmp.sock")
    try:
        serve(path, behaviour)
        p = subprocess.run([tool, path, str(timeout_ms)] + steps, capture_output=True, text=True,
                           timeout=20)
        out = p.stdout + p.stderr
        check(name, p.returncode == expect_rc and expect in out, (p.returncode, out))
    except subprocess.TimeoutExpired:
        check(name, False, "the client hung")
    finally:
        shutil.rmtree(d, True)


def error_reply(conn, cmd):
    conn.sendall(json.dumps({"error": {"class": "DeviceNotFound", "desc": "Device 'x' not found"},
                             "id": cmd["id"]}).encode() + b"\n")


def interleaved(conn, cmd):
    if cmd["execute"] == "stop":
        event(conn, "RESUME")
        conn.sendall(b'{"return": {}, "id": "ukata-999"}\n')  # someone else's reply
        event(conn, "STOP")
        reply(conn, cmd, {})
    elif cmd["execute"] == "device_del":
        reply(conn, cmd, {})
        event(conn, "DEVICE_DELETED", {"path": "/machine/peripheral/other"})
        event(conn, "DEVICE_DELETED", {"device": "other", "path": "/x"})
        event(conn, "DEVICE_DELETED", {"device": "disk1", "path": "/machine/peripheral/disk1"})
    else:
        reply(conn, cmd, {"status": "running", "running": True})


scenario("error reply gives class and description", error_reply, ["stop"], 1,
         "QMP stop: DeviceNotFound: Device 'x' not found")
scenario("events interleaved with replies are queued", interleaved,
         ["stop", "wait:STOP", "wait:RESUME", "status"], 0,
         "ok stop {}\nevent STOP \nevent RESUME \nstatus running")
scenario("device_del waits for its own DEVICE_DELETED", interleaved, ["del:disk1"], 0,
         "deleted disk1")
scenario("garbage", lambda c, cmd: c.sendall(b"this is not json\n"), ["stop"], 1,
         "QMP stop: QMP: JSON: invalid")
scenario("a reply that is not an object", lambda c, cmd: c.sendall(b"[1, 2]\n"), ["stop"], 1,
         "a message that is not an object")
scenario("no reply: the deadline", lambda c, cmd: None, ["stop"], 1,
         "QMP stop: QMP: no reply in time")
scenario("closed mid-command", lambda c, cmd: "close", ["stop"], 1,
         "the monitor closed the connection")
scenario("truncated object, then closed",
         lambda c, cmd: (c.sendall(b'{"return": {"sta'), "close")[1], ["stop"], 1,
         "closed the connection in the middle of a message")
scenario("oversized reply", lambda c, cmd: c.sendall(b"[" + b"1," * (600 * 1024)), ["stop"], 1,
         "a message of more than 1048576 bytes", timeout_ms=5000)
scenario("slow reply within the deadline",
         lambda c, cmd: (threading.Timer(0.3, reply, (c, cmd, {})).start()), ["cont"], 0,
         "ok cont {}", timeout_ms=3000)
scenario("event waited for never comes", interleaved, ["wait:SHUTDOWN"], 1,
         "waiting for SHUTDOWN: QMP: no reply in time")

scenario("no reply, and the caller asked for no error", lambda c, cmd: None, ["quiet:stop"], 0,
         "failed")
scenario("an error without an id answers the command",
         lambda c, cmd: c.sendall(b'{"error": {"class": "GenericError", "desc": "JSON parse error"}}\n'),
         ["stop"], 1, "QMP stop: GenericError: JSON parse error")

# Typed query results: as QEMU documents them, and shapes that are not.
SLOTS = [{"props": {"core-id": 0, "thread-id": 0, "socket-id": 1}, "vcpus-count": 1,
          "type": "max-x86_64-cpu"},
         {"props": {"core-id": 0, "thread-id": 0, "socket-id": 0}, "vcpus-count": 1,
          "qom-path": "/machine/unattached/device[0]", "type": "max-x86_64-cpu"}]
MEMDEVS = [{"type": "dimm", "data": {"memdev": "/objects/mem-dimm0", "hotplugged": True,
                                     "addr": 4294967296, "slot": 0, "node": 0,
                                     "id": "dimm0", "size": 134217728, "hotpluggable": True}},
           {"type": "virtio-mem", "data": {"memdev": "/objects/vm0", "size": 0, "id": "vmem0"}}]
answers = {"query-hotpluggable-cpus": SLOTS,
           "query-cpus-fast": [{"thread-id": 77, "props": {}, "qom-path": "/machine/cpu0",
                                "cpu-index": 0, "target": "x86_64"}],
           "query-iothreads": [{"id": "indep_iothread_0", "thread-id": 78, "poll-max-ns": 0}],
           "query-memory-devices": MEMDEVS}
scenario("typed queries", lambda c, cmd: reply(c, cmd, answers[cmd["execute"]]),
         ["slots", "cpus", "iothreads", "memdevs"], 0,
         'slots 2\nmax-x86_64-cpu [] {"core-id": 0, "thread-id": 0, "socket-id": 1} 1\n'
         'max-x86_64-cpu [/machine/unattached/device[0]] {"core-id": 0, "thread-id": 0, '
         '"socket-id": 0} 1\ncpus 1\n0 /machine/cpu0 77\niothreads 1\nindep_iothread_0 78\n'
         'memdevs 2\ndimm [dimm0] /objects/mem-dimm0 0 134217728\n'
         'virtio-mem [vmem0] /objects/vm0 -1 0')
bad = [("not an array", "iothreads", {"id": "x"}, "QMP query-iothreads: not an array"),
       ("a field missing", "cpus", [{"qom-path": "/x", "cpu-index": 0}],
        "QMP query-cpus-fast: entry 0 is not as documented"),
       ("a field of the wrong type", "iothreads", [{"id": 5, "thread-id": 1}],
        "QMP query-iothreads: entry 0 is not as documented"),
       ("a string longer than its field", "iothreads", [{"id": "x" * 64, "thread-id": 1}],
        "QMP query-iothreads: entry 0 is not as documented"),
       ("props that are not an object", "slots", [{"props": [], "vcpus-count": 1, "type": "t"}],
        "QMP query-hotpluggable-cpus: entry 0 is not as documented"),
       ("an entry that is not an object", "memdevs", [MEMDEVS[0], 3],
        "QMP query-memory-devices: entry 1 is not as documented"),
       ("too many entries", "cpus", [{}] * 1025, "QMP query-cpus-fast: not an array of at most 1024")]
for name, step, value, expect in bad:
    scenario("typed query: " + name, lambda c, cmd, v=value: reply(c, cmd, v), [step], 1, expect)

# A server that sends no greeting.
d = tempfile.mkdtemp(prefix="ukata-qmp-")
path = os.path.join(d, "qmp.sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
threading.Thread(target=lambda: (srv.accept()[0].sendall(b'{"event": "STOP"}\n')),
                 daemon=True).start()
p = subprocess.run([tool, path, "1000", "stop"], capture_output=True, text=True, timeout=20)
check("no greeting", p.returncode == 1 and "no greeting" in p.stderr, p.stderr)
srv.close()
shutil.rmtree(d, True)

# Nothing listening: the connect retries until its deadline, then says so.
p = subprocess.run([tool, "/nonexistent/qmp.sock", "300", "stop"], capture_output=True, text=True,
                   timeout=20)
check("no socket", p.returncode == 1 and "QMP socket: connect /nonexistent/qmp.sock" in p.stderr,
      p.stderr)

print("qmp-fake: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
