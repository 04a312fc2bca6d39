/* grpc.AgentService: routes (main table, IPv4 and IPv6) and ARP
 * neighbours over rtnetlink. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "guest/guest.h"
#include "net/netlink.h"
#include "net/rtnl_defs.h"
#include "rpc/rpc.h"
#include "util/error.h"

#define MAX_ROUTES 256
#define RTPROT_KERNEL 2

struct route {
	struct rtmsg_ h;
	char dest[INET6_ADDRSTRLEN + 4], gateway[INET6_ADDRSTRLEN], source[INET6_ADDRSTRLEN];
	int oif;
};
struct routes {
	struct route v[MAX_ROUTES];
	size_t n;
};

static void text(const struct nl_msg *m, uint16_t type, int family, char *out, size_t size)
{
	size_t n;
	const uint8_t *a = nl_find(m->attrs, m->attrs_len, type, &n);
	out[0] = 0;
	if (a && n == (family == AF_INET ? 4u : 16u))
		inet_ntop(family, a, out, (socklen_t)size);
}

static int on_route(void *ud, const struct nl_msg *m)
{
	struct routes *r = ud;
	size_t n;
	if (m->type != RTM_NEWROUTE || r->n == MAX_ROUTES)
		return 0;
	struct route *x = &r->v[r->n];
	memcpy(&x->h, m->hdr, sizeof(x->h));
	if (x->h.table != RT_TABLE_MAIN || x->h.type != RTN_UNICAST)
		return 0;
	text(m, RTA_DST, x->h.family, x->dest, sizeof(x->dest));
	if (x->dest[0])
		snprintf(x->dest + strlen(x->dest), sizeof(x->dest) - strlen(x->dest), "/%u", x->h.dst_len);
	text(m, RTA_GATEWAY, x->h.family, x->gateway, sizeof(x->gateway));
	text(m, RTA_PREFSRC, x->h.family, x->source, sizeof(x->source));
	const uint8_t *a = nl_find(m->attrs, m->attrs_len, RTA_OIF, &n);
	x->oif = 0;
	if (a && n == 4)
		memcpy(&x->oif, a, 4);
	r->n++;
	return 0;
}

static int list(struct rtnl *nl, struct routes *r, struct error **err)
{
	struct rtmsg_ h = { 0 };
	r->n = 0;
	return rtnl_dump(nl, RTM_GETROUTE, &h, sizeof(h), on_route, r, err);
}

static int fill(const struct routes *r, grpc_Routes *out)
{
	out->Routes = calloc(r->n ? r->n : 1, sizeof(*out->Routes));
	if (!out->Routes)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		char dev[IF_NAMESIZE] = "";
		types_Route *t = &out->Routes[out->Routes_count++];
		if (r->v[i].oif)
			if_indextoname((unsigned)r->v[i].oif, dev);
		t->dest = strdup(r->v[i].dest);
		t->gateway = strdup(r->v[i].gateway);
		t->source = strdup(r->v[i].source);
		t->device = strdup(dev);
		t->scope = r->v[i].h.scope;
	}
	return 0;
}

static int list_routes(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		       void *resp, struct error **err)
{
	struct routes *r = calloc(1, sizeof(*r));
	struct rtnl nl;
	(void)ctx, (void)m, (void)rq;
	if (!r)
		return error_set(err, ENOMEM, "out of memory"), GRPC_RESOURCE_EXHAUSTED;
	int rc = rtnl_open(&nl, err) < 0 ? GRPC_INTERNAL : 0;
	if (!rc) {
		rc = list(&nl, r, err) < 0 ? GRPC_INTERNAL : 0;
		rtnl_close(&nl);
	}
	if (!rc && fill(r, resp) < 0)
		rc = (error_set(err, ENOMEM, "out of memory"), GRPC_RESOURCE_EXHAUSTED);
	free(r);
	return rc;
}

/* "a.b.c.d/n", "a.b.c.d" (a host), "default" or "" (the default route). */
static int dest_of(const char *s, struct rtmsg_ *h, uint8_t *bin, struct error **err)
{
	char addr[INET6_ADDRSTRLEN + 4];
	if (!s || !*s || !strcmp(s, "default")) {
		h->dst_len = 0;
		return 0;
	}
	snprintf(addr, sizeof(addr), "%s", s);
	char *slash = strchr(addr, '/');
	if (slash)
		*slash++ = 0;
	int bits = h->family == AF_INET ? 32 : 128;
	char *end = NULL;
	long len = slash ? strtol(slash, &end, 10) : bits;
	if (inet_pton(h->family, addr, bin) != 1 || len < 0 || len > bits || (slash && *end))
		return error_set(err, EINVAL, "route destination \"%s\": not an address/prefix", s);
	h->dst_len = (uint8_t)len;
	return 1;
}

