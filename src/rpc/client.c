/* The gRPC client: unary calls from any number of threads, each a stream
 * on one HTTP/2 connection. There is no thread of its own: under the
 * client's lock, one waiting caller at a time reads the connection (the
 * reader) and hands what it reads to every call; the others wait on a
 * condition variable until their call ends, their deadline passes, or the
 * reader's role is free. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "autoconf.h"
#include "grpc/grpc.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "util/error.h"

struct call {
	struct call *next;
	struct h2_conn *h2;
	uint32_t id;
	struct grpc_reader reader;
	struct buf msg;
	int nmsgs;
	int status; /* -1 until grpc-status arrives */
	struct buf message;
	const char *problem; /* a protocol problem seen by a callback */
	bool closed;
	uint32_t close_code;
};

static bool is(const struct hpack_field *f, const char *name)
{
	return f->nlen == strlen(name) && !memcmp(f->name, name, f->nlen);
}

static struct call *call_of(void *ud, uint32_t id)
{
	struct call *cl = ((struct rpc_client *)ud)->calls;
	while (cl && cl->id != id)
		cl = cl->next;
	return cl;
}

static int on_headers(void *ud, uint32_t id, const struct hpack_field *f, size_t n, bool end)
{
	struct call *cl = call_of(ud, id);
	if (!cl)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (is(&f[i], ":status") && (f[i].vlen != 3 || memcmp(f[i].value, "200", 3)))
			cl->problem = "HTTP status is not 200";
		else if (is(&f[i], "content-type") &&
			 (f[i].vlen < 16 || memcmp(f[i].value, "application/grpc", 16)))
			cl->problem = "content-type is not application/grpc";
		else if (is(&f[i], "grpc-status"))
			cl->status = grpc_status_parse(f[i].value, f[i].vlen);
		else if (is(&f[i], "grpc-message"))
			grpc_percent_decode(&cl->message, f[i].value, f[i].vlen);
	}
	return 0;
}

static int keep_message(void *ud, const uint8_t *m, size_t len)
{
	struct call *cl = ud;
	if (cl->nmsgs++ == 0 && grpc_reader_keep(&cl->reader, m, len, &cl->msg) < 0)
		return -GRPC_RESOURCE_EXHAUSTED;
	return 0;
}

static int on_data(void *ud, uint32_t id, const uint8_t *d, size_t len, bool end)
{
	struct call *cl = call_of(ud, id);
	const char *why;

	if (!cl) { /* a call that gave up */
		h2_consume(&((struct rpc_client *)ud)->h2, id, len);
		return 0;
	}
	int r = grpc_reader_feed(&cl->reader, d, len, keep_message, cl, &why);
	h2_consume(cl->h2, id, len);
	if (r < 0) {
		cl->problem = why ? why : "cannot read the response message";
		return H2_CANCEL;
	}
	return 0;
}

static void on_close(void *ud, uint32_t id, uint32_t code)
{
	struct call *cl = call_of(ud, id);
	if (!cl)
		return;
	cl->closed = true;
	cl->close_code = code;
}

int rpc_client_connect_unix(struct rpc_client *c, const char *path, struct error **err)
{
	int fd = unix_connect(path, err);
	if (fd < 0) {
		memset(c, 0, sizeof(*c));
		c->fd = -1;
		return -1;
	}
	return rpc_client_connect_fd(c, fd, err);
}

int rpc_client_connect_fd(struct rpc_client *c, int fd, struct error **err)
{
	static const struct h2_callbacks cb = { on_headers, on_data, on_close, NULL, NULL };

	pthread_condattr_t ca;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	if (h2_conn_init(&c->h2, H2_CLIENT, NULL, &cb, c) < 0) {
		close(c->fd);
		c->fd = -1;
		return error_set(err, ENOMEM, "out of memory");
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->turn, &ca);
	pthread_condattr_destroy(&ca);
	c->max_message = GRPC_DEFAULT_MAX_MESSAGE;
	return 0;
}

