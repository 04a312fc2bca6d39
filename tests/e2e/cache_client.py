#!/usr/bin/python3
"""A grpcio client of cache.CacheService (Kata's VMCache protocol), to call
our server as a Kata runtime would: usage cache_client.py SOCKET CALL...
where CALL is config, status, quit or get:SECONDS (GetBaseVM with that
deadline). Prints one line per call:
  config <HypervisorType> <UseVSock> <Data is JSON with a HypervisorConfig>
  status <pid> <n> [pid:cpu:memory ...]
  quit ok
  get <id>
A refused call prints "error <CODE> <details>" and exits 2."""
import atexit
import json
import os
import shutil
import sys
import tempfile

import grpc
from grpc_tools import protoc

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
gen = tempfile.mkdtemp(prefix="ukata-pb-")
atexit.register(shutil.rmtree, gen, True)
if protoc.main(["protoc", "-I" + os.path.join(top, "proto"), "--python_out=" + gen,
                "cache.proto", "google/protobuf/empty.proto"]) != 0:
    sys.exit("protoc failed")
sys.path.insert(0, gen)
import cache_pb2  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402

E = empty_pb2.Empty


def call(ch, name, resp, timeout=20):
    return ch.unary_unary("/cache.CacheService/" + name, request_serializer=E.SerializeToString,
                          response_deserializer=resp.FromString)(E(), timeout=timeout)


with grpc.insecure_channel("unix://" + sys.argv[1]) as ch:
    try:
        for what in sys.argv[2:]:
            if what == "config":
                c = call(ch, "Config", cache_pb2.GrpcVMConfig)
                data, agent = json.loads(c.Data), json.loads(c.AgentConfig)
                print("config %s %s %s" % (data["HypervisorType"], agent["UseVSock"],
                                           "KernelPath" in data["HypervisorConfig"]))
            elif what == "status":
                s = call(ch, "Status", cache_pb2.GrpcStatus)
                vms = " ".join("%d:%d:%d" % (v.pid, v.cpu, v.memory) for v in s.vmstatus)
                print("status %d %d %s" % (s.pid, len(s.vmstatus), vms))
            elif what.startswith("get:"):
                vm = call(ch, "GetBaseVM", cache_pb2.GrpcVM, float(what[4:]))
                print("get %s" % vm.id)
            elif what == "quit":
                call(ch, "Quit", E)
                print("quit ok")
    except grpc.RpcError as e:
        print("error %s %s" % (e.code().name, e.details()))
        sys.exit(2)
