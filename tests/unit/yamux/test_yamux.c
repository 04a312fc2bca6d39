#include <stdlib.h>

#include "harness.h"
#include "yamux/yamux.h"

/* An endpoint that logs events as text and keeps what it received. */
struct ep {
	struct yamux_session s;
	struct buf log;
	struct buf data;
	bool consume;
	bool refuse;
	uint32_t reset_on_data; /* reset this stream from inside on_data */
};

static int ep_open(void *ud, uint32_t id)
{
	struct ep *e = ud;
	buf_printf(&e->log, "open %u\n", id);
	return e->refuse ? -1 : 0;
}

static void ep_data(void *ud, uint32_t id, const uint8_t *d, size_t n)
{
	struct ep *e = ud;
	buf_append(&e->data, d, n);
	if (e->consume)
		yamux_consume(&e->s, id, n);
	if (id == e->reset_on_data)
		yamux_reset(&e->s, id);
}

static void ep_eof(void *ud, uint32_t id)
{
	buf_printf(&((struct ep *)ud)->log, "eof %u\n", id);
}

static void ep_close(void *ud, uint32_t id, void *user, bool reset)
{
	buf_printf(&((struct ep *)ud)->log, "close %u%s\n", id, reset ? " reset" : "");
}

static void ep_goaway(void *ud, uint32_t code)
{
	buf_printf(&((struct ep *)ud)->log, "goaway %u\n", code);
}

static void ep_pong(void *ud, uint32_t v)
{
	buf_printf(&((struct ep *)ud)->log, "pong %u\n", v);
}

static const struct yamux_callbacks cb = { ep_open, ep_data, ep_eof, ep_close,
					   NULL,    ep_goaway, ep_pong };

static void ep_init(struct ep *e, bool client)
{
	memset(e, 0, sizeof(*e));
	e->log = (struct buf)BUF_INIT(0);
	e->data = (struct buf)BUF_INIT(0);
	yamux_init(&e->s, client, &cb, e);
}

static void ep_free(struct ep *e)
{
	yamux_free(&e->s);
	buf_free(&e->log);
	buf_free(&e->data);
}

static const char *logof(struct ep *e)
{
	return e->log.data ? e->log.data : "";
}

/* Move a's output to b (in small pieces, to cross frame boundaries). */
static int pump(struct ep *a, struct ep *b)
{
	int r = 0;
	for (size_t i = 0; i < a->s.out.len && r == 0; i += 7) {
		size_t n = a->s.out.len - i < 7 ? a->s.out.len - i : 7;
		r = yamux_recv(&b->s, (uint8_t *)a->s.out.data + i, n);
	}
	yamux_sent(&a->s, a->s.out.len);
	return r;
}

static void exchange(struct ep *a, struct ep *b)
{
	while (a->s.out.len || b->s.out.len) {
		pump(a, b);
		pump(b, a);
	}
}

static int feed(struct ep *e, uint8_t type, uint16_t flags, uint32_t id, uint32_t len)
{
	uint8_t h[YAMUX_HEADER_SIZE];
	yamux_header_put(h, &(struct yamux_header){ 0, type, flags, id, len });
	return yamux_recv(&e->s, h, sizeof(h));
}

TEST(yamux_header_layout)
{
	uint8_t h[YAMUX_HEADER_SIZE];
	struct yamux_header in = { 0, YAMUX_WINDOW_UPDATE, YAMUX_SYN | YAMUX_FIN, 0x01020304,
				   0xa0b0c0d0 }, out;
	const char *why;
	static const uint8_t want[] = { 0, 1, 0, 5, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0 };

	yamux_header_put(h, &in);
	CHECK(!memcmp(h, want, sizeof(want)));
	CHECK(yamux_header_get(h, &out, &why) == 0);
	CHECK(out.type == 1 && out.flags == 5 && out.stream == 0x01020304 &&
	      out.length == 0xa0b0c0d0);
	h[0] = 1;
	CHECK(yamux_header_get(h, &out, &why) < 0);
	CHECK_STR(why, "unknown yamux version");
	h[0] = 0;
	h[1] = 4;
	CHECK(yamux_header_get(h, &out, &why) < 0);
	CHECK_STR(why, "unknown yamux frame type");
}