void rpc_client_close(struct rpc_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	h2_conn_free(&c->h2);
	buf_free(&c->body);
	free(c->in);
	c->in = NULL;
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->turn);
	c->fd = -1;
}

static int encode(const struct rpc_method *m, const void *req, size_t max, struct buf *out,
		  struct error **err)
{
	size_t size;
	if (!pb_get_encoded_size(&size, m->req, req))
		return error_set(err, GRPC_INTERNAL, "%s: cannot size the request", m->path);
	if (size > max)
		return error_set(err, GRPC_RESOURCE_EXHAUSTED, "%s: request of %zu bytes is over "
				 "the %zu byte limit", m->path, size, max);
	/* Encoded in place after the prefix: no second buffer. */
	if (grpc_message_prefix(out, size) < 0 || buf_reserve(out, size) < 0)
		return error_set(err, GRPC_RESOURCE_EXHAUSTED, "out of memory");
	pb_ostream_t os = pb_ostream_from_buffer((pb_byte_t *)out->data + out->len, size);
	if (!pb_encode(&os, m->req, req))
		return error_set(err, GRPC_INTERNAL, "%s: %s", m->path, PB_GET_ERROR(&os));
	out->len += size;
	out->data[out->len] = '\0';
	return 0;
}

static uint32_t start(struct rpc_client *c, const struct rpc_method *m, int timeout_ms,
		      const char *traceparent)
{
	char t[16];
	struct hpack_field h[8] = {
		{ ":method", 7, "POST", 4 }, { ":scheme", 7, "http", 4 },
		{ ":path", 5, m->path, strlen(m->path) }, { ":authority", 10, "localhost", 9 },
		{ "content-type", 12, "application/grpc", 16 }, { "te", 2, "trailers", 8 },
	};
	size_t n = 6;
	if (timeout_ms > 0) {
		grpc_timeout_encode(t, (uint64_t)timeout_ms * 1000000u);
		h[n++] = (struct hpack_field){ "grpc-timeout", 12, t, strlen(t) };
	}
	if (traceparent)
		h[n++] = (struct hpack_field){ "traceparent", 11, traceparent, strlen(traceparent) };
	return h2_send_headers(&c->h2, 0, h, n, false);
}

#define READ_SIZE 65536

/* The connection failed: every call on it fails the same way. */
static int broken(struct rpc_client *c, int code, const char *why, struct error **err)
{
	if (!c->broken) {
		c->broken = code;
		snprintf(c->broken_why, sizeof(c->broken_why), "%s", why);
	}
	pthread_cond_broadcast(&c->turn);
	return error_set(err, c->broken, "%s", c->broken_why);
}

static int flush(struct rpc_client *c, long deadline, struct error **err)
{
	struct error *e = NULL;
	int r = io_write_all(c->fd, c->h2.out.data, c->h2.out.len, deadline, &e);
	if (r == 0) {
		h2_conn_sent(&c->h2, c->h2.out.len);
		return 0;
	}
	r = e->code == ETIMEDOUT ? 1 : broken(c, e->code, e->msg, err);
	error_free(e);
	return r;
}

/* As the reader: wait for bytes until deadline and feed them to the
 * connection. Called and returns with the lock held. */
