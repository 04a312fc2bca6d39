#!/bin/sh
# Container networks (tcfilter) with real QEMU (TCG) and our agent: each
# test makes its own network namespaces with iproute2 (test side only; the
# runtime uses none of it): the container's, with a veth whose peer is in a
# second namespace standing for the outside host. Traffic stays inside
# these namespaces. After each test no QEMU, TAP, filter, mount or state of
# it may be left.
# Usage: tests/e2e/network.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
. "$top/tests/lib.sh"

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TAP devices)"
	command -v ip > /dev/null || skip "iproute2 missing (make deps)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun (TAP devices)"
	N=ukt$$
	vm_config "$T/base.toml"
	K="$B/kata-runtime --root $T/root --config $T/base.toml"
	trap 'cleanup' EXIT
}

cleanup() {
	pkill -9 -f "qemu-system-x86_64 .*$T/" 2> /dev/null
	for ns in $(ip netns list | awk '{print $1}' | grep "^$N-"); do
		ip netns del "$ns"
	done
	true
}

# ns NAME: a namespace with IPv6 off (no router solicitations to count).
ns() {
	ip netns add "$N-$1" || fail "ip netns add $N-$1"
	ip netns exec "$N-$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$N-$1" link set lo up
}

# pair CTR OUT IFNAME MAC MTU SUBNET: a veth IFNAME in CTR (SUBNET.2/24, a
# default route through SUBNET.1) whose peer in OUT has SUBNET.1/24.
pair() {
	ip link add "$3" netns "$N-$1" mtu "$5" address "$4" type veth peer name "o-$3" \
		netns "$N-$2" mtu "$5" || fail "veth $3"
	ip -n "$N-$1" addr add "$6.2/24" dev "$3"
	ip -n "$N-$1" link set "$3" up
	ip -n "$N-$2" addr add "$6.1/24" dev "o-$3"
	ip -n "$N-$2" link set "o-$3" up
}

# bundle DIR NETNS-PATH ARG...: busybox, the network namespace at the path
# (none: a new one), CAP_NET_RAW for ping.
bundle() {
	d=$1 p=$2
	shift 2
	sh "$top/scripts/bundle.sh" "$d" "$B/kata-runtime" "$@" > /dev/null || fail "bundle"
	[ -n "$p" ] && sed -i "s|\"type\": \"network\"|\"type\": \"network\", \"path\": \"$p\"|" "$d/config.json"
	sed -i 's|"CAP_KILL",|"CAP_KILL", "CAP_NET_RAW",|g' "$d/config.json"
}

# Nothing of the sandbox is left in namespace CTR: no TAP, no ingress qdisc
# on IFNAME (which stays), no QEMU, no state.
nothing_left_in() { # CTR IFNAME
	sleep 0.2
	ip -n "$N-$1" link show | grep -q tap && fail "TAP left: $(ip -n "$N-$1" link show)"
	ip -n "$N-$1" link show "$2" > /dev/null 2>&1 || fail "$2 is gone: it is not ours"
	tc -n "$N-$1" qdisc show dev "$2" | grep -q ingress && fail "ingress qdisc left on $2"
	no_vm_left
}

no_vm_left() {
	pgrep -f "qemu-system-x86_64 .*$T/" > /dev/null && fail "QEMU left"
	grep -q " $T/" /proc/self/mountinfo && fail "mounts left: $(grep " $T/" /proc/self/mountinfo)"
	left=$(ls -A "$T/root" 2> /dev/null | grep -v '^\.cache$')
	[ -z "$left" ] || fail "state left: $left"
	true
}

# Send TEXT from OUT to ADDR:PORT, retrying while the listener starts.
send() { # OUT ADDR PORT TEXT
	for _ in $(seq 50); do
		echo "$4" | ip netns exec "$N-$1" busybox nc -w 2 "$2" "$3" 2> /dev/null && return 0
		sleep 0.2
	done
	fail "nothing listens on $2:$3"
}

tx() { # CTR DEV: packets the device sent
	ip netns exec "$N-$1" cat "/sys/class/net/$2/statistics/tx_packets"
}

