/* HPACK header block decoding and encoding (RFC 7541). */
#include "http2/hpack.h"

#include <stdlib.h>
#include <string.h>

#define S(n, v) { n, sizeof(n) - 1, v, sizeof(v) - 1 }

/* Appendix A. */
static const struct hpack_field static_table[HPACK_STATIC_COUNT] = {
	S(":authority", ""), S(":method", "GET"), S(":method", "POST"), S(":path", "/"),
	S(":path", "/index.html"), S(":scheme", "http"), S(":scheme", "https"),
	S(":status", "200"), S(":status", "204"), S(":status", "206"), S(":status", "304"),
	S(":status", "400"), S(":status", "404"), S(":status", "500"), S("accept-charset", ""),
	S("accept-encoding", "gzip, deflate"), S("accept-language", ""), S("accept-ranges", ""),
	S("accept", ""), S("access-control-allow-origin", ""), S("age", ""), S("allow", ""),
	S("authorization", ""), S("cache-control", ""), S("content-disposition", ""),
	S("content-encoding", ""), S("content-language", ""), S("content-length", ""),
	S("content-location", ""), S("content-range", ""), S("content-type", ""),
	S("cookie", ""), S("date", ""), S("etag", ""), S("expect", ""), S("expires", ""),
	S("from", ""), S("host", ""), S("if-match", ""), S("if-modified-since", ""),
	S("if-none-match", ""), S("if-range", ""), S("if-unmodified-since", ""),
	S("last-modified", ""), S("link", ""), S("location", ""), S("max-forwards", ""),
	S("proxy-authenticate", ""), S("proxy-authorization", ""), S("range", ""),
	S("referer", ""), S("refresh", ""), S("retry-after", ""), S("server", ""),
	S("set-cookie", ""), S("strict-transport-security", ""), S("transfer-encoding", ""),
	S("user-agent", ""), S("vary", ""), S("via", ""), S("www-authenticate", ""),
};

/* ---------------------------------------------------------------- integers */

int hpack_int_encode(struct buf *out, uint8_t first, int prefix, uint32_t v)
{
	uint32_t max = (1u << prefix) - 1;

	if (v < max)
		return buf_putc(out, (char)(first | v));
	if (buf_putc(out, (char)(first | max)) < 0)
		return -1;
	for (v -= max; v >= 128; v >>= 7)
		if (buf_putc(out, (char)(0x80 | (v & 0x7f))) < 0)
			return -1;
	return buf_putc(out, (char)v);
}

/* Values above 2^28 are refused: nothing legitimate is that large. */
int hpack_int_decode(const uint8_t *in, size_t len, int prefix, uint32_t *v)
{
	uint32_t max = (1u << prefix) - 1;
	uint64_t val;

	if (len == 0)
		return 0;
	val = in[0] & max;
	if (val < max) {
		*v = (uint32_t)val;
		return 1;
	}
	for (size_t i = 1, shift = 0; i < len && i <= 5; i++, shift += 7) {
		val += (uint64_t)(in[i] & 0x7f) << shift;
		if (val > (1u << 28))
			return -1;
		if (!(in[i] & 0x80)) {
			*v = (uint32_t)val;
			return (int)i + 1;
		}
	}
	return len > 5 ? -1 : 0;
}

/* ---------------------------------------------------------------- dynamic table */

void hpack_decoder_init(struct hpack_decoder *d, size_t table_limit, size_t max_list)
{
	memset(d, 0, sizeof(*d));
	d->max_size = d->limit = table_limit;
	d->max_list = max_list;
	d->scratch.max = max_list + 64;
}

static struct hpack_entry *entry(struct hpack_decoder *d, size_t i)
{
	return &d->ring[(d->head + i) % d->cap];
}

static void evict_to(struct hpack_decoder *d, size_t max)
{
	while (d->size > max && d->count) {
		struct hpack_entry *e = entry(d, d->count - 1);
		d->size -= e->nlen + e->vlen + HPACK_ENTRY_OVERHEAD;
		free(e->data);
		e->data = NULL;
		d->count--;
	}
}

void hpack_decoder_free(struct hpack_decoder *d)
{
	evict_to(d, 0);
	free(d->ring);
	buf_free(&d->scratch);
	d->ring = NULL;
	d->cap = 0;
}

