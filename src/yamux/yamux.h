/* yamux, as hashicorp/yamux speaks it (the Kata 1.x agent and proxy), sans-I/O.
 *
 * Every frame has a 12-byte header: version (0), type, flags (16 bits),
 * stream id, length, big endian. DATA carries length bytes; WINDOW_UPDATE's
 * length is a window increment; PING (stream 0) echoes its length as an
 * opaque value; GO_AWAY (stream 0) carries an error code. SYN opens a stream
 * (clients use odd ids, servers even), ACK accepts it, FIN half-closes it,
 * RST resets it. Each stream starts with a 256 KiB window in each direction.
 *
 * Bytes received are fed to yamux_recv(), which calls back with events;
 * bytes to send accumulate in s->out, and the caller writes them and calls
 * yamux_sent(). Windows are reopened only when the application says it
 * consumed data (yamux_consume), so a slow reader holds the peer back. A
 * protocol error queues GO_AWAY(protocol error) and fails yamux_recv().
 */
#ifndef YAMUX_YAMUX_H
#define YAMUX_YAMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define YAMUX_HEADER_SIZE 12
#define YAMUX_WINDOW 262144u	  /* initial stream window */
#define YAMUX_MAX_FRAME 65536u	  /* the most we put in one DATA frame */
#define YAMUX_DEFAULT_STREAMS 256 /* streams open at once before refusing */

enum yamux_type { YAMUX_DATA, YAMUX_WINDOW_UPDATE, YAMUX_PING, YAMUX_GO_AWAY };
enum { YAMUX_SYN = 1, YAMUX_ACK = 2, YAMUX_FIN = 4, YAMUX_RST = 8 };
enum yamux_goaway_code { YAMUX_NORMAL, YAMUX_PROTOCOL_ERROR, YAMUX_INTERNAL_ERROR };

struct yamux_header {
	uint8_t version, type;
	uint16_t flags;
	uint32_t stream, length;
};

void yamux_header_put(uint8_t out[YAMUX_HEADER_SIZE], const struct yamux_header *h);
/* Returns 0, or -1 with *why for a version or type we do not know. */
int yamux_header_get(const uint8_t in[YAMUX_HEADER_SIZE], struct yamux_header *h,
		     const char **why);

struct yamux_callbacks {
	/* The peer opened stream id: return 0 to accept it (ACK), -1 to
	 * refuse it (RST). */
	int (*on_open)(void *ud, uint32_t id);
	void (*on_data)(void *ud, uint32_t id, const uint8_t *d, size_t n);
	/* The peer half-closed id (FIN): no more data will come. */
	void (*on_eof)(void *ud, uint32_t id);
	/* id is gone, reset (by either side) or finished by both; user is
	 * its yamux_stream's user pointer. Called for every stream that ends,
	 * whoever ended it, once; not for streams still open when the session
	 * is freed. */
	void (*on_close)(void *ud, uint32_t id, void *user, bool reset);
	/* id's send window grew. */
	void (*on_window)(void *ud, uint32_t id);
	void (*on_goaway)(void *ud, uint32_t code);
	void (*on_pong)(void *ud, uint32_t value);
};
/* Every callback may be NULL. */

struct yamux_stream {
	uint32_t id;
	uint32_t send_window;  /* what we may still send */
	uint32_t recv_window;  /* what the peer may still send */
	uint32_t recv_unacked; /* consumed, not yet given back */
	bool local_fin, remote_fin;
	void *user;
};

struct yamux_session {
	bool client;
	struct yamux_callbacks cb;
	void *ud;
	struct buf out; /* bytes to send */

	uint8_t hdr[YAMUX_HEADER_SIZE];
	size_t hdr_len;		/* of a header being read */
	struct yamux_header cur; /* the frame whose payload is arriving */
	uint32_t left;		/* payload bytes of cur still to come */
	bool discard;		/* ... for a stream that is gone */

	struct yamux_stream **streams;
	size_t nstreams, capstreams, max_streams;
	uint32_t next_id;
	bool goaway_sent, goaway_recv, dead;
	const char *why; /* the last protocol error */
};

void yamux_init(struct yamux_session *s, bool client, const struct yamux_callbacks *cb,
		void *ud);
void yamux_free(struct yamux_session *s);

/* Returns 0, or -1 after a protocol error (GO_AWAY queued, s->why). */
int yamux_recv(struct yamux_session *s, const uint8_t *in, size_t len);
void yamux_sent(struct yamux_session *s, size_t n);

/* Open a stream: returns its id, 0 when the session is going away or full. */
uint32_t yamux_open(struct yamux_session *s);
/* Queue up to len bytes as the window allows; returns the bytes taken, -1
 * when the stream is gone or half-closed by us. */
long yamux_send(struct yamux_session *s, uint32_t id, const uint8_t *d, size_t len);
uint32_t yamux_send_window(struct yamux_session *s, uint32_t id);
void yamux_consume(struct yamux_session *s, uint32_t id, size_t n);
void yamux_close(struct yamux_session *s, uint32_t id); /* FIN */
void yamux_reset(struct yamux_session *s, uint32_t id); /* RST */
void yamux_ping(struct yamux_session *s, uint32_t value);
void yamux_goaway(struct yamux_session *s, uint32_t code);

struct yamux_stream *yamux_stream(struct yamux_session *s, uint32_t id);

#endif
