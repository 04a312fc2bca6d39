#!/usr/bin/python3
"""Cross-checks nanopb's encoding of the agent protocol with Python's
protobuf, both compiled from proto/*.proto: a CreateContainerRequest with a
full OCI Spec encoded by C is decoded by Python field for field, and one
encoded by Python is decoded by C. Usage: proto_python.py PB_SAMPLE_BINARY"""
import os
import subprocess
import sys
import tempfile

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sample = sys.argv[1]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", name, detail)


with tempfile.TemporaryDirectory() as out:
    from grpc_tools import protoc
    rc = protoc.main(["protoc", "-I" + os.path.join(top, "proto"), "--python_out=" + out,
                      "agent.proto", "oci.proto", "types.proto", "google/protobuf/empty.proto"])
    if rc != 0:
        print("proto-python: 0 passed, 1 failed")
        sys.exit(1)
    sys.path.insert(0, out)
    import agent_pb2

    # C -> Python
    raw = subprocess.run([sample, "encode"], check=True, capture_output=True).stdout
    m = agent_pb2.CreateContainerRequest()
    m.ParseFromString(raw)
    s = m.OCI
    check("ids", m.container_id == "web" and m.exec_id == "web")
    check("agent_pidns", m.agent_pidns is True)
    check("args", list(s.Process.Args) == ["sh", "-c", "echo café"], s.Process.Args)
    check("env", list(s.Process.Env) == ["PATH=/bin", "TERM=xterm"])
    check("terminal", s.Process.Terminal is True)
    check("oom", s.Process.OOMScoreAdj == -500, s.Process.OOMScoreAdj)
    check("rlimit", (s.Process.Rlimits[0].Type, s.Process.Rlimits[0].Hard,
                     s.Process.Rlimits[0].Soft) == ("RLIMIT_NOFILE", 1024, 512))
    check("root", s.Root.Path == "/run/kata-containers/shared/containers/web/rootfs")
    check("mounts", [(x.destination, x.type, list(x.options)) for x in s.Mounts] ==
          [("/proc", "proc", []), ("/dev/shm", "tmpfs", ["nosuid", "noexec"])])
    check("annotations", dict(s.Annotations) == {"io.kubernetes.cri.container-type": "sandbox"})
    check("memory", s.Linux.Resources.Memory.Limit == 128 << 20)
    check("cgroups", s.Linux.CgroupsPath == "/kata/web")

    # Python -> C
    p = agent_pb2.CreateContainerRequest(container_id="db", agent_pidns=True)
    p.OCI.Hostname = "h"
    p.OCI.Process.Args.extend(["/bin/true", "x" * 70000])
    p.OCI.Process.OOMScoreAdj = -1000
    p.OCI.Mounts.add(destination="/sys", options=["ro", "nosuid", "nodev"])
    p.OCI.Annotations["a"] = "b"
    p.OCI.Linux.Resources.Memory.Limit = 1 << 40
    r = subprocess.run([sample, "decode"], input=p.SerializeToString(), check=True,
                       capture_output=True, text=False).stdout.decode()
    want = ("id=db\nhostname=h\narg=/bin/true\narg=" + "x" * 70000 + "\noom=-1000\n"
            "mount=/sys:3\nannotation=a=b\nmemory=1099511627776\nagent_pidns=1\n")
    check("python->c", r == want, r[:200])

print("proto-python: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