TEST(yamux_open_send_close)
{
	struct ep c, s;
	ep_init(&c, true);
	ep_init(&s, false);
	uint32_t id = yamux_open(&c.s);
	CHECK(id == 1);
	CHECK(yamux_open(&c.s) == 3);
	CHECK(yamux_send(&c.s, 1, (const uint8_t *)"hello", 5) == 5);
	yamux_close(&c.s, 1);
	exchange(&c, &s);
	CHECK_STR(logof(&s), "open 1\nopen 3\neof 1\n");
	CHECK(s.data.len == 5 && !memcmp(s.data.data, "hello", 5));
	CHECK(yamux_send(&c.s, 1, (const uint8_t *)"x", 1) == -1); /* half-closed */
	CHECK(yamux_send(&s.s, 1, (const uint8_t *)"back", 4) == 4);
	yamux_close(&s.s, 1);
	exchange(&c, &s);
	CHECK_STR(logof(&s), "open 1\nopen 3\neof 1\nclose 1\n");
	CHECK_STR(logof(&c), "eof 1\nclose 1\n");
	CHECK(c.data.len == 4);
	CHECK(yamux_stream(&c.s, 1) == NULL && yamux_stream(&c.s, 3) != NULL);
	/* A server opens even ids. */
	CHECK(yamux_open(&s.s) == 2);
	exchange(&c, &s);
	CHECK_CONTAINS(logof(&c), "open 2\n");
	ep_free(&c);
	ep_free(&s);
}

TEST(yamux_flow_control)
{
	static uint8_t big[1 << 20];
	struct ep c, s;
	ep_init(&c, true);
	ep_init(&s, false);
	uint32_t id = yamux_open(&c.s);
	/* The window stops the sender at 256 KiB until the reader consumes. */
	CHECK(yamux_send(&c.s, id, big, sizeof(big)) == YAMUX_WINDOW);
	CHECK(yamux_send_window(&c.s, id) == 0);
	exchange(&c, &s);
	CHECK(s.data.len == YAMUX_WINDOW);
	CHECK(yamux_send_window(&c.s, id) == 0); /* nothing consumed yet */
	yamux_consume(&s.s, id, YAMUX_WINDOW / 2 - 1);
	exchange(&c, &s);
	CHECK(yamux_send_window(&c.s, id) == 0); /* below half: not yet */
	yamux_consume(&s.s, id, 1);
	exchange(&c, &s);
	CHECK(yamux_send_window(&c.s, id) == YAMUX_WINDOW / 2);
	/* A reader that consumes as it goes takes all of it. */
	s.consume = true;
	yamux_consume(&s.s, id, YAMUX_WINDOW / 2);
	size_t sent = YAMUX_WINDOW;
	while (sent < sizeof(big)) {
		long n = yamux_send(&c.s, id, big + sent, sizeof(big) - sent);
		CHECK(n > 0);
		if (n <= 0)
			break;
		sent += (size_t)n;
		exchange(&c, &s);
	}
	CHECK(s.data.len == sizeof(big));
	ep_free(&c);
	ep_free(&s);
}

TEST(yamux_reset_and_refuse)
{
	struct ep c, s;
	ep_init(&c, true);
	ep_init(&s, false);
	uint32_t id = yamux_open(&c.s);
	exchange(&c, &s);
	yamux_reset(&s.s, id);
	CHECK_STR(logof(&s), "open 1\nclose 1 reset\n");
	exchange(&c, &s);
	CHECK_STR(logof(&c), "close 1 reset\n");
	CHECK(yamux_send(&c.s, id, (const uint8_t *)"x", 1) == -1);
	/* A refused stream is reset; the opener learns it. */
	s.refuse = true;
	id = yamux_open(&c.s);
	exchange(&c, &s);
	CHECK_CONTAINS(logof(&c), "close 3 reset\n");
	CHECK(yamux_stream(&s.s, 3) == NULL);
	/* A stream reset from inside on_data drops the rest of its frame. */
	s.refuse = false;
	s.reset_on_data = 5;
	id = yamux_open(&c.s);
	static uint8_t chunk[1000];
	CHECK(yamux_send(&c.s, id, chunk, sizeof(chunk)) == sizeof(chunk));
	exchange(&c, &s);
	CHECK(s.data.len > 0 && s.data.len <= 7); /* the first piece only */
	CHECK_CONTAINS(logof(&c), "close 5 reset\n");
	ep_free(&c);
	ep_free(&s);
}

TEST(yamux_limits)
{
	struct ep c, s;
	ep_init(&c, true);
	ep_init(&s, false);
	s.s.max_streams = 2;
	for (int i = 0; i < 3; i++)
		yamux_open(&c.s);
	exchange(&c, &s);
	CHECK_STR(logof(&s), "open 1\nopen 3\n");
	CHECK_STR(logof(&c), "close 5 reset\n");
	c.s.max_streams = 2;
	CHECK(yamux_open(&c.s) == 0);
	ep_free(&c);
	ep_free(&s);
}

