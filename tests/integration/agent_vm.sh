#!/bin/sh
# The guest agent in a real VM: the guest image (Debian's kernel, an initrd
# with our static binary as /init) boots under QEMU (TCG) through our
# driver, and the agent answers on the virtio-serial channel (yamux, our
# gRPC client) as the runtime will call it.
# Usage: tests/integration/agent_vm.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"
tool=$B/tests/vm-tool
ga=$B/guest-agent/kata-runtime # configs/guest_defconfig's, as make guest uses

image() {
	command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 missing (make deps)"
	[ -x "$ga" ] || skip "no $ga (make guest-agent)"
	sh "$top/scripts/guest-image.sh" "$ga" "$B/guest" > "$T/image.log" 2>&1 ||
		fail "guest image: $(cat "$T/image.log")"
}

toml() { # [KERNEL_PARAMS]
	printf '[hypervisor.qemu]\nkernel = "%s"\ninitrd = "%s"\ndefault_memory = 256\nkernel_params = "%s"\n' \
		"$B/guest/vmlinux" "$B/guest/initrd.img" "$1"
}

# The image holds the agent and the modules, nothing else, and the same
# inputs give the same bytes.
test_image_is_small_and_reproducible() {
	image
	sum=$(md5sum < "$B/guest/initrd.img")
	sh "$top/scripts/guest-image.sh" "$ga" "$B/guest" > "$T/image.log" 2>&1 ||
		fail "guest image: $(cat "$T/image.log")"
	expect_eq "$(md5sum < "$B/guest/initrd.img")" "$sum"
	list=$(gzip -dc "$B/guest/initrd.img" | cpio -it --quiet 2> /dev/null | sort | tr '\n' ' ')
	expect_in "$list" ". dev etc init lib lib/modules lib/modules/9p.ko "
	expect_in "$list" "lib/modules/load "
	expect_in "$list" "lib/modules/virtio_console.ko "
	expect_in "$list" "usr/bin/kata-agent"
	# the agent is configs/guest_defconfig's binary: the applet, no runtime
	mkdir "$T/x" && (cd "$T/x" && gzip -dc "$B/guest/initrd.img" | cpio -id --quiet usr/bin/kata-agent)
	strip -o "$T/ga" "$ga"
	cmp -s "$T/x/usr/bin/kata-agent" "$T/ga" || fail "the image's agent is not $ga"
	ln -s usr/bin/kata-agent "$T/x/kata-runtime"
	run "$T/x/kata-runtime" --help
	expect_in "$out" "  agent "
	expect_not_in "$out" "  create "
	expect_eq "$(gzip -dc "$B/guest/initrd.img" | cpio -it --quiet 2> /dev/null | grep -vc '^\(\.\|dev\|etc\|init\|lib\|lib/modules\|lib/modules/.*\|proc\|run\|sys\|tmp\|usr\|usr/bin\|usr/bin/kata-agent\)$')" 0
}

# The agent as PID 1 answers Health.Check and Version; the host leaves the
# channel and comes back twice, and each new session is served.
test_agent_answers_and_survives_reconnects() {
	image
	run "$tool" "$T/run" "$(toml "")" start agent:check agent:version agent-disconnect \
		agent:check agent-disconnect agent:version "guest:the host left" stop
	expect_rc 0
	expect_eq "$(printf '%s' "$out" | grep -v '^guest' | tr '\n' '|')" \
		"agent check SERVING|agent version grpc 0.0.1 agent $("$B/kata-runtime" version | sed -n 's/^kata-runtime *: //p')|agent disconnected|agent check SERVING|agent disconnected|agent version grpc 0.0.1 agent $("$B/kata-runtime" version | sed -n 's/^kata-runtime *: //p')|stop ok|"
	log=$(cat "$T/run/console.log")
	expect_in "$log" 'level=info msg="kata-agent ukata starting (channel: agent.channel.0)"'
	expect_in "$log" 'msg="serving on /dev/vport'
	expect_not_in "$log" "level=debug"
	nothing_left "$T/run"
}

# agent.log=debug on the kernel command line: the modules it loaded.
test_agent_debug_log() {
	image
	run "$tool" "$T/run" "$(toml "agent.log=debug")" start agent:check stop
	expect_rc 0
	log=$(cat "$T/run/console.log")
	expect_in "$log" 'level=debug msg="module virtio_console.ko loaded"'
	expect_in "$log" 'level=debug msg="module 9p.ko loaded"'
	nothing_left "$T/run"
}

