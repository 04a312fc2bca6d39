#!/usr/bin/python3
"""containerd's two ways to ukata and runc itself, in one run (TCG): the time
of `ctr run --rm IMAGE ID true` through io.containerd.kata.v2 (our shim v2),
io.containerd.runc.v2 with --runc-binary kata-runtime (the runc shim and our
CLI) and io.containerd.runc.v2 with runc (no VM), cold and with a VMCache
server of 2 VMs; and the host memory (PSS) of what each way runs beside the
VM for one detached container: the shim(s) and the proxy.
usage: shimv2.py BUILD_DIR [N]"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import memory

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 5
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rt = B + "/kata-runtime"
subprocess.run(["sh", top + "/scripts/guest-image.sh", B + "/guest-agent/kata-runtime", B + "/guest"],
               check=True, stdout=subprocess.DEVNULL)
w = tempfile.mkdtemp(prefix="ukb", dir="/tmp")
os.makedirs(w + "/bin")
os.makedirs(w + "/cd")
os.symlink(rt, w + "/bin/containerd-shim-kata-v2")
conf = {"cold": w + "/cold.toml", "vmcache": w + "/vmcache.toml"}
base = ('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
        'default_memory = 256\naccel = "tcg"\n' % (B, B))
open(conf["cold"], "w").write(base)
open(conf["vmcache"], "w").write(base + '[factory]\nvm_cache_number = 2\nvm_cache_endpoint = "%s/cache.sock"\n' % w)
with open(w + "/cd.toml", "w") as f:
    f.write('version = 2\nroot = "%s/cd/root"\nstate = "%s/cd/state"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s/cd/c.sock"\n'
            '[ttrpc]\n  address = "%s/cd/c.ttrpc"\n' % (w, w, w, w))
ctr = ["ctr", "-a", w + "/cd/c.sock"]
ways = {
    "kata.v2 (our shim v2)": ["--runtime", "io.containerd.kata.v2"],
    "runc.v2 + kata-runtime": ["--runtime", "io.containerd.runc.v2", "--runc-binary", rt,
                               "--runc-root", w + "/kroot"],
    "runc.v2 + runc (no VM)": ["--runtime", "io.containerd.runc.v2"],
}


def containerd(mode):
    env = dict(os.environ, PATH=w + "/bin:" + os.environ["PATH"], KATA_CONF_FILE=conf[mode])
    p = subprocess.Popen(["containerd", "--config", w + "/cd.toml"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if subprocess.run(ctr + ["version"], capture_output=True).returncode == 0:
            return p
        time.sleep(0.1)
    sys.exit("containerd did not start")


def cached(mode):
    out = subprocess.run([rt, "--root", w + "/fr", "--config", conf[mode], "factory", "status"],
                         capture_output=True, text=True).stdout
    return out.count("VM pid = ")


def pgrep(pattern):
    r = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return [int(x) for x in r.stdout.split()]


def series(mode, name, args, i0):
    ts = []
    for i in range(N):
        if mode == "vmcache" and "runc (no VM)" not in name:
            for _ in range(1200):
                if cached(mode) >= 2:
                    break
                time.sleep(0.1)
        t0 = time.time()
        subprocess.run(ctr + ["run", "--rm", "--snapshotter", "native"] + args +
                       ["ukata.test/busybox:1", "b%d" % (i0 + i), "true"], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        ts.append(time.time() - t0)
    return statistics.median(ts)


def memory(name, args):
    subprocess.run(ctr + ["run", "-d", "--snapshotter", "native"] + args +
                   ["ukata.test/busybox:1", "m", "sleep", "1000"], check=True,
                   stdout=subprocess.DEVNULL)
    time.sleep(2)
    shims = pgrep("containerd-shim-(kata|runc)-v2 .*-id m ")
    ours = [p for p in pgrep(w + "/") if p not in shims and
            b"qemu" not in open("/proc/%d/cmdline" % p, "rb").read() and
            b"containerd\0--config" not in open("/proc/%d/cmdline" % p, "rb").read()]
    m = (memory.pss(shims), memory.pss(ours))
    subprocess.run(ctr + ["task", "kill", "-s", "KILL", "m"], stderr=subprocess.DEVNULL)
    time.sleep(1)
    subprocess.run(ctr + ["task", "delete", "m"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    subprocess.run(ctr + ["container", "rm", "m"], stderr=subprocess.DEVNULL)
    return m


res = {}
try:
    for mode in ("cold", "vmcache"):
        cd = containerd(mode)
        server = None
        if mode == "vmcache":
            server = subprocess.Popen([rt, "--root", w + "/fr", "--config", conf[mode], "--cache-server"],
                                      stderr=subprocess.DEVNULL)
        subprocess.run(["/usr/bin/python3", top + "/tests/e2e/oci_image.py", w + "/bb.tar",
                        "ukata.test/busybox:1"], check=True)
        subprocess.run(ctr + ["images", "import", "--snapshotter", "native", w + "/bb.tar"],
                       check=True, stdout=subprocess.DEVNULL)
        for k, (name, args) in enumerate(ways.items()):
            res[mode, name] = series(mode, name, args, 100 * k + (0 if mode == "cold" else 1000))
            print("%-8s %-24s ctr run --rm true: median %.2f s" % (mode, name, res[mode, name]),
                  flush=True)
            if mode == "cold" and "no VM" not in name:
                sh, other = memory(name, args)
                print("%-8s %-24s PSS: containerd shim %d KiB, proxy and per-process shims %d KiB"
                      % ("", "", sh, other), flush=True)
        if server:
            subprocess.run([rt, "--root", w + "/fr", "--config", conf[mode], "factory", "destroy"],
                           stdout=subprocess.DEVNULL)
            server.wait()
        cd.terminate()
        cd.wait()
    for mode in ("cold", "vmcache"):
        v2, cli, runc = (res[mode, n] for n in ways)
        print("%-8s kata.v2 / runc.v2+kata-runtime %.2f, kata.v2 / runc %.1f" % (mode, v2 / cli, v2 / runc))
finally:
    subprocess.run(["pkill", "-f", w + "/"])
    shutil.rmtree(w, ignore_errors=True)