static int read_once(struct rpc_client *c, long deadline, struct error **err)
{
	if (!c->in && !(c->in = malloc(READ_SIZE)))
		return broken(c, ENOMEM, "out of memory", err);
	c->reading = true;
	pthread_mutex_unlock(&c->lock);
	struct pollfd p = { c->fd, POLLIN, 0 };
	long left = deadline ? deadline - io_now_ms() : -1;
	int pr = poll(&p, 1, left < 0 && deadline ? 0 : left > INT_MAX ? INT_MAX : (int)left);
	pthread_mutex_lock(&c->lock);
	c->reading = false;
	pthread_cond_broadcast(&c->turn); /* someone else may read next */
	if (pr <= 0)
		return 0;
	ssize_t n = recv(c->fd, c->in, READ_SIZE, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return broken(c, errno, strerror(errno), err);
	if (n == 0)
		return broken(c, ECONNRESET, "connection closed by the server", err);
	if (h2_conn_recv(&c->h2, c->in, (size_t)n) < 0) {
		char why[160];
		snprintf(why, sizeof(why), "HTTP/2: %s", c->h2.why);
		io_write_all(c->fd, c->h2.out.data, c->h2.out.len, io_now_ms() + 100, NULL);
		return broken(c, EPROTO, why, err);
	}
	return flush(c, deadline, err) < 0 ? -1 : 0;
}

static void wait_turn(struct rpc_client *c, long deadline)
{
	struct timespec ts;
	if (!deadline) {
		pthread_cond_wait(&c->turn, &c->lock);
		return;
	}
	ts.tv_sec = deadline / 1000;
	ts.tv_nsec = (deadline % 1000) * 1000000L;
	pthread_cond_timedwait(&c->turn, &c->lock, &ts);
}

/* Move bytes until the stream closes. Returns 0, 1 on deadline, -1 on error.
 * Called with the lock held. */
static int run(struct rpc_client *c, struct call *cl, const struct buf *req, long deadline,
	       struct error **err)
{
	size_t sent = 0;

	for (;;) {
		if (c->broken)
			return error_set(err, c->broken, "%s", c->broken_why);
		if (sent < req->len) {
			long n = h2_send_data(&c->h2, cl->id, (const uint8_t *)req->data + sent,
					      req->len - sent, true);
			if (n > 0)
				sent += (size_t)n;
		}
		int f = flush(c, deadline, err);
		if (f != 0)
			return f;
		if (cl->closed)
			return 0;
		if (deadline && io_now_ms() >= deadline)
			return 1;
		if (c->reading)
			wait_turn(c, deadline);
		else if (read_once(c, deadline, err) < 0)
			return -1;
	}
}

/* The outcome of a finished stream as a gRPC status. */
static int outcome(const struct rpc_method *m, struct call *cl, void *resp, struct error **err)
{
	if (cl->problem)
		return error_set(err, GRPC_INTERNAL, "%s: %s", m->path, cl->problem);
	if (cl->close_code != H2_NO_ERROR && cl->status < 0)
		return error_set(err, cl->close_code == H2_REFUSED_STREAM ? GRPC_UNAVAILABLE
								  : GRPC_INTERNAL,
				 "%s: stream reset (%s)", m->path, h2_error_name(cl->close_code));
	if (cl->status < 0)
		return error_set(err, GRPC_INTERNAL, "%s: no grpc-status in the response", m->path);
	if (cl->status != GRPC_OK) {
		error_set(err, cl->status, "%s", cl->message.data ? cl->message.data : "");
		return cl->status;
	}
	if (cl->nmsgs != 1 || !grpc_reader_idle(&cl->reader))
		return error_set(err, GRPC_INTERNAL, "%s: expected one response message, got %d",
				 m->path, cl->nmsgs);
	pb_istream_t is = pb_istream_from_buffer((const uint8_t *)cl->msg.data, cl->msg.len);
	if (!pb_decode(&is, m->resp, resp))
		return error_set(err, GRPC_INTERNAL, "%s: cannot decode the response: %s", m->path,
				 PB_GET_ERROR(&is));
	return GRPC_OK;
}

static void forget(struct rpc_client *c, struct call *cl)
{
	for (struct call **p = &c->calls; *p; p = &(*p)->next) {
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	}
	pthread_cond_broadcast(&c->turn);
}

static int call(struct rpc_client *c, const struct rpc_method *m, const void *req, void *resp,
		int timeout_ms, const char *traceparent, struct error **err)
{
	struct error *ignored = NULL; /* the status is read from *err below */
	if (!err)
		err = &ignored;
	struct buf own = BUF_INIT(0), *body = &own;
	struct call cl = { .h2 = &c->h2, .status = -1, .msg = BUF_INIT(0),
			   .message = BUF_INIT(4096) };
	long deadline = timeout_ms > 0 ? io_now_ms() + timeout_ms : 0;
	int r;

	pthread_mutex_lock(&c->lock);
	if (!c->body_busy) { /* the client's buffer keeps its memory from call to call */
		body = &c->body;
		body->len = 0;
		c->body_busy = true;
	}
	grpc_reader_init(&cl.reader, c->max_message);
	if (encode(m, req, c->max_message, body, err) < 0) {
		r = (*err)->code; /* a gRPC status: nothing was sent */
		goto out;
	}
	if (c->broken) {
		r = error_set(err, c->broken, "%s: %s", m->path, c->broken_why);
		goto out;
	}
	if (!(cl.id = start(c, m, timeout_ms, traceparent))) {
		r = error_set(err, EPIPE, "%s: the connection cannot take new calls", m->path);
		goto out;
	}
	cl.next = c->calls;
	c->calls = &cl;
	r = run(c, &cl, body, deadline, err);
	if (r == 1) {
		if (!cl.closed) {
			h2_send_rst(&c->h2, cl.id, H2_CANCEL);
			io_write_all(c->fd, c->h2.out.data, c->h2.out.len, io_now_ms() + 100, NULL);
			h2_conn_sent(&c->h2, c->h2.out.len);
		}
		error_set(err, GRPC_DEADLINE_EXCEEDED, "%s: deadline of %d ms exceeded", m->path,
			  timeout_ms);
		r = GRPC_DEADLINE_EXCEEDED;
	} else if (r == 0) {
		r = outcome(m, &cl, resp, err);
		if (r < 0)
			r = (*err)->code;
	}
	forget(c, &cl);
out:
	grpc_reader_free(&cl.reader);
	buf_free(&cl.msg);
	buf_free(&cl.message);
	if (body == &c->body) {
		c->body_busy = false;
		if (body->cap > (1u << 20))
			buf_free(body);
	}
	buf_free(&own);
	pthread_mutex_unlock(&c->lock);
	error_free(ignored);
	return r;
}

/* Weak here and in server_work.c: a program with either half has it. */
__attribute__((weak)) void (*rpc_observer)(const struct rpc_method *m, bool server, uint64_t us);

/* call, timed for rpc_observer */
static int timed(struct rpc_client *c, const struct rpc_method *m, const void *req, void *resp,
		 int timeout_ms, const char *traceparent, struct error **err)
{
	uint64_t t0 = rpc_observer ? io_now_us() : 0;
	int r = call(c, m, req, resp, timeout_ms, traceparent, err);
	if (rpc_observer)
		rpc_observer(m, false, io_now_us() - t0);
	return r;
}

int rpc_call(struct rpc_client *c, const struct rpc_method *m, const void *req, void *resp,
	     int timeout_ms, struct error **err)
{
	return timed(c, m, req, resp, timeout_ms, NULL, err);
}

#if ENABLE_TRACE
int rpc_call_traced(struct rpc_client *c, const struct rpc_method *m, const void *req,
		    void *resp, int timeout_ms, const struct trace_ctx *parent, struct error **err)
{
	struct trace_span s;
	char tp[TRACE_PARENT_LEN + 1];
	struct error *e = NULL;

	if (!parent)
		return timed(c, m, req, resp, timeout_ms, NULL, err);
	trace_begin(&s, parent, m->path + 1);
	if (!s.live)
		return timed(c, m, req, resp, timeout_ms, NULL, err);
	trace_attr(&s, "rpc.system", "grpc");
	trace_attr(&s, "rpc.method", strrchr(m->path, '/') + 1);
	trace_parent_format(&s.ctx, tp);
	int r = timed(c, m, req, resp, timeout_ms, tp, err ? err : &e);
	trace_end_err(&s, r ? -1 : 0, err ? err : &e);
	error_free(e);
	return r;
}
#endif
