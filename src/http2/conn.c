/* HTTP/2 connection: the preface, frame parsing and dispatch, and the errors
 * RFC 9113 assigns to each malformed input. Streams and sending are in
 * conn_stream.c. */
#include <stdlib.h>
#include <string.h>

#include "http2/conn_internal.h"

#define MAX_BLOCK_EXTRA 65536 /* header block bytes beyond the list limit */

static const struct h2_settings defaults_local = {
	.header_table_size = HPACK_DEFAULT_TABLE_SIZE, .enable_push = 0,
	.max_concurrent_streams = 100, .initial_window_size = 1 << 20,
	.max_frame_size = H2_DEFAULT_FRAME_SIZE, .max_header_list_size = 16384,
};
static const struct h2_settings defaults_peer = {
	.header_table_size = HPACK_DEFAULT_TABLE_SIZE, .enable_push = 1,
	.max_concurrent_streams = UINT32_MAX, .initial_window_size = H2_DEFAULT_WINDOW,
	.max_frame_size = H2_DEFAULT_FRAME_SIZE, .max_header_list_size = UINT32_MAX,
};

int h2_conn_fail(struct h2_conn *c, uint32_t code, const char *why)
{
	if (!c->dead) {
		h2_put_goaway(&c->out, c->last_peer_id, code, why);
		c->dead = true;
		c->why = why;
	}
	return -1;
}

static int put_setting(struct buf *b, uint16_t id, uint32_t v)
{
	uint8_t x[2] = { (uint8_t)(id >> 8), (uint8_t)id };
	return buf_append(b, x, 2) < 0 ? -1 : h2_put_u32(b, v);
}

static int put_settings(struct h2_conn *c)
{
	struct buf p = BUF_INIT(0);
	const struct h2_settings *l = &c->local;
	int r = 0;

	if (l->header_table_size != HPACK_DEFAULT_TABLE_SIZE)
		r |= put_setting(&p, H2_SET_HEADER_TABLE_SIZE, l->header_table_size);
	if (c->role == H2_CLIENT)
		r |= put_setting(&p, H2_SET_ENABLE_PUSH, 0);
	r |= put_setting(&p, H2_SET_MAX_CONCURRENT_STREAMS, l->max_concurrent_streams);
	r |= put_setting(&p, H2_SET_INITIAL_WINDOW_SIZE, l->initial_window_size);
	if (l->max_frame_size != H2_DEFAULT_FRAME_SIZE)
		r |= put_setting(&p, H2_SET_MAX_FRAME_SIZE, l->max_frame_size);
	r |= put_setting(&p, H2_SET_MAX_HEADER_LIST_SIZE, l->max_header_list_size);
	if (r == 0)
		r = h2_frame_header_put(&c->out, (uint32_t)p.len, H2_SETTINGS, 0, 0);
	if (r == 0)
		r = buf_append(&c->out, p.data, p.len);
	buf_free(&p);
	return r;
}

int h2_conn_init(struct h2_conn *c, enum h2_role role, const struct h2_settings *local,
		 const struct h2_callbacks *cb, void *ud)
{
	memset(c, 0, sizeof(*c));
	c->role = role;
	c->local = local ? *local : defaults_local;
	c->local.enable_push = 0;
	if (c->local.initial_window_size < H2_DEFAULT_WINDOW ||
	    c->local.initial_window_size > H2_MAX_WINDOW ||
	    c->local.max_frame_size < H2_DEFAULT_FRAME_SIZE ||
	    c->local.max_frame_size > H2_MAX_FRAME_SIZE_LIMIT)
		return -1;
	c->peer = defaults_peer;
	if (cb)
		c->cb = *cb;
	c->ud = ud;
	c->send_window = H2_DEFAULT_WINDOW;
	c->recv_window = c->local.initial_window_size;
	c->next_local_id = role == H2_CLIENT ? 1 : 2;
	c->max_out = 4u << 20;
	hpack_decoder_init(&c->dec, c->local.header_table_size, c->local.max_header_list_size);
	hpack_encoder_init(&c->enc);
	if ((role == H2_CLIENT && buf_append(&c->out, H2_PREFACE, H2_PREFACE_LEN) < 0) ||
	    put_settings(c) < 0 ||
	    h2_put_window_update(&c->out, 0, c->local.initial_window_size - H2_DEFAULT_WINDOW) < 0) {
		h2_conn_free(c); /* what was queued before it failed */
		return -1;
	}
	return 0;
}

