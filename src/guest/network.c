/* grpc.AgentService: the VM's network over rtnetlink (net/netlink.c):
 * interfaces found by MAC address and set up, routes replaced, ARP
 * neighbours added, and both listed. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "guest/guest.h"
#include "net/netlink.h"
#include "net/rtnl_defs.h"
#include "rpc/rpc.h"
#include "util/error.h"
#include "util/log.h"

#define MAX_LINKS 64
#define LINK_WAIT_MS 5000

struct link {
	int index;
	char name[IFNAMSIZ];
	char mac[18];
	uint32_t mtu, flags;
	types_IPAddress addrs[8];
	size_t naddrs;
};
struct links {
	struct link v[MAX_LINKS];
	size_t n;
};

static void mac_text(const uint8_t *p, size_t n, char *out)
{
	char *o = out;
	*o = 0;
	for (size_t i = 0; i < n && i < 6; i++)
		o += sprintf(o, i ? ":%02x" : "%02x", p[i]);
}

static int on_link(void *ud, const struct nl_msg *m)
{
	struct links *l = ud;
	struct ifinfomsg_ h;
	size_t n;
	const uint8_t *a;
	if (m->type != RTM_NEWLINK || l->n == MAX_LINKS)
		return 0;
	memcpy(&h, m->hdr, sizeof(h));
	struct link *k = &l->v[l->n++];
	memset(k, 0, sizeof(*k));
	k->index = h.index;
	k->flags = h.flags;
	if ((a = nl_find(m->attrs, m->attrs_len, IFLA_IFNAME, &n)))
		snprintf(k->name, sizeof(k->name), "%.*s", (int)(n ? n - 1 : 0), (const char *)a);
	if ((a = nl_find(m->attrs, m->attrs_len, IFLA_MTU, &n)) && n == 4)
		memcpy(&k->mtu, a, 4);
	if ((a = nl_find(m->attrs, m->attrs_len, IFLA_ADDRESS, &n)))
		mac_text(a, n, k->mac);
	return 0;
}

static int on_addr(void *ud, const struct nl_msg *m)
{
	struct links *l = ud;
	struct ifaddrmsg_ h;
	size_t n;
	char text[INET6_ADDRSTRLEN], mask[8];
	if (m->type != RTM_NEWADDR)
		return 0;
	memcpy(&h, m->hdr, sizeof(h));
	const uint8_t *a = nl_find(m->attrs, m->attrs_len, IFA_LOCAL, &n);
	if (!a)
		a = nl_find(m->attrs, m->attrs_len, IFA_ADDRESS, &n);
	if (!a || (h.family == AF_INET ? n != 4 : n != 16) || !inet_ntop(h.family, a, text, sizeof(text)))
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		struct link *k = &l->v[i];
		if (k->index != (int)h.index || k->naddrs == 8)
			continue;
		snprintf(mask, sizeof(mask), "%u", h.prefixlen);
		types_IPAddress *ip = &k->addrs[k->naddrs];
		ip->family = h.family == AF_INET ? types_IPFamily_v4 : types_IPFamily_v6;
		if (!(ip->address = strdup(text)) || !(ip->mask = strdup(mask)))
			return -1;
		k->naddrs++;
	}
	return 0;
}

static void links_free(struct links *l)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->v[i].naddrs; k++) {
			free(l->v[i].addrs[k].address);
			free(l->v[i].addrs[k].mask);
		}
	l->n = 0;
}

static int list_links(struct rtnl *r, struct links *l, struct error **err)
{
	struct ifinfomsg_ li = { 0 };
	struct ifaddrmsg_ ai = { 0 };
	l->n = 0;
	if (rtnl_dump(r, RTM_GETLINK, &li, sizeof(li), on_link, l, err) < 0 ||
	    rtnl_dump(r, RTM_GETADDR, &ai, sizeof(ai), on_addr, l, err) < 0) {
		links_free(l);
		return -1;
	}
	return 0;
}

/* The protobuf form of link k (strings copied: the server frees them). */
static int iface_of(const struct link *k, types_Interface *out)
{
	memset(out, 0, sizeof(*out));
	out->name = strdup(k->name);
	out->device = strdup(k->name);
	out->hwAddr = strdup(k->mac);
	out->mtu = k->mtu;
	out->raw_flags = k->flags;
	out->IPAddresses = k->naddrs ? calloc(k->naddrs, sizeof(*out->IPAddresses)) : NULL;
	if (!out->name || !out->device || !out->hwAddr || (k->naddrs && !out->IPAddresses))
		return -1;
	for (size_t i = 0; i < k->naddrs; i++) {
		out->IPAddresses[i].family = k->addrs[i].family;
		out->IPAddresses[i].address = strdup(k->addrs[i].address);
		out->IPAddresses[i].mask = strdup(k->addrs[i].mask);
		out->IPAddresses_count++;
	}
	return 0;
}

