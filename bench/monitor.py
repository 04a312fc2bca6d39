#!/usr/bin/python3
"""kata-monitor's /metrics with 1 and 4 sandboxes of the CLI path (TCG, in
one run): the median latency of 20 scrapes and the size (plain and as
gzip would send it), against Kata's published figures (20 ms; 144 KB
with one sandbox, 283 KB with two) and, as a Go exporter measured in the
same run, Prometheus's own /metrics.
usage: monitor.py BUILD_DIR"""
import gzip
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

B = os.path.abspath(sys.argv[1])
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["sh", top + "/scripts/guest-image.sh", B + "/guest-agent/kata-runtime", B + "/guest"],
               check=True, stdout=subprocess.DEVNULL)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def scrape(url, n=20):
    ts, body = [], b""
    for _ in range(n):
        t0 = time.time()
        body = urllib.request.urlopen(url, timeout=30).read()
        ts.append(time.time() - t0)
    return statistics.median(ts) * 1000, len(body), len(gzip.compress(body))


w = tempfile.mkdtemp(prefix="ukm", dir="/tmp")
root, conf = w + "/r", w + "/kata.toml"
with open(conf, "w") as f:
    f.write('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
            'default_memory = 256\naccel = "tcg"\n' % (B, B))
rt = [B + "/kata-runtime", "--root", root, "--config", conf]
subprocess.run(["sh", top + "/scripts/bundle.sh", w + "/b", B + "/kata-runtime", "sleep", "1000"],
               check=True, stdout=subprocess.DEVNULL)
os.symlink(B + "/kata-runtime", w + "/kata-monitor")
port, pport = free_port(), free_port()
os.makedirs(root)
mon = subprocess.Popen([w + "/kata-monitor", "--listen-address", "127.0.0.1:%d" % port, "--root", root],
                       stderr=subprocess.DEVNULL)
prom = None
if shutil.which("prometheus"):
    open(w + "/p.yml", "w").write("global:\n  scrape_interval: 60s\n")
    prom = subprocess.Popen(["prometheus", "--config.file", w + "/p.yml", "--storage.tsdb.path",
                             w + "/tsdb", "--web.listen-address", "127.0.0.1:%d" % pport],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ids = []
try:
    time.sleep(1)
    print("%-34s %8s %10s %10s" % ("", "median", "size", "gzip"))
    for want in (0, 1, 4):
        while len(ids) < want:
            i = "m%d" % len(ids)
            subprocess.run(rt + ["run", "-d", "-b", w + "/b", i], check=True,
                           stdout=subprocess.DEVNULL)
            ids.append(i)
        for _ in range(100):
            got = urllib.request.urlopen("http://127.0.0.1:%d/sandboxes" % port).read().split()
            if len(got) == want:
                break
            time.sleep(0.1)
        ms, size, gz = scrape("http://127.0.0.1:%d/metrics" % port)
        print("%-34s %6.1f ms %7.1f KB %7.1f KB" % ("kata-monitor, %d sandbox(es)" % want, ms,
                                                    size / 1000, gz / 1000), flush=True)
        if want:
            print("%-34s %6.2f    %10.2f" % ("  ratio to Kata's published", ms / 20.0,
                                            size / 1000 / (144 + 139 * (want - 1))))
    if prom:
        time.sleep(2)
        ms, size, gz = scrape("http://127.0.0.1:%d/metrics" % pport)
        print("%-34s %6.1f ms %7.1f KB %7.1f KB" % ("Prometheus's own /metrics (Go)", ms,
                                                    size / 1000, gz / 1000))
finally:
    for i in ids:
        subprocess.run(rt + ["delete", "--force", i], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    mon.kill()
    if prom:
        prom.kill()
        prom.wait()
    mon.wait()
    shutil.rmtree(w, ignore_errors=True)
