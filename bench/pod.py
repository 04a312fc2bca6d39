#!/usr/bin/python3
"""A 2-container pod on the command line (CRI-O's annotations), in one run
(TCG), against today's one VM per container for the same three containers
(the pause container and two): the time until both containers run (create
and start of the sandbox, then of each container), and the host memory of
it all then (PSS of QEMU, proxy and shims, from /proc/PID/smaps_rollup).
usage: pod.py BUILD_DIR [N]"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import memory

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 3
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rt = B + "/kata-runtime"
subprocess.run(["sh", os.path.join(top, "scripts/guest-image.sh"), B + "/guest-agent/kata-runtime",
                B + "/guest"], check=True, stdout=subprocess.DEVNULL)
work = tempfile.mkdtemp(prefix="ukata-bench-")
conf = work + "/kata.toml"
with open(conf, "w") as f:
    f.write('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
            'default_memory = 256\naccel = "tcg"\n' % (B, B))
K = [rt, "--root", work + "/root", "--config", conf]


def bundle(name, pod, kind):
    d = work + "/" + name + ("-pod" if pod else "")
    subprocess.run(["sh", top + "/scripts/bundle.sh", d, rt, "sleep", "1000"], check=True,
                   stdout=subprocess.DEVNULL)
    if pod:
        p = d + "/config.json"
        c = json.load(open(p))
        c.setdefault("annotations", {}).update({"io.kubernetes.cri-o.ContainerType": kind,
                                                "io.kubernetes.cri-o.SandboxID": "p"})
        json.dump(c, open(p, "w"))
    return d


def k(*args):
    subprocess.run(K + list(args), check=True, stdout=subprocess.DEVNULL,
                   stdin=subprocess.DEVNULL)


def pss():
    return memory.pss(memory.naming(work + "/root"))


def one(pod):
    ids = ["p", "c1", "c2"]
    bs = [bundle("sb", pod, "sandbox"), bundle("b1", pod, "container"), bundle("b2", pod, "container")]
    t0 = time.time()
    for i, b in zip(ids, bs):
        k("create", "-b", b, i)
        k("start", i)
    t = time.time() - t0
    time.sleep(2)
    m = pss()
    for i in reversed(ids):
        k("delete", "--force", i)
    for b in bs:
        shutil.rmtree(b)
    return t, m


res = {True: [], False: []}
for _ in range(N):
    for pod in (True, False):
        res[pod].append(one(pod))
for pod in (True, False):
    ts = [r[0] for r in res[pod]]
    ms = [r[1] for r in res[pod]]
    print("%-22s both running: median %.2f s   PSS: median %d KiB" %
          ("pod (one VM)" if pod else "one VM per container", statistics.median(ts),
           statistics.median(ms)))
tp, tv = (statistics.median([r[0] for r in res[p]]) for p in (True, False))
mp, mv = (statistics.median([r[1] for r in res[p]]) for p in (True, False))
print("ratio pod / per-container: time %.2f, memory %.2f" % (tp / tv, mp / mv))
shutil.rmtree(work, ignore_errors=True)
