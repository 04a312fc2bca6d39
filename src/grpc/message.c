/* gRPC Length-Prefixed-Message: 1 byte compressed flag, 4 bytes big-endian
 * length, then the message. */
#include "grpc/grpc.h"

#include <string.h>

void grpc_reader_init(struct grpc_reader *r, size_t max_message)
{
	memset(r, 0, sizeof(*r));
	r->max_message = max_message ? max_message : GRPC_DEFAULT_MAX_MESSAGE;
}

void grpc_reader_free(struct grpc_reader *r)
{
	buf_free(&r->msg);
}

int grpc_reader_idle(const struct grpc_reader *r)
{
	return r->have_prefix == 0;
}

int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t len, grpc_message_cb cb,
		     void *ud, const char **why)
{
	*why = NULL;
	while (len > 0) {
		if (r->have_prefix < GRPC_PREFIX_LEN) {
			size_t n = GRPC_PREFIX_LEN - r->have_prefix;
			if (n > len)
				n = len;
			memcpy(r->prefix + r->have_prefix, data, n);
			r->have_prefix += n;
			data += n;
			len -= n;
			if (r->have_prefix < GRPC_PREFIX_LEN)
				break;
			if (r->prefix[0] == 1)
				return *why = "compressed messages are not supported",
				       -GRPC_UNIMPLEMENTED;
			if (r->prefix[0] != 0)
				return *why = "invalid message flags", -GRPC_INTERNAL;
			r->length = (uint32_t)r->prefix[1] << 24 | (uint32_t)r->prefix[2] << 16 |
				    (uint32_t)r->prefix[3] << 8 | r->prefix[4];
			if (r->length > r->max_message)
				return *why = "message larger than the limit", -GRPC_RESOURCE_EXHAUSTED;
			buf_reset(&r->msg);
			/* One allocation for the message, but no more up front
			 * than a peer has to send to make us hold it. */
			if (r->length > len && buf_reserve(&r->msg, r->length < len + (1u << 20)
									 ? r->length
									 : len + (1u << 20)) < 0)
				return *why = "out of memory", -GRPC_RESOURCE_EXHAUSTED;
		}
		if (r->msg.len == 0 && len >= r->length) { /* all here: no copy */
			r->have_prefix = 0;
			int rc = cb(ud, r->length ? data : (const uint8_t *)"", r->length);
			data += r->length;
			len -= r->length;
			if (rc)
				return rc;
			continue;
		}
		size_t want = r->length - r->msg.len, n = want < len ? want : len;
		if (n && buf_append(&r->msg, data, n) < 0)
			return *why = "out of memory", -GRPC_RESOURCE_EXHAUSTED;
		data += n;
		len -= n;
		if (r->msg.len == r->length) {
			r->have_prefix = 0;
			int rc = cb(ud, (const uint8_t *)(r->msg.data ? r->msg.data : ""), r->msg.len);
			buf_reset(&r->msg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int grpc_reader_keep(struct grpc_reader *r, const uint8_t *msg, size_t len, struct buf *dst)
{
	if (r->msg.data && msg == (const uint8_t *)r->msg.data && !dst->data) {
		*dst = r->msg;
		dst->max = 0;
		r->msg = (struct buf)BUF_INIT(r->msg.max);
		return 0;
	}
	return buf_append(dst, msg, len);
}

int grpc_message_prefix(struct buf *out, size_t len)
{
	uint8_t p[5] = { 0, (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			 (uint8_t)len };
	if (len > UINT32_MAX)
		return -1;
	return buf_append(out, p, 5);
}
