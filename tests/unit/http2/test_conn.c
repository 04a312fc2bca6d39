#include <stdlib.h>

#include "harness.h"
#include "http2/conn.h"

/* An endpoint that records events as text and keeps received bodies. */
struct ep {
	struct h2_conn c;
	struct buf log;
	struct buf body;
	bool consume; /* give back flow-control window as data arrives */
	int windows;
};

static int ep_headers(void *ud, uint32_t id, const struct hpack_field *f, size_t n, bool end)
{
	struct ep *e = ud;
	buf_printf(&e->log, "H%u%s:", id, end ? "E" : "");
	for (size_t i = 0; i < n; i++)
		buf_printf(&e->log, " %.*s=%.*s", (int)f[i].nlen, f[i].name, (int)f[i].vlen,
			   f[i].value);
	buf_puts(&e->log, "\n");
	return 0;
}

static int ep_data(void *ud, uint32_t id, const uint8_t *d, size_t len, bool end)
{
	struct ep *e = ud;
	buf_append(&e->body, d, len);
	if (end)
		buf_printf(&e->log, "D%uE %zu\n", id, e->body.len);
	if (e->consume)
		h2_consume(&e->c, id, len);
	return 0;
}

static void ep_close(void *ud, uint32_t id, uint32_t code)
{
	struct ep *e = ud;
	buf_printf(&e->log, "C%u %s\n", id, h2_error_name(code));
}

static void ep_goaway(void *ud, uint32_t last, uint32_t code)
{
	struct ep *e = ud;
	buf_printf(&e->log, "G%u %s\n", last, h2_error_name(code));
}

static void ep_window(void *ud, uint32_t id)
{
	((struct ep *)ud)->windows++;
}

static const struct h2_callbacks cbs = { ep_headers, ep_data, ep_close, ep_goaway, ep_window };

static void ep_init(struct ep *e, enum h2_role role)
{
	memset(e, 0, sizeof(*e));
	h2_conn_init(&e->c, role, NULL, &cbs, e);
	e->consume = true;
}

static void ep_free(struct ep *e)
{
	h2_conn_free(&e->c);
	buf_free(&e->log);
	buf_free(&e->body);
}

/* Move bytes both ways until neither side has anything to send. */
static void pump(struct ep *a, struct ep *b)
{
	for (int i = 0; i < 10000 && (a->c.out.len || b->c.out.len); i++) {
		struct ep *from = a->c.out.len ? a : b, *to = from == a ? b : a;
		struct buf chunk = BUF_INIT(0);
		buf_append(&chunk, from->c.out.data, from->c.out.len);
		h2_conn_sent(&from->c, from->c.out.len);
		h2_conn_recv(&to->c, (uint8_t *)chunk.data, chunk.len);
		buf_free(&chunk);
	}
}

#define F(n, v) { n, sizeof(n) - 1, v, sizeof(v) - 1 }

TEST(h2_request_response)
{
	struct ep cl, sv;
	ep_init(&cl, H2_CLIENT);
	ep_init(&sv, H2_SERVER);
	struct hpack_field req[] = { F(":method", "POST"), F(":scheme", "http"),
				     F(":path", "/grpc.Health/Check"), F("te", "trailers") };
	uint32_t id = h2_send_headers(&cl.c, 0, req, 4, false);
	CHECK(id == 1);
	CHECK(h2_send_data(&cl.c, id, (const uint8_t *)"hello", 5, true) == 5);
	pump(&cl, &sv);
	CHECK_STR(sv.log.data, "H1: :method=POST :scheme=http :path=/grpc.Health/Check te=trailers\n"
			       "D1E 5\n");
	struct hpack_field resp[] = { F(":status", "200") }, trail[] = { F("grpc-status", "0") };
	h2_send_headers(&sv.c, 1, resp, 1, false);
	h2_send_data(&sv.c, 1, (const uint8_t *)"world!", 6, false);
	h2_send_headers(&sv.c, 1, trail, 1, true);
	pump(&cl, &sv);
	CHECK_STR(cl.log.data, "H1: :status=200\nH1E: grpc-status=0\nC1 NO_ERROR\n");
	CHECK_CONTAINS(sv.log.data, "C1 NO_ERROR\n");
	CHECK(cl.body.len == 6 && !memcmp(cl.body.data, "world!", 6));
	CHECK(cl.c.nstreams == 0 && sv.c.nstreams == 0);
	ep_free(&cl);
	ep_free(&sv);
}

