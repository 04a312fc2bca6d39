/* rtnetlink: links, addresses, routes and neighbours. Messages are built
 * into a buf and parsed from bytes (sans-I/O, bounded, fuzzed); rtnl_*
 * run them on a NETLINK_ROUTE socket. */
#ifndef NET_NETLINK_H
#define NET_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct error;

/* A message being built: nlmsghdr, a fixed header of hdr_len bytes (an
 * ifinfomsg, ifaddrmsg, rtmsg, ndmsg), then attributes. */
int nl_begin(struct buf *b, uint16_t type, uint16_t flags, const void *hdr, size_t hdr_len);
int nl_attr(struct buf *b, uint16_t type, const void *data, size_t len);
int nl_attr_u32(struct buf *b, uint16_t type, uint32_t v);
int nl_attr_str(struct buf *b, uint16_t type, const char *s);
/* A nested attribute: begin returns its offset (or -1), end sets its
 * length once its members are in. */
long nl_nest_begin(struct buf *b, uint16_t type);
void nl_nest_end(struct buf *b, long at);
/* Set the length in the header: the message is b->data, b->len bytes. */
void nl_end(struct buf *b);

/* One message of a reply, as views into the bytes. */
struct nl_msg {
	uint16_t type, flags;
	const uint8_t *hdr; /* the fixed header */
	size_t hdr_len;
	const uint8_t *attrs;
	size_t attrs_len;
	int error; /* NLMSG_ERROR: 0 (an ack) or -errno */
};
/* The next message at *off in data (len bytes); 0, 1 at the end, -1 when
 * malformed. hdr_len is the fixed header the caller expects. */
int nl_next(const uint8_t *data, size_t len, size_t *off, size_t hdr_len, struct nl_msg *m);
/* The attribute type's payload in attrs (the first), or NULL. */
const uint8_t *nl_find(const uint8_t *attrs, size_t len, uint16_t type, size_t *plen);

/* Socket side. */
struct rtnl {
	int fd;
	uint32_t seq;
};
int rtnl_open(struct rtnl *r, struct error **err);
void rtnl_close(struct rtnl *r);
/* Send b (built with NLM_F_ACK) and wait for its ack. */
int rtnl_request(struct rtnl *r, struct buf *b, struct error **err);
/* Send a dump request (type, with hdr) and call fn for every message. */
typedef int (*rtnl_fn)(void *ud, const struct nl_msg *m);
int rtnl_dump(struct rtnl *r, uint16_t type, const void *hdr, size_t hdr_len, rtnl_fn fn, void *ud,
	      struct error **err);
/* A link's state: up or down, and with name its new name, with mtu (not
 * 0) its MTU. */
int nl_link_set(struct rtnl *r, int index, const char *name, uint32_t mtu, bool up,
		struct error **err);

/* MAC addresses as text: "aa:bb:cc:dd:ee:ff"; parse is 0 or -1. */
void net_mac_text(const uint8_t mac[6], char out[18]);
int net_mac_parse(const char *s, uint8_t mac[6]);

#endif
