/* rtnetlink messages (sans-I/O) and the socket that carries them. */
#include "net/netlink.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/rtnl_defs.h"
#include "util/error.h"
#include "util/alloc.h"

#define ALIGN4(n) (((n) + 3u) & ~3u)
#define RTA_HDR 4u

int nl_begin(struct buf *b, uint16_t type, uint16_t flags, const void *hdr, size_t hdr_len)
{
	struct nlmsghdr_ h = { 0, type, flags, 0, 0 };
	uint8_t zero[4] = { 0 };
	b->len = 0;
	if (buf_append(b, &h, sizeof(h)) < 0 || buf_append(b, hdr, hdr_len) < 0)
		return -1;
	return buf_append(b, zero, ALIGN4(hdr_len) - hdr_len);
}

int nl_attr(struct buf *b, uint16_t type, const void *data, size_t len)
{
	uint16_t h[2] = { (uint16_t)(RTA_HDR + len), type };
	uint8_t zero[4] = { 0 };
	if (len > 0xffff - RTA_HDR || buf_append(b, h, sizeof(h)) < 0 ||
	    buf_append(b, data, len) < 0)
		return -1;
	return buf_append(b, zero, ALIGN4(len) - len);
}

int nl_attr_u32(struct buf *b, uint16_t type, uint32_t v)
{
	return nl_attr(b, type, &v, sizeof(v));
}

int nl_attr_str(struct buf *b, uint16_t type, const char *s)
{
	return nl_attr(b, type, s, strlen(s) + 1);
}

long nl_nest_begin(struct buf *b, uint16_t type)
{
	long at = (long)b->len;
	return nl_attr(b, type, NULL, 0) < 0 ? -1 : at;
}

void nl_nest_end(struct buf *b, long at)
{
	uint16_t len = (uint16_t)(b->len - (size_t)at);
	memcpy(b->data + at, &len, sizeof(len));
}

void nl_end(struct buf *b)
{
	uint32_t len = (uint32_t)b->len;
	memcpy(b->data, &len, sizeof(len));
}

int nl_next(const uint8_t *data, size_t len, size_t *off, size_t hdr_len, struct nl_msg *m)
{
	struct nlmsghdr_ h;
	memset(m, 0, sizeof(*m));
	if (*off >= len)
		return 1;
	if (len - *off < sizeof(h))
		return -1;
	memcpy(&h, data + *off, sizeof(h));
	if (h.len < sizeof(h) || h.len > len - *off)
		return -1;
	const uint8_t *p = data + *off + sizeof(h);
	size_t n = h.len - sizeof(h);
	*off += ALIGN4(h.len) < len - *off ? ALIGN4(h.len) : len - *off;
	m->type = h.type;
	m->flags = h.flags;
	if (h.type == NLMSG_ERROR) {
		if (n < sizeof(int))
			return -1;
		memcpy(&m->error, p, sizeof(int));
		return 0;
	}
	if (h.type == NLMSG_DONE || h.type == NLMSG_NOOP)
		return 0;
	if (n < hdr_len)
		return -1;
	m->hdr = p;
	m->hdr_len = hdr_len;
	size_t skip = ALIGN4(hdr_len) < n ? ALIGN4(hdr_len) : n;
	m->attrs = p + skip;
	m->attrs_len = n - skip;
	return 0;
}

const uint8_t *nl_find(const uint8_t *attrs, size_t len, uint16_t type, size_t *plen)
{
	size_t off = 0;
	while (len - off >= RTA_HDR) {
		uint16_t h[2];
		memcpy(h, attrs + off, sizeof(h));
		if (h[0] < RTA_HDR || h[0] > len - off)
			return NULL;
		if ((h[1] & 0x3fff) == type) { /* without NLA_F_NESTED and byte order bits */
			*plen = h[0] - RTA_HDR;
			return attrs + off + RTA_HDR;
		}
		off += ALIGN4(h[0]) < len - off ? ALIGN4(h[0]) : len - off;
	}
	return NULL;
}