/* 3 MiB each way: more than every window, so flow control must reopen them. */
TEST(h2_large_bodies_flow_control)
{
	struct ep cl, sv;
	size_t big = 3u << 20;
	uint8_t *data = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (uint8_t)(i * 7);
	ep_init(&cl, H2_CLIENT);
	ep_init(&sv, H2_SERVER);
	struct hpack_field req[] = { F(":method", "POST"), F(":path", "/x") };
	uint32_t id = h2_send_headers(&cl.c, 0, req, 2, false);
	size_t sent = 0;
	for (int i = 0; i < 1000 && sent < big; i++) {
		long n = h2_send_data(&cl.c, id, data + sent, big - sent, true);
		CHECK(n >= 0);
		sent += (size_t)n;
		pump(&cl, &sv);
	}
	CHECK(sent == big);
	CHECK(sv.body.len == big && !memcmp(sv.body.data, data, big));
	struct hpack_field resp[] = { F(":status", "200") };
	h2_send_headers(&sv.c, id, resp, 1, false);
	sent = 0;
	for (int i = 0; i < 1000 && sent < big; i++) {
		sent += (size_t)h2_send_data(&sv.c, id, data + sent, big - sent, true);
		pump(&cl, &sv);
	}
	CHECK(cl.body.len == big && !memcmp(cl.body.data, data, big));
	CHECK(cl.windows > 0 && sv.windows > 0);
	ep_free(&cl);
	ep_free(&sv);
	free(data);
}

/* A reader that does not consume stops the sender at the window. */
TEST(h2_backpressure)
{
	struct ep cl, sv;
	static uint8_t data[4u << 20];
	ep_init(&cl, H2_CLIENT);
	ep_init(&sv, H2_SERVER);
	sv.consume = false;
	struct hpack_field req[] = { F(":method", "POST"), F(":path", "/x") };
	uint32_t id = h2_send_headers(&cl.c, 0, req, 2, false);
	pump(&cl, &sv);
	long n = h2_send_data(&cl.c, id, data, sizeof(data), false);
	pump(&cl, &sv);
	CHECK(n == (1 << 20)); /* the server's stream and connection windows */
	CHECK(h2_send_data(&cl.c, id, data, sizeof(data), false) == 0);
	h2_consume(&sv.c, id, 1 << 20);
	pump(&cl, &sv);
	CHECK(h2_send_window(&cl.c, id) == (1 << 20));
	ep_free(&cl);
	ep_free(&sv);
}

/* A peer that lowers INITIAL_WINDOW_SIZE can leave a stream's window below
 * zero (RFC 9113 6.9.2): nothing may be sent then, but an empty DATA frame
 * that ends the stream still may, and nothing is read from the caller. */
TEST(h2_negative_window_empty_end)
{
	struct ep cl;
	static uint8_t data[2000];
	ep_init(&cl, H2_CLIENT);
	struct hpack_field req[] = { F(":method", "POST"), F(":path", "/x") };
	uint32_t id = h2_send_headers(&cl.c, 0, req, 2, false);
	CHECK(h2_send_data(&cl.c, id, data, 1000, false) == 1000);
	h2_conn_sent(&cl.c, cl.c.out.len);
	CHECK(h2_conn_recv(&cl.c, (const uint8_t *)"\0\0\x06\x04\0\0\0\0\0\0\x04\0\0\0\0", 15) == 0);
	CHECK(h2_send_window(&cl.c, id) == -1000);
	CHECK(h2_send_data(&cl.c, id, data, sizeof(data), false) == 0);
	size_t before = cl.c.out.len;
	CHECK(h2_send_data(&cl.c, id, data + sizeof(data), 0, true) == 0);
	CHECK(cl.c.out.len == before + 9);
	struct h2_frame_header h;
	h2_frame_header_parse((const uint8_t *)cl.c.out.data + before, &h);
	CHECK(h.type == H2_DATA && h.length == 0 && (h.flags & H2_F_END_STREAM));
	ep_free(&cl);
}

TEST(h2_many_streams_and_refusal)
{
	struct ep cl, sv;
	struct h2_settings s = { 4096, 0, 3, 1 << 20, 16384, 16384 };
	memset(&sv, 0, sizeof(sv));
	ep_init(&cl, H2_CLIENT);
	h2_conn_init(&sv.c, H2_SERVER, &s, &cbs, &sv);
	pump(&cl, &sv);
	struct hpack_field req[] = { F(":method", "POST"), F(":path", "/x") };
	for (int i = 0; i < 4; i++)
		h2_send_headers(&cl.c, 0, req, 2, false);
	pump(&cl, &sv);
	CHECK(sv.c.nstreams == 3);
	CHECK_CONTAINS(cl.log.data, "C7 REFUSED_STREAM\n");
	h2_send_rst(&cl.c, 1, H2_CANCEL);
	pump(&cl, &sv);
	CHECK_CONTAINS(sv.log.data, "C1 CANCEL\n");
	CHECK(sv.c.nstreams == 2);
	ep_free(&cl);
	ep_free(&sv);
}

