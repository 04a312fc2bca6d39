/* The gRPC server's handler threads (rpc/server.c has the design): a
 * call's handler runs on a worker, which keeps its scratch memory and
 * waits a while for the next call; the result goes back to the
 * connection's thread through its queue and wake-up pipe. */
#include <errno.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "rpc/server_internal.h"
#include "transport/transport.h"
#include "util/error.h"

/* ---------------------------------------------------------------- results */

void srv_result_free(struct result *r)
{
	if (!r)
		return;
	if (r->done)
		r->done(r->user, r->token, r->delivered);
	free(r->message);
	buf_free(&r->body);
	free(r);
}

static void post(struct rpc_server *srv, struct result *r)
{
	pthread_mutex_lock(&srv->lock);
	struct sconn *c = srv->conns;
	while (c && c->id != r->conn_id)
		c = c->next;
	if (c) {
		r->next = c->done;
		c->done = r;
		ssize_t w = write(c->wake[1], "", 1);
		(void)w;
		r = NULL;
	}
	pthread_mutex_unlock(&srv->lock);
	srv_result_free(r); /* the connection is gone: dropped */
}

/* ---------------------------------------------------------------- workers */

/* Each thread keeps the scratch memory of its last call (up to 1 MiB) for
 * the next: fresh memory for every large request costs page faults. */
#define SCRATCH_KEEP (1u << 20)
static __thread struct buf cached_scratch;

static struct buf scratch_take(void)
{
	struct buf b = cached_scratch;
	cached_scratch = (struct buf)BUF_INIT(0);
	b.len = 0;
	b.max = GRPC_DEFAULT_MAX_MESSAGE;
	return b;
}

static void scratch_give(struct buf *b)
{
	if (b->cap > SCRATCH_KEEP || cached_scratch.data)
		buf_free(b);
	else
		cached_scratch = *b;
}

void srv_scratch_release(void)
{
	buf_free(&cached_scratch);
}

/* Weak here and in client.c: a program with either half has it. */
__attribute__((weak)) void (*rpc_observer)(const struct rpc_method *m, bool server, uint64_t us);

void srv_run_handler(struct job *j, struct result *r)
{
	const struct rpc_method *m = j->h->method;
	void *req = calloc(1, m->req_size), *resp = calloc(1, m->resp_size);
	struct buf scratch = scratch_take();
	struct error *err = NULL;

	if (!req || !resp) {
		r->status = GRPC_RESOURCE_EXHAUSTED;
		goto out;
	}
	if (j->h->prepare)
		j->h->prepare(req, &scratch);
	pb_istream_t is = pb_istream_from_buffer((const uint8_t *)j->req.data, j->req.len);
	if (!pb_decode(&is, m->req, req)) {
		r->status = GRPC_INTERNAL;
		r->message = strdup("cannot decode the request");
		goto out;
	}
	j->ctx.scratch = &scratch;
	/* A span joins the caller's trace: a call without one is not traced. */
	struct trace_span span = { .live = false };
	if (ENABLE_TRACE && trace_enabled && trace_ctx_valid(&j->parent))
		trace_begin(&span, &j->parent, m->path + 1);
	trace_attr(&span, "rpc.system", "grpc");
	trace_attr(&span, "rpc.method", strrchr(m->path, '/') + 1);
	j->ctx.trace = trace_ctx_of(&span);
	uint64_t t0 = rpc_observer ? io_now_us() : 0;
	r->status = j->h->fn(&j->ctx, m, req, resp, &err);
	if (rpc_observer)
		rpc_observer(m, true, io_now_us() - t0);
	r->done = j->ctx.done;
	r->user = j->ctx.user;
	r->token = j->ctx.token;
	if (span.live) {
		trace_end(&span, r->status ? -1 : 0, err ? err->msg : NULL);
		trace_flush(); /* a long-lived server: the collector gets it now */
	}
	if (r->status != GRPC_OK) {
		r->message = strdup(err ? err->msg : "");
	} else if (j->ctx.deadline_ms && io_now_ms() > j->ctx.deadline_ms) {
		/* Normally answered by expire() already, and dropped. */
		r->status = GRPC_DEADLINE_EXCEEDED;
		r->message = strdup("the handler finished after the deadline");
	} else {
		size_t size = 0;
		struct buf *b = &r->body;
		pb_get_encoded_size(&size, m->resp, resp);
		if (size > GRPC_DEFAULT_MAX_MESSAGE || grpc_message_prefix(b, size) < 0 ||
		    buf_reserve(b, size) < 0) {
			r->status = GRPC_RESOURCE_EXHAUSTED;
			r->message = strdup("the response is over the message limit");
		} else {
			pb_ostream_t os = pb_ostream_from_buffer((pb_byte_t *)b->data + b->len, size);
			if (pb_encode(&os, m->resp, resp)) {
				b->len += size;
				b->data[b->len] = '\0';
			} else {
				r->status = GRPC_INTERNAL;
				r->message = strdup("cannot encode the response");
			}
		}
	}
	pb_release(m->resp, resp);
out:
	if (req)
		pb_release(m->req, req);
	free(req);
	free(resp);
	scratch_give(&scratch);
	error_free(err);
}

#define MAX_IDLE_WORKERS 16
#define IDLE_SECONDS 10

static void run_job(struct job *j)
{
	struct result *r = calloc(1, sizeof(*r));

	if (r) {
		r->conn_id = j->conn_id;
		r->stream = j->stream;
		srv_run_handler(j, r);
		post(j->srv, r);
	}
	buf_free(&j->req);
	free(j);
}

/* Next queued job, waiting up to IDLE_SECONDS; NULL when the worker should
 * end. Called and returns with the lock held. */
static struct job *next_job(struct rpc_server *srv)
{
	struct timespec until;

	if (srv->idle_workers >= MAX_IDLE_WORKERS)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += IDLE_SECONDS;
	srv->idle_workers++;
	while (!srv->queue && !srv->stopping)
		if (pthread_cond_timedwait(&srv->work, &srv->lock, &until) != 0)
			break;
	srv->idle_workers--;
	struct job *j = srv->queue;
	if (j) {
		srv->queue = j->next;
		if (!srv->queue)
			srv->queue_tail = &srv->queue;
		srv->queued--;
	}
	return j;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct rpc_server *srv = j->srv;

	for (;;) {
		run_job(j);
		pthread_mutex_lock(&srv->lock);
		if (!(j = next_job(srv)))
			break;
		pthread_mutex_unlock(&srv->lock);
	}
	if (--srv->live_workers == 0)
		pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->lock);
	srv_scratch_release();
	return NULL;
}

int srv_start_job(struct rpc_server *srv, struct job *j)
{
	pthread_t t;
	pthread_attr_t attr;

	pthread_mutex_lock(&srv->lock);
	if (srv->idle_workers > srv->queued) {
		j->next = NULL;
		*srv->queue_tail = j;
		srv->queue_tail = &j->next;
		srv->queued++;
		pthread_cond_signal(&srv->work);
		pthread_mutex_unlock(&srv->lock);
		return 0;
	}
	srv->live_workers++;
	pthread_mutex_unlock(&srv->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int r = pthread_create(&t, &attr, worker, j);
	pthread_attr_destroy(&attr);
	if (r == 0)
		return 0;
	pthread_mutex_lock(&srv->lock);
	srv->live_workers--;
	pthread_mutex_unlock(&srv->lock);
	return -1;
}

