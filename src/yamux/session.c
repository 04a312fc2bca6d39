/* A yamux session: frames in, events and frames out (see yamux.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "yamux/yamux.h"

/* Control frames we queue in answer to the peer (pings, ACKs, window
 * updates) may not grow the output beyond this: a peer that sends but
 * never reads is cut off instead of growing our memory. */
#define MAX_OUT (4u << 20)

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void yamux_header_put(uint8_t out[YAMUX_HEADER_SIZE], const struct yamux_header *h)
{
	out[0] = h->version;
	out[1] = h->type;
	out[2] = (uint8_t)(h->flags >> 8);
	out[3] = (uint8_t)h->flags;
	put32(out + 4, h->stream);
	put32(out + 8, h->length);
}

int yamux_header_get(const uint8_t in[YAMUX_HEADER_SIZE], struct yamux_header *h,
		     const char **why)
{
	h->version = in[0];
	h->type = in[1];
	h->flags = (uint16_t)(in[2] << 8 | in[3]);
	h->stream = get32(in + 4);
	h->length = get32(in + 8);
	if (h->version != 0)
		return *why = "unknown yamux version", -1;
	if (h->type > YAMUX_GO_AWAY)
		return *why = "unknown yamux frame type", -1;
	return 0;
}

/* ---------------------------------------------------------------- output */

static void emit(struct yamux_session *s, uint8_t type, uint16_t flags, uint32_t id,
		 uint32_t length, const uint8_t *payload)
{
	struct yamux_header h = { 0, type, flags, id, length };
	uint8_t hdr[YAMUX_HEADER_SIZE];

	yamux_header_put(hdr, &h);
	if (buf_append(&s->out, hdr, sizeof(hdr)) < 0 ||
	    (payload && buf_append(&s->out, payload, length) < 0))
		s->dead = true; /* out of memory: nothing sensible can follow */
}

void yamux_sent(struct yamux_session *s, size_t n)
{
	buf_drop_front(&s->out, n);
}

/* ---------------------------------------------------------------- streams */

struct yamux_stream *yamux_stream(struct yamux_session *s, uint32_t id)
{
	for (size_t i = 0; i < s->nstreams; i++)
		if (s->streams[i]->id == id)
			return s->streams[i];
	return NULL;
}

static struct yamux_stream *add(struct yamux_session *s, uint32_t id)
{
	struct yamux_stream *st;

	if (s->nstreams == s->capstreams) {
		size_t cap = s->capstreams ? s->capstreams * 2 : 8;
		void *p = realloc(s->streams, cap * sizeof(*s->streams));
		if (!p)
			return NULL;
		s->streams = p;
		s->capstreams = cap;
	}
	if (!(st = calloc(1, sizeof(*st))))
		return NULL;
	*st = (struct yamux_stream){ id, YAMUX_WINDOW, YAMUX_WINDOW, 0, false, false, NULL };
	s->streams[s->nstreams++] = st;
	return st;
}

static void drop(struct yamux_session *s, uint32_t id, bool reset)
{
	for (size_t i = 0; i < s->nstreams; i++) {
		if (s->streams[i]->id == id) {
			void *user = s->streams[i]->user;
			free(s->streams[i]);
			s->streams[i] = s->streams[--s->nstreams];
			if (s->cb.on_close)
				s->cb.on_close(s->ud, id, user, reset);
			return;
		}
	}
}

void yamux_init(struct yamux_session *s, bool client, const struct yamux_callbacks *cb,
		void *ud)
{
	memset(s, 0, sizeof(*s));
	s->client = client;
	if (cb)
		s->cb = *cb;
	s->ud = ud;
	s->out = (struct buf)BUF_INIT(0);
	s->max_streams = YAMUX_DEFAULT_STREAMS;
	s->next_id = client ? 1 : 2;
}

void yamux_free(struct yamux_session *s)
{
	for (size_t i = 0; i < s->nstreams; i++)
		free(s->streams[i]);
	free(s->streams);
	buf_free(&s->out);
	s->streams = NULL;
	s->nstreams = s->capstreams = 0;
}

