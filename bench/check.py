#!/usr/bin/python3
"""kata-runtime check and the guest asset hashes, in one run (TCG):
- the host check (-n, the KVM verdict cached) and its cost with kernel_hash
  and initrd_hash set, against sha256sum hashing the same two files;
- `run` of `true` with the hashes set against without (the hashing each
  boot pays);
- the release check over TLS (full build) against curl GETting the same URL
  from the same local HTTPS server (tests/e2e/https_server.py), as nobody.
usage: check.py BUILD_DIR [N]"""
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
rt, full = B + "/kata-runtime", B + "/full/kata-runtime"
subprocess.run(["sh", top + "/scripts/guest-image.sh", B + "/guest-agent/kata-runtime", B + "/guest"], check=True,
               stdout=subprocess.DEVNULL)
work = tempfile.mkdtemp(prefix="ukata-bench-")
os.chmod(work, 0o755)
kernel, initrd = B + "/guest/vmlinux", B + "/guest/initrd.img"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def sha(path):
    return subprocess.run(["sha256sum", path], check=True, capture_output=True,
                          text=True).stdout.split()[0]


def conf(name, hashes, extra=""):
    p = "%s/%s.toml" % (work, name)
    with open(p, "w") as f:
        f.write('[hypervisor.qemu]\nkernel = "%s"\ninitrd = "%s"\ndefault_memory = 256\n'
                'accel = "tcg"\n' % (kernel, initrd))
        if hashes:
            f.write('kernel_hash = "%s"\ninitrd_hash = "%s"\n' % (sha(kernel), sha(initrd)))
        f.write(extra)
    os.chmod(p, 0o644)
    return p


def median(cmd, n=N, **kw):
    times = []
    for _ in range(n):
        t = time.monotonic()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=300, **kw)
        times.append(time.monotonic() - t)
    return statistics.median(times)


def row(name, ours, peer, peer_name):
    print("| %s | %.1f ms | %s %.1f ms | %.2f |" % (name, ours * 1e3, peer_name, peer * 1e3,
                                                    ours / peer))


def host_and_hashes():
    plain, hashed = conf("plain", False), conf("hashed", True)
    k = [rt, "--root", work + "/root", "--config"]
    median(k + [plain, "check", "-n"], 1)  # the KVM verdict, cached
    t_plain = median(k + [plain, "check", "-n"])
    t_hashed = median(k + [hashed, "check", "-n"])
    t_sum = median(["sha256sum", kernel, initrd])
    mib = (os.path.getsize(kernel) + os.path.getsize(initrd)) / 2**20
    print("| check -n | %.1f ms | | |" % (t_plain * 1e3))
    row("hashing %.0f MiB (check with hashes - without)" % mib, t_hashed - t_plain, t_sum,
        "sha256sum")
    bundle = work + "/b"
    subprocess.run(["sh", top + "/scripts/bundle.sh", bundle, rt, "true"], check=True,
                   stdout=subprocess.DEVNULL)
    runs = {}
    for name, c in (("plain", plain), ("hashed", hashed)):
        runs[name] = median(k + [c, "run", "-b", bundle, "bench-%s-%d" % (name, os.getpid())],
                            max(3, N // 2))
    row("run true, kernel_hash + initrd_hash", runs["hashed"], runs["plain"], "no hashes")


def release():
    if not os.access(full, os.X_OK):
        print("(no %s: make full-build)" % full)
        return
    os.chdir(work)
    q = subprocess.DEVNULL
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                    "-subj", "/CN=bench-ca", "-days", "2"], check=True, stdout=q, stderr=q)
    subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", "s.key", "-out", "s.csr", "-subj", "/CN=localhost"],
                   check=True, stdout=q, stderr=q)
    with open("s.ext", "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    subprocess.run(["openssl", "x509", "-req", "-in", "s.csr", "-CA", "ca.pem", "-CAkey",
                    "ca.key", "-CAcreateserial", "-out", "s.pem", "-days", "2", "-extfile",
                    "s.ext"], check=True, stdout=q, stderr=q)
    for f in ("ca.pem", "s.pem", "s.key"):
        os.chmod(f, 0o644)
    srv = subprocess.Popen([sys.executable, top + "/tests/e2e/https_server.py", work,
                            "good=s.pem:s.key"], stdout=q, stderr=q)
    try:
        while not os.path.exists("ports"):
            time.sleep(0.05)
        port = open("ports").read().split()[1]
        url = "https://localhost:%s/releases" % port
        c = conf("rel", False, '[runtime]\nrelease_ca_file = "%s/ca.pem"\n' % work)
        env = dict(os.environ, KATA_RELEASE_URL=url)
        ours = median(NOBODY + [full, "--config", c, "check", "--check-version-only"], env=env)
        curl = median(NOBODY + ["curl", "-sf", "--cacert", work + "/ca.pem", "-o",
                                "/dev/null", url])
        row("release check over TLS (GET + parse)", ours, curl, "curl GET")
    finally:
        srv.kill()


print("| | ukata | peer | ratio |\n|---|---|---|---|")
try:
    host_and_hashes()
    release()
finally:
    shutil.rmtree(work, ignore_errors=True)
