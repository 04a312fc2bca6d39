/* The server's ttrpc wire (rpc_server_ttrpc): a request message names its
 * service and method and carries the handler's request; the answer is one
 * response message on its stream, with a status for an error. The
 * handlers, their threads and results are the gRPC server's (rpc/server.c,
 * rpc/server_work.c). As containerd's ttrpc, a bad message (over the size
 * limit, undecodable, an even stream id) gets an error on its stream and
 * the connection goes on; messages of another type are ignored. */
#include <errno.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/pbbytes.h"
#include "rpc/server_internal.h"
#include "transport/transport.h"
#include "ttrpc.pb.h"

/* Queue a response on stream id: status (GRPC_OK with body: the encoded
 * answer) or an error with its message. */
static void respond(struct sconn *c, uint32_t id, int status, const char *msg,
		    const uint8_t *body, size_t len)
{
	ttrpc_Response r = ttrpc_Response_init_zero;
	struct pb_bytes_view v = { body, len };
	char *m = NULL;
	if (status != GRPC_OK) {
		r.has_status = true;
		r.status.code = status;
		r.status.message = m = strndup(msg ? msg : "", 1024);
	} else if (len) {
		pb_bytes_out(&r.payload, &v);
	}
	size_t size = 0;
	size_t at = c->tt_out.len;
	if (!pb_get_encoded_size(&size, ttrpc_Response_fields, &r) ||
	    ttrpc_put(&c->tt_out, id, TTRPC_RESPONSE, 0, NULL, 0) < 0 ||
	    buf_reserve(&c->tt_out, size) < 0) {
		c->tt_dead = true;
		goto out;
	}
	pb_ostream_t os = pb_ostream_from_buffer((pb_byte_t *)c->tt_out.data + c->tt_out.len, size);
	if (!pb_encode(&os, ttrpc_Response_fields, &r)) {
		c->tt_out.len = at; /* nothing of it */
		c->tt_dead = true;
		goto out;
	}
	/* the header went first with length 0: now the length */
	uint8_t *h = (uint8_t *)c->tt_out.data + at;
	h[0] = (uint8_t)(size >> 24), h[1] = (uint8_t)(size >> 16);
	h[2] = (uint8_t)(size >> 8), h[3] = (uint8_t)size;
	c->tt_out.len += size;
	c->tt_out.data[c->tt_out.len] = '\0';
out:
	free(m);
}

void srv_tt_fail(struct sconn *c, uint32_t id, int status, const char *msg)
{
	respond(c, id, status, msg, NULL, 0);
	srv_forget(c, id);
}

void srv_tt_send_results(struct sconn *c)
{
	for (struct scall *s = c->calls, *next; s; s = next) {
		struct result *r = s->res;
		next = s->next;
		if (!r || s->finished)
			continue;
		if (r->status != GRPC_OK) {
			respond(c, s->id, r->status, r->message, NULL, 0);
		} else {
			/* the body has gRPC's 5-byte prefix: not on this wire */
			respond(c, s->id, GRPC_OK, NULL, (const uint8_t *)r->body.data + GRPC_PREFIX_LEN,
				r->body.len - GRPC_PREFIX_LEN);
			r->delivered = !c->tt_dead;
		}
		srv_forget(c, s->id);
	}
}

static void start_call(struct sconn *c, uint32_t id, const ttrpc_Request *q, struct buf *payload)
{
	char path[512];
	int n = snprintf(path, sizeof(path), "/%s/%s", q->service ? q->service : "",
			 q->method ? q->method : "");
	const struct rpc_handler *h =
		n > 0 && (size_t)n < sizeof(path) ? srv_lookup(c->srv, path, (size_t)n) : NULL;
	if (!h) {
		char msg[600];
		snprintf(msg, sizeof(msg), "%s not implemented", path);
		return respond(c, id, GRPC_UNIMPLEMENTED, msg, NULL, 0);
	}
	struct scall *s = calloc(1, sizeof(*s));
	if (!s)
		return respond(c, id, GRPC_RESOURCE_EXHAUSTED, "out of memory", NULL, 0);
	s->id = id;
	s->h = h;
	s->nmsgs = 1;
	s->req = *payload;
	*payload = (struct buf)BUF_INIT(0);
	if (q->timeout_nano > 0) {
		uint64_t ms = (uint64_t)q->timeout_nano / 1000000u;
		s->deadline = io_now_ms() + (long)(ms > 86400000u ? 86400000u : ms);
	}
	s->next = c->calls;
	c->calls = s;
	srv_dispatch(c, s);
}

static int on_message(void *ud, const struct ttrpc_header *h, const uint8_t *d, size_t len)
{
	struct sconn *c = ud;
	char msg[128];

	if (!d) {
		snprintf(msg, sizeof(msg), "message length %u exceeds the maximum message size of %zu",
			 h->length, c->tt_in.max);
		respond(c, h->stream, GRPC_RESOURCE_EXHAUSTED, msg, NULL, 0);
		return c->tt_dead ? -1 : 0;
	}
	if (h->type != TTRPC_REQUEST)
		return 0; /* for compatibility with what comes later, as ttrpc does */
	ttrpc_Request q = ttrpc_Request_init_zero;
	struct buf payload = BUF_INIT(c->tt_in.max);
	pb_bytes_in(&q.payload, &payload);
	pb_istream_t is = pb_istream_from_buffer(d, len);
	if (!pb_decode(&is, ttrpc_Request_fields, &q))
		respond(c, h->stream, GRPC_INVALID_ARGUMENT, "cannot decode the request", NULL, 0);
	else if (h->stream % 2 != 1)
		respond(c, h->stream, GRPC_INVALID_ARGUMENT,
			"StreamID must be odd for client initiated streams", NULL, 0);
	else if (srv_find(c, h->stream))
		respond(c, h->stream, GRPC_INVALID_ARGUMENT, "the stream is in use", NULL, 0);
	else
		start_call(c, h->stream, &q, &payload);
	pb_release(ttrpc_Request_fields, &q);
	buf_free(&payload);
	return c->tt_dead ? -1 : 0;
}

void rpc_server_ttrpc(struct rpc_server *srv)
{
	srv->ttrpc = true;
}

int srv_tt_recv(struct sconn *c, const uint8_t *in, size_t n)
{
	if (ttrpc_reader_feed(&c->tt_in, in, n, on_message, c) < 0)
		c->tt_dead = true;
	return c->tt_dead ? -1 : 0;
}