# A bad agent option: PID 1 says why on the console and powers off.
test_agent_bad_option_powers_off() {
	image
	run "$tool" "$T/run" "$(toml "agent.use_vsock=maybe")" start shutdown stop
	expect_rc 0
	expect_in "$out" "shutdown {\"guest\": true, \"reason\": \"guest-shutdown\"}"
	expect_in "$(cat "$T/run/console.log")" \
		"kata-agent cannot go on: kernel command line: agent.use_vsock: expected true or false; powering off"
	nothing_left "$T/run"
}

# A rootfs for each container named, in the share: busybox (static).
rootfs() { # CID...
	for c in "$@"; do
		mkdir -p "$T/share/$c/rootfs/bin"
		cp /bin/busybox "$T/share/$c/rootfs/bin/busybox"
		for a in sh echo cat sleep id ps hostname pwd date stty ip head grep yes; do
			ln -sf busybox "$T/share/$c/rootfs/bin/$a"
		done
	done
}

# Containers through the agent: output and exit status, stdin round trip,
# a signal, an exec in the container's namespaces (its PID 1 is the
# container's), a terminal, and the sandbox torn down.
test_containers() {
	image
	rootfs c1 c2 c3 c4 c5
	run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox \
		"agent:create:c1:sh,-c,echo hello from \$(hostname); echo oops >&2; exit 3" \
		agent:start:c1 agent:wait:c1 agent:out:c1 agent:err:c1 agent:remove:c1 \
		"agent:create:c2:sh,-c,read line; echo got \$line" agent:start:c2 "agent:in:c2:hello
" agent:close:c2 agent:out:c2 agent:wait:c2 \
		agent:create:c3:sleep,100 agent:start:c3 agent:signal:c3:9 agent:wait:c3 \
		agent:create:c4:sleep,100 agent:start:c4 \
		"agent:exec:c4:e1:sh,-c,echo in exec \$(pwd) \$(id -u); ps" \
		agent:out:c4:e1 agent:wait:c4:e1 agent:signal:c4:9: agent:wait:c4 \
		"agent:create-tty:c5:sh,-c,[ -t 1 ] && echo a terminal" agent:start:c5 agent:out:c5 \
		agent:wait:c5 agent:destroy stop
	expect_rc 0
	expect_in "$out" "agent start:c1 ok
agent wait:c1 exited 3
agent out [hello from c1
]
agent err [oops
]
agent remove:c1 ok"
	expect_in "$out" "agent in wrote 6
agent close:c2 ok
agent out [got hello
]
agent wait:c2 exited 0"
	expect_in "$out" "agent wait:c3 exited 137"
	expect_in "$out" "agent out [in exec /tmp 0
PID   USER     COMMAND
    1 0        sleep 100
"
	expect_in "$out" "agent wait:c4:e1 exited 0
agent signal:c4:9: ok
agent wait:c4 exited 137"
	expect_in "$out" "agent out [a terminal"
	expect_in "$out" "agent wait:c5 exited 0
agent destroy ok"
	nothing_left "$T/run"
}

# The container's cgroup (v2 in the guest): pause freezes it (seen from
# another container), update sets its limits (seen inside it), stats and ps
# read it. The VM: a hot-added vCPU is brought online, entropy reseeded,
# details given, the clock set, a file copied in; a terminal resized before
# its process starts.
test_cgroups_and_vm_calls() {
	image
	rootfs c1 c2 c5
	run "$tool" "$T/run" "$(toml "")
default_maxvcpus = 2" "share:$T/share" start agent:sandbox \
		agent:create:c1:sleep,100 agent:start:c1 agent:pause:c1 \
		agent:create:c2:sleep,100 agent:start:c2 \
		"agent:exec:c2:e1:cat,/sys/fs/cgroup/kata/c1/cgroup.events" agent:out:c2:e1 \
		agent:resume:c1 agent:update:c1:67108864:20 \
		"agent:exec:c1:e2:cat,/sys/fs/cgroup/kata/c1/memory.max,/sys/fs/cgroup/kata/c1/pids.max,/sys/devices/system/cpu/online" \
		agent:out:c1:e2 agent:stats:c1 agent:ps:c1:json agent:ps:c1:table \
		cpu+ agent:online:1 "agent:exec:c1:e3:cat,/sys/devices/system/cpu/online" agent:out:c1:e3 \
		agent:reseed agent:details agent:time:2000000000 "agent:exec:c1:e4:date,+%s" \
		agent:out:c1:e4 agent:copy:/run/kata-containers/shared/containers/c1/rootfs/sub/copied:hello-copy \
		"agent:exec:c1:e5:cat,/sub/copied" agent:out:c1:e5 \
		"agent:create-tty:c5:stty,size" agent:resize:c5:30:100 agent:start:c5 agent:out:c5 \
		"agent:exec:c1:e6:sh,-c,cat /sys/devices/system/memory/memory*/state | grep -c online" \
		agent:out:c1:e6 mem+:128 agent:online:0 \
		"agent:exec:c1:e7:sh,-c,cat /sys/devices/system/memory/memory*/state | grep -c online" \
		agent:out:c1:e7 \
		"agent:exec:c1:e8:sh,-c,yes | head -c 3000000; echo done >&2" agent:running:c1:e8 \
		agent:outlen:c1:e8 agent:err:c1:e8 agent:wait:c1:e8 stop
	expect_rc 0
	# memory: one more block online after the hot-add
	expect_in "$out" "agent out [2
]
added dimm0
agent online:0 ok"
	expect_in "$out" "agent out [3
]"
	# 3 MB of output: the writer blocks on the full pipe until the host
	# reads (it cannot end before), and nothing is lost
	expect_in "$out" "agent running:c1:e8 still running