TEST(h2_ping_and_goaway)
{
	struct ep cl, sv;
	ep_init(&cl, H2_CLIENT);
	ep_init(&sv, H2_SERVER);
	struct hpack_field req[] = { F(":method", "POST"), F(":path", "/x") };
	h2_send_headers(&cl.c, 0, req, 2, false);
	pump(&cl, &sv);
	h2_send_ping(&cl.c, (const uint8_t *)"12345678");
	pump(&cl, &sv); /* answered, no error */
	h2_send_headers(&cl.c, 0, req, 2, false); /* stream 3, in flight */
	h2_send_goaway(&sv.c, H2_NO_ERROR, "bye");
	struct buf chunk = BUF_INIT(0);
	buf_append(&chunk, sv.c.out.data, sv.c.out.len);
	h2_conn_sent(&sv.c, sv.c.out.len);
	h2_conn_recv(&cl.c, (uint8_t *)chunk.data, chunk.len);
	buf_free(&chunk);
	CHECK_CONTAINS(cl.log.data, "C3 REFUSED_STREAM\nG1 NO_ERROR\n");
	CHECK(h2_send_headers(&cl.c, 0, req, 2, false) == 0);
	ep_free(&cl);
	ep_free(&sv);
}

/* Raw frames against a server, after the preface and an empty SETTINGS. */
static int raw(struct ep *sv, const char *frames, size_t len)
{
	ep_init(sv, H2_SERVER);
	struct buf in = BUF_INIT(0);
	buf_append(&in, H2_PREFACE, H2_PREFACE_LEN);
	buf_append(&in, "\0\0\0\x04\0\0\0\0\0", 9);
	buf_append(&in, frames, len);
	int r = h2_conn_recv(&sv->c, (uint8_t *)in.data, in.len);
	buf_free(&in);
	return r;
}

/* The last GOAWAY in the server's output carries this code. */
static uint32_t goaway_code(struct ep *sv)
{
	const uint8_t *p = (const uint8_t *)sv->c.out.data;
	uint32_t code = 0xffffffff;
	for (size_t off = 0; off + 9 <= sv->c.out.len;) {
		struct h2_frame_header h;
		h2_frame_header_parse(p + off, &h);
		if (h.type == H2_GOAWAY)
			code = h2_get_u32(p + off + 13);
		off += 9 + h.length;
	}
	return code;
}

#define BAD(bytes, code, reason)                                               \
	do {                                                                   \
		struct ep sv_;                                                 \
		CHECK(raw(&sv_, bytes, sizeof(bytes) - 1) < 0);                \
		CHECK(goaway_code(&sv_) == (code));                            \
		CHECK_STR(sv_.c.why, reason);                                  \
		ep_free(&sv_);                                                 \
	} while (0)

