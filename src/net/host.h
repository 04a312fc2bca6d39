/* The host side of a sandbox's network, Kata's tcfilter model: in the
 * network namespace the container was given, each veth-like interface is
 * read (MAC, MTU, addresses, routes, permanent neighbours), a TAP is made
 * beside it, and tc mirrors every frame between the two (an ingress qdisc
 * and a u32 match-all filter with a mirred egress redirect on each). The
 * VM's NIC takes the veth's MAC, the guest its addresses and routes. All
 * of it over rtnetlink and /dev/net/tun: no iproute2 at run time.
 * The TAPs are not persistent: they go when the last of their queue fds
 * (QEMU's) is closed. */
#ifndef NET_HOST_H
#define NET_HOST_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/netlink.h"

struct error;

#define NET_MAX_ENDPOINTS 8
#define NET_MAX_ADDRS 8
#define NET_MAX_ROUTES 64
#define NET_MAX_NEIGHS 32
#define NET_MAX_QUEUES 8

struct net_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t ip[16];
	uint8_t prefix;
};

struct net_endpoint {
	char name[IFNAMSIZ]; /* the veth (the guest's NIC takes its name) */
	char kind[16];	     /* "veth", "macvlan", "ipvlan" */
	int index;
	uint8_t mac[6];
	uint32_t mtu;
	struct net_addr addrs[NET_MAX_ADDRS];
	size_t naddrs;
	/* Once connected: */
	char tap[IFNAMSIZ];	  /* tap<N>_kata */
	int fds[NET_MAX_QUEUES];  /* its queues, to hand to QEMU */
	size_t nfds;
};

struct net_route {
	int family;
	uint8_t dst[16], gw[16], src[16];
	uint8_t dst_len, scope;
	bool has_dst, has_gw, has_src;
	int ifindex;
	char dev[IFNAMSIZ];
};

struct net_neigh {
	int family;
	uint8_t ip[16], mac[6];
	uint16_t state;
	uint8_t flags;
	int ifindex;
	char dev[IFNAMSIZ];
};

struct net_sandbox {
	struct net_endpoint eps[NET_MAX_ENDPOINTS];
	size_t neps;
	struct net_route routes[NET_MAX_ROUTES];
	size_t nroutes;
	struct net_neigh neighs[NET_MAX_NEIGHS];
	size_t nneighs;
};

/* Network namespaces (net/netns.c). enter: this thread into the one at
 * path, *saved keeping the one it left (for net_ns_leave). */
int net_ns_enter(const char *path, int *saved, struct error **err);
void net_ns_leave(int saved);
/* A new namespace, kept alive by a bind mount on path (a new file). */
int net_ns_create(const char *path, struct error **err);
/* Unmount and remove one net_ns_create made; 0 when there is none. */
int net_ns_remove(const char *path, struct error **err);

/* What the dumps of a namespace say (sans-I/O, bounded: what does not fit
 * is dropped): net_scan_feed takes each message of the link, address,
 * route and neighbour dumps, in that order; net_scan_finish picks the
 * endpoints. */
#define NET_MAX_LINKS 64
struct net_link {
	int index;
	uint32_t flags, mtu;
	char name[IFNAMSIZ], kind[16];
	uint8_t mac[6];
	bool has_mac;
	struct net_addr addrs[NET_MAX_ADDRS];
	size_t naddrs;
};
struct net_scan {
	struct net_link links[NET_MAX_LINKS];
	size_t nlinks;
	struct net_route routes[NET_MAX_ROUTES];
	size_t nroutes;
	struct net_neigh neighs[NET_MAX_NEIGHS];
	size_t nneighs;
};
int net_scan_feed(struct net_scan *sc, const struct nl_msg *m);
/* warn: log the interfaces skipped and why. */
void net_scan_finish(const struct net_scan *sc, struct net_sandbox *s, bool warn);

/* Read the namespace this thread is in (net/scan.c): every interface with
 * an address that is not loopback and of a kind tc can mirror, with its
 * addresses (IPv6 link-local left to the guest), the main table's routes
 * through them and their permanent neighbours. Others are skipped with a
 * warning naming them. */
int net_scan(struct rtnl *r, struct net_sandbox *s, struct error **err);
/* Only the interface name (for kata-network add-iface): ENODEV when it
 * does not exist, EINVAL when it is of a kind tc cannot mirror. */
int net_scan_one(struct rtnl *r, const char *name, struct net_endpoint *ep,
		 struct error **err);

/* Connect ep (net/tc.c): a TAP named tap<index>_kata with queues queue
 * fds (vnet headers), the veth's MTU, both up, and the mirroring. On
 * failure nothing of it is left. */
int net_connect(struct rtnl *r, struct net_endpoint *ep, unsigned index, unsigned queues,
		struct error **err);
/* Undo it: the veth's ingress qdisc (and its filter) goes, and the TAP if
 * it is still there; the veth stays. Safe on what is already gone. */
int net_disconnect(struct rtnl *r, const char *veth, const char *tap, struct error **err);
void net_endpoint_close_fds(struct net_endpoint *ep);

/* tc messages (sans-I/O): the ingress qdisc on ifindex (add or delete),
 * and a match-all u32 filter on its ingress redirecting every frame to
 * to's egress. */
int tc_ingress_msg(struct buf *b, int ifindex, bool add);
int tc_redirect_msg(struct buf *b, int from, int to);

/* The index of the link name in this thread's namespace, 0 when none. */
int net_link_index(const char *name);

#endif