void h2_conn_free(struct h2_conn *c)
{
	for (size_t i = 0; i < c->nstreams; i++)
		free(c->streams[i]);
	free(c->streams);
	buf_free(&c->out);
	buf_free(&c->in);
	buf_free(&c->block);
	hpack_decoder_free(&c->dec);
	memset(c, 0, sizeof(*c));
}

void h2_conn_sent(struct h2_conn *c, size_t n)
{
	buf_drop_front(&c->out, n);
}

void h2_send_goaway(struct h2_conn *c, uint32_t code, const char *debug)
{
	if (c->goaway_sent || c->dead)
		return;
	h2_put_goaway(&c->out, c->last_peer_id, code, debug);
	c->goaway_sent = true;
}

void h2_send_ping(struct h2_conn *c, const uint8_t opaque[8])
{
	if (!c->dead)
		h2_put_ping(&c->out, 0, opaque);
}

/* ---------------------------------------------------------------- streams seen by id */

/* An id never opened: by the peer above its last, or ours not yet used. */
static bool is_idle(const struct h2_conn *c, uint32_t id)
{
	return h2_is_local_id(c, id) ? id >= c->next_local_id : id > c->last_peer_id;
}

/* Strip padding (§6.1): *p and *len describe what is left. */
static int unpad(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t **p,
		 size_t *len)
{
	if (!(h->flags & H2_F_PADDED))
		return 0;
	if (*len < 1 || (*p)[0] >= *len)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "padding longer than the frame");
	*len -= 1 + (*p)[0];
	(*p)++;
	return 0;
}

/* ---------------------------------------------------------------- DATA */

static int on_data(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t *p,
		   size_t len)
{
	size_t flen = len;
	uint32_t id = h->stream_id;
	struct h2_stream *s;
	int code;

	if (id == 0)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "DATA on stream 0");
	if (unpad(c, h, &p, &len) < 0)
		return -1;
	if ((int64_t)flen > c->recv_window)
		return h2_conn_fail(c, H2_FLOW_CONTROL_ERROR, "connection window exceeded");
	c->recv_window -= (int64_t)flen;
	s = h2_stream_find(c, id);
	if (!s) {
		if (is_idle(c, id))
			return h2_conn_fail(c, H2_PROTOCOL_ERROR, "DATA on an idle stream");
		h2_consume(c, 0, flen); /* still counted on the connection */
		h2_put_rst_stream(&c->out, id, H2_STREAM_CLOSED);
		return 0;
	}
	h2_consume(c, 0, flen - len); /* padding is consumed at once */
	if (s->state == H2_S_HALF_REMOTE || !s->got_headers) {
		h2_consume(c, 0, len);
		h2_stream_reset(c, s, s->got_headers ? H2_STREAM_CLOSED : H2_PROTOCOL_ERROR);
		return 0;
	}
	if ((int64_t)flen > s->recv_window) {
		h2_consume(c, 0, len);
		h2_stream_reset(c, s, H2_FLOW_CONTROL_ERROR);
		return 0;
	}
	s->recv_window -= (int64_t)flen;
	bool end = h->flags & H2_F_END_STREAM;
	code = c->cb.on_data ? c->cb.on_data(c->ud, id, p, len, end) : 0;
	if (!(s = h2_stream_find(c, id))) /* the callback reset it */
		return 0;
	if (code)
		h2_stream_reset(c, s, (uint32_t)code);
	else if (end)
		h2_stream_end_remote(c, s);
	return 0;
}

/* ---------------------------------------------------------------- header blocks */