# The container reaches the outside and the outside reaches it; it sees
# the veth's MAC, MTU, addresses, routes and permanent neighbour. Delete
# takes the TAP and filters away and leaves the veth.
test_container_and_outside_reach_each_other() {
	setup
	ns c; ns o
	pair c o eth0 02:00:00:00:00:02 1400 10.9.0
	ip -n "$N-c" route add default via 10.9.0.1
	ip -n "$N-c" neigh add 10.9.0.9 lladdr 02:00:00:00:00:09 dev eth0 nud permanent
	bundle "$T/b" "/run/netns/$N-c" sh -c 'nc -l -p 5000 > /tmp/got; sleep 1000'
	run $K run -d -b "$T/b" c1
	expect_rc 0
	run $K exec c1 sh -c 'cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu; ip -o -4 addr show eth0; ip route; ip neigh'
	expect_rc 0
	expect_in "$out" "02:00:00:00:00:02
1400"
	expect_in "$out" "inet 10.9.0.2/24"
	expect_in "$out" "default via 10.9.0.1 dev eth0"
	expect_in "$out" "10.9.0.9 dev eth0 lladdr 02:00:00:00:00:09 "
	expect_in "$out" "PERMANENT"
	run $K exec c1 ping -c 3 -W 5 10.9.0.1
	expect_rc 0
	expect_in "$out" "3 packets received"
	send o 10.9.0.2 5000 hello-from-outside
	run $K exec c1 cat /tmp/got
	expect_eq "$out" hello-from-outside
	# what the runtime set up, as iproute2 sees it
	expect_in "$(tc -n "$N-c" filter show dev eth0 ingress)" "mirred (Egress Redirect to device tap0_kata) stolen"
	expect_in "$(tc -n "$N-c" filter show dev tap0_kata ingress)" "mirred (Egress Redirect to device eth0) stolen"
	expect_in "$(ip -n "$N-c" link show tap0_kata)" "mtu 1400"
	run $K delete -f c1
	expect_rc 0
	nothing_left_in c eth0
}

# Two sandboxes in two namespaces: each reaches its own outside, not the
# other's, and the frames of one never reach the other's VM. One has two
# vCPUs, so its TAP and NIC two queues.
test_two_sandboxes_do_not_see_each_other() {
	setup
	ns a; ns oa; ns b; ns ob
	pair a oa eth0 02:00:00:00:0a:02 1500 10.9.1
	pair b ob eth0 02:00:00:00:0b:02 1500 10.9.2
	bundle "$T/ba" "/run/netns/$N-a" sleep 1000
	bundle "$T/bb" "/run/netns/$N-b" sleep 1000
	run $K run -d -b "$T/ba" ca
	expect_rc 0
	# b with 2 vCPUs: its TAP has a queue per vCPU, its NIC as many
	{ cat "$T/base.toml"; echo 'default_vcpus = 2'; } > "$T/two.toml"
	run $B/kata-runtime --root "$T/root" --config "$T/two.toml" run -d -b "$T/bb" cb
	expect_rc 0
	run $K exec cb ls /sys/class/net/eth0/queues
	expect_eq "$(echo $out)" "rx-0 rx-1 tx-0 tx-1"
	expect_in "$(ip -d -n "$N-b" link show tap0_kata)" "multi_queue"
	run $K exec cb ping -c 1 -W 5 10.9.2.1
	expect_in "$out" "1 packets received"
	a0=$(tx a tap0_kata) b0=$(tx b tap0_kata)
	run $K exec ca ping -c 20 -i 0.2 -W 5 10.9.1.1
	expect_in "$out" "20 packets received"
	run $K exec ca ping -c 1 -W 2 10.9.2.1
	expect_rc 1
	a1=$(tx a tap0_kata) b1=$(tx b tap0_kata)
	[ $((a1 - a0)) -ge 20 ] || fail "sandbox a's VM got $((a1 - a0)) frames, expected 20 replies"
	expect_eq "$b1" "$b0" "frames into sandbox b's VM while only a talked"
	run $K delete -f ca
	run $K delete -f cb
	nothing_left_in a eth0
	nothing_left_in b eth0
}

