/* The gRPC server.
 *
 * Threads, not an event loop: each connection has one I/O thread that alone
 * owns its HTTP/2 state, and each call runs its handler on a thread of its
 * own. Agent handlers block by nature (WaitProcess until a process exits,
 * ReadStdout until output arrives), and a thread per call lets them be
 * written as plain blocking code while other streams and connections go on.
 * The number of calls is bounded by MAX_CONCURRENT_STREAMS per connection.
 * A handler's result goes back to its connection's thread through a queue
 * under the server lock and a wake-up pipe; a result for a connection or a
 * stream that is gone is dropped.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "autoconf.h"
#include "grpc/grpc.h"
#include "rpc/rpc.h"
#include "rpc/server_internal.h"
#include "transport/transport.h"
#include "util/error.h"

/* ---------------------------------------------------------------- streams */

struct scall *srv_find(struct sconn *c, uint32_t id)
{
	for (struct scall *s = c->calls; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

void srv_forget(struct sconn *c, uint32_t id)
{
	for (struct scall **p = &c->calls; *p; p = &(*p)->next) {
		if ((*p)->id == id) {
			struct scall *s = *p;
			*p = s->next;
			grpc_reader_free(&s->reader);
			buf_free(&s->req);
			srv_result_free(s->res);
			free(s);
			return;
		}
	}
}

/* A response with no message: one HEADERS frame ending the stream. */
static void trailers_only(struct sconn *c, uint32_t id, int status, const char *msg)
{
	struct buf pct = BUF_INIT(16384);
	char code[4];
	snprintf(code, sizeof(code), "%d", status);
	grpc_percent_encode(&pct, msg ? msg : "", msg ? strlen(msg) : 0);
	struct hpack_field h[] = {
		{ ":status", 7, "200", 3 }, { "content-type", 12, "application/grpc", 16 },
		{ "grpc-status", 11, code, strlen(code) },
		{ "grpc-message", 12, pct.data ? pct.data : "", pct.len },
	};
	struct scall *s = srv_find(c, id);
	if (s)
		s->finished = true;
	h2_send_headers(&c->h2, id, h, pct.len ? 4 : 3, true); /* may free s */
	buf_free(&pct);
}

void srv_dispatch(struct sconn *c, struct scall *s)
{
	struct rpc_server *srv = c->srv;
	struct job *j;

	s->dispatched = true;
	if (s->nmsgs != 1 || !grpc_reader_idle(&s->reader))
		return srv_fail(c, s->id, GRPC_INTERNAL, "a unary call takes one request message");
	if (!(j = calloc(1, sizeof(*j))))
		return srv_fail(c, s->id, GRPC_RESOURCE_EXHAUSTED, "out of memory");
	*j = (struct job){ NULL, srv, c->id, s->id, s->h, s->req,
			   { srv->user, s->deadline, c->has_cred, c->cred.pid, c->cred.uid,
			     c->cred.gid, NULL, NULL, NULL, 0 }, s->parent };
	s->req = (struct buf)BUF_INIT(0);
	if (s->h->quick) { /* here and now: its result is s's to send */
		struct result *r = calloc(1, sizeof(*r));
		if (r) {
			r->conn_id = c->id;
			r->stream = s->id;
			srv_run_handler(j, r);
			s->res = r;
		}
		buf_free(&j->req);
		free(j);
		if (!r)
			srv_fail(c, s->id, GRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	if (srv_start_job(srv, j) < 0) {
		buf_free(&j->req);
		free(j);
		srv_fail(c, s->id, GRPC_RESOURCE_EXHAUSTED, "cannot start a handler");
	}
}

const struct rpc_handler *srv_lookup(struct rpc_server *srv, const char *path, size_t n)
{
	for (size_t i = 0; i < srv->nhandlers; i++) {
		const char *p = srv->handlers[i].method->path;
		if (strlen(p) == n && !memcmp(p, path, n))
			return &srv->handlers[i];
	}
	return NULL;
}

static int on_headers(void *ud, uint32_t id, const struct hpack_field *f, size_t n, bool end)
{
	struct sconn *c = ud;
	struct scall *s = srv_find(c, id);
	const struct hpack_field *path = NULL, *timeout = NULL, *tp = NULL;
	bool grpc = false;

	if (s) { /* trailers from the client */
		if (end && !s->dispatched)
			srv_dispatch(c, s);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (f[i].nlen == 5 && !memcmp(f[i].name, ":path", 5))
			path = &f[i];
		else if (f[i].nlen == 12 && !memcmp(f[i].name, "grpc-timeout", 12))
			timeout = &f[i];
		else if (f[i].nlen == 12 && !memcmp(f[i].name, "content-type", 12))
			grpc = f[i].vlen >= 16 && !memcmp(f[i].value, "application/grpc", 16);
		else if (ENABLE_TRACE && f[i].nlen == 11 && !memcmp(f[i].name, "traceparent", 11))
			tp = &f[i];
	}
	if (!(s = calloc(1, sizeof(*s))))
		return H2_INTERNAL_ERROR;
	s->id = id;
	grpc_reader_init(&s->reader, GRPC_DEFAULT_MAX_MESSAGE);
	s->next = c->calls;
	c->calls = s;
	const char *why;
	if (tp && trace_parent_parse(tp->value, tp->vlen, &s->parent, &why) < 0)
		memset(&s->parent, 0, sizeof(s->parent)); /* W3C: start a new trace */
	uint64_t ns;
	if (timeout && grpc_timeout_parse(timeout->value, timeout->vlen, &ns) == 0)
		s->deadline = io_now_ms() + (long)(ns / 1000000u > 86400000u ? 86400000u : ns / 1000000u);
	if (!grpc)
		trailers_only(c, id, GRPC_UNKNOWN, "content-type is not application/grpc");
	else if (!path || !(s->h = srv_lookup(c->srv, path->value, path->vlen)))
		trailers_only(c, id, GRPC_UNIMPLEMENTED, "unknown method");
	else if (end)
		srv_dispatch(c, s);
	return 0;
}

static int keep(void *ud, const uint8_t *m, size_t len)
{
	struct scall *s = ud;
	if (s->nmsgs++ == 0 && grpc_reader_keep(&s->reader, m, len, &s->req) < 0)
		return -GRPC_RESOURCE_EXHAUSTED;
	return 0;
}

static int on_data(void *ud, uint32_t id, const uint8_t *d, size_t len, bool end)
{
	struct sconn *c = ud;
	struct scall *s = srv_find(c, id);
	const char *why;

	h2_consume(&c->h2, id, len);
	if (!s || s->finished || s->dispatched)
		return 0;
	int r = grpc_reader_feed(&s->reader, d, len, keep, s, &why);
	if (r < 0)
		trailers_only(c, id, -r, why);
	else if (end)
		srv_dispatch(c, s);
	return 0;
}

static void on_close(void *ud, uint32_t id, uint32_t code)
{
	srv_forget(ud, id);
}

void srv_fail(struct sconn *c, uint32_t id, int status, const char *msg)
{
	if (ENABLE_TTRPC && c->ttrpc)
		srv_tt_fail(c, id, status, msg);
	else
		trailers_only(c, id, status, msg);
}

/* ---------------------------------------------------------------- connection */

static void take_results(struct sconn *c)
{
	char drain[64];
	while (read(c->wake[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&c->srv->lock);
	struct result *r = c->done;
	c->done = NULL;
	pthread_mutex_unlock(&c->srv->lock);
	while (r) {
		struct result *next = r->next;
		struct scall *s = srv_find(c, r->stream);
		if (s && !s->finished && !s->res) {
			r->next = NULL;
			s->res = r;
		} else {
			srv_result_free(r);
		}
		r = next;
	}
}

static void send_results(struct sconn *c)
{
	static const struct hpack_field head[] = { { ":status", 7, "200", 3 },
						   { "content-type", 12, "application/grpc", 16 } };
	static const struct hpack_field ok[] = { { "grpc-status", 11, "0", 1 } };

	/* Ending a stream frees its call (on_close): take next first, and never
	 * touch s after sending something that may end the stream. */
	for (struct scall *s = c->calls, *next; s; s = next) {
		struct result *r = s->res;
		next = s->next;
		if (!r || s->finished)
			continue;
		if (r->status != GRPC_OK) {
			trailers_only(c, s->id, r->status, r->message);
			continue;
		}
		if (!s->headers_sent) {
			h2_send_headers(&c->h2, s->id, head, 2, false);
			s->headers_sent = true;
		}
		long n = h2_send_data(&c->h2, s->id, (uint8_t *)r->body.data + s->sent,
				      r->body.len - s->sent, false);
		if (n < 0) {
			s->finished = true;
			continue;
		}
		s->sent += (size_t)n;
		if (s->sent == r->body.len) {
			s->finished = true;
			r->delivered = true;
			h2_send_headers(&c->h2, s->id, ok, 1, true);
		}
	}
}

/* Write what the socket takes now; true when everything went. */
static bool flush(struct sconn *c)
{
	struct buf *out = c->ttrpc ? &c->tt_out : &c->h2.out;
	while (out->len) {
		ssize_t n = send(c->fd, out->data, out->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		if (c->ttrpc)
			buf_drop_front(out, (size_t)n);
		else
			h2_conn_sent(&c->h2, (size_t)n);
	}
	return true;
}

/* Answer DEADLINE_EXCEEDED for calls past their grpc-timeout (the handler
 * goes on; its result is dropped) and return the milliseconds to the next
 * deadline, -1 for none. */
static int expire(struct sconn *c)
{
	long now = io_now_ms(), next = -1;

	for (struct scall *s = c->calls, *n; s; s = n) {
		n = s->next;
		if (!s->deadline || s->finished || s->res)
			continue;
		if (s->deadline <= now)
			srv_fail(c, s->id, GRPC_DEADLINE_EXCEEDED, "deadline exceeded");
		else if (next < 0 || s->deadline - now < next)
			next = s->deadline - now;
	}
	return next > INT_MAX ? INT_MAX : (int)next;
}

static void conn_loop(struct sconn *c)
{
	uint8_t *in = c->in;

	for (;;) {
		if (ENABLE_TTRPC && c->ttrpc)
			srv_tt_send_results(c);
		else
			send_results(c);
		int wait = expire(c);
		bool all = flush(c);
		if ((c->ttrpc ? c->tt_dead : c->h2.dead) && all)
			return;
		struct pollfd p[2] = { { c->fd, (short)(POLLIN | (all ? 0 : POLLOUT)), 0 },
				       { c->wake[0], POLLIN, 0 } };
		if (poll(p, 2, wait) < 0 && errno != EINTR)
			return;
		if (p[1].revents)
			take_results(c);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(c->fd, in, CONN_READ, MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0)
				return;
			if (ENABLE_TTRPC && c->ttrpc ? srv_tt_recv(c, in, (size_t)n) < 0
				     : h2_conn_recv(&c->h2, in, (size_t)n) < 0) {
				flush(c);
				return;
			}
		}
	}
}

static void *conn_main(void *arg)
{
	struct sconn *c = arg;
	struct rpc_server *srv = c->srv;

	conn_loop(c);
	pthread_mutex_lock(&srv->lock);
	for (struct sconn **p = &srv->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	struct result *r = c->done;
	if (--srv->live_conns == 0)
		pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->lock);
	while (r) {
		struct result *next = r->next;
		srv_result_free(r);
		r = next;
	}
	while (c->calls)
		srv_forget(c, c->calls->id);
	h2_conn_free(&c->h2);
	if (ENABLE_TTRPC && c->ttrpc)
		ttrpc_reader_free(&c->tt_in);
	buf_free(&c->tt_out);
	srv_scratch_release();
	close(c->fd);
	close(c->wake[0]);
	close(c->wake[1]);
	free(c->in);
	free(c);
	return NULL;
}

static int start_conn(struct rpc_server *srv, int fd, bool cred)
{
	static const struct h2_callbacks cb = { on_headers, on_data, on_close, NULL, NULL };
	struct sconn *c = calloc(1, sizeof(*c));
	pthread_t t;
	pthread_attr_t attr;

	if (!c || !(c->in = malloc(CONN_READ)) || pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		if (c)
			free(c->in);
		free(c);
		close(fd);
		return -1;
	}
	c->srv = srv;
	c->fd = fd;
	socklen_t len = sizeof(c->cred);
	c->has_cred = cred && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) == 0 &&
		      c->cred.pid > 0;
	c->ttrpc = ENABLE_TTRPC && srv->ttrpc;
	if (ENABLE_TTRPC && c->ttrpc) {
		ttrpc_reader_init(&c->tt_in, GRPC_DEFAULT_MAX_MESSAGE);
		c->tt_out = (struct buf)BUF_INIT(0);
	} else if (h2_conn_init(&c->h2, H2_SERVER, NULL, &cb, c) < 0) {
		goto fail;
	}
	pthread_mutex_lock(&srv->lock);
	if (srv->stopping) {
		pthread_mutex_unlock(&srv->lock);
		goto fail;
	}
	c->id = ++srv->next_conn_id;
	c->next = srv->conns;
	srv->conns = c;
	srv->live_conns++;
	pthread_mutex_unlock(&srv->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int r = pthread_create(&t, &attr, conn_main, c);
	pthread_attr_destroy(&attr);
	if (r == 0)
		return 0;
	pthread_mutex_lock(&srv->lock);
	srv->conns = c->next;
	srv->live_conns--;
	pthread_mutex_unlock(&srv->lock);
fail:
	h2_conn_free(&c->h2);
	if (ENABLE_TTRPC && c->ttrpc)
		ttrpc_reader_free(&c->tt_in);
	close(c->wake[0]);
	close(c->wake[1]);
	close(fd);
	free(c->in);
	free(c);
	return -1;
}

int rpc_server_serve(struct rpc_server *srv, int fd)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* A stream handed over (a yamux stream on a socketpair) has no peer
	 * credentials worth the name: they would be our own. */
	return start_conn(srv, fd, false);
}

static void *acceptor(void *arg)
{
	struct rpc_server *srv = arg;

	for (;;) {
		struct pollfd p[2] = { { srv->lfd, POLLIN, 0 }, { srv->stop_pipe[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents) {
			int fd = accept4(srv->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				start_conn(srv, fd, true);
		}
	}
	return NULL;
}

struct rpc_server *rpc_server_new(const struct rpc_handler *h, size_t n, void *user,
				  struct error **err)
{
	struct rpc_server *srv = calloc(1, sizeof(*srv));

	if (!srv) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	srv->handlers = h;
	srv->nhandlers = n;
	srv->user = user;
	srv->lfd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->idle, NULL);
	pthread_cond_init(&srv->work, NULL);
	srv->queue_tail = &srv->queue;
	return srv;
}

int rpc_server_listen_unix(struct rpc_server *srv, const char *path, struct error **err)
{
	if (srv->lfd >= 0)
		return error_set(err, EBUSY, "the server listens already");
	if (!(srv->path = strdup(path)))
		return error_set(err, ENOMEM, "out of memory");
	srv->lfd = unix_listen(path, 64, err);
	if (srv->lfd < 0)
		goto fail;
	if (pipe2(srv->stop_pipe, O_CLOEXEC) < 0) {
		error_set_errno(err, errno, "pipe");
		goto fail_listen;
	}
	if (pthread_create(&srv->acceptor, NULL, acceptor, srv) != 0) {
		error_set(err, EAGAIN, "cannot start the server thread");
		close(srv->stop_pipe[0]);
		close(srv->stop_pipe[1]);
		goto fail_listen;
	}
	return 0;
fail_listen:
	close(srv->lfd);
	srv->lfd = -1;
	unlink(path);
fail:
	free(srv->path);
	srv->path = NULL;
	return -1;
}

struct rpc_server *rpc_server_start_unix(const char *path, const struct rpc_handler *h,
					 size_t n, void *user, struct error **err)
{
	struct rpc_server *srv = rpc_server_new(h, n, user, err);

	if (srv && rpc_server_listen_unix(srv, path, err) < 0) {
		rpc_server_stop(srv);
		return NULL;
	}
	return srv;
}

void rpc_server_stop(struct rpc_server *srv)
{
	if (!srv)
		return;
	if (srv->lfd >= 0) {
		ssize_t w = write(srv->stop_pipe[1], "", 1);
		(void)w;
		pthread_join(srv->acceptor, NULL);
		close(srv->lfd);
		unlink(srv->path);
		close(srv->stop_pipe[0]);
		close(srv->stop_pipe[1]);
	}
	pthread_mutex_lock(&srv->lock);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->work);
	for (struct sconn *c = srv->conns; c; c = c->next)
		shutdown(c->fd, SHUT_RDWR); /* its thread sees EOF and ends */
	while (srv->live_conns > 0 || srv->live_workers > 0)
		pthread_cond_wait(&srv->idle, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->idle);
	pthread_cond_destroy(&srv->work);
	free(srv->path);
	free(srv);
}