struct fields {
	struct hpack_field *v;
	size_t n, cap;
	struct buf store;
	bool bad;
};

static int collect(void *ud, const struct hpack_field *f)
{
	struct fields *fl = ud;

	for (size_t i = 0; i < f->nlen; i++)
		if (f->name[i] >= 'A' && f->name[i] <= 'Z')
			fl->bad = true;
	if (f->nlen == 0)
		fl->bad = true;
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 16;
		struct hpack_field *v = realloc(fl->v, cap * sizeof(*v));
		if (!v)
			return fl->bad = true, -1;
		fl->v = v;
		fl->cap = cap;
	}
	/* Offsets now, pointers once the store stops moving. */
	fl->v[fl->n].name = (const char *)(uintptr_t)fl->store.len;
	fl->v[fl->n].nlen = f->nlen;
	buf_append(&fl->store, f->name, f->nlen);
	fl->v[fl->n].value = (const char *)(uintptr_t)fl->store.len;
	fl->v[fl->n].vlen = f->vlen;
	if (buf_append(&fl->store, f->value, f->vlen) < 0)
		return fl->bad = true, -1;
	fl->n++;
	return 0;
}

/* The stream a header block belongs to, opening it when the peer may. */
static int block_stream(struct h2_conn *c, uint32_t id, struct h2_stream **out)
{
	struct h2_stream *s = h2_stream_find(c, id);

	*out = NULL;
	if (s) {
		if (s->state == H2_S_HALF_REMOTE)
			h2_stream_reset(c, s, H2_STREAM_CLOSED);
		else
			*out = s;
		return 0;
	}
	if (h2_is_local_id(c, id)) {
		if (is_idle(c, id))
			return h2_conn_fail(c, H2_PROTOCOL_ERROR, "HEADERS on an idle stream of ours");
		h2_put_rst_stream(&c->out, id, H2_STREAM_CLOSED);
		return 0;
	}
	if (c->role == H2_CLIENT)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "server opened a stream");
	if (id <= c->last_peer_id) {
		h2_put_rst_stream(&c->out, id, H2_STREAM_CLOSED);
		return 0;
	}
	c->last_peer_id = id;
	if (c->goaway_sent || c->peer_open >= c->local.max_concurrent_streams) {
		h2_put_rst_stream(&c->out, id, H2_REFUSED_STREAM);
		return 0;
	}
	if (!(*out = h2_stream_new(c, id)))
		return h2_conn_fail(c, H2_INTERNAL_ERROR, "out of memory");
	return 0;
}

static int deliver_block(struct h2_conn *c, struct h2_stream *s, struct fields *fl, bool end)
{
	uint32_t id = s->id;
	int code;

	if (fl->bad)
		return h2_stream_reset(c, s, H2_PROTOCOL_ERROR), 0;
	if (s->got_headers && !end) /* trailers must end the stream */
		return h2_stream_reset(c, s, H2_PROTOCOL_ERROR), 0;
	for (size_t i = 0; i < fl->n; i++) {
		fl->v[i].name = fl->store.data + (uintptr_t)fl->v[i].name;
		fl->v[i].value = fl->store.data + (uintptr_t)fl->v[i].value;
	}
	s->got_headers = true;
	code = c->cb.on_headers ? c->cb.on_headers(c->ud, id, fl->v, fl->n, end) : 0;
	if (!(s = h2_stream_find(c, id)))
		return 0;
	if (code)
		h2_stream_reset(c, s, (uint32_t)code);
	else if (end)
		h2_stream_end_remote(c, s);
	return 0;
}

