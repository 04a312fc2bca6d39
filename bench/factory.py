#!/usr/bin/python3
"""The VM factory, in one run (TCG), against a direct boot of the same
guest:
- `kata-runtime run` of a container running `true` with a direct boot, a
  template clone, a VM from the VMCache server, and a VM from a VMCache
  server of template clones (each timed with the cache full, medians);
- host memory (the sum of the QEMU processes' PSS) of 4 running containers
  on template clones against 4 on direct boots.
usage: factory.py BUILD_DIR [N] [memory]   (memory: the memory part only)"""
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
work = tempfile.mkdtemp(prefix="ukata-bench-")
ep = work + "/cache.sock"
base = ('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
        'default_memory = 256\naccel = "tcg"\n[factory]\n' % (B, B))
confs = {
    "direct": "",
    "template": 'enable_template = true\ntemplate_path = "%s/tpl"\n' % work,
    "vmcache": 'vm_cache_number = 2\nvm_cache_endpoint = "%s"\n' % ep,
    "vmcache+template": 'vm_cache_number = 2\nvm_cache_endpoint = "%s"\n'
                        'enable_template = true\ntemplate_path = "%s/tpl"\n' % (ep, work),
}
for name, extra in confs.items():
    with open("%s/%s.toml" % (work, name), "w") as f:
        f.write(base + extra)


def K(conf):
    return [rt, "--root", work + "/root", "--config", "%s/%s.toml" % (work, conf)]


bundle = work + "/b"
subprocess.run(["sh", top + "/scripts/bundle.sh", bundle, rt, "true"], check=True,
               stdout=subprocess.DEVNULL)


def cached(conf):
    out = subprocess.run(K(conf) + ["factory", "status"], capture_output=True, text=True).stdout
    return out.count("VM pid = ")


def wait_cached(conf, n):
    for _ in range(1200):
        if cached(conf) >= n:
            return
        time.sleep(0.1)
    sys.exit("the VMCache server never had %d VMs" % n)


def run_true(conf, i):
    t0 = time.time()
    r = subprocess.run(K(conf) + ["run", "-b", bundle, "b%d" % i], stdin=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    t = time.time() - t0
    if r.returncode != 0 or "directly" in r.stderr:
        sys.exit("%s: run failed or fell back: %s" % (conf, r.stderr))
    return t


def series(conf):
    server = None
    if "vmcache" in conf:
        server = subprocess.Popen(K(conf) + ["--cache-server"], stderr=subprocess.DEVNULL)
    elif conf == "template":
        subprocess.run(K(conf) + ["factory", "init"], check=True, stdout=subprocess.DEVNULL)
    ts = []
    for i in range(N):
        if server:
            wait_cached(conf, 2)
        ts.append(run_true(conf, i))
    if server:
        subprocess.run(K(conf) + ["factory", "destroy"], check=True, stdout=subprocess.DEVNULL)
        server.wait()
    subprocess.run(K("template") + ["factory", "destroy"], stdout=subprocess.DEVNULL)
    return statistics.median(ts)


def pss_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def memory(conf, n=4):
    b = work + "/sleep"
    if not os.path.exists(b):
        subprocess.run(["sh", top + "/scripts/bundle.sh", b, rt, "sleep", "1000"], check=True,
                       stdout=subprocess.DEVNULL)
    if conf == "template":
        subprocess.run(K(conf) + ["factory", "init"], check=True, stdout=subprocess.DEVNULL)
    ids = ["m%d" % i for i in range(n)]
    for i in ids:
        subprocess.run(K(conf) + ["run", "-d", "-b", b, i], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    time.sleep(2)
    total = 0
    for i in ids:
        with open("%s/root/%s/pid" % (work, i)) as f:
            total += pss_kib(int(f.read()))
    tmpfs = 0
    if conf == "template":  # the template's memory file, resident in its tmpfs
        tmpfs = os.stat(work + "/tpl/memory").st_blocks // 2
    for i in ids:
        subprocess.run(K(conf) + ["delete", "-f", i], check=True)
    subprocess.run(K("template") + ["factory", "destroy"], stdout=subprocess.DEVNULL)
    return total, tmpfs


try:
    t = {c: series(c) for c in confs} if sys.argv[3:] != ["memory"] else {"direct": 1.0}
    print("run of true, medians of %d (TCG, 256 MiB guest):" % N)
    for c in t:
        print("  %-18s %.3f s   ratio to direct %.2f" % (c, t[c], t[c] / t["direct"]))
    print("  goals: vmcache <= 0.20, template <= 0.60")
    (d, _), (tp, tmpfs) = memory("direct"), memory("template")
    print("host memory of 4 running containers (sum of QEMU PSS):")
    print("  direct %d KiB, template clones %d KiB: %.0f%% less (goal >= 40%%)"
          % (d, tp, 100.0 * (d - tp) / d))
    print("  with the template's tmpfs file (%d KiB) counted too: %.0f%% less"
          % (tmpfs, 100.0 * (d - tp - tmpfs) / d))
finally:
    subprocess.run(["pkill", "-f", work], stderr=subprocess.DEVNULL)
    subprocess.run(["umount", "-l", work + "/tpl"], stderr=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)
