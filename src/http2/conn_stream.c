/* HTTP/2 streams: the table, their lifecycle, sending, and flow control. */
#include <stdlib.h>
#include <string.h>

#include "http2/conn_internal.h"

bool h2_is_local_id(const struct h2_conn *c, uint32_t id)
{
	return (id & 1) == (c->role == H2_CLIENT ? 1u : 0u);
}

struct h2_stream *h2_stream_find(struct h2_conn *c, uint32_t id)
{
	for (size_t i = 0; i < c->nstreams; i++)
		if (c->streams[i]->id == id)
			return c->streams[i];
	return NULL;
}

struct h2_stream *h2_stream_new(struct h2_conn *c, uint32_t id)
{
	struct h2_stream *s;

	if (c->nstreams == c->capstreams) {
		size_t cap = c->capstreams ? c->capstreams * 2 : 8;
		struct h2_stream **v = realloc(c->streams, cap * sizeof(*v));
		if (!v)
			return NULL;
		c->streams = v;
		c->capstreams = cap;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return NULL;
	s->id = id;
	s->state = H2_S_OPEN;
	s->send_window = c->peer.initial_window_size;
	s->recv_window = c->local.initial_window_size;
	c->streams[c->nstreams++] = s;
	if (!h2_is_local_id(c, id))
		c->peer_open++;
	return s;
}

void h2_stream_close(struct h2_conn *c, struct h2_stream *s, uint32_t code)
{
	uint32_t id = s->id;

	for (size_t i = 0; i < c->nstreams; i++) {
		if (c->streams[i] == s) {
			c->streams[i] = c->streams[--c->nstreams];
			break;
		}
	}
	if (!h2_is_local_id(c, id))
		c->peer_open--;
	free(s);
	if (c->cb.on_stream_close)
		c->cb.on_stream_close(c->ud, id, code);
}

void h2_stream_end_local(struct h2_conn *c, struct h2_stream *s)
{
	if (s->state == H2_S_HALF_REMOTE)
		h2_stream_close(c, s, H2_NO_ERROR);
	else
		s->state = H2_S_HALF_LOCAL;
}

void h2_stream_end_remote(struct h2_conn *c, struct h2_stream *s)
{
	if (s->state == H2_S_HALF_LOCAL)
		h2_stream_close(c, s, H2_NO_ERROR);
	else
		s->state = H2_S_HALF_REMOTE;
}

void h2_stream_reset(struct h2_conn *c, struct h2_stream *s, uint32_t code)
{
	h2_put_rst_stream(&c->out, s->id, code);
	h2_stream_close(c, s, code);
}

void h2_send_rst(struct h2_conn *c, uint32_t stream_id, uint32_t code)
{
	struct h2_stream *s = h2_stream_find(c, stream_id);
	if (s && !c->dead)
		h2_stream_reset(c, s, code);
}

uint32_t h2_send_headers(struct h2_conn *c, uint32_t stream_id, const struct hpack_field *f,
			 size_t n, bool end_stream)
{
	struct buf block = BUF_INIT(0);
	struct h2_stream *s;
	int r = 0;

	if (c->dead)
		return 0;
	if (stream_id == 0) {
		if (c->role != H2_CLIENT || c->goaway_recv || c->next_local_id > H2_MAX_WINDOW)
			return 0;
		stream_id = c->next_local_id;
		if (!(s = h2_stream_new(c, stream_id)))
			return 0;
		c->next_local_id += 2;
	} else if (!(s = h2_stream_find(c, stream_id)) || s->state == H2_S_HALF_LOCAL) {
		return 0;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		r = hpack_encode(&c->enc, &block, f[i].name, f[i].nlen, f[i].value, f[i].vlen);
	if (r == 0)
		r = h2_put_header_block(&c->out, stream_id, (uint8_t *)block.data, block.len,
					end_stream, c->peer.max_frame_size);
	buf_free(&block);
	if (r < 0) {
		h2_conn_fail(c, H2_INTERNAL_ERROR, "out of memory");
		return 0;
	}
	if (end_stream)
		h2_stream_end_local(c, s);
	return stream_id;
}

int64_t h2_send_window(struct h2_conn *c, uint32_t stream_id)
{
	struct h2_stream *s = h2_stream_find(c, stream_id);
	if (!s || s->state == H2_S_HALF_LOCAL || c->dead)
		return -1;
	return s->send_window < c->send_window ? s->send_window : c->send_window;
}

long h2_send_data(struct h2_conn *c, uint32_t stream_id, const uint8_t *data, size_t len,
		  bool end_stream)
{
	struct h2_stream *s = h2_stream_find(c, stream_id);
	size_t done = 0;

	if (!s || s->state == H2_S_HALF_LOCAL || c->dead)
		return -1;
	do {
		int64_t win = s->send_window < c->send_window ? s->send_window : c->send_window;
		size_t n = len - done;
		if (win <= 0 && n > 0)
			break;
		if (win < 0) /* a peer's SETTINGS can push it below zero */
			win = 0;
		if ((int64_t)n > win)
			n = (size_t)win;
		if (n > c->peer.max_frame_size)
			n = c->peer.max_frame_size;
		bool last = end_stream && done + n == len;
		if (h2_frame_header_put(&c->out, (uint32_t)n, H2_DATA, last ? H2_F_END_STREAM : 0,
					stream_id) < 0 ||
		    buf_append(&c->out, data + done, n) < 0) {
			h2_conn_fail(c, H2_INTERNAL_ERROR, "out of memory");
			return -1;
		}
		done += n;
		s->send_window -= (int64_t)n;
		c->send_window -= (int64_t)n;
		if (last) {
			h2_stream_end_local(c, s);
			break;
		}
	} while (done < len);
	return (long)done;
}

/* Reopen a receive window once half of it has been consumed. */
static void give_back(struct h2_conn *c, uint32_t id, uint32_t *unacked, int64_t *window,
		      uint32_t initial)
{
	if (*unacked < initial / 2)
		return;
	h2_put_window_update(&c->out, id, *unacked);
	*window += *unacked;
	*unacked = 0;
}

void h2_consume(struct h2_conn *c, uint32_t stream_id, size_t n)
{
	struct h2_stream *s = h2_stream_find(c, stream_id);

	if (c->dead)
		return;
	c->recv_unacked += (uint32_t)n;
	give_back(c, 0, &c->recv_unacked, &c->recv_window, c->local.initial_window_size);
	if (s && s->state != H2_S_HALF_REMOTE) {
		s->recv_unacked += (uint32_t)n;
		give_back(c, s->id, &s->recv_unacked, &s->recv_window,
			  c->local.initial_window_size);
	}
}

void *h2_stream_user(struct h2_conn *c, uint32_t stream_id)
{
	struct h2_stream *s = h2_stream_find(c, stream_id);
	return s ? s->user : NULL;
}

void h2_stream_set_user(struct h2_conn *c, uint32_t stream_id, void *user)
{
	struct h2_stream *s = h2_stream_find(c, stream_id);
	if (s)
		s->user = user;
}
