/* tcfilter: a TAP beside the veth, and tc mirroring between them. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/host.h"
#include "net/rtnl_defs.h"
#include "util/error.h"

/* linux/if_tun.h */
#define TUNSETIFF _IOW('T', 202, int)
#define IFF_TAP_ 0x0002
#define IFF_NO_PI_ 0x1000
#define IFF_VNET_HDR_ 0x4000
#define IFF_MULTI_QUEUE_ 0x0100

int tc_ingress_msg(struct buf *b, int ifindex, bool add)
{
	struct tcmsg_ t = { .ifindex = ifindex, .handle = TC_H_INGRESS_HANDLE,
			    .parent = TC_H_INGRESS };
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	if (nl_begin(b, add ? RTM_NEWQDISC : RTM_DELQDISC, flags, &t, sizeof(t)) < 0 ||
	    nl_attr_str(b, TCA_KIND, "ingress") < 0)
		return -1;
	nl_end(b);
	return 0;
}

/* tc filter add dev FROM parent ffff: protocol all u32 match u32 0 0
 *   action mirred egress redirect dev TO */
int tc_redirect_msg(struct buf *b, int from, int to)
{
	struct tcmsg_ t = { .ifindex = from, .parent = TC_H_INGRESS_HANDLE,
			    .info = htons(ETH_P_ALL_) }; /* priority 0: the kernel picks */
	struct tc_u32_sel_ sel = { .flags = TC_U32_TERMINAL, .nkeys = 1 };
	struct tc_mirred_ m = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR,
				.ifindex = (uint32_t)to };
	long opts, acts, act, aopts;

	if (nl_begin(b, RTM_NEWTFILTER, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &t,
		     sizeof(t)) < 0 || nl_attr_str(b, TCA_KIND, "u32") < 0 ||
	    (opts = nl_nest_begin(b, TCA_OPTIONS)) < 0 || nl_attr(b, TCA_U32_SEL, &sel, sizeof(sel)) < 0 ||
	    (acts = nl_nest_begin(b, TCA_U32_ACT)) < 0 || (act = nl_nest_begin(b, 1)) < 0 ||
	    nl_attr_str(b, TCA_ACT_KIND, "mirred") < 0 ||
	    (aopts = nl_nest_begin(b, TCA_ACT_OPTIONS)) < 0 ||
	    nl_attr(b, TCA_MIRRED_PARMS, &m, sizeof(m)) < 0)
		return -1;
	nl_nest_end(b, aopts);
	nl_nest_end(b, act);
	nl_nest_end(b, acts);
	nl_nest_end(b, opts);
	nl_end(b);
	return 0;
}

int net_link_index(const char *name)
{
	return (int)if_nametoindex(name);
}

static int link_del(struct rtnl *r, int index, struct error **err)
{
	struct ifinfomsg_ h = { .index = index };
	struct buf b = BUF_INIT(0);
	int rc = nl_begin(&b, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, &h, sizeof(h)) < 0
		 ? error_set(err, ENOMEM, "out of memory")
		 : rtnl_request(r, &b, err);
	buf_free(&b);
	return rc;
}

/* Build one tc message with fn and send it. */
static int tc_run(struct rtnl *r, struct buf *b, int built, struct error **err)
{
	int rc = built < 0 ? error_set(err, ENOMEM, "out of memory") : rtnl_request(r, b, err);
	buf_free(b);
	return rc;
}

void net_endpoint_close_fds(struct net_endpoint *ep)
{
	for (size_t i = 0; i < ep->nfds; i++)
		if (ep->fds[i] >= 0)
			close(ep->fds[i]);
	ep->nfds = 0;
}

/* The TAP's queues: each open of /dev/net/tun attaches one. */
static int tap_open(struct net_endpoint *ep, unsigned queues, struct error **err)
{
	struct ifreq ifr;
	ep->nfds = 0;
	for (unsigned q = 0; q < queues; q++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ep->tap);
		ifr.ifr_flags = (short)(IFF_TAP_ | IFF_NO_PI_ | IFF_VNET_HDR_ |
					(queues > 1 ? IFF_MULTI_QUEUE_ : 0));
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			net_endpoint_close_fds(ep);
			return error_set_errno(err, e, "TAP %s: /dev/net/tun", ep->tap);
		}
		ep->fds[ep->nfds++] = fd;
	}
	return 0;
}

int net_connect(struct rtnl *r, struct net_endpoint *ep, unsigned index, unsigned queues,
		struct error **err)
{
	struct buf b = BUF_INIT(0);
	int tap;

	if (queues < 1)
		queues = 1;
	if (queues > NET_MAX_QUEUES)
		queues = NET_MAX_QUEUES;
	snprintf(ep->tap, sizeof(ep->tap), "tap%u_kata", index);
	if (tap_open(ep, queues, err) < 0)
		return error_wrap(err, "interface %s", ep->name);
	if (!(tap = net_link_index(ep->tap))) {
		error_set(err, ENODEV, "TAP %s: gone once made", ep->tap);
		goto fail;
	}
	if (nl_link_set(r, tap, NULL, ep->mtu, true, err) < 0 ||
	    nl_link_set(r, ep->index, NULL, 0, true, err) < 0 ||
	    tc_run(r, &b, tc_ingress_msg(&b, ep->index, true), err) < 0 ||
	    tc_run(r, &b, tc_ingress_msg(&b, tap, true), err) < 0 ||
	    tc_run(r, &b, tc_redirect_msg(&b, ep->index, tap), err) < 0 ||
	    tc_run(r, &b, tc_redirect_msg(&b, tap, ep->index), err) < 0)
		goto fail;
	return 0;
fail:
	net_disconnect(r, ep->name, NULL, NULL);
	net_endpoint_close_fds(ep); /* the TAP goes with them */
	return error_wrap(err, "interface %s: mirroring to %s", ep->name, ep->tap);
}

int net_disconnect(struct rtnl *r, const char *veth, const char *tap, struct error **err)
{
	struct buf b = BUF_INIT(0);
	struct error *e = NULL;
	int v = veth ? net_link_index(veth) : 0, t = tap ? net_link_index(tap) : 0, rc = 0;

	/* no ingress qdisc (EINVAL, ENOENT): nothing to undo */
	if (v && tc_run(r, &b, tc_ingress_msg(&b, v, false), &e) < 0 && e->code != EINVAL &&
	    e->code != ENOENT)
		rc = error_set(err, e->code, "interface %s: removing its ingress qdisc: %s", veth,
			       e->msg);
	error_free(e);
	e = NULL;
	if (t && link_del(r, t, &e) < 0 && e->code != ENODEV && rc == 0)
		rc = error_set(err, e->code, "TAP %s: %s", tap, e->msg);
	error_free(e);
	return rc;
}