static int end_block(struct h2_conn *c)
{
	struct fields fl = { .store = BUF_INIT(0) };
	struct h2_stream *s;
	const char *why;
	int r = 0, hr;

	c->in_block = false;
	/* Always decode: the HPACK state must follow the peer's even when the
	 * stream is refused. */
	hr = hpack_decode(&c->dec, (uint8_t *)c->block.data, c->block.len, collect, &fl, &why);
	buf_reset(&c->block);
	if (hr == HPACK_E_COMPRESSION || hr == HPACK_E_NOMEM) {
		r = h2_conn_fail(c, hr == HPACK_E_NOMEM ? H2_INTERNAL_ERROR : H2_COMPRESSION_ERROR,
				 why);
		goto out;
	}
	if ((r = block_stream(c, c->block_stream, &s)) < 0 || !s)
		goto out;
	if (hr == HPACK_E_LIST_TOO_LARGE)
		h2_stream_reset(c, s, H2_PROTOCOL_ERROR);
	else
		r = deliver_block(c, s, &fl, c->block_end_stream);
out:
	free(fl.v);
	buf_free(&fl.store);
	return r;
}

static int add_fragment(struct h2_conn *c, const uint8_t *p, size_t len, uint8_t flags)
{
	if (c->block.len + len > (size_t)c->local.max_header_list_size + MAX_BLOCK_EXTRA)
		return h2_conn_fail(c, H2_ENHANCE_YOUR_CALM, "header block too large");
	if (buf_append(&c->block, p, len) < 0)
		return h2_conn_fail(c, H2_INTERNAL_ERROR, "out of memory");
	return (flags & H2_F_END_HEADERS) ? end_block(c) : 0;
}

static int on_headers(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t *p,
		      size_t len)
{
	if (h->stream_id == 0)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "HEADERS on stream 0");
	if (unpad(c, h, &p, &len) < 0)
		return -1;
	if (h->flags & H2_F_PRIORITY) {
		if (len < 5)
			return h2_conn_fail(c, H2_FRAME_SIZE_ERROR, "HEADERS too short for priority");
		p += 5;
		len -= 5;
	}
	c->in_block = true;
	c->block_stream = h->stream_id;
	c->block_end_stream = h->flags & H2_F_END_STREAM;
	return add_fragment(c, p, len, h->flags);
}

static int on_continuation(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t *p,
			   size_t len)
{
	if (!c->in_block || h->stream_id != c->block_stream)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "unexpected CONTINUATION");
	return add_fragment(c, p, len, h->flags);
}

/* ---------------------------------------------------------------- control frames */

static int apply_window_delta(struct h2_conn *c, int64_t delta)
{
	for (size_t i = 0; i < c->nstreams; i++) {
		c->streams[i]->send_window += delta;
		if (c->streams[i]->send_window > H2_MAX_WINDOW)
			return h2_conn_fail(c, H2_FLOW_CONTROL_ERROR, "stream window overflow");
	}
	for (size_t i = 0; delta > 0 && c->cb.on_window && i < c->nstreams; i++)
		c->cb.on_window(c->ud, c->streams[i]->id);
	return 0;
}

static int apply_setting(struct h2_conn *c, uint16_t id, uint32_t v)
{
	struct h2_settings *s = &c->peer;

	switch (id) {
	case H2_SET_HEADER_TABLE_SIZE:
		s->header_table_size = v;
		hpack_encoder_set_max(&c->enc, v);
		break;
	case H2_SET_ENABLE_PUSH:
		if (v > 1 || (v == 1 && c->role == H2_CLIENT))
			return h2_conn_fail(c, H2_PROTOCOL_ERROR, "invalid ENABLE_PUSH");
		s->enable_push = v;
		break;
	case H2_SET_MAX_CONCURRENT_STREAMS:
		s->max_concurrent_streams = v;
		break;
	case H2_SET_INITIAL_WINDOW_SIZE:
		if (v > H2_MAX_WINDOW)
			return h2_conn_fail(c, H2_FLOW_CONTROL_ERROR, "invalid INITIAL_WINDOW_SIZE");
		int64_t delta = (int64_t)v - s->initial_window_size;
		s->initial_window_size = v;
		return apply_window_delta(c, delta);
	case H2_SET_MAX_FRAME_SIZE:
		if (v < H2_DEFAULT_FRAME_SIZE || v > H2_MAX_FRAME_SIZE_LIMIT)
			return h2_conn_fail(c, H2_PROTOCOL_ERROR, "invalid MAX_FRAME_SIZE");
		s->max_frame_size = v;
		break;
	case H2_SET_MAX_HEADER_LIST_SIZE:
		s->max_header_list_size = v;
		break;
	default: /* unknown settings are ignored */
		break;
	}
	return 0;
}

