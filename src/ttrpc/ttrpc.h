/* ttrpc framing (containerd/ttrpc PROTOCOL.md), sans-I/O.
 *
 * A message is a 10-byte header, big endian: data length (u32, the data
 * alone), stream id (u32, odd when the client opened it), type (u8: 1
 * request, 2 response, 3 data) and flags (u8: 1 remote closed, 2 remote
 * open, 4 no data), then the data: at most 4 MiB. The request and response
 * messages themselves (protobuf) are the service layer's (rpc/ttrpc.c).
 *
 * Bytes received are fed to ttrpc_reader_feed, which calls back once per
 * whole message. A message over the reader's limit is skipped, not kept
 * (as containerd's own ttrpc does: the stream gets RESOURCE_EXHAUSTED and
 * the connection goes on), and reported with data NULL and *too_big set.
 */
#ifndef TTRPC_TTRPC_H
#define TTRPC_TTRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define TTRPC_HEADER_SIZE 10
#define TTRPC_MAX_DATA (4u << 20)

enum ttrpc_type { TTRPC_REQUEST = 1, TTRPC_RESPONSE = 2, TTRPC_DATA = 3 };
enum { TTRPC_REMOTE_CLOSED = 1, TTRPC_REMOTE_OPEN = 2, TTRPC_NO_DATA = 4 };

struct ttrpc_header {
	uint32_t length, stream;
	uint8_t type, flags;
};

void ttrpc_header_put(uint8_t out[TTRPC_HEADER_SIZE], const struct ttrpc_header *h);
void ttrpc_header_get(const uint8_t in[TTRPC_HEADER_SIZE], struct ttrpc_header *h);

/* One whole message (data is len bytes, valid during the call), or one
 * over the limit (data NULL, h->length its size). Return 0 to go on, or a
 * negative value to stop: ttrpc_reader_feed returns it. */
typedef int (*ttrpc_message_cb)(void *ud, const struct ttrpc_header *h, const uint8_t *data,
				size_t len);

struct ttrpc_reader {
	size_t max;	/* data limit, at most TTRPC_MAX_DATA */
	uint8_t hdr[TTRPC_HEADER_SIZE];
	size_t have_hdr;
	struct ttrpc_header h;
	struct buf data; /* of the message being read */
	size_t skip;	 /* bytes of a message over the limit still to skip */
};

void ttrpc_reader_init(struct ttrpc_reader *r, size_t max);
void ttrpc_reader_free(struct ttrpc_reader *r);
/* Feed n bytes, split anywhere. Returns 0, a callback's negative value, or
 * -ENOMEM. */
int ttrpc_reader_feed(struct ttrpc_reader *r, const uint8_t *d, size_t n, ttrpc_message_cb cb,
		      void *ud);
/* Between messages (nothing of one read yet). */
bool ttrpc_reader_idle(const struct ttrpc_reader *r);

/* Append one message to out. Returns 0, or -1 when len is over
 * TTRPC_MAX_DATA or out is full. */
int ttrpc_put(struct buf *out, uint32_t stream, uint8_t type, uint8_t flags, const void *data,
	      size_t len);

#endif
