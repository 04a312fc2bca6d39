#!/usr/bin/python3
"""Containers, in one run (TCG), each figure against a peer:
- `kata-runtime run` of a container running `true` (boot, agent, container,
  teardown) against plain qemu-system-x86_64 booting the same kernel and
  initrd to its init (the agent's first console line);
- `state` and `list` latency against Debian's runc on a runc container of
  the same bundle;
- resident memory of the shim and the proxy of a running container.
usage: lifecycle.py BUILD_DIR [N]"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 5
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rt = B + "/kata-runtime"
subprocess.run(["sh", os.path.join(top, "scripts/guest-image.sh"), B + "/guest-agent/kata-runtime", B + "/guest"], check=True,
               stdout=subprocess.DEVNULL)
kernel, initrd = B + "/guest/vmlinux", B + "/guest/initrd.img"
work = tempfile.mkdtemp(prefix="ukata-bench-")
conf = work + "/kata.toml"
with open(conf, "w") as f:
    f.write('[hypervisor.qemu]\nkernel = "%s"\ninitrd = "%s"\ndefault_memory = 256\n'
            'accel = "tcg"\n' % (kernel, initrd))
K = [rt, "--root", work + "/root", "--config", conf]


def bundle(name, *args):
    d = work + "/" + name
    subprocess.run(["sh", top + "/scripts/bundle.sh", d, rt] + list(args), check=True,
                   stdout=subprocess.DEVNULL)
    return d


def plain_boot():
    log = work + "/console.log"
    if os.path.exists(log):
        os.unlink(log)
    t0 = time.time()
    p = subprocess.Popen(["qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "256",
                          "-nodefaults", "-nographic", "--no-reboot", "-kernel", kernel,
                          "-initrd", initrd, "-append", "console=ttyS0 panic=1 quiet",
                          "-serial", "file:" + log],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = None
    while time.time() - t0 < 120:
        try:
            if "kata-agent ukata starting" in open(log, errors="replace").read():
                t = time.time() - t0
                break
        except OSError:
            pass
        time.sleep(0.005)
    p.kill()
    p.wait()
    if t is None:
        sys.exit("plain QEMU: the agent never started")
    return t


def run_true(b):
    t0 = time.time()
    subprocess.run(K + ["run", "-b", b, "bench"], check=True, stdin=subprocess.DEVNULL)
    return time.time() - t0


def latency(argv, n=50):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    bt = bundle("true", "true")
    plain = [plain_boot() for _ in range(N)]
    ours = [run_true(bt) for _ in range(N)]
    p, o = statistics.median(plain), statistics.median(ours)
    print("run true (boot, agent, container, teardown): %.3f s; plain QEMU to init: %.3f s; "
          "ratio %.2f (goal <= 1.25)" % (o, p, o / p))

    bs = bundle("sleep", "sleep", "1000")
    subprocess.run(K + ["run", "-d", "-b", bs, "s1"], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rr = work + "/runc-root"
    subprocess.run(["runc", "--root", rr, "run", "-d", "--bundle", bs, "r1"], check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    for cmd in ("state", "list"):
        a = [cmd, "s1"] if cmd == "state" else [cmd]
        r = [cmd, "r1"] if cmd == "state" else [cmd]
        ko = latency(K + a)
        ru = latency(["runc", "--root", rr] + r)
        print("%s latency: %.2f ms; runc %.2f ms; ratio %.2f (goal <= 0.5)"
              % (cmd, ko * 1000, ru * 1000, ko / ru))
    shim = int(subprocess.run(K + ["state", "s1"], capture_output=True, text=True,
                              check=True).stdout.split('"pid": ')[1].split(",")[0])
    proxy = int(subprocess.run(["pgrep", "-f", "proxy --ready-fd 3 " + work], capture_output=True,
                               text=True).stdout.split()[0])
    print("resident memory: shim %d KiB, proxy %d KiB (goal < 1024 each; Kata 1.x kata-shim "
          "about 9-11 MB, kata-proxy 4-9 MB)" % (rss_kib(shim), rss_kib(proxy)))
    subprocess.run(K + ["delete", "-f", "s1"], check=True)
    subprocess.run(["runc", "--root", rr, "delete", "-f", "r1"], check=True)


try:
    main()
finally:
    subprocess.run(["sh", "-c", "for c in $(%s list -q); do %s delete -f $c; done"
                    % (" ".join(K), " ".join(K))], stderr=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)