static int on_settings(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t *p,
		       size_t len)
{
	if (h->stream_id != 0)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "SETTINGS on a stream");
	if (h->flags & H2_F_ACK)
		return len ? h2_conn_fail(c, H2_FRAME_SIZE_ERROR, "SETTINGS ACK with a payload") : 0;
	if (len % 6)
		return h2_conn_fail(c, H2_FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6");
	for (size_t i = 0; i < len; i += 6)
		if (apply_setting(c, (uint16_t)(p[i] << 8 | p[i + 1]), h2_get_u32(p + i + 2)) < 0)
			return -1;
	c->got_settings = true;
	return h2_put_settings_ack(&c->out) < 0 ? h2_conn_fail(c, H2_INTERNAL_ERROR, "out of memory")
						: 0;
}

static int on_window_update(struct h2_conn *c, const struct h2_frame_header *h,
			    const uint8_t *p, size_t len)
{
	struct h2_stream *s;
	uint32_t inc;

	if (len != 4)
		return h2_conn_fail(c, H2_FRAME_SIZE_ERROR, "WINDOW_UPDATE length not 4");
	inc = h2_get_u32(p) & 0x7fffffffu;
	if (h->stream_id == 0) {
		if (inc == 0)
			return h2_conn_fail(c, H2_PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
		c->send_window += inc;
		if (c->send_window > H2_MAX_WINDOW)
			return h2_conn_fail(c, H2_FLOW_CONTROL_ERROR, "connection window overflow");
		if (c->cb.on_window)
			c->cb.on_window(c->ud, 0);
		return 0;
	}
	if (!(s = h2_stream_find(c, h->stream_id)))
		return is_idle(c, h->stream_id)
			       ? h2_conn_fail(c, H2_PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream")
			       : 0;
	if (inc == 0)
		return h2_stream_reset(c, s, H2_PROTOCOL_ERROR), 0;
	s->send_window += inc;
	if (s->send_window > H2_MAX_WINDOW)
		return h2_stream_reset(c, s, H2_FLOW_CONTROL_ERROR), 0;
	if (c->cb.on_window)
		c->cb.on_window(c->ud, s->id);
	return 0;
}

static int on_rst_stream(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t *p,
			 size_t len)
{
	struct h2_stream *s;

	if (h->stream_id == 0)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "RST_STREAM on stream 0");
	if (len != 4)
		return h2_conn_fail(c, H2_FRAME_SIZE_ERROR, "RST_STREAM length not 4");
	if (is_idle(c, h->stream_id))
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "RST_STREAM on an idle stream");
	if ((s = h2_stream_find(c, h->stream_id)))
		h2_stream_close(c, s, h2_get_u32(p));
	return 0;
}

static int on_ping(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t *p,
		   size_t len)
{
	if (h->stream_id != 0)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "PING on a stream");
	if (len != 8)
		return h2_conn_fail(c, H2_FRAME_SIZE_ERROR, "PING length not 8");
	if (!(h->flags & H2_F_ACK))
		h2_put_ping(&c->out, H2_F_ACK, p);
	return 0;
}

static int on_goaway(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t *p,
		     size_t len)
{
	uint32_t last, code;

	if (h->stream_id != 0)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "GOAWAY on a stream");
	if (len < 8)
		return h2_conn_fail(c, H2_FRAME_SIZE_ERROR, "GOAWAY too short");
	last = h2_get_u32(p) & 0x7fffffffu;
	code = h2_get_u32(p + 4);
	c->goaway_recv = true;
	c->goaway_last = last;
	/* Our streams above last were never processed: the caller may retry them. */
	for (size_t i = c->nstreams; i-- > 0;)
		if (h2_is_local_id(c, c->streams[i]->id) && c->streams[i]->id > last)
			h2_stream_close(c, c->streams[i], H2_REFUSED_STREAM);
	if (c->cb.on_goaway)
		c->cb.on_goaway(c->ud, last, code);
	return 0;
}

