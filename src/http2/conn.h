/* One HTTP/2 connection, client or server side, sans-I/O (RFC 9113).
 *
 * Bytes received are fed to h2_conn_recv(), which calls back with events
 * (header blocks, data, stream closes, GOAWAY). Bytes to send accumulate in
 * conn->out; the caller writes them and calls h2_conn_sent(). Flow control
 * is real in both directions: h2_send_data() takes only what the windows
 * allow (the caller retries after on_window), and the receive windows are
 * reopened only when the application says it consumed data (h2_consume), so
 * a slow reader backpressures the peer. The connection owns no descriptor
 * and never blocks. A connection error queues GOAWAY with its code and makes
 * h2_conn_recv() fail; a stream error queues RST_STREAM and closes the stream.
 */
#ifndef HTTP2_CONN_H
#define HTTP2_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "http2/frame.h"
#include "http2/hpack.h"
#include "util/buf.h"

enum h2_role { H2_CLIENT, H2_SERVER };

struct h2_settings {
	uint32_t header_table_size;
	uint32_t enable_push;
	uint32_t max_concurrent_streams;
	uint32_t initial_window_size;
	uint32_t max_frame_size;
	uint32_t max_header_list_size;
};

struct h2_callbacks {
	/* A complete header block (HEADERS + CONTINUATION). For a server, the
	 * first one on a stream is a request; later ones are trailers. */
	int (*on_headers)(void *ud, uint32_t stream_id, const struct hpack_field *f, size_t n,
			  bool end_stream);
	int (*on_data)(void *ud, uint32_t stream_id, const uint8_t *data, size_t len,
		       bool end_stream);
	/* The stream is gone: code is NO_ERROR when both sides ended it. */
	void (*on_stream_close)(void *ud, uint32_t stream_id, uint32_t code);
	void (*on_goaway)(void *ud, uint32_t last_stream_id, uint32_t code);
	/* Send window opened on stream_id (0: the connection). */
	void (*on_window)(void *ud, uint32_t stream_id);
};
/* Callbacks return 0, or an HTTP/2 error code to reset that stream with. */

struct h2_stream;

struct h2_conn {
	enum h2_role role;
	struct h2_settings local; /* what we advertise */
	struct h2_settings peer;  /* what the peer said (defaults until then) */
	struct h2_callbacks cb;
	void *ud;

	struct buf out; /* bytes to send */
	struct buf in;  /* a partial frame */
	struct hpack_decoder dec;
	struct hpack_encoder enc;

	int64_t send_window, recv_window; /* the connection's */
	uint32_t recv_unacked;

	size_t preface_seen; /* server: bytes of the client preface matched */
	bool got_settings;
	bool dead;
	bool goaway_sent, goaway_recv;
	uint32_t goaway_last;

	/* A header block being assembled. */
	struct buf block;
	uint32_t block_stream;
	bool block_end_stream;
	bool in_block;

	struct h2_stream **streams;
	size_t nstreams, capstreams;
	uint32_t last_peer_id;  /* highest stream id the peer opened */
	uint32_t next_local_id; /* next id we open */
	uint32_t peer_open;     /* streams the peer opened that are not closed */

	size_t max_out; /* control frames may not grow out beyond this */
	const char *why; /* reason for the last connection error */
};

/* local may be NULL for defaults (a 1 MiB window, 16 KiB frames, 100
 * streams, 16 KiB header lists). The client preface or the server's
 * SETTINGS are queued in out at once. */
int h2_conn_init(struct h2_conn *c, enum h2_role role, const struct h2_settings *local,
		 const struct h2_callbacks *cb, void *ud);
void h2_conn_free(struct h2_conn *c);

/* Returns 0, or -1 after a connection error (GOAWAY queued; c->why says why). */
int h2_conn_recv(struct h2_conn *c, const uint8_t *in, size_t len);
void h2_conn_sent(struct h2_conn *c, size_t n);

/* Open a stream (client: id 0 picks the next odd id) or answer one (server).
 * Returns the stream id, or 0 when refused (closed stream, GOAWAY, memory). */
uint32_t h2_send_headers(struct h2_conn *c, uint32_t stream_id, const struct hpack_field *f,
			 size_t n, bool end_stream);
/* Returns the bytes taken (as many as the windows allow); end_stream is sent
 * with the last of them. -1 when the stream cannot send. */
long h2_send_data(struct h2_conn *c, uint32_t stream_id, const uint8_t *data, size_t len,
		  bool end_stream);
void h2_send_rst(struct h2_conn *c, uint32_t stream_id, uint32_t code);
void h2_send_goaway(struct h2_conn *c, uint32_t code, const char *debug);
void h2_send_ping(struct h2_conn *c, const uint8_t opaque[8]);
/* The application consumed n bytes of stream_id's data. */
void h2_consume(struct h2_conn *c, uint32_t stream_id, size_t n);
/* How many bytes h2_send_data could take now. */
int64_t h2_send_window(struct h2_conn *c, uint32_t stream_id);

void *h2_stream_user(struct h2_conn *c, uint32_t stream_id);
void h2_stream_set_user(struct h2_conn *c, uint32_t stream_id, void *user);

#endif
