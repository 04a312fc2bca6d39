/* Reading a network namespace: its interfaces, addresses, routes and
 * neighbours, from rtnetlink dumps (parsing sans-I/O and bounded). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/host.h"
#include "net/rtnl_defs.h"
#include "util/error.h"
#include "util/log.h"
#include "util/alloc.h"

static const char *const mirrorable[] = { "veth", "macvlan", "ipvlan", NULL };

static void copy_name(char *out, size_t size, const uint8_t *p, size_t n)
{
	size_t len = strnlen((const char *)p, n);
	snprintf(out, size, "%.*s", (int)len, (const char *)p);
}

static struct net_link *link_of(struct net_scan *sc, int index)
{
	for (size_t i = 0; i < sc->nlinks; i++)
		if (sc->links[i].index == index)
			return &sc->links[i];
	return NULL;
}

static void on_link(struct net_scan *sc, const struct nl_msg *m)
{
	struct ifinfomsg_ h;
	size_t n, kn;
	const uint8_t *a;

	if (sc->nlinks == NET_MAX_LINKS || m->hdr_len < sizeof(h))
		return;
	memcpy(&h, m->hdr, sizeof(h));
	struct net_link *k = &sc->links[sc->nlinks];
	memset(k, 0, sizeof(*k));
	k->index = h.index;
	k->flags = h.flags;
	if (!(a = nl_find(m->attrs, m->attrs_len, IFLA_IFNAME, &n)) || !n)
		return;
	copy_name(k->name, sizeof(k->name), a, n);
	if ((a = nl_find(m->attrs, m->attrs_len, IFLA_MTU, &n)) && n == 4)
		memcpy(&k->mtu, a, 4);
	if ((a = nl_find(m->attrs, m->attrs_len, IFLA_ADDRESS, &n)) && n == 6) {
		memcpy(k->mac, a, 6);
		k->has_mac = true;
	}
	if ((a = nl_find(m->attrs, m->attrs_len, IFLA_LINKINFO, &n)) &&
	    (a = nl_find(a, n, IFLA_INFO_KIND, &kn)))
		copy_name(k->kind, sizeof(k->kind), a, kn);
	sc->nlinks++;
}

static bool v6_link_local(const uint8_t *ip)
{
	return ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80;
}

static size_t ip_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static void on_addr(struct net_scan *sc, const struct nl_msg *m)
{
	struct ifaddrmsg_ h;
	size_t n;
	struct net_link *k;

	if (m->hdr_len < sizeof(h))
		return;
	memcpy(&h, m->hdr, sizeof(h));
	const uint8_t *a = nl_find(m->attrs, m->attrs_len, IFA_LOCAL, &n);
	if (!a)
		a = nl_find(m->attrs, m->attrs_len, IFA_ADDRESS, &n);
	if (!a || !ip_len(h.family) || n != ip_len(h.family) || h.scope == RT_SCOPE_HOST ||
	    h.prefixlen > n * 8 || (h.family == AF_INET6 && v6_link_local(a)) ||
	    !(k = link_of(sc, (int)h.index)) || k->naddrs == NET_MAX_ADDRS)
		return;
	struct net_addr *x = &k->addrs[k->naddrs++];
	x->family = h.family;
	memcpy(x->ip, a, n);
	x->prefix = h.prefixlen;
}

static bool ip_attr(const struct nl_msg *m, uint16_t type, int family, uint8_t *out)
{
	size_t n;
	const uint8_t *a = nl_find(m->attrs, m->attrs_len, type, &n);
	if (!a || n != ip_len(family))
		return false;
	memcpy(out, a, n);
	return true;
}

static void on_route(struct net_scan *sc, const struct nl_msg *m)
{
	struct rtmsg_ h;
	size_t n;
	const uint8_t *a;
	uint32_t table, oif = 0;

	if (sc->nroutes == NET_MAX_ROUTES || m->hdr_len < sizeof(h))
		return;
	memcpy(&h, m->hdr, sizeof(h));
	table = h.table;
	if ((a = nl_find(m->attrs, m->attrs_len, RTA_TABLE, &n)) && n == 4)
		memcpy(&table, a, 4);
	if ((a = nl_find(m->attrs, m->attrs_len, RTA_OIF, &n)) && n == 4)
		memcpy(&oif, a, 4);
	if (table != RT_TABLE_MAIN || h.type != RTN_UNICAST || !ip_len(h.family) || !oif ||
	    h.dst_len > ip_len(h.family) * 8)
		return;
	struct net_route *r = &sc->routes[sc->nroutes];
	memset(r, 0, sizeof(*r));
	r->family = h.family;
	r->dst_len = h.dst_len;
	r->scope = h.scope;
	r->ifindex = (int)oif;
	r->has_dst = ip_attr(m, RTA_DST, h.family, r->dst);
	r->has_gw = ip_attr(m, RTA_GATEWAY, h.family, r->gw);
	r->has_src = ip_attr(m, RTA_PREFSRC, h.family, r->src);
	/* the guest makes its own link-local routes */
	if (h.family == AF_INET6 && r->has_dst && v6_link_local(r->dst))
		return;
	sc->nroutes++;
}