uint32_t yamux_open(struct yamux_session *s)
{
	if (s->dead || s->goaway_sent || s->goaway_recv || s->nstreams >= s->max_streams ||
	    s->next_id > UINT32_MAX - 2)
		return 0;
	uint32_t id = s->next_id;
	if (!add(s, id))
		return 0;
	s->next_id += 2;
	emit(s, YAMUX_WINDOW_UPDATE, YAMUX_SYN, id, 0, NULL);
	return id;
}

long yamux_send(struct yamux_session *s, uint32_t id, const uint8_t *d, size_t len)
{
	struct yamux_stream *st = yamux_stream(s, id);
	size_t taken = 0;

	if (!st || st->local_fin || s->dead)
		return -1;
	while (taken < len && st->send_window > 0) {
		uint32_t n = st->send_window < YAMUX_MAX_FRAME ? st->send_window : YAMUX_MAX_FRAME;
		if (n > len - taken)
			n = (uint32_t)(len - taken);
		emit(s, YAMUX_DATA, 0, id, n, d + taken);
		st->send_window -= n;
		taken += n;
	}
	return (long)taken;
}

uint32_t yamux_send_window(struct yamux_session *s, uint32_t id)
{
	struct yamux_stream *st = yamux_stream(s, id);
	return st && !st->local_fin ? st->send_window : 0;
}

void yamux_consume(struct yamux_session *s, uint32_t id, size_t n)
{
	struct yamux_stream *st = yamux_stream(s, id);

	if (!st || st->remote_fin)
		return;
	st->recv_unacked += (uint32_t)n;
	/* Like hashicorp/yamux: give the window back in halves, not per read. */
	if (st->recv_unacked >= YAMUX_WINDOW / 2) {
		emit(s, YAMUX_WINDOW_UPDATE, 0, id, st->recv_unacked, NULL);
		st->recv_window += st->recv_unacked;
		st->recv_unacked = 0;
	}
}

void yamux_close(struct yamux_session *s, uint32_t id)
{
	struct yamux_stream *st = yamux_stream(s, id);

	if (!st || st->local_fin)
		return;
	st->local_fin = true;
	emit(s, YAMUX_WINDOW_UPDATE, YAMUX_FIN, id, 0, NULL);
	if (st->remote_fin)
		drop(s, id, false);
}

void yamux_reset(struct yamux_session *s, uint32_t id)
{
	if (!yamux_stream(s, id))
		return;
	emit(s, YAMUX_WINDOW_UPDATE, YAMUX_RST, id, 0, NULL);
	drop(s, id, true);
}

void yamux_ping(struct yamux_session *s, uint32_t value)
{
	emit(s, YAMUX_PING, YAMUX_SYN, 0, value, NULL);
}

void yamux_goaway(struct yamux_session *s, uint32_t code)
{
	if (s->goaway_sent)
		return;
	s->goaway_sent = true;
	emit(s, YAMUX_GO_AWAY, 0, 0, code, NULL);
}

/* ---------------------------------------------------------------- input */

static int protocol_error(struct yamux_session *s, const char *why)
{
	s->why = why;
	yamux_goaway(s, YAMUX_PROTOCOL_ERROR);
	s->dead = true;
	return -1;
}

/* SYN on a stream the peer opens. Returns the stream, or NULL when refused
 * (RST queued) or on a protocol error (s->dead). */
static struct yamux_stream *accept_stream(struct yamux_session *s, uint32_t id)
{
	struct yamux_stream *st;

	if (id == 0 || (id & 1) == (s->client ? 1u : 0u)) {
		protocol_error(s, "SYN on a stream id of the wrong side");
		return NULL;
	}
	if (yamux_stream(s, id)) {
		protocol_error(s, "SYN on a stream that is open");
		return NULL;
	}
	if (s->goaway_sent || s->nstreams >= s->max_streams || !(st = add(s, id))) {
		emit(s, YAMUX_WINDOW_UPDATE, YAMUX_RST, id, 0, NULL);
		return NULL;
	}
	if (s->cb.on_open && s->cb.on_open(s->ud, id) < 0) {
		emit(s, YAMUX_WINDOW_UPDATE, YAMUX_RST, id, 0, NULL);
		s->nstreams--; /* it is the last one: forget it without on_close */
		free(st);
		return NULL;
	}
	emit(s, YAMUX_WINDOW_UPDATE, YAMUX_ACK, id, 0, NULL);
	return st;
}

/* The flags and window of a DATA or WINDOW_UPDATE header; returns the
 * stream (NULL when gone or refused) or sets s->dead. */
