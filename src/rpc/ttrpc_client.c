/* A ttrpc client (containerd's wire): one call at a time on the
 * connection, the others waiting their turn. For the shim's events to
 * containerd and for tests; containerd answers those at once. */
#include <errno.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "ttrpc.pb.h"
#include "util/error.h"

int ttrpc_client_connect_unix(struct ttrpc_client *c, const char *path, struct error **err)
{
	memset(c, 0, sizeof(*c));
	c->fd = unix_connect(path, err);
	if (c->fd < 0)
		return -1;
	c->next = 1;
	pthread_mutex_init(&c->lock, NULL);
	ttrpc_reader_init(&c->in, 0);
	return 0;
}

void ttrpc_client_close(struct ttrpc_client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	ttrpc_reader_free(&c->in);
	pthread_mutex_destroy(&c->lock);
}

/* Encode m's req into a request message for stream id, framed, in out. */
static int put_request(struct ttrpc_client *c, struct buf *out, uint32_t id,
		       const struct rpc_method *m, const void *req, int timeout_ms,
		       struct error **err)
{
	char path[256];
	snprintf(path, sizeof(path), "%s", m->path);
	char *slash = strrchr(path, '/');
	if (path[0] != '/' || !slash || slash == path)
		return error_set(err, EINVAL, "method %s: not /SERVICE/METHOD", m->path);
	*slash = '\0';
	struct buf payload = BUF_INIT(TTRPC_MAX_DATA);
	size_t size = 0;
	ttrpc_KeyValue md = { (char *)c->md_key, (char *)c->md_value };
	ttrpc_Request q = { path + 1, slash + 1, { { NULL }, NULL }, (int64_t)timeout_ms * 1000000,
			    c->md_key ? 1 : 0, c->md_key ? &md : NULL };
	int r = -1;
	if (!pb_get_encoded_size(&size, m->req, req) || buf_reserve(&payload, size) < 0) {
		error_set(err, EMSGSIZE, "%s: the request is over the message limit", m->path);
		goto out;
	}
	pb_ostream_t os = pb_ostream_from_buffer((pb_byte_t *)payload.data, size);
	if (!pb_encode(&os, m->req, req)) {
		error_set(err, EINVAL, "%s: cannot encode the request: %s", m->path, PB_GET_ERROR(&os));
		goto out;
	}
	payload.len = size;
	pb_bytes_out_buf(&q.payload, &payload);
	size_t qsize = 0;
	struct buf msg = BUF_INIT(TTRPC_MAX_DATA);
	if (pb_get_encoded_size(&qsize, ttrpc_Request_fields, &q) && buf_reserve(&msg, qsize) == 0) {
		pb_ostream_t qs = pb_ostream_from_buffer((pb_byte_t *)msg.data, qsize);
		if (pb_encode(&qs, ttrpc_Request_fields, &q) &&
		    ttrpc_put(out, id, TTRPC_REQUEST, 0, msg.data, qsize) == 0)
			r = 0;
	}
	buf_free(&msg);
	if (r < 0)
		error_set(err, EMSGSIZE, "%s: the request is over the message limit", m->path);
out:
	buf_free(&payload);
	return r;
}

struct wait_for {
	uint32_t id;
	bool got;
	struct buf msg;
};

static int take(void *ud, const struct ttrpc_header *h, const uint8_t *d, size_t len)
{
	struct wait_for *w = ud;
	if (h->stream != w->id || h->type != TTRPC_RESPONSE || w->got)
		return 0; /* another call's, timed out before: dropped */
	w->got = true;
	if (!d)
		return -EMSGSIZE;
	return buf_append(&w->msg, d, len) < 0 ? -ENOMEM : 0;
}

/* -1 (connection failed or timed out), else 0 with w->msg the response. */
static int exchange(struct ttrpc_client *c, struct buf *out, struct wait_for *w, int timeout_ms,
		    struct error **err)
{
	long until = timeout_ms > 0 ? io_now_ms() + timeout_ms : 0;
	uint8_t in[16384];
	size_t sent = 0;
	while (!w->got) {
		int wait = until ? (int)(until - io_now_ms()) : -1;
		if (until && wait <= 0) {
			if (sent < out->len) /* half a message on the wire: useless now */
				shutdown(c->fd, SHUT_RDWR);
			return error_set(err, ETIMEDOUT, "no answer within %d ms", timeout_ms);
		}
		struct pollfd p = { c->fd, (short)(POLLIN | (sent < out->len ? POLLOUT : 0)), 0 };
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			return error_set_errno(err, errno, "poll");
		if (sent < out->len && (p.revents & POLLOUT)) {
			ssize_t n = send(c->fd, out->data + sent, out->len - sent,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return error_set_errno(err, errno, "send");
			sent += n > 0 ? (size_t)n : 0;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(c->fd, in, sizeof(in), MSG_DONTWAIT);
			if (n == 0)
				return error_set(err, ECONNRESET, "the server closed the connection");
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return error_set_errno(err, errno, "recv");
			int r = n > 0 ? ttrpc_reader_feed(&c->in, in, (size_t)n, take, w) : 0;
			if (r < 0)
				return error_set(err, -r, "a response over the message limit");
		}
	}
	return 0;
}

static int answer(const struct rpc_method *m, const struct buf *msg, void *resp,
		  struct error **err)
{
	struct buf payload = BUF_INIT(TTRPC_MAX_DATA);
	ttrpc_Response r = ttrpc_Response_init_zero;
	pb_bytes_in(&r.payload, &payload);
	pb_istream_t is = pb_istream_from_buffer((const pb_byte_t *)msg->data, msg->len);
	int rc;
	if (!pb_decode(&is, ttrpc_Response_fields, &r)) {
		rc = error_set(err, EPROTO, "%s: cannot decode the response", m->path);
	} else if (r.has_status && r.status.code != 0) {
		error_set(err, EREMOTEIO, "%s", r.status.message ? r.status.message : "");
		rc = r.status.code;
	} else {
		pb_istream_t ps = pb_istream_from_buffer((const pb_byte_t *)payload.data, payload.len);
		rc = pb_decode(&ps, m->resp, resp)
			     ? 0
			     : error_set(err, EPROTO, "%s: cannot decode the answer", m->path);
	}
	pb_release(ttrpc_Response_fields, &r);
	buf_free(&payload);
	return rc;
}

int ttrpc_call(struct ttrpc_client *c, const struct rpc_method *m, const void *req, void *resp,
	       int timeout_ms, struct error **err)
{
	struct buf out = BUF_INIT(0);
	struct wait_for w = { 0, false, BUF_INIT(TTRPC_MAX_DATA) };
	int rc = -1;
	pthread_mutex_lock(&c->lock);
	w.id = c->next;
	c->next += 2;
	if (c->fd < 0)
		error_set(err, ENOTCONN, "not connected");
	else if (put_request(c, &out, w.id, m, req, timeout_ms, err) == 0 &&
		 exchange(c, &out, &w, timeout_ms, err) == 0)
		rc = answer(m, &w.msg, resp, err);
	pthread_mutex_unlock(&c->lock);
	buf_free(&out);
	buf_free(&w.msg);
	return rc;
}
