#!/usr/bin/python3
"""Block I/O inside a container in a VM (TCG, one run): bench/blkio.c's
sequential write and read (MB/s) and 4 KiB random write and read (IOPS)
on the container's rootfs, shared over 9p against on a disk (an ext4 image
on a loop device, hot-plugged as virtio-blk), the disk without and with an
independent IOThread, and the same program on the host's mount of that
image as the peer with no VM. Then the hot-plug cost per disk: `run` of a
container with two linux.devices block devices against one with none.
usage: blockio.py BUILD_DIR [SIZE_MIB] [COUNT]"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1])
MIB = sys.argv[2] if len(sys.argv) > 2 else "32"
COUNT = sys.argv[3] if len(sys.argv) > 3 else "400"
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["sh", top + "/scripts/guest-image.sh", B + "/guest-agent/kata-runtime", B + "/guest"],
               check=True, stdout=subprocess.DEVNULL)
w = tempfile.mkdtemp(prefix="ukb", dir="/tmp")
loops, mounts = [], []


def sh(*a, **k):
    return subprocess.run(list(a), check=True, capture_output=True, text=True, **k).stdout


def config(extra=""):
    p = w + "/c%d.toml" % len(os.listdir(w))
    open(p, "w").write('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd.img"\n'
                       'default_memory = 256\naccel = "tcg"\npcie_root_port = 2\n%s' % (B, B, extra))
    return p


def parse(out):
    return {l.split()[0]: float(l.split()[1]) for l in out.splitlines() if len(l.split()) == 2}


def container(conf, bundle, name, args):
    rt = [B + "/kata-runtime", "--root", w + "/root", "--config", conf]
    try:
        return sh(*rt, "run", "-b", bundle, name)
    finally:
        subprocess.run(rt + ["delete", "--force", name], capture_output=True)


def bundle(d, *args):
    subprocess.run(["sh", top + "/scripts/bundle.sh", d, B + "/kata-runtime"] + list(args), check=True,
                   stdout=subprocess.DEVNULL)
    sh("musl-gcc", "-static", "-O2", "-o", d + "/rootfs/blkio", top + "/bench/blkio.c")


def loop_ext4(d):
    img = d + ".img"
    os.rename(d + "/rootfs", d + "/rootfs.dir")
    sh("truncate", "-s", "256M", img)
    sh("mkfs.ext4", "-q", "-d", d + "/rootfs.dir", img)
    l = sh("losetup", "-f", "--show", img).strip()
    loops.append(l)
    os.mkdir(d + "/rootfs")
    sh("mount", l, d + "/rootfs")
    mounts.append(d + "/rootfs")
    return l


try:
    cmd = ["/blkio", "/", MIB, COUNT]
    bundle(w + "/p9", *cmd)
    bundle(w + "/blk", *cmd)
    l = loop_ext4(w + "/blk")
    rows = [("9p rootfs (the share)", container(config(), w + "/p9", "a1", cmd)),
            ("disk rootfs (virtio-blk)", container(config(), w + "/blk", "a2", cmd)),
            ("disk rootfs, on an IOThread", container(config("enable_iothreads = true\nindep_iothreads = 1\n"),
                                                      w + "/blk", "a3", cmd)),
            ("host, the same image (no VM)", sh(w + "/blk/rootfs/blkio", w + "/blk/rootfs", MIB, COUNT))]
    print("%-32s %10s %10s %11s %11s %7s" % ("", "seq wr", "seq rd", "4K rand wr", "4K rand rd", "direct"))
    res = {}
    for name, out in rows:
        r = parse(out)
        res[name] = r
        print("%-32s %7.1f MB/s %5.1f MB/s %6.0f IOPS %6.0f IOPS %5d" %
              (name, r["seq_write"], r["seq_read"], r["rand_write"], r["rand_read"], r["direct"]), flush=True)
    a, b, c = (res[rows[i][0]] for i in range(3))
    print("ratios disk/9p:      " + "  ".join("%s %.2f" % (k, b[k] / a[k]) for k in
                                             ("seq_write", "seq_read", "rand_write", "rand_read")))
    print("ratios IOThread/none: " + "  ".join("%s %.2f" % (k, c[k] / b[k]) for k in
                                              ("seq_write", "seq_read", "rand_write", "rand_read")))
    # hot-plug per disk: a container with two block devices against none
    disks = []
    for i in range(2):
        img = w + "/d%d.img" % i
        sh("truncate", "-s", "16M", img)
        disks.append(sh("losetup", "-f", "--show", img).strip())
        loops.append(disks[-1])
    bundle(w + "/none", "true")
    bundle(w + "/two", "true")
    import json
    cj = json.load(open(w + "/two/config.json"))
    cj["linux"]["devices"] = [{"path": "/dev/xvd%s" % "ab"[i], "type": "b",
                               "major": os.major(os.stat(d).st_rdev), "minor": os.minor(os.stat(d).st_rdev)}
                              for i, d in enumerate(disks)]
    json.dump(cj, open(w + "/two/config.json", "w"))
    conf = config()
    t = {"none": [], "two": []}
    for _ in range(3):
        for k in t:
            t0 = time.time()
            container(conf, w + "/" + k, "h" + k, ["true"])
            t[k].append(time.time() - t0)
    n, two = statistics.median(t["none"]), statistics.median(t["two"])
    print("run with no disk %.2f s, with two disks %.2f s: %.0f ms a disk (hot-plug, the guest's "
          "PCIe hot-add and the agent finding it)" % (n, two, (two - n) / 2 * 1000))
finally:
    for m in reversed(mounts):
        subprocess.run(["umount", m])
    for l in loops:
        subprocess.run(["losetup", "-d", l])
    shutil.rmtree(w, ignore_errors=True)
