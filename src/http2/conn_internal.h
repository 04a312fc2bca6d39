/* Shared between conn.c (receiving) and conn_stream.c (streams, sending). */
#ifndef HTTP2_CONN_INTERNAL_H
#define HTTP2_CONN_INTERNAL_H

#include "http2/conn.h"

enum h2_stream_state { H2_S_OPEN, H2_S_HALF_LOCAL, H2_S_HALF_REMOTE };

struct h2_stream {
	uint32_t id;
	enum h2_stream_state state;
	bool got_headers; /* a first header block arrived */
	int64_t send_window, recv_window;
	uint32_t recv_unacked;
	void *user;
};

struct h2_stream *h2_stream_find(struct h2_conn *c, uint32_t id);
struct h2_stream *h2_stream_new(struct h2_conn *c, uint32_t id);
/* Remove the stream and report it closed with code. */
void h2_stream_close(struct h2_conn *c, struct h2_stream *s, uint32_t code);
/* The local or the remote side ended its half. */
void h2_stream_end_local(struct h2_conn *c, struct h2_stream *s);
void h2_stream_end_remote(struct h2_conn *c, struct h2_stream *s);
/* A stream error: RST_STREAM then close. */
void h2_stream_reset(struct h2_conn *c, struct h2_stream *s, uint32_t code);
/* A connection error: GOAWAY, then the connection is dead. Returns -1. */
int h2_conn_fail(struct h2_conn *c, uint32_t code, const char *why);
bool h2_is_local_id(const struct h2_conn *c, uint32_t id);

#endif
