/* HTTP/2 interop with libnghttp2's session implementation, in memory: our
 * client against an nghttp2 server, and an nghttp2 client against our
 * server. 16 concurrent streams each send 1 MiB that the server echoes back
 * with trailers, so flow control, CONTINUATION-free large bodies, window
 * updates and stream lifecycle are all crossed with a real peer. */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http2/conn.h"

#define NSTREAMS 16
#define BODY (1u << 20)

struct st {
	uint32_t id;
	struct buf got;     /* received body */
	size_t sent;        /* body bytes sent */
	int trailers_ok;
	int closed;
	int started;        /* server: response headers sent */
	int req_done;       /* server: request fully received */
};

static uint8_t *bodies[NSTREAMS * 2 + 2];

static uint8_t *body_for(uint32_t id)
{
	uint32_t i = id / 2;
	if (!bodies[i]) {
		bodies[i] = malloc(BODY);
		for (size_t k = 0; k < BODY; k++)
			bodies[i][k] = (uint8_t)(k * 31 + id);
	}
	return bodies[i];
}

/* Each peer keeps its own per-stream state. */
static struct st streams[NSTREAMS * 2 + 2], ng_streams[NSTREAMS * 2 + 2];
static struct st *st_of(uint32_t id) { return &streams[id / 2]; }
static struct st *ng_of(uint32_t id) { return &ng_streams[id / 2]; }

/* ---------------------------------------------------------------- our side callbacks */

static int our_headers(void *ud, uint32_t id, const struct hpack_field *f, size_t n, bool end)
{
	struct st *s = st_of(id);
	for (size_t i = 0; i < n; i++)
		if (f[i].nlen == 11 && !memcmp(f[i].name, "grpc-status", 11) && end)
			s->trailers_ok = 1;
	if (end)
		s->req_done = 1;
	return 0;
}

static int our_data(void *ud, uint32_t id, const uint8_t *d, size_t len, bool end)
{
	struct h2_conn *c = ud;
	struct st *s = st_of(id);
	buf_append(&s->got, d, len);
	h2_consume(c, id, len);
	if (end)
		s->req_done = 1;
	return 0;
}

static void our_close(void *ud, uint32_t id, uint32_t code)
{
	st_of(id)->closed = code == H2_NO_ERROR ? 1 : -1;
}

/* ---------------------------------------------------------------- nghttp2 callbacks */

static ssize_t ng_read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len,
			    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct st *s = ng_of((uint32_t)id);
	int server = nghttp2_session_check_server_session(sess);
	const uint8_t *from = server ? (const uint8_t *)s->got.data : body_for((uint32_t)id);
	size_t total = server ? s->got.len : BODY;
	size_t n = total - s->sent < len ? total - s->sent : len;
	memcpy(buf, from + s->sent, n);
	s->sent += n;
	if (s->sent == total) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		if (server) {
			nghttp2_nv t[] = { { (uint8_t *)"grpc-status", (uint8_t *)"0", 11, 1, 0 } };
			*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
			nghttp2_submit_trailer(sess, id, t, 1);
		}
	}
	return (ssize_t)n;
}

static int ng_data_chunk(nghttp2_session *sess, uint8_t flags, int32_t id, const uint8_t *d,
			 size_t len, void *ud)
{
	buf_append(&ng_of((uint32_t)id)->got, d, len);
	return 0;
}

static int ng_header(nghttp2_session *sess, const nghttp2_frame *f, const uint8_t *name,
		     size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *ud)
{
	if (nlen == 11 && !memcmp(name, "grpc-status", 11))
		ng_of((uint32_t)f->hd.stream_id)->trailers_ok = 1;
	return 0;
}

static int ng_frame_recv(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	/* Server: once the request has ended, echo the body with trailers. */
	if (nghttp2_session_check_server_session(sess) && (f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
	    (f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS)) {
		nghttp2_nv h[] = { { (uint8_t *)":status", (uint8_t *)"200", 7, 3, 0 } };
		nghttp2_data_provider p = { .read_callback = ng_read_body };
		nghttp2_submit_response(sess, f->hd.stream_id, h, 1, &p);
	}
	return 0;
}

static int ng_close(nghttp2_session *sess, int32_t id, uint32_t code, void *ud)
{
	ng_of((uint32_t)id)->closed = code == 0 ? 1 : -1;
	return 0;
}

static nghttp2_session *ng_new(int server)
{
	nghttp2_session_callbacks *cb;
	nghttp2_session *s;
	nghttp2_session_callbacks_new(&cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, ng_data_chunk);
	nghttp2_session_callbacks_set_on_header_callback(cb, ng_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, ng_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, ng_close);
	if (server)
		nghttp2_session_server_new(&s, cb, NULL);
	else
		nghttp2_session_client_new(&s, cb, NULL);
	nghttp2_session_callbacks_del(cb);
	nghttp2_settings_entry iv[] = { { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100 } };
	nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, 1);
	return s;
}

/* One exchange: our bytes to nghttp2 and back. Returns 0 when nothing moved. */
static int exchange(struct h2_conn *c, nghttp2_session *s)
{
	int moved = 0;
	if (c->out.len) {
		ssize_t r = nghttp2_session_mem_recv(s, (uint8_t *)c->out.data, c->out.len);
		if (r < 0) {
			fprintf(stderr, "nghttp2 recv: %s\n", nghttp2_strerror((int)r));
			return -1;
		}
		h2_conn_sent(c, c->out.len);
		moved = 1;
	}
	const uint8_t *d;
	ssize_t n;
	while ((n = nghttp2_session_mem_send(s, &d)) > 0) {
		if (h2_conn_recv(c, d, (size_t)n) < 0) {
			fprintf(stderr, "ours: %s\n", c->why);
			return -1;
		}
		moved = 1;
	}
	return moved;
}