TEST(h2_connection_errors)
{
	BAD("\0\0\x05\0\0\0\0\0\0hello", H2_PROTOCOL_ERROR, "DATA on stream 0");
	BAD("\0\0\x05\0\0\0\0\0\x01hello", H2_PROTOCOL_ERROR, "DATA on an idle stream");
	BAD("\0\x40\x01\0\0\0\0\0\x01", H2_FRAME_SIZE_ERROR, "frame larger than MAX_FRAME_SIZE");
	BAD("\0\0\x05\x04\0\0\0\0\0\0\x04\0\0\0", H2_FRAME_SIZE_ERROR,
	    "SETTINGS length not a multiple of 6");
	BAD("\0\0\x06\x04\0\0\0\0\x01\0\x04\0\0\0\x01", H2_PROTOCOL_ERROR, "SETTINGS on a stream");
	BAD("\0\0\x06\x04\0\0\0\0\0\0\x04\x80\0\0\0", H2_FLOW_CONTROL_ERROR,
	    "invalid INITIAL_WINDOW_SIZE");
	BAD("\0\0\x06\x04\0\0\0\0\0\0\x05\0\0\x10\0", H2_PROTOCOL_ERROR, "invalid MAX_FRAME_SIZE");
	BAD("\0\0\x06\x04\0\0\0\0\0\0\x02\0\0\0\x02", H2_PROTOCOL_ERROR, "invalid ENABLE_PUSH");
	BAD("\0\0\x01\x04\x01\0\0\0\0\0", H2_FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
	BAD("\0\0\x07\x06\0\0\0\0\0" "1234567", H2_FRAME_SIZE_ERROR, "PING length not 8");
	BAD("\0\0\x08\x06\0\0\0\0\x01" "12345678", H2_PROTOCOL_ERROR, "PING on a stream");
	BAD("\0\0\x04\x08\0\0\0\0\0\0\0\0\0", H2_PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
	BAD("\0\0\x04\x08\0\0\0\0\0\x7f\xff\xff\xff", H2_FLOW_CONTROL_ERROR,
	    "connection window overflow");
	BAD("\0\0\x01\x09\x04\0\0\0\x01\x82", H2_PROTOCOL_ERROR, "unexpected CONTINUATION");
	BAD("\0\0\x01\x01\0\0\0\0\x01\x82" "\0\0\0\x06\0\0\0\0\0", H2_PROTOCOL_ERROR,
	    "header block interrupted");
	BAD("\0\0\x02\x01\x0c\0\0\0\x01\x05\x82", H2_PROTOCOL_ERROR, "padding longer than the frame");
	BAD("\0\0\x01\x01\x04\0\0\0\x01\xff", H2_COMPRESSION_ERROR, "truncated integer");
	BAD("\0\0\x01\x01\x04\0\0\0\0\x82", H2_PROTOCOL_ERROR, "HEADERS on stream 0");
	BAD("\0\0\x01\x01\x04\0\0\0\x02\x82", H2_PROTOCOL_ERROR, "HEADERS on an idle stream of ours");
	BAD("\0\0\x04\x03\0\0\0\0\x05\0\0\0\0", H2_PROTOCOL_ERROR, "RST_STREAM on an idle stream");
	BAD("\0\0\x01\x05\x04\0\0\0\x01\x82", H2_PROTOCOL_ERROR, "PUSH_PROMISE");
	BAD("\0\0\x04\x07\0\0\0\0\0\0\0\0\0", H2_FRAME_SIZE_ERROR, "GOAWAY too short");
}

TEST(h2_bad_preface_and_first_frame)
{
	struct ep sv;
	ep_init(&sv, H2_SERVER);
	CHECK(h2_conn_recv(&sv.c, (const uint8_t *)"GET / HTTP/1.1\r\n", 16) < 0);
	CHECK_STR(sv.c.why, "bad connection preface");
	ep_free(&sv);
	ep_init(&sv, H2_SERVER);
	struct buf in = BUF_INIT(0);
	buf_append(&in, H2_PREFACE, H2_PREFACE_LEN);
	buf_append(&in, "\0\0\x08\x06\0\0\0\0\0" "12345678", 17);
	CHECK(h2_conn_recv(&sv.c, (uint8_t *)in.data, in.len) < 0);
	CHECK_STR(sv.c.why, "first frame is not SETTINGS");
	buf_free(&in);
	ep_free(&sv);
}

/* A peer that sends pings and never reads the answers is cut off. */
TEST(h2_ping_flood)
{
	struct ep sv;
	struct buf in = BUF_INIT(0);
	for (int i = 0; i < 300000; i++)
		buf_append(&in, "\0\0\x08\x06\0\0\0\0\0" "12345678", 17);
	CHECK(raw(&sv, in.data, in.len) < 0);
	CHECK(goaway_code(&sv) == H2_ENHANCE_YOUR_CALM);
	buf_free(&in);
	ep_free(&sv);
}

/* Stream errors reset the stream and keep the connection. */
TEST(h2_stream_errors)
{
	struct ep sv;
	/* HEADERS (end stream) on 1, then DATA on the half-closed stream 1. */
	CHECK(raw(&sv, "\0\0\x01\x01\x05\0\0\0\x01\x83" "\0\0\x01\0\0\0\0\0\x01x", 20) == 0);
	CHECK(sv.c.dead == false);
	CHECK_CONTAINS(sv.log.data, "C1 STREAM_CLOSED\n");
	ep_free(&sv);
	/* Upper-case header names are malformed. */
	CHECK(raw(&sv, "\0\0\x04\x01\x04\0\0\0\x01\x00\x01X\x00", 13) == 0);
	CHECK_CONTAINS(sv.log.data, "C1 PROTOCOL_ERROR\n");
	ep_free(&sv);
	/* Frames split at every byte boundary are reassembled. */
	ep_init(&sv, H2_SERVER);
	const char msg[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0"
			   "\0\0\x01\x01\x05\0\0\0\x01\x83";
	for (size_t i = 0; i < sizeof(msg) - 1; i++)
		CHECK(h2_conn_recv(&sv.c, (const uint8_t *)msg + i, 1) == 0);
	CHECK_STR(sv.log.data, "H1E: :method=POST\n");
	ep_free(&sv);
}