static struct yamux_stream *stream_header(struct yamux_session *s, const struct yamux_header *h)
{
	struct yamux_stream *st;

	if (h->stream == 0)
		return protocol_error(s, "stream frame on stream 0"), NULL;
	if (h->flags & YAMUX_SYN)
		st = accept_stream(s, h->stream);
	else
		st = yamux_stream(s, h->stream); /* a late frame for a closed stream: ignored */
	if (!st)
		return NULL;
	if (h->type == YAMUX_WINDOW_UPDATE) {
		if (h->length > UINT32_MAX - st->send_window)
			return protocol_error(s, "stream window overflows"), NULL;
		st->send_window += h->length;
		if (h->length && s->cb.on_window)
			s->cb.on_window(s->ud, st->id);
	} else if (h->length > st->recv_window) {
		return protocol_error(s, "data beyond the stream's window"), NULL;
	} else if (h->length && st->remote_fin) {
		yamux_reset(s, st->id);
		return NULL;
	} else {
		st->recv_window -= h->length;
	}
	return st;
}

/* FIN and RST take effect after the frame's payload. */
static void stream_end(struct yamux_session *s, const struct yamux_header *h)
{
	struct yamux_stream *st = yamux_stream(s, h->stream);

	if (!st)
		return;
	if (h->flags & YAMUX_RST)
		return drop(s, h->stream, true);
	if ((h->flags & YAMUX_FIN) && !st->remote_fin) {
		st->remote_fin = true;
		if (s->cb.on_eof)
			s->cb.on_eof(s->ud, h->stream);
		if ((st = yamux_stream(s, h->stream)) && st->local_fin)
			drop(s, h->stream, false);
	}
}

static int session_frame(struct yamux_session *s, const struct yamux_header *h)
{
	if (h->type == YAMUX_PING) {
		if (h->flags & YAMUX_SYN)
			emit(s, YAMUX_PING, YAMUX_ACK, 0, h->length, NULL);
		else if ((h->flags & YAMUX_ACK) && s->cb.on_pong)
			s->cb.on_pong(s->ud, h->length);
		return 0;
	}
	s->goaway_recv = true;
	if (s->cb.on_goaway)
		s->cb.on_goaway(s->ud, h->length);
	if (h->length != YAMUX_NORMAL) {
		s->why = h->length == YAMUX_PROTOCOL_ERROR ? "the peer saw a protocol error"
							    : "the peer went away with an error";
		s->dead = true;
		return -1;
	}
	return 0;
}

/* A complete header arrived. */
static int header(struct yamux_session *s)
{
	struct yamux_header *h = &s->cur;
	const char *why;

	if (yamux_header_get(s->hdr, h, &why) < 0)
		return protocol_error(s, why);
	s->hdr_len = 0;
	if (h->type == YAMUX_PING || h->type == YAMUX_GO_AWAY)
		return session_frame(s, h);
	struct yamux_stream *st = stream_header(s, h);
	if (s->dead)
		return -1;
	if (h->type == YAMUX_DATA && h->length) {
		s->left = h->length;
		s->discard = !st;
		return 0;
	}
	stream_end(s, h);
	return 0;
}

int yamux_recv(struct yamux_session *s, const uint8_t *in, size_t len)
{
	while (len > 0) {
		if (s->dead)
			return -1;
		if (s->out.len > MAX_OUT)
			return s->why = "the peer does not read", s->dead = true, -1;
		if (s->left == 0) {
			size_t n = YAMUX_HEADER_SIZE - s->hdr_len;
			if (n > len)
				n = len;
			memcpy(s->hdr + s->hdr_len, in, n);
			s->hdr_len += n;
			in += n;
			len -= n;
			if (s->hdr_len == YAMUX_HEADER_SIZE && header(s) < 0)
				return -1;
			continue;
		}
		size_t n = len < s->left ? len : s->left;
		/* A callback may reset the stream while its data still comes. */
		if (!s->discard && s->cb.on_data && yamux_stream(s, s->cur.stream))
			s->cb.on_data(s->ud, s->cur.stream, in, n);
		in += n;
		len -= n;
		s->left -= (uint32_t)n;
		if (s->left == 0)
			stream_end(s, &s->cur);
	}
	return s->dead ? -1 : 0;
}
