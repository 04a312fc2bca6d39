#!/bin/sh
# containerd 1.6 with its CRI plugin, all of it in DIR: its config, root,
# state and sockets (DIR/c.sock), a runtime handler `kata` of the runc shim
# running RUNTIME with --root ROOT/k8s.io and `kata-v2` of the shim v2
# (containerd-shim-kata-v2, a link to RUNTIME in DIR/bin on containerd's
# PATH; state in DIR/ukata-v2/k8s.io), with KATA_CONF_FILE=KATA_CONF, the
# pods on a CNI bridge of its own (bridge and host-local) on 10.88.NET.0/24,
# and two images made locally and imported: ukata.test/pause:1 (the sandbox
# image) and ukata.test/busybox:1. For tests/e2e/cri.sh and bench/cri.py.
# Usage: cri_containerd.sh start DIR RUNTIME ROOT KATA_CONF NET
#        cri_containerd.sh stop DIR   (containerd, and the pods' network
#        namespaces and the bridge that a failed run left)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
CNI_BIN=/usr/lib/cni

config() { # DIR RUNTIME ROOT NET
	d=$1 br=ukc$4
	mkdir -p "$d/cni" "$d/ipam"
	echo "$br" > "$d/bridge"
	cat > "$d/config.toml" <<EOT
version = 2
root = "$d/root"
state = "$d/state"
[grpc]
  address = "$d/c.sock"
[ttrpc]
  address = "$d/c.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "ukata.test/pause:1"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "kata"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]
    runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]
    BinaryName = "$2"
    Root = "$3"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-v2]
    runtime_type = "io.containerd.kata.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$d/cni"
EOT
	cat > "$d/cni/10-ukata.conflist" <<EOT
{"cniVersion": "0.4.0", "name": "ukata-test", "plugins": [
  {"type": "bridge", "bridge": "$br", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "dataDir": "$d/ipam",
            "ranges": [[{"subnet": "10.88.$4.0/24"}]]}},
  {"type": "loopback"}]}
EOT
}

start() { # DIR RUNTIME ROOT KATA_CONF NET
	d=$1
	config "$1" "$2" "$3" "$5"
	ip netns list | awk '{ print $1 " " }' > "$d/netns.before"
	mkdir -p "$d/bin"
	ln -sf "$2" "$d/bin/containerd-shim-kata-v2"
	PATH="$d/bin:$PATH" KATA_CONF_FILE="$4" containerd --config "$d/config.toml" > "$d/log" 2>&1 &
	echo $! > "$d/pid"
	C="ctr -a $d/c.sock -n k8s.io"
	for _ in $(seq 100); do $C version > /dev/null 2>&1 && break; sleep 0.1; done
	$C version > /dev/null 2>&1 || { echo "containerd did not start: $(tail -5 "$d/log")" >&2; exit 1; }
	/usr/bin/python3 "$top/tests/e2e/oci_image.py" "$d/pause.tar" ukata.test/pause:1 \
		sleep 2147483647 || exit 1
	/usr/bin/python3 "$top/tests/e2e/oci_image.py" "$d/bb.tar" ukata.test/busybox:1 || exit 1
	for i in pause bb; do
		$C images import --snapshotter native "$d/$i.tar" > /dev/null || exit 1
	done
}

stop() { # DIR
	d=$1
	[ -f "$d/pid" ] && kill "$(cat "$d/pid")" 2> /dev/null
	ip netns list | awk '{ print $1 }' | while read -r n; do
		grep -q "^$n " "$d/netns.before" 2> /dev/null || ip netns del "$n" 2> /dev/null
	done
	[ -f "$d/bridge" ] && ip link del "$(cat "$d/bridge")" 2> /dev/null
	true
}

case ${1:-} in
start) [ $# = 6 ] || exit 2; start "$2" "$3" "$4" "$5" "$6" ;;
stop) [ $# = 2 ] || exit 2; stop "$2" ;;
*) sed -n 's/^# \{0,1\}//p' "$0" | sed -n '2,10p' >&2; exit 2 ;;
esac
