#include <stdlib.h>

#include "harness.h"
#include "ttrpc/ttrpc.h"

static int record(void *ud, const struct ttrpc_header *h, const uint8_t *d, size_t len)
{
	struct buf *b = ud;
	if (!d)
		buf_printf(b, "[%u:%u:big %u]", h->stream, h->type, h->length);
	else
		buf_printf(b, "[%u:%u:%u:%.*s]", h->stream, h->type, h->flags, (int)len,
			   (const char *)d);
	return 0;
}

TEST(ttrpc_header_is_big_endian)
{
	uint8_t b[TTRPC_HEADER_SIZE];
	struct ttrpc_header h = { 0x01020304, 0x0a0b0c0d, TTRPC_RESPONSE, TTRPC_NO_DATA }, g;
	ttrpc_header_put(b, &h);
	CHECK(!memcmp(b, "\x01\x02\x03\x04\x0a\x0b\x0c\x0d\x02\x04", 10));
	ttrpc_header_get(b, &g);
	CHECK(g.length == h.length && g.stream == h.stream && g.type == 2 && g.flags == 4);
}

TEST(ttrpc_messages_split_anywhere)
{
	struct buf wire = BUF_INIT(0), got = BUF_INIT(0);
	CHECK(ttrpc_put(&wire, 1, TTRPC_REQUEST, 0, "hello", 5) == 0);
	CHECK(ttrpc_put(&wire, 3, TTRPC_DATA, TTRPC_REMOTE_CLOSED | TTRPC_NO_DATA, NULL, 0) == 0);
	CHECK(ttrpc_put(&wire, 5, TTRPC_REQUEST, 0, "a longer one", 12) == 0);
	CHECK(wire.len == 3 * TTRPC_HEADER_SIZE + 17);
	for (size_t k = 1; k <= wire.len; k++) {
		struct ttrpc_reader r;
		ttrpc_reader_init(&r, 0);
		buf_reset(&got);
		for (size_t off = 0; off < wire.len; off += k) {
			size_t n = wire.len - off < k ? wire.len - off : k;
			CHECK(ttrpc_reader_feed(&r, (uint8_t *)wire.data + off, n, record, &got) == 0);
		}
		CHECK_STR(got.data, "[1:1:0:hello][3:3:5:][5:1:0:a longer one]");
		CHECK(ttrpc_reader_idle(&r));
		ttrpc_reader_free(&r);
	}
	buf_free(&wire);
	buf_free(&got);
}

/* A message over the limit is reported once, its data skipped however it
 * arrives, and the next message read as usual (containerd's ttrpc answers
 * RESOURCE_EXHAUSTED on that stream and goes on). */
TEST(ttrpc_message_over_the_limit_is_skipped)
{
	struct buf wire = BUF_INIT(0), got = BUF_INIT(0);
	CHECK(ttrpc_put(&wire, 7, TTRPC_REQUEST, 0, "0123456789abc", 13) == 0);
	CHECK(ttrpc_put(&wire, 9, TTRPC_REQUEST, 0, "ok", 2) == 0);
	for (size_t k = 1; k <= wire.len; k++) {
		struct ttrpc_reader r;
		ttrpc_reader_init(&r, 8);
		buf_reset(&got);
		for (size_t off = 0; off < wire.len; off += k) {
			size_t n = wire.len - off < k ? wire.len - off : k;
			CHECK(ttrpc_reader_feed(&r, (uint8_t *)wire.data + off, n, record, &got) == 0);
		}
		CHECK_STR(got.data, "[7:1:big 13][9:1:0:ok]");
		ttrpc_reader_free(&r);
	}
	/* The 4 MiB limit holds whatever the reader is given. */
	struct ttrpc_reader r;
	ttrpc_reader_init(&r, 64u << 20);
	CHECK(r.max == TTRPC_MAX_DATA);
	buf_reset(&got);
	CHECK(ttrpc_reader_feed(&r, (const uint8_t *)"\x00\x40\x00\x01\0\0\0\x01\x01\0", 10, record,
				&got) == 0);
	CHECK_STR(got.data, "[1:1:big 4194305]");
	CHECK(r.skip == 4194305);
	ttrpc_reader_free(&r);
	CHECK(ttrpc_put(&wire, 1, TTRPC_DATA, 0, wire.data, TTRPC_MAX_DATA + 1) == -1);
	buf_free(&wire);
	buf_free(&got);
}

static int stop(void *ud, const struct ttrpc_header *h, const uint8_t *d, size_t len)
{
	(void)h, (void)d, (void)len;
	++*(int *)ud;
	return -42;
}

TEST(ttrpc_callback_stops_the_reader)
{
	struct buf wire = BUF_INIT(0);
	int calls = 0;
	ttrpc_put(&wire, 1, TTRPC_REQUEST, 0, "a", 1);
	ttrpc_put(&wire, 3, TTRPC_REQUEST, 0, "b", 1);
	struct ttrpc_reader r;
	ttrpc_reader_init(&r, 0);
	CHECK(ttrpc_reader_feed(&r, (uint8_t *)wire.data, wire.len, stop, &calls) == -42);
	CHECK(calls == 1);
	ttrpc_reader_free(&r);
	buf_free(&wire);
}
