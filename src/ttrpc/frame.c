#include <errno.h>
#include <string.h>

#include "ttrpc/ttrpc.h"

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void ttrpc_header_put(uint8_t out[TTRPC_HEADER_SIZE], const struct ttrpc_header *h)
{
	be32_put(out, h->length);
	be32_put(out + 4, h->stream);
	out[8] = h->type;
	out[9] = h->flags;
}

void ttrpc_header_get(const uint8_t in[TTRPC_HEADER_SIZE], struct ttrpc_header *h)
{
	h->length = be32_get(in);
	h->stream = be32_get(in + 4);
	h->type = in[8];
	h->flags = in[9];
}

void ttrpc_reader_init(struct ttrpc_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max && max < TTRPC_MAX_DATA ? max : TTRPC_MAX_DATA;
	r->data = (struct buf)BUF_INIT(r->max);
}

void ttrpc_reader_free(struct ttrpc_reader *r)
{
	buf_free(&r->data);
}

bool ttrpc_reader_idle(const struct ttrpc_reader *r)
{
	return r->have_hdr == 0;
}

/* The header is whole: a message with no data is whole too, and one over
 * the limit is reported now and skipped. */
static int header_done(struct ttrpc_reader *r, ttrpc_message_cb cb, void *ud)
{
	ttrpc_header_get(r->hdr, &r->h);
	r->data.len = 0;
	if (r->h.length > r->max) {
		r->skip = r->h.length;
		r->have_hdr = 0;
		return cb(ud, &r->h, NULL, 0);
	}
	if (r->h.length == 0) {
		r->have_hdr = 0;
		return cb(ud, &r->h, (const uint8_t *)"", 0);
	}
	return buf_reserve(&r->data, r->h.length) < 0 ? -ENOMEM : 0;
}

int ttrpc_reader_feed(struct ttrpc_reader *r, const uint8_t *d, size_t n, ttrpc_message_cb cb,
		      void *ud)
{
	while (n) {
		if (r->skip) {
			size_t k = n < r->skip ? n : r->skip;
			r->skip -= k, d += k, n -= k;
			continue;
		}
		if (r->have_hdr < TTRPC_HEADER_SIZE) {
			size_t k = TTRPC_HEADER_SIZE - r->have_hdr;
			k = n < k ? n : k;
			memcpy(r->hdr + r->have_hdr, d, k);
			r->have_hdr += k, d += k, n -= k;
			int rc = r->have_hdr == TTRPC_HEADER_SIZE ? header_done(r, cb, ud) : 0;
			if (rc < 0)
				return rc;
			continue;
		}
		size_t k = r->h.length - r->data.len;
		k = n < k ? n : k;
		memcpy(r->data.data + r->data.len, d, k);
		r->data.len += k, d += k, n -= k;
		if (r->data.len == r->h.length) {
			r->have_hdr = 0;
			int rc = cb(ud, &r->h, (const uint8_t *)r->data.data, r->data.len);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int ttrpc_put(struct buf *out, uint32_t stream, uint8_t type, uint8_t flags, const void *data,
	      size_t len)
{
	uint8_t hdr[TTRPC_HEADER_SIZE];
	if (len > TTRPC_MAX_DATA)
		return -1;
	ttrpc_header_put(hdr, &(struct ttrpc_header){ (uint32_t)len, stream, type, flags });
	if (buf_append(out, hdr, sizeof(hdr)) < 0 || (len && buf_append(out, data, len) < 0))
		return -1;
	return 0;
}