static int list_interfaces(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			   void *resp, struct error **err)
{
	grpc_Interfaces *out = resp;
	struct rtnl r;
	struct links *l = calloc(1, sizeof(*l));
	(void)ctx, (void)m, (void)rq;
	if (!l)
		return error_set(err, ENOMEM, "out of memory"), GRPC_RESOURCE_EXHAUSTED;
	int rc = rtnl_open(&r, err) < 0 ? -1 : list_links(&r, l, err);
	rtnl_close(&r);
	if (rc == 0) {
		out->Interfaces = calloc(l->n ? l->n : 1, sizeof(*out->Interfaces));
		for (size_t i = 0; out->Interfaces && i < l->n; i++, out->Interfaces_count++)
			if (iface_of(&l->v[i], &out->Interfaces[i]) < 0)
				break;
		links_free(l);
	}
	free(l);
	return rc < 0 ? GRPC_INTERNAL : 0;
}

static int prefix(const char *mask, int family, uint8_t *len)
{
	char *end;
	long v = strtol(mask ? mask : "", &end, 10);
	if (mask && *mask && !*end && v >= 0 && v <= (family == AF_INET ? 32 : 128)) {
		*len = (uint8_t)v;
		return 0;
	}
	struct in_addr a; /* a dotted mask: 255.255.255.0 */
	if (family != AF_INET || !mask || inet_pton(AF_INET, mask, &a) != 1)
		return -1;
	uint32_t bits = ntohl(a.s_addr);
	*len = (uint8_t)__builtin_popcount(bits);
	return bits == (*len ? ~0u << (32 - *len) : 0) ? 0 : -1;
}

static int addr_msg(struct rtnl *r, uint16_t type, int index, const types_IPAddress *ip,
		    struct error **err)
{
	struct ifaddrmsg_ h = { .index = (uint32_t)index };
	uint8_t bin[16];
	struct buf b = BUF_INIT(0);
	h.family = ip->family == types_IPFamily_v6 ? AF_INET6 : AF_INET;
	if (!ip->address || inet_pton(h.family, ip->address, bin) != 1 ||
	    prefix(ip->mask, h.family, &h.prefixlen) < 0)
		return error_set(err, EINVAL, "address %s/%s: not an IP address and prefix",
				 ip->address ? ip->address : "", ip->mask ? ip->mask : "");
	size_t n = h.family == AF_INET ? 4 : 16;
	int rc = nl_begin(&b, type, NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_REPLACE : 0),
			  &h, sizeof(h)) < 0 || nl_attr(&b, IFA_LOCAL, bin, n) < 0 ||
			 nl_attr(&b, IFA_ADDRESS, bin, n) < 0
		 ? error_set(err, ENOMEM, "out of memory")
		 : rtnl_request(r, &b, err);
	buf_free(&b);
	return rc;
}

