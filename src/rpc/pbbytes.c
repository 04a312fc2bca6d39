#include "rpc/pbbytes.h"

#include <pb_decode.h>
#include <pb_encode.h>

static bool enc(pb_ostream_t *os, const pb_field_t *f, void *const *arg)
{
	const struct pb_bytes_view *v = *arg;
	return pb_encode_tag_for_field(os, f) &&
	       pb_encode_string(os, (const pb_byte_t *)v->data, v->len);
}

static bool enc_buf(pb_ostream_t *os, const pb_field_t *f, void *const *arg)
{
	const struct buf *b = *arg;
	return pb_encode_tag_for_field(os, f) &&
	       pb_encode_string(os, (const pb_byte_t *)b->data, b->len);
}

static bool dec(pb_istream_t *is, const pb_field_t *f, void **arg)
{
	struct buf *b = *arg;
	size_t n = is->bytes_left;

	if (buf_reserve(b, n) < 0 || !pb_read(is, (pb_byte_t *)b->data + b->len, n))
		return false;
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

void pb_bytes_out(pb_callback_t *cb, struct pb_bytes_view *view)
{
	cb->funcs.encode = enc;
	cb->arg = view;
}

void pb_bytes_out_buf(pb_callback_t *cb, struct buf *src)
{
	cb->funcs.encode = enc_buf;
	cb->arg = src;
}

void pb_bytes_in(pb_callback_t *cb, struct buf *dst)
{
	cb->funcs.decode = dec;
	cb->arg = dst;
}