# A VM from the factory boots without NICs: the sandbox's is hot-plugged
# (a template clone here), with the same MAC, MTU and reach.
test_factory_vm_gets_its_nic_hot_plugged() {
	setup
	ns c; ns o
	pair c o eth0 02:00:00:00:00:42 1300 10.9.4
	{ cat "$T/base.toml"; printf '[factory]\nenable_template = true\ntemplate_path = "%s/tpl"\n' "$T"; } > "$T/tpl.toml"
	bundle "$T/b" "/run/netns/$N-c" sh -c 'cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu; ping -c 2 -W 5 10.9.4.1 | grep received; nc -l -p 5000'
	run $K --config "$T/tpl.toml" factory init
	expect_rc 0
	$K --config "$T/tpl.toml" run -b "$T/b" f1 > "$T/f1.out" 2> "$T/f1.err" &
	pid=$!
	send o 10.9.4.2 5000 hello-clone
	wait $pid || fail "run: $(cat "$T/f1.err")"
	expect_eq "$(cat "$T/f1.out")" "02:00:00:00:00:42
1300
2 packets transmitted, 2 packets received, 0% packet loss
hello-clone"
	expect_not_in "$(cat "$T/f1.err")" "directly"
	run $K --config "$T/tpl.toml" factory destroy
	expect_rc 0
	nothing_left_in c eth0
}

# A spec asking for a new namespace gets one (a bind mount in the
# container's directory while it lives): the VM has no NIC; nor with no
# network namespace in the spec. With internetworking_model = "none" a
# given namespace is not connected.
test_new_namespace_and_model_none() {
	setup
	bundle "$T/b" "" sh -c 'ls /sys/class/net; sleep 1000'
	run $K run -d -b "$T/b" n1
	expect_rc 0
	grep -q " $T/root/n1/netns " /proc/self/mountinfo || fail "no namespace mounted at $T/root/n1/netns"
	run $K exec n1 ls /sys/class/net
	expect_eq "$out" lo
	run $K delete -f n1
	expect_rc 0
	no_vm_left
	# no network namespace in the spec at all (the host's): no NIC either
	bundle "$T/b1" "" ls /sys/class/net
	/usr/bin/python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
s["linux"]["namespaces"] = [n for n in s["linux"]["namespaces"] if n["type"] != "network"]
json.dump(s, open(sys.argv[1], "w"), indent=1)' "$T/b1/config.json"
	grep -q '"network"' "$T/b1/config.json" && fail "the spec still names a network namespace"
	run $K run -b "$T/b1" n0
	expect_rc 0
	expect_eq "$out" lo
	no_vm_left
	ns c; ns o
	pair c o eth0 02:00:00:00:00:02 1500 10.9.5
	{ cat "$T/base.toml"; printf '[runtime]\ninternetworking_model = "none"\n'; } > "$T/none.toml"
	bundle "$T/b2" "/run/netns/$N-c" ls /sys/class/net
	run $K --config "$T/none.toml" run -b "$T/b2" n2
	expect_rc 0
	expect_eq "$out" lo
	nothing_left_in c eth0
}

# Bad input: a namespace that does not exist; an interface that goes away
# while the VM boots. Clear errors, nothing left.
test_bad_namespace_and_vanishing_interface() {
	setup
	bundle "$T/b" "/run/netns/$N-nope" true
	run $K run -b "$T/b" x1
	[ "$rc" -ne 0 ] || fail "run with a missing namespace succeeded"
	expect_in "$err" "network namespace /run/netns/$N-nope: No such file or directory"
	no_vm_left
	ns c; ns o
	pair c o eth0 02:00:00:00:00:02 1500 10.9.6
	bundle "$T/b2" "/run/netns/$N-c" true
	$K create -b "$T/b2" x2 > "$T/x2.out" 2> "$T/x2.err" &
	pid=$!
	for _ in $(seq 100); do
		ip -n "$N-c" link show tap0_kata > /dev/null 2>&1 && break
		sleep 0.05
	done
	ip -n "$N-c" link del eth0 || fail "the TAP never came"
	wait $pid && fail "create succeeded without its interface"
	expect_in "$(cat "$T/x2.err")" "interface eth0 disappeared from network namespace /run/netns/$N-c"
	sleep 0.2
	ip -n "$N-c" link show | grep -q tap && fail "TAP left"
	no_vm_left
}