static int update_interface(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			    void *resp, struct error **err)
{
	const grpc_UpdateInterfaceRequest *req = rq;
	const types_Interface *in = &req->interface;
	struct rtnl r;
	struct links *l;
	(void)ctx, (void)m;
	if (!req->has_interface || ((!in->hwAddr || !*in->hwAddr) && (!in->name || !*in->name)))
		return error_set(err, GRPC_INVALID_ARGUMENT, "interface: neither hwAddr nor name"),
		       GRPC_INVALID_ARGUMENT;
	if (in->name && strlen(in->name) >= IFNAMSIZ)
		return error_set(err, GRPC_INVALID_ARGUMENT, "interface name \"%s\": too long", in->name),
		       GRPC_INVALID_ARGUMENT;
	if (!(l = calloc(1, sizeof(*l))))
		return error_set(err, ENOMEM, "out of memory"), GRPC_RESOURCE_EXHAUSTED;
	if (rtnl_open(&r, err) < 0) {
		free(l);
		return GRPC_INTERNAL;
	}
	int rc = GRPC_INTERNAL;
	struct link *k = NULL;
	/* a NIC the host has just hot-plugged shows up a moment later */
	for (int waited = 0; !k && waited <= LINK_WAIT_MS; waited += 50) {
		links_free(l);
		if (list_links(&r, l, err) < 0)
			goto out;
		for (size_t i = 0; i < l->n && !k; i++)
			if (in->hwAddr && *in->hwAddr ? !strcasecmp(l->v[i].mac, in->hwAddr)
						      : !strcmp(l->v[i].name, in->name))
				k = &l->v[i];
		if (!k)
			usleep(50 * 1000);
	}
	if (!k) {
		error_set(err, GRPC_NOT_FOUND, "no interface with %s %s", in->hwAddr && *in->hwAddr ? "MAC address" : "name",
			  in->hwAddr && *in->hwAddr ? in->hwAddr : in->name);
		rc = GRPC_NOT_FOUND;
		goto out;
	}
	bool rename = in->name && *in->name && strcmp(in->name, k->name);
	/* a link is renamed while down; its addresses are replaced */
	if ((rename && nl_link_set(&r, k->index, NULL, 0, false, err) < 0) ||
	    nl_link_set(&r, k->index, rename ? in->name : NULL, (uint32_t)in->mtu, false, err) < 0)
		goto out;
	for (size_t i = 0; i < k->naddrs; i++)
		addr_msg(&r, RTM_DELADDR, k->index, &k->addrs[i], NULL);
	for (size_t i = 0; i < in->IPAddresses_count; i++)
		if (addr_msg(&r, RTM_NEWADDR, k->index, &in->IPAddresses[i], err) < 0) {
			rc = GRPC_INVALID_ARGUMENT;
			goto out;
		}
	if (nl_link_set(&r, k->index, NULL, 0, true, err) < 0)
		goto out;
	int index = k->index;
	links_free(l);
	if (list_links(&r, l, err) < 0)
		goto out;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].index == index)
			iface_of(&l->v[i], resp);
	rc = 0;
out:
	links_free(l);
	free(l);
	rtnl_close(&r);
	return rc;
}

void guest_loopback_up(void)
{
	struct rtnl r;
	struct error *err = NULL;
	unsigned lo = if_nametoindex("lo");
	if (!lo || rtnl_open(&r, &err) < 0 || nl_link_set(&r, (int)lo, NULL, 0, true, &err) < 0)
		log_warn("bringing lo up: %s", err ? err->msg : "no lo");
	if (lo)
		rtnl_close(&r);
	error_free(err);
}

const struct rpc_handler guest_net_handlers[] = {
	{ RPC_AGENT(ListInterfaces), list_interfaces, NULL, false },
	{ RPC_AGENT(UpdateInterface), update_interface, NULL, false },
};
const size_t guest_nnet_handlers = sizeof(guest_net_handlers) / sizeof(guest_net_handlers[0]);
