/* HPACK (RFC 7541), sans-I/O: bytes in, header fields (or bytes) out.
 *
 * Decoder: complete (static table, dynamic table with size updates, Huffman).
 * Every length is bounded by the input; decoded strings live in a buffer
 * bounded by the header list limit. Errors are COMPRESSION_ERROR (the
 * connection must end) or LIST_TOO_LARGE (the block was decoded, keeping
 * the dynamic table in step, but its fields were not all delivered).
 *
 * Encoder: never inserts into the dynamic table, so it needs none; uses the
 * static table for exact and name matches and Huffman when shorter. */
#ifndef HTTP2_HPACK_H
#define HTTP2_HPACK_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum hpack_status {
	HPACK_OK = 0,
	HPACK_E_COMPRESSION = -1,
	HPACK_E_LIST_TOO_LARGE = -2,
	HPACK_E_NOMEM = -3,
};

#define HPACK_DEFAULT_TABLE_SIZE 4096
#define HPACK_ENTRY_OVERHEAD 32
#define HPACK_STATIC_COUNT 61

struct hpack_field {
	const char *name;
	size_t nlen;
	const char *value;
	size_t vlen;
};

struct hpack_entry {
	char *data; /* name then value, not NUL-terminated */
	uint32_t nlen, vlen;
};

struct hpack_decoder {
	struct hpack_entry *ring; /* newest at head */
	size_t cap, head, count;
	size_t size;      /* octets as RFC 7541 §4.1 counts them */
	size_t max_size;  /* current maximum, set by size updates */
	size_t limit;     /* SETTINGS_HEADER_TABLE_SIZE we advertised */
	size_t max_list;  /* largest header list delivered (RFC 9113 §6.5.2) */
	struct buf scratch;
};

/* Called for each field; the strings are valid during the call only. A
 * non-zero return stops delivery (the block is still decoded). */
typedef int (*hpack_field_cb)(void *ud, const struct hpack_field *f);

void hpack_decoder_init(struct hpack_decoder *d, size_t table_limit, size_t max_list);
void hpack_decoder_free(struct hpack_decoder *d);
/* A new SETTINGS_HEADER_TABLE_SIZE value that we advertised and the peer acked. */
void hpack_decoder_set_limit(struct hpack_decoder *d, size_t table_limit);
int hpack_decode(struct hpack_decoder *d, const uint8_t *in, size_t len, hpack_field_cb cb,
		 void *ud, const char **why);

struct hpack_encoder {
	size_t pending_size; /* a table size update to send, or (size_t)-1 */
};

void hpack_encoder_init(struct hpack_encoder *e);
/* The peer's SETTINGS_HEADER_TABLE_SIZE changed: announce it in the next block. */
void hpack_encoder_set_max(struct hpack_encoder *e, size_t size);
/* Append one field (names must be lower case, as HTTP/2 requires). Returns
 * 0, or -1 when out of memory or the buffer bound is reached. */
int hpack_encode(struct hpack_encoder *e, struct buf *out, const char *name, size_t nlen,
		 const char *value, size_t vlen);

/* Prefix integers (§5.1). decode returns bytes used, 0 when more input is
 * needed... which inside one block is an error, or -1 on overflow. */
int hpack_int_encode(struct buf *out, uint8_t first, int prefix, uint32_t v);
int hpack_int_decode(const uint8_t *in, size_t len, int prefix, uint32_t *v);

/* Huffman (§5.2, Appendix B). */
size_t hpack_huff_encoded_len(const uint8_t *s, size_t n);
int hpack_huff_encode(struct buf *out, const uint8_t *s, size_t n);
/* Appends the decoded string; -1 on an invalid code, EOS or bad padding. */
int hpack_huff_decode(struct buf *out, const uint8_t *in, size_t n, const char **why);

#endif