agent out 3000000 bytes
agent err [done
]
agent wait:c1:e8 exited 0"
	expect_in "$out" "agent out [populated 1
frozen 1
]"
	expect_in "$out" "agent out [67108864
20
0
]
agent stats cpu used memory used limit 67108864 pids "
	expect_in "$out" " limit 20
agent ps [["
	expect_in "$out" "agent ps [  PID CMD
"
	expect_in "$out" " sleep 100
]"
	expect_in "$out" "agent online:1 ok
agent exec:c1:e3:cat,/sys/devices/system/cpu/online ok
agent out [0-1
]"
	expect_in "$out" "agent reseed ok
agent details block 134217728 probe 0 version $("$B/kata-runtime" version | sed -n 's/^kata-runtime *: //p') init 1 storages 3"
	expect_in "$out" "agent out [2000000000
]"
	expect_in "$out" "agent out [hello-copy]"
	expect_eq "$(cat "$T/share/c1/rootfs/sub/copied")" hello-copy
	expect_eq "$(stat -c %a "$T/share/c1/rootfs/sub/copied") $(stat -c %a "$T/share/c1/rootfs/sub")" "640 750"
	expect_in "$out" "agent out [30 100"
	nothing_left "$T/run"
}

# Networking: a NIC hot-plugged by the host (QMP) is found by its MAC
# address, renamed, given an MTU, an address and brought up; routes are
# replaced (a default route through a gateway, a subnet); an ARP
# neighbour is added; the container (which shares the VM's network) sees
# all of it with busybox ip; lo is up from the start.
test_network() {
	image
	rootfs c1
	run "$tool" "$T/run" "$(toml "")
pcie_root_port = 1" "share:$T/share" start agent:sandbox agent:ifaces \
		'qmp:netdev_add={"type":"user","id":"net0"}' \
		'qmp:device_add={"driver":"virtio-net-pci","netdev":"net0","mac":"52:54:00:12:34:56","bus":"rp0","id":"nic0"}' \
		agent:iface:52-54-00-12-34-56:eth9:10.0.2.15/24:1400 \
		"agent:setroutes:default@10.0.2.2@eth9;10.9.0.0/16@@eth9" \
		agent:arp:10.0.2.3:52-54-00-aa-bb-cc:eth9 agent:routes \
		agent:create:c1:sleep,100 agent:start:c1 "agent:exec:c1:e1:ip,addr,show,eth9" agent:out:c1:e1 \
		"agent:exec:c1:e2:ip,route" agent:out:c1:e2 "agent:exec:c1:e3:ip,neigh" agent:out:c1:e3 stop
	expect_rc 0
	expect_in "$out" "agent iface lo mac 00:00:00:00:00:00 mtu 65536 up 1 127.0.0.1/8"
	expect_in "$out" "agent iface eth9 mac 52:54:00:12:34:56 mtu 1400 up 1 10.0.2.15/24"
	expect_in "$out" "agent route [] via [10.0.2.2] dev [eth9] src [] scope 0
agent route [10.0.2.0/24] via [] dev [eth9] src [10.0.2.15] scope 253
agent route [10.9.0.0/16] via [] dev [eth9] src [] scope 0
agent arp ok"
	expect_in "$out" "mtu 1400"
	expect_in "$out" "inet 10.0.2.15/24 scope global eth9"
	expect_in "$out" "default via 10.0.2.2 dev eth9"
	expect_in "$out" "10.0.2.3 dev eth9 lladdr 52:54:00:aa:bb:cc"
	expect_in "$out" "PERMANENT"
	run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox \
		agent:iface:52-54-00-00-00-99:eth9:10.0.2.15/24:1400
	expect_rc 1
	expect_in "$err" "no interface with MAC address 52:54:00:00:00:99"
	run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox \
		agent:iface:00-00-00-00-00-00:lo:300.1.1.1/8:0
	expect_rc 1
	expect_in "$err" "address 300.1.1.1/8: not an IP address and prefix"
	nothing_left "$T/run"
}

