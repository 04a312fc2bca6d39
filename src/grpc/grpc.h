/* gRPC over HTTP/2 (grpc/doc PROTOCOL-HTTP2.md), sans-I/O: length-prefixed
 * messages, status codes, grpc-message percent-encoding, grpc-timeout. */
#ifndef GRPC_GRPC_H
#define GRPC_GRPC_H

#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "util/buf.h"

enum grpc_status {
	GRPC_OK = 0, GRPC_CANCELLED = 1, GRPC_UNKNOWN = 2, GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4, GRPC_NOT_FOUND = 5, GRPC_ALREADY_EXISTS = 6,
	GRPC_PERMISSION_DENIED = 7, GRPC_RESOURCE_EXHAUSTED = 8, GRPC_FAILED_PRECONDITION = 9,
	GRPC_ABORTED = 10, GRPC_OUT_OF_RANGE = 11, GRPC_UNIMPLEMENTED = 12, GRPC_INTERNAL = 13,
	GRPC_UNAVAILABLE = 14, GRPC_DATA_LOSS = 15, GRPC_UNAUTHENTICATED = 16,
};

#define GRPC_PREFIX_LEN 5
/* Kconfig GRPC_MAX_MESSAGE, 4 MiB by default as in gRPC. */
#define GRPC_DEFAULT_MAX_MESSAGE ((size_t)CONFIG_GRPC_MAX_MESSAGE)

const char *grpc_status_name(int code);

/* Reassembles length-prefixed messages from DATA split anywhere. */
struct grpc_reader {
	uint8_t prefix[GRPC_PREFIX_LEN];
	size_t have_prefix;
	uint32_t length;
	struct buf msg;
	size_t max_message;
};

/* Called once per complete message; a non-zero return stops feeding and is
 * returned by grpc_reader_feed. */
typedef int (*grpc_message_cb)(void *ud, const uint8_t *msg, size_t len);

void grpc_reader_init(struct grpc_reader *r, size_t max_message);
void grpc_reader_free(struct grpc_reader *r);
/* Returns 0, a callback's non-zero value, or a negative grpc_status:
 * -GRPC_UNIMPLEMENTED for a compressed message, -GRPC_RESOURCE_EXHAUSTED for
 * one over the limit, -GRPC_INTERNAL for a bad flag byte. *why says which. */
int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t len, grpc_message_cb cb,
		     void *ud, const char **why);
/* Keep the message a callback was given (msg, len) in dst, which must be
 * empty: the reader's own buffer is handed over when the message is in it,
 * else the bytes are copied. Returns 0, or -1 when out of memory. */
int grpc_reader_keep(struct grpc_reader *r, const uint8_t *msg, size_t len, struct buf *dst);
/* True between messages (the stream may end cleanly here). */
int grpc_reader_idle(const struct grpc_reader *r);

int grpc_message_prefix(struct buf *out, size_t len);

/* grpc-message: bytes outside 0x20..0x7e, and '%', as %XX. */
int grpc_percent_encode(struct buf *out, const char *s, size_t n);
/* Lenient as the spec asks: a malformed %XX is kept as it is. */
int grpc_percent_decode(struct buf *out, const char *s, size_t n);

/* grpc-timeout: at most 8 digits and a unit (H M S m u n). */
int grpc_timeout_encode(char out[16], uint64_t ns);
/* Returns 0 with the value in nanoseconds, or -1 when malformed. */
int grpc_timeout_parse(const char *s, size_t n, uint64_t *ns);

/* Parse a grpc-status value ("0".."16"); -1 when malformed. */
int grpc_status_parse(const char *s, size_t n);

#endif