static int on_priority(struct h2_conn *c, const struct h2_frame_header *h, size_t len)
{
	struct h2_stream *s;

	if (h->stream_id == 0)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "PRIORITY on stream 0");
	if (len != 5 && (s = h2_stream_find(c, h->stream_id)))
		h2_stream_reset(c, s, H2_FRAME_SIZE_ERROR);
	return 0;
}

/* ---------------------------------------------------------------- dispatch */

static int frame(struct h2_conn *c, const struct h2_frame_header *h, const uint8_t *p)
{
	size_t len = h->length;

	if (!c->got_settings && (h->type != H2_SETTINGS || (h->flags & H2_F_ACK)))
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "first frame is not SETTINGS");
	if (c->in_block && h->type != H2_CONTINUATION)
		return h2_conn_fail(c, H2_PROTOCOL_ERROR, "header block interrupted");
	switch (h->type) {
	case H2_DATA: return on_data(c, h, p, len);
	case H2_HEADERS: return on_headers(c, h, p, len);
	case H2_PRIORITY: return on_priority(c, h, len);
	case H2_RST_STREAM: return on_rst_stream(c, h, p, len);
	case H2_SETTINGS: return on_settings(c, h, p, len);
	case H2_PUSH_PROMISE: return h2_conn_fail(c, H2_PROTOCOL_ERROR, "PUSH_PROMISE");
	case H2_PING: return on_ping(c, h, p, len);
	case H2_GOAWAY: return on_goaway(c, h, p, len);
	case H2_WINDOW_UPDATE: return on_window_update(c, h, p, len);
	case H2_CONTINUATION: return on_continuation(c, h, p, len);
	default: return 0; /* unknown frame types are ignored */
	}
}

/* The server first expects the client's 24-byte preface. */
static size_t preface(struct h2_conn *c, const uint8_t *in, size_t len)
{
	size_t n = 0;

	while (c->preface_seen < H2_PREFACE_LEN && n < len) {
		if (in[n] != (uint8_t)H2_PREFACE[c->preface_seen]) {
			h2_conn_fail(c, H2_PROTOCOL_ERROR, "bad connection preface");
			return 0;
		}
		c->preface_seen++;
		n++;
	}
	return n;
}

int h2_conn_recv(struct h2_conn *c, const uint8_t *in, size_t len)
{
	size_t off = 0;

	if (c->dead)
		return -1;
	if (c->role == H2_SERVER && c->preface_seen < H2_PREFACE_LEN) {
		size_t n = preface(c, in, len);
		if (c->dead)
			return -1;
		in += n;
		len -= n;
	}
	if (len && buf_append(&c->in, in, len) < 0)
		return h2_conn_fail(c, H2_INTERNAL_ERROR, "out of memory");
	while (c->in.len - off >= H2_FRAME_HEADER_LEN) {
		struct h2_frame_header h;
		const uint8_t *p = (const uint8_t *)c->in.data + off;
		h2_frame_header_parse(p, &h);
		if (h.length > c->local.max_frame_size) {
			h2_conn_fail(c, H2_FRAME_SIZE_ERROR, "frame larger than MAX_FRAME_SIZE");
			break;
		}
		if (c->in.len - off < H2_FRAME_HEADER_LEN + h.length)
			break;
		off += H2_FRAME_HEADER_LEN + h.length;
		if (frame(c, &h, p + H2_FRAME_HEADER_LEN) < 0)
			break;
		if (c->out.len > c->max_out) {
			h2_conn_fail(c, H2_ENHANCE_YOUR_CALM, "peer does not read what it asks for");
			break;
		}
	}
	buf_drop_front(&c->in, off);
	return c->dead ? -1 : 0;
}