void hpack_decoder_set_limit(struct hpack_decoder *d, size_t table_limit)
{
	d->limit = table_limit;
	if (d->max_size > table_limit) {
		d->max_size = table_limit;
		evict_to(d, table_limit);
	}
}

/* §4.4: evict first; an entry larger than the table empties it. */
static int insert(struct hpack_decoder *d, const char *n, size_t nlen, const char *v, size_t vlen)
{
	size_t sz = nlen + vlen + HPACK_ENTRY_OVERHEAD;
	char *data;

	evict_to(d, sz > d->max_size ? 0 : d->max_size - sz);
	if (sz > d->max_size)
		return 0;
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct hpack_entry *r = calloc(cap, sizeof(*r));
		if (!r)
			return -1;
		for (size_t i = 0; i < d->count; i++)
			r[i] = *entry(d, i);
		free(d->ring);
		d->ring = r;
		d->cap = cap;
		d->head = 0;
	}
	if (!(data = malloc(nlen + vlen + 1)))
		return -1;
	memcpy(data, n, nlen);
	memcpy(data + nlen, v, vlen);
	d->head = (d->head + d->cap - 1) % d->cap;
	*entry(d, 0) = (struct hpack_entry){ data, (uint32_t)nlen, (uint32_t)vlen };
	d->count++;
	d->size += sz;
	return 0;
}

static int lookup(struct hpack_decoder *d, uint32_t index, struct hpack_field *f)
{
	if (index == 0)
		return -1;
	if (index <= HPACK_STATIC_COUNT) {
		*f = static_table[index - 1];
		return 0;
	}
	index -= HPACK_STATIC_COUNT + 1;
	if (index >= d->count)
		return -1;
	struct hpack_entry *e = entry(d, index);
	*f = (struct hpack_field){ e->data, e->nlen, e->data + e->nlen, e->vlen };
	return 0;
}

/* ---------------------------------------------------------------- decoding */

struct reader {
	const uint8_t *p, *end;
	const char **why;
};

static int read_int(struct reader *r, int prefix, uint32_t *v)
{
	int n = hpack_int_decode(r->p, (size_t)(r->end - r->p), prefix, v);
	if (n <= 0)
		return *r->why = n < 0 ? "integer too large" : "truncated integer", -1;
	r->p += n;
	return 0;
}

/* A string literal (§5.2) appended to the scratch buffer; *off is its start. */
static int read_string(struct hpack_decoder *d, struct reader *r, size_t *off, size_t *len)
{
	uint32_t n;
	int huff;

	if (r->p >= r->end)
		return *r->why = "truncated string", -1;
	huff = *r->p & 0x80;
	if (read_int(r, 7, &n) < 0)
		return -1;
	if (n > (size_t)(r->end - r->p))
		return *r->why = "string longer than the block", -1;
	*off = d->scratch.len;
	if (huff) {
		if (hpack_huff_decode(&d->scratch, r->p, n, r->why) < 0)
			return -1;
	} else if (buf_append(&d->scratch, r->p, n) < 0) {
		return *r->why = "header too large", -1;
	}
	*len = d->scratch.len - *off;
	r->p += n;
	return 0;
}

/* One literal representation: indexed or new name, then value. */
static int literal(struct hpack_decoder *d, struct reader *r, int prefix, int index_it,
		   struct hpack_field *f)
{
	uint32_t idx;
	size_t noff = 0, nlen = 0, voff, vlen;

	if (read_int(r, prefix, &idx) < 0)
		return -1;
	if (idx) {
		if (lookup(d, idx, f) < 0)
			return *r->why = "invalid table index", -1;
		nlen = f->nlen;
		noff = d->scratch.len;
		if (buf_append(&d->scratch, f->name, nlen) < 0)
			return *r->why = "header too large", -1;
	} else if (read_string(d, r, &noff, &nlen) < 0) {
		return -1;
	}
	if (read_string(d, r, &voff, &vlen) < 0)
		return -1;
	f->name = d->scratch.data + noff;
	f->nlen = nlen;
	f->value = d->scratch.data + voff;
	f->vlen = vlen;
	if (index_it && insert(d, f->name, nlen, f->value, vlen) < 0)
		return *r->why = "out of memory", -2;
	return 0;
}

/* One representation (§6); *f is set unless it was a table size update. */
static int representation(struct hpack_decoder *d, struct reader *r, int *first,
			  struct hpack_field *f, int *have)
{
	uint8_t b = *r->p;
	uint32_t v;

