#!/usr/bin/python3
"""Boot to the guest's init: our QEMU driver against plain qemu-system-x86_64
started by hand with the same kernel and initrd, in one run (TCG, Debian
kernel as vmlinux, busybox initrd whose init powers off). Also the time until
QMP answers. Prints medians of N runs and the ratios ours/plain.
usage: qemu_boot.py BUILD_DIR [N]"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

B = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 5
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["sh", os.path.join(top, "scripts/guest-fixture.sh"), B + "/guest"], check=True)
kernel, initrd = B + "/guest/vmlinux", B + "/guest/initrd-poweroff.img"
toml = '[hypervisor.qemu]\nkernel = "%s"\ninitrd = "%s"\ndefault_memory = 256\n' % (kernel, initrd)


def wait_socket(path, deadline):
    while time.time() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.recv(4096)  # the greeting: QMP answers
            s.close()
            return True
        except OSError:
            time.sleep(0.002)
    return False


def plain():
    d = tempfile.mkdtemp(prefix="ukata-bench-")
    sock = d + "/qmp.sock"
    t0 = time.time()
    p = subprocess.Popen(["qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "256",
                          "-nodefaults", "-nographic", "--no-reboot", "-kernel", kernel,
                          "-initrd", initrd, "-append", "console=hvc0 panic=1",
                          "-qmp", "unix:%s,server=on,wait=off" % sock],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_socket(sock, t0 + 30)
    t_qmp = time.time() - t0
    p.wait(timeout=300)
    t_init = time.time() - t0
    subprocess.run(["rm", "-rf", d])
    return t_qmp, t_init


def same_argv():
    """Our argv, started by hand (no driver, not daemonized): separates the
    driver's cost from the devices we add."""
    d = tempfile.mkdtemp(prefix="ukata-bench-")
    out = subprocess.run([B + "/tests/qemu-argv", d, "boot", toml], capture_output=True,
                         text=True, check=True).stdout.split("\n")[:-1]
    args = [a for a in out if a != "-daemonize"]
    t0 = time.time()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_socket(d + "/qmp.sock", t0 + 30)
    t_qmp = time.time() - t0
    p.wait(timeout=300)
    t_init = time.time() - t0
    subprocess.run(["rm", "-rf", d])
    return t_qmp, t_init


def ours():
    d = tempfile.mkdtemp(prefix="ukata-bench-")
    t0 = time.time()
    p = subprocess.Popen([B + "/tests/vm-tool", d + "/run", toml, "start", "shutdown", "stop"],
                         stdout=subprocess.PIPE, text=True)
    first = p.stdout.readline()  # nothing is printed by start: the first line is shutdown
    t_init = time.time() - t0
    p.wait(timeout=300)
    subprocess.run(["rm", "-rf", d])
    if not first.startswith("shutdown"):
        sys.exit("our VM did not power off: " + first)
    return t_init


def ours_qmp():
    d = tempfile.mkdtemp(prefix="ukata-bench-")
    t0 = time.time()
    subprocess.run([B + "/tests/vm-tool", d + "/run", toml, "start"], stdout=subprocess.DEVNULL)
    t = time.time() - t0  # start returns once QMP answered
    subprocess.run([B + "/tests/vm-tool", d + "/run", toml, "stop"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    pid = open(d + "/run/pid").read().strip() if os.path.exists(d + "/run/pid") else None
    if pid:
        subprocess.run(["kill", "-9", pid])
    subprocess.run(["rm", "-rf", d])
    return t


p_qmp, p_init, o_init, o_qmp, s_qmp, s_init = [], [], [], [], [], []
for _ in range(N):  # interleaved, so all see the same machine
    a, b = plain()
    p_qmp.append(a)
    p_init.append(b)
    a, b = same_argv()
    s_qmp.append(a)
    s_init.append(b)
    o_init.append(ours())
    o_qmp.append(ours_qmp())
m = statistics.median
print("QEMU boot, TCG, Debian kernel (vmlinux/PVH) + busybox initrd; medians of %d runs" % N)
print("  ukata: our driver (vm-tool: config, argv, fork/exec, -daemonize, QMP capabilities)")
print("  our argv: the same command line started by hand; plain: a minimal command line")
print("%-28s %9s %9s %9s %13s %15s" % ("", "ukata", "our argv", "plain", "ukata/plain",
                                       "ukata/our argv"))
for name, o, s_, p in (("launch to QMP ready (s)", o_qmp, s_qmp, p_qmp),
                       ("launch to guest init (s)", o_init, s_init, p_init)):
    print("%-28s %9.3f %9.3f %9.3f %13.2f %15.2f" % (name, m(o), m(s_), m(p), m(o) / m(p),
                                                   m(o) / m(s_)))
