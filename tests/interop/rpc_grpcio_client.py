#!/usr/bin/python3
"""A grpcio client calling our gRPC server (tests/interop/rpc_server.c):
usage rpc_grpcio_client.py SERVER_BINARY [RPC_DEADLINE_BINARY]."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent import futures

import grpc
from grpc_tools import protoc

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
gen = tempfile.mkdtemp(prefix="ukata-pb-")
atexit.register(shutil.rmtree, gen, True)
protoc.main(["protoc", "-I" + os.path.join(top, "proto"), "--python_out=" + gen, "agent.proto",
             "oci.proto", "types.proto", "health.proto", "cache.proto",
             "google/protobuf/empty.proto"])
sys.path.insert(0, gen)
import agent_pb2  # noqa: E402
import cache_pb2  # noqa: E402
import health_pb2  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402

passed = failed = 0
# Whether the build traces: its kata-runtime's features say.
runtime = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[1]))), "kata-runtime")
ENABLE_TRACE = " trace" in subprocess.run([runtime, "version"], capture_output=True,
                                          text=True).stdout


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", name, detail)


def stub(channel, path, req, resp):
    return channel.unary_unary(path, request_serializer=req.SerializeToString,
                               response_deserializer=resp.FromString)


sockdir = tempfile.mkdtemp(prefix="ukata-srv-")
atexit.register(shutil.rmtree, sockdir, True)
sock = os.path.join(sockdir, "cache.sock")
server = subprocess.Popen([sys.argv[1], sock], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
ready = server.stdout.readline()
check("server starts", ready == b"ready\n", ready)
mode = oct(os.stat(sock).st_mode & 0o777)
check("socket mode 0600", mode == "0o600", mode)

with grpc.insecure_channel("unix:" + sock) as ch:
    E = empty_pb2.Empty
    cfg = stub(ch, "/cache.CacheService/Config", E, cache_pb2.GrpcVMConfig)(E(), timeout=10)
    check("Config", cfg.Data == b'{"HypervisorType":"qemu"}' and
          cfg.AgentConfig == b'{"UseVSock":false}', cfg)
    vm = stub(ch, "/cache.CacheService/GetBaseVM", E, cache_pb2.GrpcVM)(E(), timeout=10)
    check("GetBaseVM", (vm.id, vm.cpu, vm.memory, vm.proxyPid, vm.hypervisor) ==
          ("vm-1", 1, 256, 7, b'{"pid":42}'), vm)
    st = stub(ch, "/cache.CacheService/Status", E, cache_pb2.GrpcStatus)(E(), timeout=10)
    check("Status", st.pid == server.pid and [(v.pid, v.cpu, v.memory) for v in st.vmstatus] ==
          [(100, 1, 256), (101, 2, 512)], st)
    q = stub(ch, "/cache.CacheService/Quit", E, E)(E(), timeout=10)
    check("Quit", isinstance(q, E))

    rd = stub(ch, "/grpc.AgentService/ReadStdout", agent_pb2.ReadStreamRequest,
              agent_pb2.ReadStreamResponse)(agent_pb2.ReadStreamRequest(len=1 << 20), timeout=10)
    check("1 MiB response", rd.data == bytes(i % 251 for i in range(1 << 20)))
    wr = stub(ch, "/grpc.AgentService/WriteStdin", agent_pb2.WriteStreamRequest,
              agent_pb2.WriteStreamResponse)(
        agent_pb2.WriteStreamRequest(data=bytes(i % 251 for i in range(1 << 20))), timeout=10)
    check("1 MiB request", wr.len == 1 << 20, wr)

    try:
        stub(ch, "/grpc.AgentService/StartContainer", agent_pb2.StartContainerRequest, E)(
            agent_pb2.StartContainerRequest(container_id="missing"), timeout=10)
        check("error status", False, "no error")
    except grpc.RpcError as e:
        check("error status", e.code() == grpc.StatusCode.NOT_FOUND and
              e.details() == 'container "missing" n\'existe pas — café', (e.code(), e.details()))

    try:
        stub(ch, "/grpc.AgentService/WaitProcess", agent_pb2.WaitProcessRequest,
             agent_pb2.WaitProcessResponse)(agent_pb2.WaitProcessRequest(), timeout=0.3)
        check("deadline", False, "no error")
    except grpc.RpcError as e:
        check("deadline", e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, e.code())

    if len(sys.argv) > 2:
        out = subprocess.run([sys.argv[2], sock], capture_output=True, text=True, timeout=20)
        check("server-side deadline", out.stdout.strip() == "4 deadline exceeded", (out.stdout, out.stderr))

    who = stub(ch, "/grpc.AgentService/ReadStderr", agent_pb2.ReadStreamRequest,
               agent_pb2.ReadStreamResponse)(agent_pb2.ReadStreamRequest(), timeout=10)
    check("peer credentials", who.data.decode() == "pid=%d uid=%d gid=%d" %
          (os.getpid(), os.getuid(), os.getgid()), who.data)

    try:
        stub(ch, "/grpc.AgentService/Nope", E, E)(E(), timeout=10)
        check("unknown method", False, "no error")
    except grpc.RpcError as e:
        check("unknown method", e.code() == grpc.StatusCode.UNIMPLEMENTED, e.code())

    ver = stub(ch, "/grpc.Health/Version", health_pb2.CheckRequest, health_pb2.VersionCheckResponse)
    with futures.ThreadPoolExecutor(max_workers=100) as pool:
        calls = [pool.submit(ver, health_pb2.CheckRequest(), timeout=30) for _ in range(100)]
        results = []
        for c in calls:
            try:
                results.append(c.result().agent_version)
            except grpc.RpcError as e:
                results.append(e.details())
    check("100 concurrent calls", results == ["ukata"] * 100, set(results))

server.stdin.close()
try:
    rc = server.wait(timeout=20)
except subprocess.TimeoutExpired:
    server.kill()
    rc = -1
check("clean stop, socket removed", rc == 0 and not os.path.exists(sock), rc)

# A traced server: a call carrying a W3C traceparent (grpcio metadata) is a
# span in the caller's trace; calls without one, or with a malformed one,
# are not traced.
if ENABLE_TRACE:
    import http.server
    import threading
    import time
    posts = []

    class Collector(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    collector = http.server.HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    tfile = os.path.join(sockdir, "trace.json")
    env = dict(os.environ, UKATA_TRACE_FILE=tfile,
               UKATA_TRACE_COLLECTOR="http://127.0.0.1:%d/v1/traces" % collector.server_port)
    server = subprocess.Popen([sys.argv[1], sock], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env=env)
    check("traced server starts", server.stdout.readline() == b"ready\n")
    tid, pid = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    with grpc.insecure_channel("unix:" + sock) as ch:
        E = empty_pb2.Empty
        cfg = stub(ch, "/cache.CacheService/Config", E, cache_pb2.GrpcVMConfig)
        cfg(E(), timeout=10, metadata=(("traceparent", "00-%s-%s-01" % (tid, pid)),))
        # a server lives long: its collector gets each call's span after the call
        for _ in range(50):
            if posts:
                break
            time.sleep(0.1)
        names = [s["name"] for p in posts for rs in p["resourceSpans"]
                 for ss in rs["scopeSpans"] for s in ss["spans"]]
        check("collector gets the span while the server runs",
              names == ["cache.CacheService/Config"], posts)
        cfg(E(), timeout=10)
        cfg(E(), timeout=10, metadata=(("traceparent", "00-%s-%s-01" % (tid.upper(), pid)),))
        st = stub(ch, "/cache.CacheService/Status", E, cache_pb2.GrpcStatus)
        st(E(), timeout=10, metadata=(("traceparent", "00-%s-%s-01" % (tid, "1" * 16)),))
    server.stdin.close()
    check("traced server stops", server.wait(timeout=20) == 0)
    spans = []
    for line in open(tfile) if os.path.exists(tfile) else []:
        for rs in json.loads(line)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                spans += [(s["traceId"], s.get("parentSpanId"), s["name"]) for s in ss["spans"]]
    check("spans join the caller's trace", sorted(spans) == [
        (tid, pid, "cache.CacheService/Config"),
        (tid, "1" * 16, "cache.CacheService/Status")], spans)
    os.path.exists(tfile) and os.unlink(tfile)
    collector.shutdown()
os.rmdir(os.path.dirname(sock))
print("rpc-grpcio-server: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