static int add_route(struct rtnl *nl, const types_Route *t, struct error **err)
{
	uint8_t dst[16], gw[16], src[16];
	struct rtmsg_ h = { .table = RT_TABLE_MAIN, .protocol = RTPROT_BOOT, .type = RTN_UNICAST,
			    .scope = (uint8_t)t->scope };
	const char *probe = t->gateway && *t->gateway ? t->gateway : t->dest ? t->dest : "";
	h.family = strchr(probe, ':') ? AF_INET6 : AF_INET;
	size_t n = h.family == AF_INET ? 4 : 16;
	unsigned oif = t->device && *t->device ? if_nametoindex(t->device) : 0;
	if (t->device && *t->device && !oif)
		return error_set(err, ENODEV, "route: no interface %s", t->device);
	int has_dst = dest_of(t->dest, &h, dst, err);
	bool has_gw = t->gateway && *t->gateway, has_src = t->source && *t->source;
	if (has_dst < 0 || (has_gw && inet_pton(h.family, t->gateway, gw) != 1) ||
	    (has_src && inet_pton(h.family, t->source, src) != 1))
		return has_dst < 0 ? -1 : error_set(err, EINVAL, "route %s: bad gateway or source", t->dest ? t->dest : "");
	struct buf b = BUF_INIT(0);
	int rc = nl_begin(&b, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, &h,
			  sizeof(h)) < 0 || (has_dst && nl_attr(&b, RTA_DST, dst, n) < 0) ||
			 (has_gw && nl_attr(&b, RTA_GATEWAY, gw, n) < 0) ||
			 (has_src && nl_attr(&b, RTA_PREFSRC, src, n) < 0) ||
			 (oif && nl_attr_u32(&b, RTA_OIF, oif) < 0)
		 ? error_set(err, ENOMEM, "out of memory")
		 : rtnl_request(nl, &b, err);
	buf_free(&b);
	return rc < 0 ? error_wrap(err, "route %s", t->dest && *t->dest ? t->dest : "default") : 0;
}

/* Every route the kernel did not make itself goes; the new ones come. */
static int update_routes(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			 void *resp, struct error **err)
{
	const grpc_UpdateRoutesRequest *req = rq;
	struct routes *rr = calloc(1, sizeof(*rr));
	struct rtnl nl;
	(void)ctx, (void)m;
	if (!rr)
		return error_set(err, ENOMEM, "out of memory"), GRPC_RESOURCE_EXHAUSTED;
	if (rtnl_open(&nl, err) < 0) {
		free(rr);
		return GRPC_INTERNAL;
	}
	int rc = GRPC_INTERNAL;
	if (list(&nl, rr, err) < 0)
		goto out;
	for (size_t i = 0; i < rr->n; i++) {
		if (rr->v[i].h.protocol == RTPROT_KERNEL)
			continue;
		struct buf b = BUF_INIT(0);
		uint8_t dst[16];
		struct rtmsg_ h = rr->v[i].h;
		int has = rr->v[i].dest[0] ? dest_of(rr->v[i].dest, &h, dst, NULL) : 0;
		if (nl_begin(&b, RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, &h, sizeof(h)) == 0 &&
		    (has <= 0 || nl_attr(&b, RTA_DST, dst, h.family == AF_INET ? 4 : 16) == 0) &&
		    (!rr->v[i].oif || nl_attr_u32(&b, RTA_OIF, (uint32_t)rr->v[i].oif) == 0))
			rtnl_request(&nl, &b, NULL);
		buf_free(&b);
	}
	/* routes through a gateway need the gateway's own route first */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; req->has_routes && i < req->routes.Routes_count; i++) {
			const types_Route *t = &req->routes.Routes[i];
			if ((pass == 0) != !(t->gateway && *t->gateway))
				continue;
			if (add_route(&nl, t, err) < 0) {
				rc = GRPC_INVALID_ARGUMENT;
				goto out;
			}
		}
	if (list(&nl, rr, err) < 0)
		goto out;
	rc = fill(rr, resp) < 0 ? (error_set(err, ENOMEM, "out of memory"), GRPC_RESOURCE_EXHAUSTED) : 0;
out:
	rtnl_close(&nl);
	free(rr);
	return rc;
}

static int add_neighbors(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			 void *resp, struct error **err)
{
	const grpc_AddARPNeighborsRequest *req = rq;
	struct rtnl nl;
	(void)ctx, (void)m, (void)resp;
	if (rtnl_open(&nl, err) < 0)
		return GRPC_INTERNAL;
	int rc = 0;
	for (size_t i = 0; req->has_neighbors && i < req->neighbors.ARPNeighbors_count && !rc; i++) {
		const types_ARPNeighbor *a = &req->neighbors.ARPNeighbors[i];
		uint8_t ip[16], mac[6];
		struct ndmsg_ h = { .family = a->toIPAddress.family == types_IPFamily_v6 ? AF_INET6 : AF_INET,
				    .state = (uint16_t)(a->state ? a->state : NUD_PERMANENT),
				    .flags = (uint8_t)a->flags };
		h.ifindex = a->device ? (int32_t)if_nametoindex(a->device) : 0;
		if (!h.ifindex || !a->has_toIPAddress || !a->toIPAddress.address ||
		    inet_pton(h.family, a->toIPAddress.address, ip) != 1 || net_mac_parse(a->lladdr, mac) < 0) {
			error_set(err, GRPC_INVALID_ARGUMENT, "ARP neighbour %s lladdr %s on %s: not an "
				  "address, a MAC address and an interface",
				  a->has_toIPAddress && a->toIPAddress.address ? a->toIPAddress.address : "",
				  a->lladdr ? a->lladdr : "", a->device ? a->device : "");
			rc = GRPC_INVALID_ARGUMENT;
			break;
		}
		struct buf b = BUF_INIT(0);
		if (nl_begin(&b, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, &h,
			     sizeof(h)) < 0 || nl_attr(&b, NDA_DST, ip, h.family == AF_INET ? 4 : 16) < 0 ||
		    nl_attr(&b, NDA_LLADDR, mac, 6) < 0 || rtnl_request(&nl, &b, err) < 0)
			rc = GRPC_INTERNAL;
		buf_free(&b);
	}
	rtnl_close(&nl);
	return rc;
}

const struct rpc_handler guest_route_handlers[] = {
	{ RPC_AGENT(ListRoutes), list_routes, NULL, false },
	{ RPC_AGENT(UpdateRoutes), update_routes, NULL, false },
	{ RPC_AGENT(AddARPNeighbors), add_neighbors, NULL, false },
};
const size_t guest_nroute_handlers = sizeof(guest_route_handlers) / sizeof(guest_route_handlers[0]);