	*have = 1;
	if (b & 0x80) { /* indexed */
		if (read_int(r, 7, &v) < 0)
			return -1;
		if (lookup(d, v, f) < 0)
			return *r->why = "invalid table index", -1;
		return 0;
	}
	if ((b & 0xc0) == 0x40)
		return literal(d, r, 6, 1, f);
	if ((b & 0xe0) == 0x20) { /* dynamic table size update */
		*have = 0;
		if (!*first)
			return *r->why = "table size update after a header field", -1;
		if (read_int(r, 5, &v) < 0)
			return -1;
		if (v > d->limit)
			return *r->why = "table size update above the limit", -1;
		d->max_size = v;
		evict_to(d, v);
		return 0;
	}
	return literal(d, r, 4, 0, f); /* without indexing, or never indexed */
}

int hpack_decode(struct hpack_decoder *d, const uint8_t *in, size_t len, hpack_field_cb cb,
		 void *ud, const char **why)
{
	struct reader r = { in, in, why };
	size_t list = 0;
	int first = 1, deliver = 1, too_large = 0;

	*why = NULL;
	if (len == 0) /* an empty block is valid; in may be NULL */
		return HPACK_OK;
	r.end = in + len;
	/* Fields may be empty strings: give them storage to point into. */
	if (!d->scratch.data && buf_append(&d->scratch, "", 0) < 0)
		return HPACK_E_NOMEM;
	while (r.p < r.end) {
		struct hpack_field f;
		int have, rc;
		buf_reset(&d->scratch);
		rc = representation(d, &r, &first, &f, &have);
		if (rc == -2)
			return HPACK_E_NOMEM;
		if (rc < 0)
			return HPACK_E_COMPRESSION;
		if (!have)
			continue;
		first = 0;
		list += f.nlen + f.vlen + HPACK_ENTRY_OVERHEAD;
		if (list > d->max_list && !too_large) {
			too_large = 1;
			deliver = 0;
		}
		if (deliver && cb(ud, &f) != 0)
			deliver = 0;
	}
	if (too_large)
		return *why = "header list too large", HPACK_E_LIST_TOO_LARGE;
	return HPACK_OK;
}

/* ---------------------------------------------------------------- encoding */

void hpack_encoder_init(struct hpack_encoder *e)
{
	e->pending_size = (size_t)-1;
}

void hpack_encoder_set_max(struct hpack_encoder *e, size_t size)
{
	/* We keep no dynamic table: announcing the smallest size is always right. */
	e->pending_size = 0;
	(void)size;
}

static int put_string(struct buf *out, const char *s, size_t n)
{
	size_t hlen = hpack_huff_encoded_len((const uint8_t *)s, n);

	if (hlen < n)
		return hpack_int_encode(out, 0x80, 7, (uint32_t)hlen) < 0 ? -1
		       : hpack_huff_encode(out, (const uint8_t *)s, n);
	if (hpack_int_encode(out, 0, 7, (uint32_t)n) < 0)
		return -1;
	return buf_append(out, s, n);
}

int hpack_encode(struct hpack_encoder *e, struct buf *out, const char *name, size_t nlen,
		 const char *value, size_t vlen)
{
	uint32_t name_idx = 0;

	if (nlen > UINT32_MAX / 2 || vlen > UINT32_MAX / 2)
		return -1;
	if (e->pending_size != (size_t)-1) {
		if (hpack_int_encode(out, 0x20, 5, (uint32_t)e->pending_size) < 0)
			return -1;
		e->pending_size = (size_t)-1;
	}
	for (uint32_t i = 0; i < HPACK_STATIC_COUNT; i++) {
		const struct hpack_field *s = &static_table[i];
		if (s->nlen != nlen || memcmp(s->name, name, nlen))
			continue;
		if (s->vlen == vlen && !memcmp(s->value, value, vlen))
			return hpack_int_encode(out, 0x80, 7, i + 1);
		if (!name_idx)
			name_idx = i + 1;
	}
	/* Literal without indexing (§6.2.2). */
	if (hpack_int_encode(out, 0x00, 4, name_idx) < 0)
		return -1;
	if (!name_idx && put_string(out, name, nlen) < 0)
		return -1;
	return put_string(out, value, vlen);
}