TEST(yamux_ping_and_goaway)
{
	struct ep c, s;
	ep_init(&c, true);
	ep_init(&s, false);
	uint32_t id = yamux_open(&c.s);
	yamux_ping(&c.s, 77);
	exchange(&c, &s);
	CHECK_STR(logof(&c), "pong 77\n");
	yamux_goaway(&s.s, YAMUX_NORMAL);
	CHECK(yamux_open(&s.s) == 0);
	exchange(&c, &s);
	CHECK_CONTAINS(logof(&c), "goaway 0\n");
	CHECK(yamux_open(&c.s) == 0);
	/* Streams open before a normal GO_AWAY go on. */
	CHECK(yamux_send(&c.s, id, (const uint8_t *)"still", 5) == 5);
	exchange(&c, &s);
	CHECK(s.data.len == 5);
	/* A GO_AWAY with an error ends the session. */
	CHECK(feed(&c, YAMUX_GO_AWAY, 0, 0, YAMUX_INTERNAL_ERROR) < 0);
	CHECK_STR(c.s.why, "the peer went away with an error");
	ep_free(&c);
	ep_free(&s);
}

static void check_protocol_error(uint8_t type, uint16_t flags, uint32_t id, uint32_t len,
				 const char *why)
{
	struct ep s;
	uint8_t h[YAMUX_HEADER_SIZE];
	struct yamux_header got;
	const char *w;

	ep_init(&s, false);
	CHECK(feed(&s, YAMUX_WINDOW_UPDATE, YAMUX_SYN, 1, 0) == 0);
	yamux_sent(&s.s, s.s.out.len);
	CHECK(feed(&s, type, flags, id, len) < 0);
	CHECK_STR(s.s.why, why);
	/* GO_AWAY(protocol error) is queued, and nothing more is taken. */
	CHECK(s.s.out.len >= YAMUX_HEADER_SIZE);
	memcpy(h, s.s.out.data + s.s.out.len - YAMUX_HEADER_SIZE, sizeof(h));
	CHECK(yamux_header_get(h, &got, &w) == 0 && got.type == YAMUX_GO_AWAY &&
	      got.length == YAMUX_PROTOCOL_ERROR);
	CHECK(feed(&s, YAMUX_PING, YAMUX_SYN, 0, 1) < 0);
	ep_free(&s);
}

TEST(yamux_protocol_errors)
{
	check_protocol_error(YAMUX_DATA, 0, 1, YAMUX_WINDOW + 1, "data beyond the stream's window");
	check_protocol_error(YAMUX_DATA, 0, 0, 1, "stream frame on stream 0");
	check_protocol_error(YAMUX_WINDOW_UPDATE, YAMUX_SYN, 1, 0, "SYN on a stream that is open");
	check_protocol_error(YAMUX_WINDOW_UPDATE, YAMUX_SYN, 2, 0,
			     "SYN on a stream id of the wrong side");
	check_protocol_error(YAMUX_WINDOW_UPDATE, 0, 1, UINT32_MAX, "stream window overflows");
	check_protocol_error(7, 0, 1, 0, "unknown yamux frame type");
}

TEST(yamux_late_frames_ignored)
{
	struct ep s;
	ep_init(&s, false);
	/* Frames for a stream that is gone (or never was) are dropped with
	 * their payload, as hashicorp/yamux does. */
	CHECK(feed(&s, YAMUX_DATA, 0, 9, 3) == 0);
	CHECK(yamux_recv(&s.s, (const uint8_t *)"abc", 3) == 0);
	CHECK(feed(&s, YAMUX_WINDOW_UPDATE, 0, 9, 100) == 0);
	CHECK(s.data.len == 0 && s.s.out.len == 0);
	/* Data after the peer's FIN resets that stream only. */
	CHECK(feed(&s, YAMUX_WINDOW_UPDATE, YAMUX_SYN | YAMUX_FIN, 1, 0) == 0);
	CHECK(feed(&s, YAMUX_DATA, 0, 1, 2) == 0);
	CHECK(yamux_recv(&s.s, (const uint8_t *)"zz", 2) == 0);
	CHECK_STR(logof(&s), "open 1\neof 1\nclose 1 reset\n");
	CHECK(s.data.len == 0);
	ep_free(&s);
}
