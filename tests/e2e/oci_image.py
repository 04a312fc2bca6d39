#!/usr/bin/env python3
"""An OCI image archive of busybox, made locally (no registry): one layer
with /bin/busybox (from busybox-static) and a link for each applet.
Usage: oci_image.py OUT.tar NAME:TAG [CMD...] (the image's Cmd; sh without)"""
import hashlib, io, json, os, subprocess, sys, tarfile

out, ref = sys.argv[1], sys.argv[2]
cmd = sys.argv[3:] or ["sh"]
bb = "/bin/busybox"
applets = subprocess.run([bb, "--list"], capture_output=True, text=True, check=True).stdout.split()

layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root"):
        i = tarfile.TarInfo(d); i.type = tarfile.DIRTYPE; i.mode = 0o755
        if d == "tmp": i.mode = 0o1777
        t.addfile(i)
    t.add(bb, "bin/busybox")
    for a in applets:
        if a == "busybox": continue
        i = tarfile.TarInfo("bin/" + a); i.type = tarfile.SYMTYPE; i.linkname = "busybox"
        t.addfile(i)
    for name, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), ("etc/group", "root:x:0:\n")):
        data = text.encode(); i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644
        t.addfile(i, io.BytesIO(data))
layer = layer.getvalue()

def blob(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()

config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
               "Cmd": cmd, "WorkingDir": "/"},
    "rootfs": {"type": "layers", "diff_ids": [blob(layer)]},
}).encode()
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": blob(layer), "size": len(layer)}],
}).encode()
index = json.dumps({
    "schemaVersion": 2,
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(manifest),
                   "size": len(manifest), "platform": {"architecture": "amd64", "os": "linux"},
                   "annotations": {"io.containerd.image.name": ref, "org.opencontainers.image.ref.name": ref.split(":")[-1]}}],
}).encode()

with tarfile.open(out, "w") as t:
    def add(name, data):
        i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644
        t.addfile(i, io.BytesIO(data))
    add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    add("index.json", index)
    for data in (layer, config, manifest):
        add("blobs/sha256/" + blob(data)[7:], data)
