#!/usr/bin/python3
"""A grpcio server implementing grpc.AgentService and grpc.Health from
proto/*.proto, for our client to call: usage rpc_grpcio.py CLIENT_BINARY.
It serves on a unix socket in a temporary directory, runs the client against
it, and passes the client's exit status and output through."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent import futures

import grpc
from grpc_tools import protoc

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
gen = tempfile.mkdtemp(prefix="ukata-pb-")
atexit.register(shutil.rmtree, gen, True)
if protoc.main(["protoc", "-I" + os.path.join(top, "proto"), "--python_out=" + gen,
                "agent.proto", "oci.proto", "types.proto", "health.proto",
                "google/protobuf/empty.proto"]) != 0:
    print("rpc-grpcio: 0 passed, 1 failed")
    sys.exit(1)
sys.path.insert(0, gen)
import agent_pb2  # noqa: E402
import health_pb2  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402


def create_container(req, ctx):
    s = req.OCI
    want = [
        ("container_id", req.container_id, "web"),
        ("args", list(s.Process.Args), ["sh", "-c", "echo hello"]),
        ("hostname", s.Hostname, "web-host"),
        ("uid", s.Process.User.UID, 1000),
        ("bounding", list(s.Process.Capabilities.Bounding), ["CAP_CHOWN", "CAP_KILL"]),
        ("no_new_privileges", s.Process.NoNewPrivileges, True),
        ("root", (s.Root.Path, s.Root.Readonly),
         ("/run/kata-containers/shared/containers/web/rootfs", True)),
        ("mounts", [(m.destination, m.type, list(m.options)) for m in s.Mounts],
         [("/proc", "proc", []), ("/dev/shm", "tmpfs", ["nosuid", "nodev"])]),
        ("annotations", dict(s.Annotations), {"io.kubernetes.cri.sandbox-id": "sb1"}),
        ("cgroups", s.Linux.CgroupsPath, "/kata/web"),
        ("memory", s.Linux.Resources.Memory.Limit, 256 << 20),
    ]
    for name, got, exp in want:
        if got != exp:
            ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "%s: got %r, want %r" % (name, got, exp))
    return empty_pb2.Empty()


def read_stdout(req, ctx):
    return agent_pb2.ReadStreamResponse(data=bytes(i % 251 for i in range(req.len)))


def write_stdin(req, ctx):
    return agent_pb2.WriteStreamResponse(len=len(req.data))


def start_container(req, ctx):
    ctx.abort(grpc.StatusCode.NOT_FOUND, 'container "%s" n\'existe pas — café' % req.container_id)


def wait_process(req, ctx):
    time.sleep(2)
    return agent_pb2.WaitProcessResponse(status=0)


seen_traceparents = []


def check(req, ctx):
    seen_traceparents.append(dict(ctx.invocation_metadata()).get("traceparent"))
    return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


def handler(fn, req, resp):
    return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=req.FromString,
                                               response_serializer=resp.SerializeToString)


agent = grpc.method_handlers_generic_handler("grpc.AgentService", {
    "CreateContainer": handler(create_container, agent_pb2.CreateContainerRequest, empty_pb2.Empty),
    "ReadStdout": handler(read_stdout, agent_pb2.ReadStreamRequest, agent_pb2.ReadStreamResponse),
    "WriteStdin": handler(write_stdin, agent_pb2.WriteStreamRequest, agent_pb2.WriteStreamResponse),
    "StartContainer": handler(start_container, agent_pb2.StartContainerRequest, empty_pb2.Empty),
    "WaitProcess": handler(wait_process, agent_pb2.WaitProcessRequest, agent_pb2.WaitProcessResponse),
})
health = grpc.method_handlers_generic_handler("grpc.Health", {
    "Check": handler(check, health_pb2.CheckRequest, health_pb2.HealthCheckResponse),
})

sockdir = tempfile.mkdtemp(prefix="ukata-rpc-")
atexit.register(shutil.rmtree, sockdir, True)
sock = os.path.join(sockdir, "agent.sock")
server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
server.add_generic_rpc_handlers((agent, health))
server.add_insecure_port("unix:" + sock)
server.start()
runtime = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[1]))), "kata-runtime")
traced = " trace" in subprocess.run([runtime, "version"], capture_output=True, text=True).stdout
tid, pid = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
tfile = os.path.join(sockdir, "trace.json")
env = dict(os.environ, TRACEPARENT="00-%s-%s-01" % (tid, pid), UKATA_TRACE_FILE=tfile)
try:
    r = subprocess.run([sys.argv[1], sock], timeout=60, env=env if traced else None)
    status = r.returncode
    if traced:
        # The client's span of its traced Check is in the caller's trace,
        # and its context is what the server got as traceparent; the
        # untraced calls sent none.
        spans = [s for line in open(tfile) for rs in json.loads(line)["resourceSpans"]
                 for ss in rs["scopeSpans"] for s in ss["spans"]]
        sent = [t for t in seen_traceparents if t]
        ok = (len(spans) == 1 and spans[0]["traceId"] == tid and
              spans[0].get("parentSpanId") == pid and spans[0]["name"] == "grpc.Health/Check" and
              sent == ["00-%s-%s-01" % (tid, spans[0]["spanId"])] and len(seen_traceparents) > 1)
        if not ok:
            print("FAIL traceparent: spans %s, server saw %s" % (spans, seen_traceparents))
            status = 1
        os.unlink(tfile)
except subprocess.TimeoutExpired:
    print("rpc-grpcio: 0 passed, 1 failed (client timed out)")
    status = 1
finally:
    server.stop(0)
    os.unlink(sock) if os.path.exists(sock) else None
    os.rmdir(os.path.dirname(sock))
sys.exit(status)
