#!/usr/bin/python3
"""A template clone against a cold boot of the same guest, in one run (TCG,
Debian kernel as vmlinux, busybox initrd that reports hotplug on hvc0).
  cold:  launch, boot to the guest's "ready" line, then a vCPU hot-add the
         guest answers;
  clone: launch with the template's memory file mapped privately, load the
         device state (x-ignore-shared, through an fd), resume, then the same
         vCPU hot-add.
Both go through our driver (vm-tool). Prints medians of N runs and ratios.
usage: qemu_template.py BUILD_DIR [N]"""
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
subprocess.run(["sh", os.path.join(top, "scripts/guest-fixture.sh"), B + "/guest"], check=True)
toml = ('[hypervisor.qemu]\nkernel = "%s/guest/vmlinux"\ninitrd = "%s/guest/initrd-idle.img"\n'
        'default_memory = 256\ndefault_maxvcpus = 2\n' % (B, B))
tool = B + "/tests/vm-tool"
work = tempfile.mkdtemp(prefix="ukata-bench-", dir="/dev/shm")  # templates live in tmpfs


def timed(run_dir, steps, marks):
    """Run vm-tool; the time at which the first line starting with each mark came."""
    t0 = time.time()
    p = subprocess.Popen([tool, run_dir, toml] + steps, stdout=subprocess.PIPE, text=True)
    got = {}
    for line in p.stdout:
        for m in marks:
            if m not in got and line.startswith(m):
                got[m] = time.time() - t0
    p.wait(timeout=300)
    if p.returncode != 0 or len(got) != len(marks):
        sys.exit("vm-tool %s failed: %s" % (" ".join(steps), got))
    return [got[m] for m in marks]


t0 = time.time()
timed(work + "/tpl", ["template:%s/mem" % work, "guest:state ", "save:%s/state" % work, "stop"],
      ["saved"])
t_template = time.time() - t0
cold_ready, cold_cpu, clone_run, clone_cpu = [], [], [], []
for i in range(N):  # interleaved, so both see the same machine
    a, b = timed("%s/cold%d" % (work, i), ["start", "guest:state ", "cpu+", "guest:cpus=0-1 ",
                                            "stop"], ["guest ukata-guest state", "guest ukata-guest state cpus=0-1"])
    cold_ready.append(a)
    cold_cpu.append(b)
    a, b = timed("%s/clone%d" % (work, i), ["clone:%s/mem:%s/state" % (work, work), "resume",
                                             "cpu+", "guest:cpus=0-1 ", "stop"],
                 ["resume ok", "guest ukata-guest state cpus=0-1"])
    clone_run.append(a)
    clone_cpu.append(b)
shutil.rmtree(work, True)
m = statistics.median
print("Template clone against cold boot, TCG, 256 MiB, Debian kernel + busybox initrd; "
      "medians of %d runs" % N)
print("  making the template once (boot, save the state): %.3f s" % t_template)
print("%-44s %9s %9s %11s" % ("", "clone", "cold", "clone/cold"))
print("%-44s %9.3f %9.3f %11.2f" % ("launch to a running guest (s)", m(clone_run), m(cold_ready),
                                    m(clone_run) / m(cold_ready)))
print("%-44s %9.3f %9.3f %11.2f" % ("launch to the guest answering a hot-add (s)", m(clone_cpu),
                                    m(cold_cpu), m(clone_cpu) / m(cold_cpu)))
