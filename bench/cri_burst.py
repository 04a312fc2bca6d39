#!/usr/bin/python3
"""Pods started at once through containerd 1.6's CRI plugin (tests/e2e/cri.py
as the kubelet, tests/e2e/cri_containerd.sh for containerd), in one run
(TCG): RunPodSandbox, CreateContainer and StartContainer of one busybox
container, for one pod alone and for N pods at once; each pod's time, and
the host memory of the shims then (PSS, per pod). The shim v2
(io.containerd.kata.v2: one shim process per pod) against the runc shim
with our CLI (io.containerd.runc.v2 + BinaryName), in the same containerd.
usage: cri_burst.py BUILD_DIR [N]"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 10
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, top + "/tests/e2e")
import cri  # noqa: E402
sys.path.insert(0, top + "/bench")
import memory  # noqa: E402

subprocess.run(["sh", top + "/scripts/guest-image.sh", B + "/guest-agent/kata-runtime", B + "/guest"],
               check=True, stdout=subprocess.DEVNULL)


def one_pod(c, handler, name, out):
    t0 = time.time()
    pod = c.run_pod(name, handler=handler)
    cid = c.create(pod, "a", "ukata.test/busybox:1", ["sleep", "1000"])
    c.rt.StartContainer(cri.pb.StartContainerRequest(container_id=cid), timeout=600)
    out[name] = (time.time() - t0, pod)


def shim_pss(handler):
    """KiB: the shims (not QEMU) of the pods."""
    pat = "containerd-shim-kata-v2" if handler == "kata-v2" else "containerd-shim-runc-v2|kata-runtime"
    ps = subprocess.run(["pgrep", "-f", pat], capture_output=True, text=True).stdout.split()
    qemu = set(memory.naming("qemu-system"))
    return memory.pss([int(p) for p in ps if int(p) not in qemu])


def run(c, handler, n, tag):
    res, threads = {}, []
    for i in range(n):
        th = threading.Thread(target=one_pod, args=(c, handler, "%s%d" % (tag, i), res))
        threads.append(th)
        th.start()
    for th in threads:
        th.join()
    if len(res) != n:
        sys.exit("%s: %d of %d pods started" % (handler, len(res), n))
    time.sleep(2)
    mem = shim_pss(handler)
    for _, pod in res.values():
        c.stop_pod(pod)
        c.remove_pod(pod)
    return sorted(t for t, _ in res.values()), mem


w = tempfile.mkdtemp(prefix="ukb", dir="/tmp")
conf = w + "/kata.toml"
with open(conf, "w") as f:
    f.write('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
            'default_memory = 256\naccel = "tcg"\n' % (B, B))
cd, ctl = w + "/cd", top + "/tests/e2e/cri_containerd.sh"
subprocess.run(["sh", ctl, "start", cd, B + "/kata-runtime", w + "/r", conf, "70"], check=True)
c = cri.Cri(cd + "/c.sock")
names = {"kata-v2": "shim v2 (kata.v2)", "kata": "runc shim + our CLI"}
try:
    for handler in ("kata-v2", "kata"):
        alone = statistics.median([run(c, handler, 1, "a%s%d" % (handler[-1], k))[0][0]
                                   for k in range(2)])
        ts, mem = run(c, handler, N, "b" + handler[-1])
        print("%-22s one pod alone %.2f s; %d at once: median %.2f s, slowest %.2f s "
              "(median / alone %.1f); shims' PSS %d KiB per pod"
              % (names[handler], alone, N, statistics.median(ts), ts[-1],
                 statistics.median(ts) / alone, mem // N), flush=True)
finally:
    subprocess.run(["sh", ctl, "stop", cd])
    shutil.rmtree(w, ignore_errors=True)
