#!/usr/bin/python3
"""Boot to agent ready (grpc.Health/Check answers over the agent channel)
against boot to a busybox init on the same kernel, loading the same modules
(the test fixture's initrd-idle.img, whose init says "ukata-guest ready" on
the console), both through our QEMU driver, in one run (TCG). Also the
initrd sizes and the agent's resident memory in the guest.
usage: agent_boot.py BUILD_DIR [N]"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 5
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["sh", os.path.join(top, "scripts/guest-fixture.sh"), B + "/guest"], check=True)
subprocess.run(["sh", os.path.join(top, "scripts/guest-image.sh"), B + "/guest-agent/kata-runtime",
                B + "/guest"], check=True, stdout=subprocess.DEVNULL)
tool = B + "/tests/vm-tool"


def toml(initrd):
    return ('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/%s"\n'
            'default_memory = 256\n' % (B, B, initrd))


def timed(initrd, steps, mark):
    d = tempfile.mkdtemp(prefix="ukata-bench-")
    t0 = time.time()
    p = subprocess.Popen([tool, d + "/run", toml(initrd), "start"] + steps + ["stop"],
                         stdout=subprocess.PIPE, text=True)
    t = None
    for line in p.stdout:
        if t is None and line.startswith(mark):
            t = time.time() - t0
    p.wait(timeout=300)
    console = open(d + "/run/console.log", errors="replace").read()
    shutil.rmtree(d, True)
    if p.returncode != 0 or t is None:
        sys.exit("vm-tool failed (%s)" % initrd)
    return t, console


agent, busybox, rss = [], [], []
for _ in range(N):  # interleaved, so both see the same machine
    t, console = timed("initrd.img", ["agent:check"], "agent check SERVING")
    agent.append(t)
    m = re.search(r"resident memory (\d+) KiB", console)
    if m:
        rss.append(int(m.group(1)))
    busybox.append(timed("initrd-idle.img", ["guest:ukata-guest ready"], "guest ukata-guest ready")[0])
m = statistics.median
print("Boot to agent ready against boot to a busybox init, TCG, 256 MiB, Debian kernel, the "
      "same modules; medians of %d runs" % N)
print("%-36s %9s %9s %9s" % ("", "agent", "busybox", "ratio"))
print("%-36s %9.3f %9.3f %9.2f" % ("launch to ready (s)", m(agent), m(busybox), m(agent) / m(busybox)))
print("initrd: agent %d bytes, busybox fixture %d bytes" % (
    os.path.getsize(B + "/guest/initrd.img"), os.path.getsize(B + "/guest/initrd-idle.img")))
if rss:
    print("agent resident memory when ready: %d KiB (median)" % m(rss))