static void reset_streams(void)
{
	for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		buf_free(&streams[i].got);
		buf_free(&ng_streams[i].got);
		memset(&streams[i], 0, sizeof(streams[i]));
		memset(&ng_streams[i], 0, sizeof(ng_streams[i]));
	}
}

static int check_streams(const char *what, struct st *(*of)(uint32_t))
{
	int bad = 0;
	for (uint32_t k = 0; k < NSTREAMS; k++) {
		uint32_t id = 1 + 2 * k;
		struct st *s = of(id);
		if (s->got.len != BODY || memcmp(s->got.data, body_for(id), BODY) || !s->trailers_ok ||
		    s->closed != 1) {
			fprintf(stderr, "%s stream %u: got %zu bytes, trailers %d, closed %d\n", what, id,
				s->got.len, s->trailers_ok, s->closed);
			bad = 1;
		}
	}
	return bad;
}

static int ours_client(void)
{
	struct h2_conn c;
	struct h2_callbacks cb = { our_headers, our_data, our_close, NULL, NULL };
	nghttp2_session *s = ng_new(1);
	h2_conn_init(&c, H2_CLIENT, NULL, &cb, &c);
	reset_streams();
	struct hpack_field req[] = { { ":method", 7, "POST", 4 }, { ":scheme", 7, "http", 4 },
				     { ":path", 5, "/echo", 5 }, { ":authority", 10, "x", 1 } };
	for (int k = 0; k < NSTREAMS; k++)
		st_of(h2_send_headers(&c, 0, req, 4, false))->id = 1;
	for (int round = 0; round < 100000; round++) {
		for (uint32_t k = 0; k < NSTREAMS; k++) {
			uint32_t id = 1 + 2 * k;
			struct st *st = st_of(id);
			if (st->sent < BODY) {
				long n = h2_send_data(&c, id, body_for(id) + st->sent, BODY - st->sent,
						      true);
				if (n > 0)
					st->sent += (size_t)n;
			}
		}
		int r = exchange(&c, s);
		if (r < 0)
			break;
		if (r == 0 && c.nstreams == 0)
			break;
	}
	int bad = check_streams("ours->nghttp2", st_of);
	h2_conn_free(&c);
	nghttp2_session_del(s);
	return bad;
}

static int ours_server(void)
{
	struct h2_conn c;
	struct h2_callbacks cb = { our_headers, our_data, our_close, NULL, NULL };
	nghttp2_session *s = ng_new(0);
	h2_conn_init(&c, H2_SERVER, NULL, &cb, &c);
	reset_streams();
	nghttp2_nv req[] = { { (uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0 },
			     { (uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0 },
			     { (uint8_t *)":path", (uint8_t *)"/echo", 5, 5, 0 },
			     { (uint8_t *)":authority", (uint8_t *)"x", 10, 1, 0 } };
	nghttp2_data_provider p = { .read_callback = ng_read_body };
	for (int k = 0; k < NSTREAMS; k++)
		nghttp2_submit_request(s, NULL, req, 4, &p, NULL);
	/* Our server echoes each request body once the request has ended. */
	static struct buf echo[NSTREAMS * 2 + 2];
	for (int round = 0; round < 100000; round++) {
		for (uint32_t k = 0; k < NSTREAMS; k++) {
			uint32_t id = 1 + 2 * k;
			struct st *st = st_of(id);
			if (!st->req_done || st->closed)
				continue;
			if (!st->started) {
				struct hpack_field h[] = { { ":status", 7, "200", 3 } };
				h2_send_headers(&c, id, h, 1, false);
				st->started = 1;
				echo[id / 2] = st->got;
				st->got = (struct buf)BUF_INIT(0);
			}
			if (st->sent < BODY) {
				long n = h2_send_data(&c, id, (uint8_t *)echo[id / 2].data + st->sent,
						      BODY - st->sent, false);
				if (n > 0)
					st->sent += (size_t)n;
				if (st->sent == BODY) {
					struct hpack_field t[] = { { "grpc-status", 11, "0", 1 } };
					h2_send_headers(&c, id, t, 1, true);
				}
			}
		}
		int r = exchange(&c, s);
		if (r < 0)
			break;
		if (r == 0 && !nghttp2_session_want_read(s) && !nghttp2_session_want_write(s))
			break;
		if (r == 0 && c.nstreams == 0 && nghttp2_session_get_next_stream_id(s) > 2 * NSTREAMS)
			break;
	}
	/* The nghttp2 client stored the echoed bodies in ng_streams[].got. */
	int bad = check_streams("nghttp2->ours", ng_of);
	for (size_t i = 0; i < sizeof(echo) / sizeof(echo[0]); i++)
		buf_free(&echo[i]);
	h2_conn_free(&c);
	nghttp2_session_del(s);
	return bad;
}

int main(void)
{
	int passed = 0, failed = 0;
	ours_client() == 0 ? passed++ : failed++;
	ours_server() == 0 ? passed++ : failed++;
	reset_streams();
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		free(bodies[i]);
	printf("h2-nghttp2: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
