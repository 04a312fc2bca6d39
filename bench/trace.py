#!/usr/bin/python3
"""Tracing's cost, in one run (TCG), medians of rounds taken in turn:
- `kata-runtime run` of `true` with a VM from a VMCache server: a build
  without CONFIG_TRACE, the default build with tracing off, and with
  tracing on (runtime and agent: each span written);
- the same for a command without a VM (`state` of a missing container);
- one cold run of each build;
then the breakdown of a traced cold `run` and a traced VMCache `run`, as
`kata-runtime trace summary` prints them.
usage: trace.py BUILD_DIR [N]"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 10
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
builds = {"no CONFIG_TRACE": B + "/notrace/kata-runtime", "tracing off": B + "/kata-runtime",
          "tracing on": B + "/kata-runtime"}
subprocess.run(["sh", os.path.join(top, "scripts/guest-image.sh"), B + "/guest-agent/kata-runtime",
                B + "/guest"], check=True, stdout=subprocess.DEVNULL)
work = tempfile.mkdtemp(prefix="ukata-bench-")
ep = work + "/cache.sock"
base = ('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
        'default_memory = 256\naccel = "tcg"\n' % (B, B))
on = '[agent.kata]\nenable_tracing = true\n[runtime]\nenable_tracing = true\ntrace_file = "%s/%%s"\n' % work
cache = '[factory]\nvm_cache_number = 2\nvm_cache_endpoint = "%s"\n' % ep
files = {
    "cold-off": base, "cold-on": base + on % "cold.json",
    "cache-off": base + cache, "cache-on": base + on % "cache.json" + cache,
    "server": base + on % "cache.json" + cache,  # its spans join the runs' trace
}
for name, text in files.items():
    with open("%s/%s.toml" % (work, name), "w") as f:
        f.write(text)


def K(rt, conf):
    return [rt, "--root", work + "/root", "--config", "%s/%s.toml" % (work, conf)]


bundle = work + "/b"
subprocess.run(["sh", top + "/scripts/bundle.sh", bundle, B + "/kata-runtime", "true"], check=True,
               stdout=subprocess.DEVNULL)


def conf_of(build, kind):
    return "%s-%s" % (kind, "on" if build == "tracing on" else "off")


def timed(cmd, ok=(0,)):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    t = time.perf_counter() - t0
    if r.returncode not in ok or "directly" in r.stderr:
        sys.exit("%s: %s" % (" ".join(cmd), r.stderr))
    return t


def wait_cached(n):
    for _ in range(1200):
        out = subprocess.run(K(B + "/kata-runtime", "server") + ["factory", "status"],
                             capture_output=True, text=True).stdout
        if out.count("VM pid = ") >= n:
            return
        time.sleep(0.1)
    sys.exit("the VMCache server never had %d VMs" % n)


server = subprocess.Popen(K(B + "/kata-runtime", "server") + ["--cache-server"],
                          stderr=subprocess.DEVNULL)
runs = {b: [] for b in builds}
cmds = {b: [] for b in builds}
i = 0
try:
    for r in range(N):
        for b, rt in builds.items():  # in turn, so drift hits all alike
            wait_cached(2)
            runs[b].append(timed(K(rt, conf_of(b, "cache")) + ["run", "-b", bundle, "r%d" % i]))
            i += 1
            for _ in range(5):
                cmds[b].append(timed(K(rt, conf_of(b, "cold")) + ["state", "nosuch"], ok=(1,)))
finally:
    subprocess.run(K(B + "/kata-runtime", "server") + ["factory", "destroy"],
                   stdout=subprocess.DEVNULL)
    server.wait()
cold = {}
for b, rt in builds.items():
    cold[b] = timed(K(rt, conf_of(b, "cold")) + ["run", "-b", bundle, "c%d" % i])
    i += 1


def report(title, d, unit, scale):
    ref = statistics.median(d["no CONFIG_TRACE"])
    print(title)
    for b, ts in d.items():
        m = statistics.median(ts)
        spread = (max(ts) - min(ts)) * scale if len(ts) > 1 else 0
        print("  %-16s %9.2f %s (spread %.2f)  ratio %.3f" % (b, m * scale, unit, spread, m / ref))


report("run from VMCache, medians of %d:" % N, runs, "ms", 1e3)
report("state of a missing container (no VM), medians of %d:" % (5 * N), cmds, "ms", 1e3)
report("cold run, one each:", {b: [t] for b, t in cold.items()}, "ms", 1e3)
for name in ("cold.json", "cache.json"):
    out = subprocess.run([B + "/kata-runtime", "trace", "summary", "%s/%s" % (work, name)],
                         capture_output=True, text=True).stdout
    traces = out.split("\n\n")
    runs_only = [t for t in traces if "\n  run " in t]
    print("\nbreakdown of a traced %s run:" % ("cold" if name == "cold.json" else "VMCache"))
    print(runs_only[-1] if runs_only else out)
shutil.rmtree(work, True)
