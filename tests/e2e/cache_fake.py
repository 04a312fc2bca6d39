#!/usr/bin/python3
"""A VMCache server as Kata's runtime would run it (grpcio, cache.proto),
handing out a VM described the Kata way (qemuGrpc JSON only, for a VM that
does not exist): usage cache_fake.py SOCKET. Runs until killed; prints
"ready" once it listens and "GetBaseVM" on each call."""
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent import futures

import grpc
from grpc_tools import protoc

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
gen = tempfile.mkdtemp(prefix="ukata-pb-")
if protoc.main(["protoc", "-I" + os.path.join(top, "proto"), "--python_out=" + gen,
                "cache.proto", "google/protobuf/empty.proto"]) != 0:
    sys.exit("protoc failed")
sys.path.insert(0, gen)
import cache_pb2  # noqa: E402
from google.protobuf import empty_pb2  # noqa: E402

shutil.rmtree(gen, True)  # loaded; the process is killed, not ended


def get_base_vm(req, ctx):
    print("GetBaseVM", flush=True)
    hv = {"ID": "kata-vm", "QmpChannelpath": "/run/vc/vm/kata-vm/qmp.sock", "State": {},
          "NvdimmCount": 0, "QemuSMP": {"CPUs": 1, "MaxCPUs": 4}}
    return cache_pb2.GrpcVM(id="kata-vm", hypervisor=json.dumps(hv).encode(), proxyPid=1,
                            proxyURL="unix:///run/vc/sbs/kata-vm/proxy.sock", cpu=1, memory=256)


def method(fn, resp):
    return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=empty_pb2.Empty.FromString,
                                               response_serializer=resp.SerializeToString)


server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
    "cache.CacheService", {"GetBaseVM": method(get_base_vm, cache_pb2.GrpcVM)}),))
server.add_insecure_port("unix://" + sys.argv[1])
server.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
