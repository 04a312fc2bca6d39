#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "harness.h"
#include "net/host.h"
#include "net/rtnl_defs.h"

/* The attribute type in attrs, as a nested view. */
static const uint8_t *nested(const uint8_t *a, size_t len, uint16_t type, size_t *n)
{
	return nl_find(a, len, type, n);
}

/* The ingress qdisc: tc qdisc add dev 7 ingress (handle ffff:, parent
 * ffff:fff1), create-exclusive; delete drops the flags. */
TEST(tc_ingress_message)
{
	struct buf b = BUF_INIT(0);
	struct nl_msg m;
	struct tcmsg_ t;
	size_t off = 0, n;

	CHECK(tc_ingress_msg(&b, 7, true) == 0);
	CHECK(nl_next((const uint8_t *)b.data, b.len, &off, sizeof(t), &m) == 0);
	CHECK(m.type == RTM_NEWQDISC);
	CHECK(m.flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
	memcpy(&t, m.hdr, sizeof(t));
	CHECK(t.ifindex == 7 && t.handle == 0xffff0000u && t.parent == 0xfffffff1u);
	const uint8_t *k = nl_find(m.attrs, m.attrs_len, TCA_KIND, &n);
	CHECK(k && n == 8 && !memcmp(k, "ingress", 8));
	CHECK(off == b.len);
	CHECK(tc_ingress_msg(&b, 7, false) == 0);
	off = 0;
	CHECK(nl_next((const uint8_t *)b.data, b.len, &off, sizeof(t), &m) == 0);
	CHECK(m.type == RTM_DELQDISC && m.flags == (NLM_F_REQUEST | NLM_F_ACK));
	buf_free(&b);
}

/* tc filter add dev 3 parent ffff: protocol all u32 match u32 0 0 action
 * mirred egress redirect dev 9: the selector is one all-zero key with the
 * terminal flag, the action a stolen egress redirect to 9. */
TEST(tc_redirect_message)
{
	struct buf b = BUF_INIT(0);
	struct nl_msg m;
	struct tcmsg_ t;
	struct tc_u32_sel_ sel;
	struct tc_mirred_ mir;
	size_t off = 0, n, on, an, a1n, aon, pn;

	CHECK(tc_redirect_msg(&b, 3, 9) == 0);
	CHECK(nl_next((const uint8_t *)b.data, b.len, &off, sizeof(t), &m) == 0);
	CHECK(m.type == RTM_NEWTFILTER);
	memcpy(&t, m.hdr, sizeof(t));
	CHECK(t.ifindex == 3 && t.parent == 0xffff0000u && t.handle == 0);
	CHECK(t.info == htons(0x0003)); /* ETH_P_ALL, priority chosen by the kernel */
	const uint8_t *k = nl_find(m.attrs, m.attrs_len, TCA_KIND, &n);
	CHECK(k && n == 4 && !memcmp(k, "u32", 4));
	const uint8_t *o = nested(m.attrs, m.attrs_len, TCA_OPTIONS, &on);
	CHECK(o != NULL);
	const uint8_t *s = o ? nl_find(o, on, TCA_U32_SEL, &n) : NULL;
	CHECK(s && n == sizeof(sel));
	if (s) {
		memcpy(&sel, s, sizeof(sel));
		CHECK(sel.flags == TC_U32_TERMINAL && sel.nkeys == 1);
		CHECK(sel.keys[0].mask == 0 && sel.keys[0].val == 0 && sel.keys[0].off == 0);
	}
	const uint8_t *acts = o ? nested(o, on, TCA_U32_ACT, &an) : NULL;
	const uint8_t *a1 = acts ? nested(acts, an, 1, &a1n) : NULL;
	CHECK(a1 != NULL);
	k = a1 ? nl_find(a1, a1n, TCA_ACT_KIND, &n) : NULL;
	CHECK(k && n == 7 && !memcmp(k, "mirred", 7));
	const uint8_t *ao = a1 ? nested(a1, a1n, TCA_ACT_OPTIONS, &aon) : NULL;
	const uint8_t *p = ao ? nl_find(ao, aon, TCA_MIRRED_PARMS, &pn) : NULL;
	CHECK(p && pn == sizeof(mir));
	if (p) {
		memcpy(&mir, p, sizeof(mir));
		CHECK(mir.action == TC_ACT_STOLEN && mir.eaction == TCA_EGRESS_REDIR);
		CHECK(mir.ifindex == 9);
	}
	CHECK(off == b.len);
	buf_free(&b);
}

/* A message of type with fixed header hdr (hlen bytes) and attributes. */
static void msg(struct buf *b, uint16_t type, const void *hdr, size_t hlen)
{
	nl_begin(b, type, 0, hdr, hlen);
}

static void feed(struct net_scan *sc, struct buf *b, size_t hlen)
{
	struct nl_msg m;
	size_t off = 0;
	nl_end(b);
	CHECK(nl_next((const uint8_t *)b->data, b->len, &off, hlen, &m) == 0);
	net_scan_feed(sc, &m);
}

static void link_msg(struct net_scan *sc, int index, uint32_t flags, const char *name,
		     const char *kind, uint8_t last)
{
	struct buf b = BUF_INIT(0);
	struct ifinfomsg_ h = { .index = index, .flags = flags };
	uint8_t mac[6] = { 2, 0, 0, 0, 0, last };
	uint32_t mtu = 1400;
	msg(&b, RTM_NEWLINK, &h, sizeof(h));
	nl_attr_str(&b, IFLA_IFNAME, name);
	nl_attr(&b, IFLA_MTU, &mtu, 4);
	nl_attr(&b, IFLA_ADDRESS, mac, 6);
	if (kind) {
		long at = nl_nest_begin(&b, IFLA_LINKINFO);
		nl_attr_str(&b, IFLA_INFO_KIND, kind);
		nl_nest_end(&b, at);
	}
	feed(sc, &b, sizeof(h));
	buf_free(&b);
}

static void addr_msg(struct net_scan *sc, int index, int family, const char *ip, uint8_t len)
{
	struct buf b = BUF_INIT(0);
	struct ifaddrmsg_ h = { .family = (uint8_t)family, .prefixlen = len, .index = (uint32_t)index };
	uint8_t bin[16];
	inet_pton(family, ip, bin);
	msg(&b, RTM_NEWADDR, &h, sizeof(h));
	nl_attr(&b, IFA_ADDRESS, bin, family == AF_INET ? 4 : 16);
	feed(sc, &b, sizeof(h));
	buf_free(&b);
}

static void route_msg(struct net_scan *sc, int oif, int family, const char *dst, uint8_t len,
		      const char *gw, uint8_t table)
{
	struct buf b = BUF_INIT(0);
	struct rtmsg_ h = { .family = (uint8_t)family, .dst_len = len, .table = table,
			    .type = RTN_UNICAST };
	uint8_t bin[16];
	msg(&b, RTM_NEWROUTE, &h, sizeof(h));
	if (dst) {
		inet_pton(family, dst, bin);
		nl_attr(&b, RTA_DST, bin, family == AF_INET ? 4 : 16);
	}
	if (gw) {
		inet_pton(family, gw, bin);
		nl_attr(&b, RTA_GATEWAY, bin, family == AF_INET ? 4 : 16);
	}
	nl_attr_u32(&b, RTA_OIF, (uint32_t)oif);
	feed(sc, &b, sizeof(h));
	buf_free(&b);
}

static void neigh_msg(struct net_scan *sc, int index, const char *ip, uint16_t state)
{
	struct buf b = BUF_INIT(0);
	struct ndmsg_ h = { .family = AF_INET, .ifindex = index, .state = state };
	uint8_t bin[4], mac[6] = { 2, 0, 0, 0, 0, 0x99 };
	inet_pton(AF_INET, ip, bin);
	msg(&b, RTM_NEWNEIGH, &h, sizeof(h));
	nl_attr(&b, NDA_DST, bin, 4);
	nl_attr(&b, NDA_LLADDR, mac, 6);
	feed(sc, &b, sizeof(h));
	buf_free(&b);
}

/* Endpoints: a veth with an address; not lo, a TAP, a veth without an
 * address, nor a physical NIC. The veth's IPv6 link-local address and
 * route stay out; routes of other tables and interfaces too; only
 * permanent neighbours. */
TEST(net_scan_picks_endpoints)
{
	struct net_scan *sc = calloc(1, sizeof(*sc));
	struct net_sandbox *s = calloc(1, sizeof(*s));
	char mac[18];

	link_msg(sc, 1, IFF_LOOPBACK_FLAG, "lo", NULL, 0);
	link_msg(sc, 2, 0, "eth0", "veth", 2);
	link_msg(sc, 3, 0, "tap0_kata", "tun", 3);
	link_msg(sc, 4, 0, "eth1", "veth", 4);
	link_msg(sc, 5, 0, "ens3", NULL, 5);
	addr_msg(sc, 1, AF_INET, "127.0.0.1", 8);
	addr_msg(sc, 2, AF_INET, "10.9.0.2", 24);
	addr_msg(sc, 2, AF_INET6, "fd00::2", 64);
	addr_msg(sc, 2, AF_INET6, "fe80::ff:fe00:2", 64);
	addr_msg(sc, 3, AF_INET, "10.8.0.2", 24);
	addr_msg(sc, 5, AF_INET, "192.168.0.2", 24);
	addr_msg(sc, 99, AF_INET, "10.7.0.2", 24); /* no such link */
	route_msg(sc, 2, AF_INET, NULL, 0, "10.9.0.1", RT_TABLE_MAIN);
	route_msg(sc, 2, AF_INET, "10.9.0.0", 24, NULL, RT_TABLE_MAIN);
	route_msg(sc, 2, AF_INET6, "fe80::", 64, NULL, RT_TABLE_MAIN);
	route_msg(sc, 2, AF_INET, "10.9.0.2", 32, NULL, 255); /* local table */
	route_msg(sc, 5, AF_INET, NULL, 0, "192.168.0.1", RT_TABLE_MAIN);
	neigh_msg(sc, 2, "10.9.0.9", NUD_PERMANENT);
	neigh_msg(sc, 2, "10.9.0.8", 0x02 /* reachable */);
	net_scan_finish(sc, s, false);

	CHECK(s->neps == 1);
	CHECK_STR(s->eps[0].name, "eth0");
	CHECK_STR(s->eps[0].kind, "veth");
	CHECK(s->eps[0].index == 2 && s->eps[0].mtu == 1400);
	net_mac_text(s->eps[0].mac, mac);
	CHECK_STR(mac, "02:00:00:00:00:02");
	CHECK(s->eps[0].naddrs == 2);
	CHECK(s->eps[0].addrs[0].family == AF_INET && s->eps[0].addrs[0].prefix == 24);
	CHECK(s->eps[0].addrs[1].family == AF_INET6 && s->eps[0].addrs[1].prefix == 64);
	CHECK(s->nroutes == 2);
	CHECK(!s->routes[0].has_dst && s->routes[0].has_gw);
	CHECK_STR(s->routes[0].dev, "eth0");
	CHECK(s->routes[1].has_dst && s->routes[1].dst_len == 24 && !s->routes[1].has_gw);
	CHECK(s->nneighs == 1);
	CHECK_STR(s->neighs[0].dev, "eth0");
	free(sc);
	free(s);
}

/* Bounded: more links than fit are dropped, never written past. */
TEST(net_scan_bounded)
{
	struct net_scan *sc = calloc(1, sizeof(*sc));
	struct net_sandbox *s = calloc(1, sizeof(*s));
	char name[16];
	for (int i = 0; i < NET_MAX_LINKS + 10; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		link_msg(sc, i + 1, 0, name, "veth", (uint8_t)i);
		addr_msg(sc, i + 1, AF_INET, "10.0.0.2", 24);
	}
	for (int i = 0; i < 20; i++)
		addr_msg(sc, 1, AF_INET, "10.0.1.2", 24);
	CHECK(sc->nlinks == NET_MAX_LINKS);
	CHECK(sc->links[0].naddrs == NET_MAX_ADDRS);
	net_scan_finish(sc, s, false);
	CHECK(s->neps == NET_MAX_ENDPOINTS);
	free(sc);
	free(s);
}

TEST(net_mac_parse_text)
{
	uint8_t mac[6];
	char text[18];
	CHECK(net_mac_parse("02:AB:cd:00:01:ff", mac) == 0);
	net_mac_text(mac, text);
	CHECK_STR(text, "02:ab:cd:00:01:ff");
	CHECK(net_mac_parse("02:ab:cd:00:01", mac) < 0);
	CHECK(net_mac_parse("02:ab:cd:00:01:ff:00", mac) < 0);
	CHECK(net_mac_parse("zz:ab:cd:00:01:ff", mac) < 0);
	CHECK(net_mac_parse(NULL, mac) < 0);
	CHECK(net_mac_parse("02:ab:cd:00:01:ff ", mac) < 0);
	CHECK(net_mac_parse("02:ab:cd:00:01:", mac) < 0);
	CHECK(net_mac_parse("02:abc:cd:00:01:ff", mac) < 0);
	CHECK(net_mac_parse("2:b:c:0:1:f", mac) == 0 && mac[0] == 2 && mac[5] == 0xf);
}
