"""Host memory for the benchmarks: PSS (KiB, /proc/PID/smaps_rollup)."""
import os


def pss(pids):
    """The PSS of pids together, those gone counting 0."""
    total = 0
    for p in pids:
        try:
            for line in open("/proc/%d/smaps_rollup" % int(p)):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def naming(path):
    """The processes whose command line names path (or a path in it)."""
    out = []
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and path.encode() in open("/proc/%s/cmdline" % p, "rb").read():
                out.append(int(p))
        except OSError:
            pass
    return out