# The vsock channel (agent.use_vsock=true) needs vhost-vsock on the host,
# which these machines do not have; its serving side is tested inside the
# VM over vsock's loopback instead: our binary as the agent on vsock port
# 1024 in one container, our client in another calling it on CID 1.
test_agent_on_vsock_loopback() {
	image
	rootfs c1 c2
	cp "$B/kata-runtime" "$T/share/c1/rootfs/bin/kata-runtime"
	cp "$B/tests/vm-tool" "$T/share/c2/rootfs/bin/vm-tool"
	run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox \
		"agent:create:c1:sh,-c,kata-runtime agent --use-vsock; echo agent ended \$?" agent:start:c1 \
		"agent:create:c2:vm-tool,/tmp/r, ,agent-vsock:1:1024,agent:check,agent:version" \
		agent:start:c2 agent:wait:c2 agent:out:c2 agent:signal:c1:9: stop
	expect_rc 0
	expect_in "$out" "agent wait:c2 exited 0
agent out [agent on vsock://1:1024
agent check SERVING
agent version grpc 0.0.1 agent "
	nothing_left "$T/run"
}

# Bad requests get the documented statuses, and the agent stays up.
test_container_errors() {
	image
	rootfs c1
	run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox \
		agent:wait:nosuch
	expect_rc 1
	expect_in "$err" "error: status 5: container nosuch does not exist"
	# gRPC codes: 3 INVALID_ARGUMENT, 5 NOT_FOUND, 6 ALREADY_EXISTS,
	# 9 FAILED_PRECONDITION, 13 INTERNAL
	for call in "agent:start:nosuch|status 5: container nosuch does not exist" \
		"agent:raw-create:c9:relative/root|status 3: container c9: OCI spec: root.path \"relative/root\" is not an absolute path" \
		"agent:raw-create:c9:/run/../etc|status 3: container c9: OCI spec: root.path \"/run/../etc\" is not an absolute path" \
		"agent:raw-create:bad/id:/x|status 3: container_id \"bad/id\": not a valid id" \
		"agent:exec:nosuch:e1:sh|status 5: container nosuch does not exist" \
		"agent:wait:c1:nosuch|status 5: process nosuch of container c1 does not exist" \
		"agent:signal:c1:99|status 3: signal 99: not a signal" \
		"agent:ps:c1:yaml|status 3: format \"yaml\": table or json" \
		"agent:update:nosuch:1:1|status 5: container nosuch does not exist" \
		"agent:copy:/etc/passwd:x|status 3: copy: \"/etc/passwd\" is not a path below /run/kata-containers" \
		"agent:copy:/run/kata-containers/../etc/x:x|is not a path below /run/kata-containers" \
		"agent:copy:/run/kata-containers:x|is not a path below /run/kata-containers" \
		"agent:copy:run/kata-containers/x:x|is not a path below /run/kata-containers" \
		"agent:create:c1:sleep,1|status 6: container c1 exists already" \
		"agent:probe:0x100000000|status 13: probing memory at 0x100000000: No such file or directory" \
		"agent:destroy,agent:sandbox:nosuchmodule|status 5: kernel module /lib/modules/nosuchmodule.ko: No such file or directory"; do
		steps=$(echo "${call%%|*}" | tr ',' ' ')
		# shellcheck disable=SC2086
		run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox \
			agent:create:c1:sleep,100 $steps agent:check
		expect_rc 1
		expect_in "$err" "${call#*|}"
	done
	run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox \
		agent:create:c1:sleep,100 agent:start:c1 agent:pause:c1 agent:exec:c1:e1:true
	expect_rc 1
	expect_in "$err" "error: status 9: container c1 is paused"
	rootfs c6
	run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox \
		agent:create:c6:nonexistent agent:start:c6
	expect_rc 1
	expect_in "$err" "status 9: container c6: nonexistent: No such file or directory"
	# a module that is there (and loaded already) is fine
	run "$tool" "$T/run" "$(toml "")" "share:$T/share" start agent:sandbox:virtio_net agent:check stop
	expect_rc 0
	nothing_left "$T/run"
}

run_suite agent-vm