int rtnl_open(struct rtnl *r, struct error **err)
{
	struct sockaddr_nl_ sa = { .family = AF_NETLINK };
	r->seq = 0;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		return error_set_errno(err, e, "netlink");
	}
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static int send_msg(struct rtnl *r, struct buf *b, struct error **err)
{
	uint32_t seq = ++r->seq;
	memcpy(b->data + offsetof(struct nlmsghdr_, seq), &seq, sizeof(seq));
	nl_end(b);
	if (send(r->fd, b->data, b->len, 0) != (ssize_t)b->len)
		return error_set_errno(err, errno, "netlink send");
	return 0;
}

#define REPLY_BUF 32768

static int replies_in(struct rtnl *r, uint8_t *in, size_t hdr_len, rtnl_fn fn, void *ud,
		      struct error **err)
{
	for (;;) {
		ssize_t n = recv(r->fd, in, REPLY_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set_errno(err, n < 0 ? errno : EPIPE, "netlink receive");
		size_t off = 0;
		struct nl_msg m;
		int k;
		while ((k = nl_next(in, (size_t)n, &off, hdr_len, &m)) == 0) {
			if (m.type == NLMSG_ERROR)
				return m.error ? error_set_errno(err, -m.error, "netlink") : 0;
			if (m.type == NLMSG_DONE)
				return 0;
			if (fn && fn(ud, &m) < 0)
				return error_set(err, ENOMEM, "out of memory");
		}
		if (k < 0)
			return error_set(err, EPROTO, "netlink: a malformed reply");
	}
}

/* Read replies to the last request until done (ack, error or NLMSG_DONE). */
static int replies(struct rtnl *r, size_t hdr_len, rtnl_fn fn, void *ud, struct error **err)
{
	uint8_t *in = xmalloc(REPLY_BUF);
	int rc = replies_in(r, in, hdr_len, fn, ud, err);
	free(in);
	return rc;
}

int rtnl_request(struct rtnl *r, struct buf *b, struct error **err)
{
	if (send_msg(r, b, err) < 0)
		return -1;
	return replies(r, 0, NULL, NULL, err);
}

int rtnl_dump(struct rtnl *r, uint16_t type, const void *hdr, size_t hdr_len, rtnl_fn fn, void *ud,
	      struct error **err)
{
	struct buf b = BUF_INIT(0);
	int rc = nl_begin(&b, type, NLM_F_REQUEST | NLM_F_DUMP, hdr, hdr_len) < 0
		 ? error_set(err, ENOMEM, "out of memory")
		 : send_msg(r, &b, err) < 0 ? -1 : replies(r, hdr_len, fn, ud, err);
	buf_free(&b);
	return rc;
}

int nl_link_set(struct rtnl *r, int index, const char *name, uint32_t mtu, bool up,
		struct error **err)
{
	struct ifinfomsg_ h = { .index = index, .change = IFF_UP_FLAG, .flags = up ? IFF_UP_FLAG : 0 };
	struct buf b = BUF_INIT(0);
	int rc = nl_begin(&b, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, &h, sizeof(h)) < 0 ||
			 (name && nl_attr_str(&b, IFLA_IFNAME, name) < 0) ||
			 (mtu && nl_attr_u32(&b, IFLA_MTU, mtu) < 0)
		 ? error_set(err, ENOMEM, "out of memory")
		 : rtnl_request(r, &b, err);
	buf_free(&b);
	return rc;
}

void net_mac_text(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

int net_mac_parse(const char *s, uint8_t mac[6])
{
	/* one or two hex digits a byte, ':' between, nothing after */
	for (int i = 0; s && i < 6; i++) {
		unsigned v = 0, digits = 0;
		for (; digits < 2 && isxdigit((unsigned char)*s); digits++, s++)
			v = v * 16 + (unsigned)(isdigit((unsigned char)*s) ? *s - '0' : (*s | 0x20) - 'a' + 10);
		if (!digits || *s != (i < 5 ? ':' : 0))
			return -1;
		mac[i] = (uint8_t)v;
		s += i < 5;
	}
	return s ? 0 : -1;
}
