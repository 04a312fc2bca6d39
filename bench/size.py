#!/usr/bin/python3
"""Size and start-up cost of the named builds (make size-report's, in
BUILD_DIR/cfg/NAME), against runc on this machine measured in the same run:
stripped bytes and the wall time of `--version` (median of N): the cost of
starting the binary. (Peak RSS is not reported: a child's ru_maxrss counts
the memory of the process that forked it, before exec.)
Kata 1.x's published sizes (reference: perf-and-ecosystem.md 2.1) are given
for scale; they are not measured here.
usage: size.py BUILD_DIR [N]"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 50
KATA_RUNTIME_1X = 21306064  # kata-runtime 1.x, stripped
KATA_AGENT_RUST = 14780000  # kata-agent after the 2024 release-profile change

runc = shutil.which("runc")
work = tempfile.mkdtemp(prefix="ukata-bench-")


def stripped(path):
    out = os.path.join(work, os.path.basename(os.path.dirname(path)) or "bin")
    subprocess.run(["strip", "-o", out, path], check=True)
    return out, os.path.getsize(out)


def run_cost(argv):
    """Median wall ms of N runs of argv."""
    times = []
    for i in range(N + 3):  # the first three warm the page cache
        t = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execv(argv[0], argv)
        os.waitpid(pid, 0)
        if i >= 3:
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


rows = []
for name in ("guest_defconfig", "tiny_defconfig", "defconfig", "full_defconfig"):
    path = "%s/cfg/%s/kata-runtime" % (B, name)
    if not os.path.exists(path):
        sys.exit("no %s: run make size-report first" % path)
    exe, size = stripped(path)
    rows.append((name, size, run_cost([exe, "--version"])))
if runc:
    exe, size = stripped(runc)
    peer = ("runc " + subprocess.run([runc, "--version"], capture_output=True, text=True)
            .stdout.split("\n")[0].split()[-1], size, run_cost([exe, "--version"]))
else:
    peer = None

print("%-18s %11s %10s  %s" % ("binary", "stripped B", "--version", "ratios to runc"))
for name, size, ms in rows + ([peer] if peer else []):
    ratio = ""
    if peer and (name, size) != peer[:2]:
        ratio = "size %.3f, time %.2f" % (size / peer[1], ms / peer[2])
    print("%-18s %11d %7.2f ms  %s" % (name, size, ms, ratio))
full = dict((r[0], r[1]) for r in rows)
print("for scale (published, not measured here): kata-runtime 1.x %d B stripped -> full_defconfig "
      "is %.3f of it; Kata's Rust agent about %d B -> guest_defconfig is %.3f of it"
      % (KATA_RUNTIME_1X, full["full_defconfig"] / KATA_RUNTIME_1X, KATA_AGENT_RUST,
         full["guest_defconfig"] / KATA_AGENT_RUST))
shutil.rmtree(work)
