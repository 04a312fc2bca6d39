#!/usr/bin/python3
"""A 2-container pod through containerd 1.6's CRI plugin (tests/e2e/cri.py
as the kubelet, tests/e2e/cri_containerd.sh for containerd), in one run
(TCG): RunPodSandbox, then create and start of both containers, until both
run; and the host memory then (PSS of QEMU, proxies and shims). This tree's
runtime (the pod in one VM) against the same CRI path at PEER_REV, the
runtime before pods (a VM per container, the pause container's too), each
cold and with a VMCache server of 3 VMs.
usage: cri.py BUILD_DIR [N] [PEER_REV]"""
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 3
PEER = sys.argv[3] if len(sys.argv) > 3 else "f742ee8"
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, top + "/tests/e2e")
import cri  # noqa: E402
sys.path.insert(0, top + "/bench")
import memory  # noqa: E402

subprocess.run(["sh", top + "/scripts/guest-image.sh", B + "/guest-agent/kata-runtime", B + "/guest"],
               check=True, stdout=subprocess.DEVNULL)


def peer_runtime():
    """kata-runtime built at PEER (kept in /tmp between runs)."""
    src = "/tmp/ukata-bench-peer-" + PEER
    if not os.path.exists(src + "/build/kata-runtime"):
        shutil.rmtree(src, ignore_errors=True)
        subprocess.run(["git", "-C", top, "worktree", "add", "--detach", src, PEER], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["make", "-C", src, "-j2"], check=True, stdout=subprocess.DEVNULL)
    return src + "/build/kata-runtime"


def pss(root):
    """KiB: the QEMU of each container's VM (its pid file) and every process
    naming the runtime's root (shims, proxies, QEMU booted directly)."""
    pids = set(memory.naming(root))
    for f in glob.glob(root + "/k8s.io/*/pid"):
        try:
            pids.add(int(open(f).read().strip()))
        except (OSError, ValueError):
            pass
    return memory.pss(pids)


def cached(rt, root, conf):
    out = subprocess.run([rt, "--root", root, "--config", conf, "factory", "status"],
                         capture_output=True, text=True).stdout
    return out.count("VM pid = ")


def wait_cached(rt, root, conf, n):
    for _ in range(1800):
        if cached(rt, root, conf) >= n:
            return
        time.sleep(0.1)
    sys.exit("the VMCache server never had %d VMs" % n)


def series(rt, vmcache, net):
    w = tempfile.mkdtemp(prefix="ukb", dir="/tmp")  # short: the peer's sockets must fit
    root, conf = w + "/r", w + "/kata.toml"
    with open(conf, "w") as f:
        f.write('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
                'default_memory = 256\naccel = "tcg"\n' % (B, B))
        if vmcache:
            f.write('[factory]\nvm_cache_number = 3\nvm_cache_endpoint = "%s/cache.sock"\n' % w)
    server = None
    if vmcache:
        server = subprocess.Popen([rt, "--root", root, "--config", conf, "--cache-server"],
                                  stderr=subprocess.DEVNULL)
    cd = w + "/cd"
    ctl = top + "/tests/e2e/cri_containerd.sh"
    subprocess.run(["sh", ctl, "start", cd, rt, root, conf, str(net)], check=True)
    c = cri.Cri(cd + "/c.sock")
    ts, ms = [], []
    try:
        for i in range(N):
            if server:
                wait_cached(rt, root, conf, 3)
            t0 = time.time()
            pod = c.run_pod("bench%d" % i)
            ids = [c.create(pod, n, "ukata.test/busybox:1", ["sleep", "1000"]) for n in ("a", "b")]
            for cid in ids:
                c.rt.StartContainer(cri.pb.StartContainerRequest(container_id=cid), timeout=300)
            ts.append(time.time() - t0)
            time.sleep(2)
            ms.append(pss(root))
            c.stop_pod(pod)
            c.remove_pod(pod)
    finally:
        subprocess.run(["sh", ctl, "stop", cd])
        if server:
            subprocess.run([rt, "--root", root, "--config", conf, "factory", "destroy"],
                           stdout=subprocess.DEVNULL)
            server.wait()
        shutil.rmtree(w, ignore_errors=True)
    return statistics.median(ts), statistics.median(ms)


runtimes = (("pod (one VM)", B + "/kata-runtime"), ("VM per container (%s)" % PEER, peer_runtime()))
res = {}
for mode in ("cold", "vmcache"):
    for name, rt in runtimes:
        res[name, mode] = series(rt, mode == "vmcache", 60 + len(res))
        t, m = res[name, mode]
        print("%-8s %-28s both running: median %.2f s   PSS: median %d KiB" % (mode, name, t, m),
              flush=True)
for mode in ("cold", "vmcache"):
    (tp, mp), (tv, mv) = (res[name, mode] for name, _ in runtimes)
    print("%-8s ratio pod / per-container: time %.2f, memory %.2f" % (mode, tp / tv, mp / mv))
