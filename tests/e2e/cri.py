#!/usr/bin/env python3
"""A kubelet-like CRI client for the tests: it calls containerd's CRI plugin
(runtime.v1) as the kubelet does, with tests/e2e/cri/cri.proto, compiled
here with grpc_tools into a cache directory.

Usage: cri.py SOCK COMMAND ARG...
  version                         the runtime's name and version
  image REF                       the image's id (exit 1: not known)
  runp NAME [--handler H] [--hostname H] [--logdir DIR] [--pidns pod]
                                  RunPodSandbox; prints the pod's id
  inspectp POD                    {"state", "ip"} as JSON
  stopp POD | rmp POD             StopPodSandbox | RemovePodSandbox
  create POD NAME IMAGE [--cpus N] [--mem BYTES] [--pidns pod] -- CMD...
                                  CreateContainer; prints its id
  start CID | stop CID [TIMEOUT] | rm CID
  status CID                      {"state", "exit_code", "reason", "log_path"}
  exec CID [--timeout S] -- CMD...
                                  ExecSync: its stdout, stderr and exit code
A pod's PodSandboxConfig is kept beside the socket (POD.sandbox), as the
kubelet keeps it, for the CreateContainer calls that repeat it."""
import hashlib, importlib, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(HERE, "cri", "cri.proto")


def load():
    """cri_pb2 and cri_pb2_grpc, compiled once per version of the .proto."""
    tag = hashlib.sha256(open(PROTO, "rb").read()).hexdigest()[:16]
    gen = os.path.join(tempfile.gettempdir(), "ukata-cri-%d-%s" % (os.getuid(), tag))
    if not os.path.isfile(os.path.join(gen, "cri_pb2_grpc.py")):
        tmp = tempfile.mkdtemp(dir=tempfile.gettempdir())
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.dirname(PROTO),
                        "--python_out=" + tmp, "--grpc_python_out=" + tmp, PROTO], check=True)
        try:
            os.rename(tmp, gen)
        except OSError:  # another process won the race
            subprocess.run(["rm", "-rf", tmp])
    sys.path.insert(0, gen)
    return importlib.import_module("cri_pb2"), importlib.import_module("cri_pb2_grpc")


pb, pbg = load()
import grpc  # noqa: E402


class Cri:
    def __init__(self, sock):
        self.sock = sock
        self.ch = grpc.insecure_channel("unix://" + sock)
        self.rt = pbg.RuntimeServiceStub(self.ch)
        self.img = pbg.ImageServiceStub(self.ch)

    def _cfg_path(self, pod):
        return os.path.join(os.path.dirname(self.sock), pod + ".sandbox")

    def run_pod(self, name, handler="kata", hostname=None, logdir=None, pidns=False):
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=name + "-uid", namespace="default"),
            hostname=hostname or name, log_directory=logdir or "",
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(pid=pb.POD if pidns else pb.CONTAINER))))
        pod = self.rt.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg, runtime_handler=handler),
                                    timeout=300).pod_sandbox_id
        with open(self._cfg_path(pod), "wb") as f:
            f.write(cfg.SerializeToString())
        return pod

    def sandbox_config(self, pod):
        return pb.PodSandboxConfig.FromString(open(self._cfg_path(pod), "rb").read())

    def create(self, pod, name, image, cmd, cpus=0, mem=0, pidns=False):
        res = pb.LinuxContainerResources()
        if cpus:
            res.cpu_period, res.cpu_quota = 100000, int(cpus * 100000)
        if mem:
            res.memory_limit_in_bytes = mem
        cfg = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name), image=pb.ImageSpec(image=image),
            command=cmd, log_path=name + ".log",
            linux=pb.LinuxContainerConfig(resources=res, security_context=pb.LinuxContainerSecurityContext(
                namespace_options=pb.NamespaceOption(pid=pb.POD if pidns else pb.CONTAINER))))
        return self.rt.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=pod, config=cfg, sandbox_config=self.sandbox_config(pod)), timeout=300).container_id

    def pod_status(self, pod):
        s = self.rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=pod), timeout=60).status
        return {"state": pb.PodSandboxState.Name(s.state), "ip": s.network.ip}

    def status(self, cid):
        s = self.rt.ContainerStatus(pb.ContainerStatusRequest(container_id=cid), timeout=60).status
        return {"state": pb.ContainerState.Name(s.state), "exit_code": s.exit_code,
                "reason": s.reason, "log_path": s.log_path}

    def exec_sync(self, cid, cmd, timeout=60):
        return self.rt.ExecSync(pb.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=timeout),
                                timeout=timeout + 30)

    def stop_pod(self, pod):
        self.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=300)

    def remove_pod(self, pod):
        self.rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=300)
        try:
            os.unlink(self._cfg_path(pod))
        except FileNotFoundError:
            pass


def opts(args, names):
    """--name VALUE options out of args (names: option -> type)."""
    got, rest = {}, []
    it = iter(args)
    for a in it:
        if a == "--":
            rest.extend(it)
            break
        if a.startswith("--") and a[2:] in names:
            got[a[2:]] = names[a[2:]](next(it))
        else:
            rest.append(a)
    return got, rest


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    c, cmd, args = Cri(argv[1]), argv[2], argv[3:]
    rt = c.rt
    if cmd == "version":
        v = rt.Version(pb.VersionRequest(version="v1"), timeout=30)
        print(v.runtime_name, v.runtime_version, v.runtime_api_version)
    elif cmd == "image":
        i = c.img.ImageStatus(pb.ImageStatusRequest(image=pb.ImageSpec(image=args[0])), timeout=30).image
        if not i.id:
            sys.exit(1)
        print(i.id)
    elif cmd == "runp":
        o, rest = opts(args, {"handler": str, "hostname": str, "logdir": str, "pidns": str})
        print(c.run_pod(rest[0], o.get("handler", "kata"), o.get("hostname"), o.get("logdir"),
                        o.get("pidns") == "pod"))
    elif cmd == "inspectp":
        print(json.dumps(c.pod_status(args[0])))
    elif cmd == "stopp":
        c.stop_pod(args[0])
    elif cmd == "rmp":
        c.remove_pod(args[0])
    elif cmd == "create":
        o, rest = opts(args, {"cpus": float, "mem": int, "pidns": str})
        print(c.create(rest[0], rest[1], rest[2], rest[3:], o.get("cpus", 0), o.get("mem", 0),
                       o.get("pidns") == "pod"))
    elif cmd == "start":
        rt.StartContainer(pb.StartContainerRequest(container_id=args[0]), timeout=300)
    elif cmd == "stop":
        t = int(args[1]) if len(args) > 1 else 10
        rt.StopContainer(pb.StopContainerRequest(container_id=args[0], timeout=t), timeout=t + 60)
    elif cmd == "rm":
        rt.RemoveContainer(pb.RemoveContainerRequest(container_id=args[0]), timeout=300)
    elif cmd == "status":
        print(json.dumps(c.status(args[0])))
    elif cmd == "exec":
        o, rest = opts(args, {"timeout": int})
        r = c.exec_sync(rest[0], rest[1:], o.get("timeout", 60))
        sys.stdout.buffer.write(r.stdout)
        sys.stderr.buffer.write(r.stderr)
        sys.exit(r.exit_code)
    else:
        sys.exit("cri.py: unknown command " + cmd)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except grpc.RpcError as e:
        sys.exit("cri.py %s: %s: %s" % (sys.argv[2], e.code().name, e.details()))
