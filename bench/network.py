#!/usr/bin/python3
"""Container networks (tcfilter), in one run (TCG): TCP throughput and
64-byte round trips from a container in a VM to an outside namespace
(the container's network namespace holds a veth whose peer is outside),
against the same veth used from the container's namespace without a VM.
The measurer is bench/netperf.c (static), in the container and on the host.
Everything stays in the two namespaces this script makes.
usage: network.py BUILD_DIR [N]"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 3
SECS, COUNT = 4, 2000
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rt, perf = B + "/kata-runtime", B + "/bench/netperf"
subprocess.run(["sh", top + "/scripts/guest-image.sh", B + "/guest-agent/kata-runtime", B + "/guest"], check=True,
               stdout=subprocess.DEVNULL)
work = tempfile.mkdtemp(prefix="ukata-bench-")
C, O = "ukb%d-c" % os.getpid(), "ukb%d-o" % os.getpid()
conf = work + "/c.toml"
with open(conf, "w") as f:
    f.write('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
            'default_memory = 256\naccel = "tcg"\n' % (B, B))
K = [rt, "--root", work + "/root", "--config", conf]


def sh(*args, **kw):
    return subprocess.run(list(args), check=True, timeout=120, **kw)


def setup():
    sh("ip", "netns", "add", C)
    sh("ip", "netns", "add", O)
    sh("ip", "link", "add", "eth0", "netns", C, "type", "veth", "peer", "name", "o-eth0",
       "netns", O)
    sh("ip", "-n", C, "addr", "add", "10.9.0.2/24", "dev", "eth0")
    sh("ip", "-n", O, "addr", "add", "10.9.0.1/24", "dev", "o-eth0")
    for ns, dev in ((C, "eth0"), (O, "o-eth0"), (C, "lo"), (O, "lo")):
        sh("ip", "-n", ns, "link", "set", dev, "up")


def measure(prefix):
    """[bytes/s], [median us], [p90 us] over N runs of the client under prefix."""
    bw, med, p90 = [], [], []
    for _ in range(N):
        out = sh(*prefix, "stream", "10.9.0.1", "5001", str(SECS), capture_output=True,
                 text=True).stdout
        bw.append(float(out.split()[1]))
        out = sh(*prefix, "rr", "10.9.0.1", "5001", str(COUNT), capture_output=True,
                 text=True).stdout.split()
        med.append(float(out[2]))
        p90.append(float(out[5]))
    return statistics.median(bw), statistics.median(med), statistics.median(p90)


server = None
try:
    setup()
    server = subprocess.Popen(["ip", "netns", "exec", O, perf, "server", "5001"])
    # Without a VM: the same veth, from the container's namespace.
    host = measure(["ip", "netns", "exec", C, perf])
    # In a VM: the container gets the namespace (the veth is mirrored to
    # its TAP from now on, so the host side cannot use it any more).
    bundle = work + "/b"
    sh("sh", top + "/scripts/bundle.sh", bundle, rt, "sleep", "1000", stdout=subprocess.DEVNULL)
    shutil.copy(perf, bundle + "/rootfs/bin/netperf")
    with open(bundle + "/config.json") as f:
        spec = f.read().replace('"type": "network"', '"type": "network", "path": "/run/netns/%s"' % C)
    with open(bundle + "/config.json", "w") as f:
        f.write(spec)
    sh(*K, "run", "-d", "-b", bundle, "net1", stdout=subprocess.DEVNULL)
    vm = measure(K + ["exec", "net1", "netperf"])
    sh(*K, "delete", "-f", "net1")
finally:
    if server:
        server.kill()
    subprocess.run(K + ["delete", "-f", "net1"], capture_output=True)
    for ns in (C, O):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)

print("TCP from the container's namespace to the outside, TCG, medians of %d" % N)
print("%-28s %14s %14s %8s" % ("", "veth, no VM", "container in VM", "ratio"))
print("%-28s %14.1f %14.1f %8.3f" % ("throughput (MB/s, %d s)" % SECS, host[0] / 1e6, vm[0] / 1e6,
                                      vm[0] / host[0]))
print("%-28s %14.1f %14.1f %8.1f" % ("round trip median (us)", host[1], vm[1], vm[1] / host[1]))
print("%-28s %14.1f %14.1f %8.1f" % ("round trip p90 (us)", host[2], vm[2], vm[2] / host[2]))