static void on_neigh(struct net_scan *sc, const struct nl_msg *m)
{
	struct ndmsg_ h;
	size_t n;
	const uint8_t *a;

	if (sc->nneighs == NET_MAX_NEIGHS || m->hdr_len < sizeof(h))
		return;
	memcpy(&h, m->hdr, sizeof(h));
	if (!(h.state & NUD_PERMANENT) || !ip_len(h.family))
		return;
	struct net_neigh *x = &sc->neighs[sc->nneighs];
	memset(x, 0, sizeof(*x));
	x->family = h.family;
	x->state = h.state;
	x->flags = h.flags;
	x->ifindex = h.ifindex;
	if (!ip_attr(m, NDA_DST, h.family, x->ip) ||
	    !(a = nl_find(m->attrs, m->attrs_len, NDA_LLADDR, &n)) || n != 6)
		return;
	memcpy(x->mac, a, 6);
	sc->nneighs++;
}

int net_scan_feed(struct net_scan *sc, const struct nl_msg *m)
{
	switch (m->type) {
	case RTM_NEWLINK: on_link(sc, m); break;
	case RTM_NEWADDR: on_addr(sc, m); break;
	case RTM_NEWROUTE: on_route(sc, m); break;
	case RTM_NEWNEIGH: on_neigh(sc, m); break;
	default: break;
	}
	return 0;
}

/* Why link k is no endpoint, or NULL when it is one. */
static const char *unfit(const struct net_link *k)
{
	if (k->flags & IFF_LOOPBACK_FLAG)
		return "loopback";
	if (!k->naddrs)
		return "no address";
	if (!k->has_mac)
		return "no MAC address";
	for (const char *const *p = mirrorable; *p; p++)
		if (!strcmp(k->kind, *p))
			return NULL;
	return "not a veth, macvlan or ipvlan";
}

static void endpoint_of(const struct net_link *k, struct net_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	snprintf(ep->name, sizeof(ep->name), "%s", k->name);
	snprintf(ep->kind, sizeof(ep->kind), "%s", k->kind);
	ep->index = k->index;
	memcpy(ep->mac, k->mac, 6);
	ep->mtu = k->mtu;
	memcpy(ep->addrs, k->addrs, sizeof(ep->addrs));
	ep->naddrs = k->naddrs;
}

static const struct net_endpoint *endpoint_at(const struct net_sandbox *s, int index)
{
	for (size_t i = 0; i < s->neps; i++)
		if (s->eps[i].index == index)
			return &s->eps[i];
	return NULL;
}

void net_scan_finish(const struct net_scan *sc, struct net_sandbox *s, bool warn)
{
	const struct net_endpoint *ep;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sc->nlinks; i++) {
		const struct net_link *k = &sc->links[i];
		const char *why = unfit(k);
		if (why && warn && !(k->flags & IFF_LOOPBACK_FLAG) && k->naddrs)
			log_warn("network: interface %s (%s) left out: %s", k->name,
				 *k->kind ? k->kind : "physical", why);
		if (!why && s->neps < NET_MAX_ENDPOINTS)
			endpoint_of(k, &s->eps[s->neps++]);
	}
	for (size_t i = 0; i < sc->nroutes; i++)
		if ((ep = endpoint_at(s, sc->routes[i].ifindex))) {
			s->routes[s->nroutes] = sc->routes[i];
			memcpy(s->routes[s->nroutes++].dev, ep->name, IFNAMSIZ);
		}
	for (size_t i = 0; i < sc->nneighs; i++)
		if ((ep = endpoint_at(s, sc->neighs[i].ifindex))) {
			s->neighs[s->nneighs] = sc->neighs[i];
			memcpy(s->neighs[s->nneighs++].dev, ep->name, IFNAMSIZ);
		}
}

static int feed(void *ud, const struct nl_msg *m)
{
	return net_scan_feed(ud, m);
}

static int dumps(struct rtnl *r, struct net_scan *sc, struct error **err)
{
	struct ifinfomsg_ li = { 0 };
	struct ifaddrmsg_ ai = { 0 };
	struct rtmsg_ ri = { 0 };
	struct ndmsg_ ni = { 0 };

	if (rtnl_dump(r, RTM_GETLINK, &li, sizeof(li), feed, sc, err) < 0 ||
	    rtnl_dump(r, RTM_GETADDR, &ai, sizeof(ai), feed, sc, err) < 0 ||
	    rtnl_dump(r, RTM_GETROUTE, &ri, sizeof(ri), feed, sc, err) < 0 ||
	    rtnl_dump(r, RTM_GETNEIGH, &ni, sizeof(ni), feed, sc, err) < 0)
		return error_wrap(err, "reading the network namespace");
	return 0;
}

int net_scan(struct rtnl *r, struct net_sandbox *s, struct error **err)
{
	struct net_scan *sc = xcalloc(1, sizeof(*sc));
	int rc = dumps(r, sc, err);
	if (rc == 0)
		net_scan_finish(sc, s, true);
	free(sc);
	return rc;
}

int net_scan_one(struct rtnl *r, const char *name, struct net_endpoint *ep,
		 struct error **err)
{
	struct net_scan *sc = xcalloc(1, sizeof(*sc));
	int rc = -1;
	if (dumps(r, sc, err) < 0)
		goto out;
	for (size_t i = 0; i < sc->nlinks; i++) {
		const struct net_link *k = &sc->links[i];
		if (strcmp(k->name, name))
			continue;
		const char *why = unfit(k);
		if (why && strcmp(why, "no address")) { /* the request brings the addresses */
			error_set(err, EINVAL, "interface %s: %s", name, why);
			goto out;
		}
		endpoint_of(k, ep);
		rc = 0;
		goto out;
	}
	error_set(err, ENODEV, "interface %s: not in the sandbox's network namespace", name);
out:
	free(sc);
	return rc;
}