# kata-network on a running sandbox: a second veth added (hot-plugged NIC),
# listed, routed through, removed; bad requests refused by name.
test_kata_network_commands() {
	setup
	ns c; ns o; ns o2
	pair c o eth0 02:00:00:00:00:02 1500 10.9.7
	bundle "$T/b" "/run/netns/$N-c" sleep 1000
	run $K run -d -b "$T/b" k1
	expect_rc 0
	ip link add eth1 netns "$N-c" address 02:00:00:00:01:02 type veth peer name o-eth1 netns "$N-o2"
	ip -n "$N-c" link set eth1 up
	ip -n "$N-o2" addr add 10.9.8.1/24 dev o-eth1
	ip -n "$N-o2" addr add 10.9.9.1/32 dev o-eth1
	ip -n "$N-o2" link set o-eth1 up
	echo '{"Name":"eth1","IPAddresses":[{"Family":2,"Address":"10.9.8.2","Mask":"24"}],"Mtu":1300,"LinkType":"veth"}' > "$T/if.json"
	run $K kata-network add-iface k1 "$T/if.json"
	expect_rc 0
	expect_in "$out" '{"Device":"eth1","Name":"eth1","IPAddresses":[{"Family":2,"Address":"10.9.8.2","Mask":"24"}'
	expect_in "$out" '"Mtu":1300,'
	expect_in "$out" '"HwAddr":"02:00:00:00:01:02","PciAddr":"02/01","LinkType":"veth"}'
	run $K kata-network list-ifaces k1
	expect_in "$out" '"Name":"eth1","IPAddresses":[{"Family":2,"Address":"10.9.8.2","Mask":"24"}'
	expect_in "$out" '"Name":"eth0"'
	echo '[{"Dest":"10.9.8.0/24","Device":"eth1","Source":"10.9.8.2","Scope":253},{"Dest":"10.9.9.1/32","Gateway":"10.9.8.1","Device":"eth1"}]' > "$T/routes.json"
	run $K kata-network update-routes k1 - < "$T/routes.json"
	expect_rc 0
	expect_in "$out" '{"Dest":"10.9.9.1/32","Gateway":"10.9.8.1","Device":"eth1","Source":"","Scope":0}'
	run $K kata-network list-routes k1
	expect_in "$out" '"Dest":"10.9.9.1/32","Gateway":"10.9.8.1"'
	run $K exec k1 ping -c 2 -W 5 10.9.9.1
	expect_in "$out" "2 packets received"
	# refusals name what is wrong
	echo '{"Name":"eth9"}' > "$T/in.json"
	run $K kata-network add-iface k1 - < "$T/in.json"
	expect_rc 1
	expect_in "$err" "interface eth9: not in the sandbox's network namespace"
	echo '{"Name":"eth1"}' > "$T/in.json"
	run $K kata-network add-iface k1 - < "$T/in.json"
	expect_in "$err" "interface eth1 is in the VM already"
	echo '{"Name":"eth1","Mtu":"big"}' > "$T/in.json"
	run $K kata-network add-iface k1 - < "$T/in.json"
	expect_in "$err" "Mtu: expected an integer"
	echo '{"HwAddr":"02:00:00:00:09:09"}' > "$T/in.json"
	run $K kata-network del-iface k1 - < "$T/in.json"
	expect_rc 1
	expect_in "$err" "no interface with HwAddr 02:00:00:00:09:09 in the VM"
	run $K kata-network list-ifaces nosuch
	expect_in "$err" 'container "nosuch" does not exist'
	echo '{"HwAddr":"02:00:00:00:01:02"}' > "$T/in.json"
	run $K kata-network del-iface k1 - < "$T/in.json"
	expect_rc 0
	expect_eq "$out" null
	run $K kata-network list-ifaces k1
	expect_not_in "$out" eth1
	ip -n "$N-c" link show tap1_kata > /dev/null 2>&1 && fail "tap1_kata left after del-iface"
	tc -n "$N-c" qdisc show dev eth1 | grep -q ingress && fail "ingress qdisc left on eth1"
	run $K delete -f k1
	expect_rc 0
	nothing_left_in c eth0
}

run_suite network
