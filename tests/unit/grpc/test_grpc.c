#include <stdlib.h>

#include "grpc/grpc.h"
#include "harness.h"

static int record(void *ud, const uint8_t *m, size_t len)
{
	struct buf *b = ud;
	buf_printf(b, "[%zu:%.*s]", len, (int)len, (const char *)m);
	return 0;
}

TEST(grpc_messages_split_anywhere)
{
	struct buf wire = BUF_INIT(0), got = BUF_INIT(0);
	const char *msgs[] = { "hello", "", "a longer message" };
	for (int i = 0; i < 3; i++) {
		grpc_message_prefix(&wire, strlen(msgs[i]));
		buf_puts(&wire, msgs[i]);
	}
	/* Every split into chunks of size k gives the same three messages. */
	for (size_t k = 1; k <= wire.len; k++) {
		struct grpc_reader r;
		const char *why;
		grpc_reader_init(&r, 0);
		buf_reset(&got);
		for (size_t off = 0; off < wire.len; off += k) {
			size_t n = wire.len - off < k ? wire.len - off : k;
			CHECK(grpc_reader_feed(&r, (uint8_t *)wire.data + off, n, record, &got, &why) == 0);
		}
		CHECK_STR(got.data, "[5:hello][0:][16:a longer message]");
		CHECK(grpc_reader_idle(&r));
		grpc_reader_free(&r);
	}
	buf_free(&wire);
	buf_free(&got);
}

TEST(grpc_message_errors)
{
	struct grpc_reader r;
	const char *why;
	grpc_reader_init(&r, 10);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"\x01\0\0\0\x01x", 6, record, NULL, &why) ==
	      -GRPC_UNIMPLEMENTED);
	CHECK_STR(why, "compressed messages are not supported");
	grpc_reader_free(&r);
	grpc_reader_init(&r, 10);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"\0\0\0\0\x0b", 5, record, NULL, &why) ==
	      -GRPC_RESOURCE_EXHAUSTED);
	grpc_reader_free(&r);
	grpc_reader_init(&r, 10);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"\x02\0\0\0\0", 5, record, NULL, &why) == -GRPC_INTERNAL);
	grpc_reader_free(&r);
	grpc_reader_init(&r, 10);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"\0\0\0\0\x05" "ab", 7, record, NULL, &why) == 0);
	CHECK(!grpc_reader_idle(&r)); /* a stream ending here lost a message */
	grpc_reader_free(&r);
}

TEST(grpc_percent_encoding)
{
	struct buf b = BUF_INIT(0), d = BUF_INIT(0);
	const char *msg = "container \"web\" n'existe pas: caf\xc3\xa9 100%\n";
	grpc_percent_encode(&b, msg, strlen(msg));
	CHECK_STR(b.data, "container \"web\" n'existe pas: caf%C3%A9 100%25%0A");
	grpc_percent_decode(&d, b.data, b.len);
	CHECK_STR(d.data, msg);
	buf_reset(&d);
	grpc_percent_decode(&d, "bad %zz and %4", 14); /* kept as they are */
	CHECK_STR(d.data, "bad %zz and %4");
	buf_free(&b);
	buf_free(&d);
}

TEST(grpc_timeouts)
{
	char t[16];
	uint64_t ns;
	grpc_timeout_encode(t, 1500000000ull);
	CHECK_STR(t, "1500000u");
	grpc_timeout_encode(t, 30ull * 1000000000ull);
	CHECK_STR(t, "30000000u");
	grpc_timeout_encode(t, 3600ull * 1000000000ull);
	CHECK_STR(t, "3600000m");
	grpc_timeout_encode(t, 5);
	CHECK_STR(t, "5n");
	CHECK(grpc_timeout_parse("100m", 4, &ns) == 0 && ns == 100000000ull);
	CHECK(grpc_timeout_parse("1H", 2, &ns) == 0 && ns == 3600000000000ull);
	CHECK(grpc_timeout_parse("99999999H", 9, &ns) == 0 && ns == UINT64_MAX); /* saturated */
	CHECK(grpc_timeout_parse("123456789S", 10, &ns) < 0);
	CHECK(grpc_timeout_parse("10x", 3, &ns) < 0);
	CHECK(grpc_timeout_parse("S", 1, &ns) < 0);
	CHECK(grpc_timeout_parse("1-S", 3, &ns) < 0);
}

TEST(grpc_status_values)
{
	CHECK(grpc_status_parse("0", 1) == 0);
	CHECK(grpc_status_parse("16", 2) == 16);
	CHECK(grpc_status_parse("17", 2) < 0);
	CHECK(grpc_status_parse("", 0) < 0);
	CHECK(grpc_status_parse("1a", 2) < 0);
	CHECK_STR(grpc_status_name(GRPC_OUT_OF_RANGE), "OUT_OF_RANGE");
	CHECK_STR(grpc_status_name(99), "UNKNOWN");
}

struct keeper {
	struct grpc_reader *r;
	struct buf kept;
};

static int keep_it(void *ud, const uint8_t *m, size_t len)
{
	struct keeper *k = ud;
	return grpc_reader_keep(k->r, m, len, &k->kept);
}

TEST(grpc_reader_keep_hands_over_or_copies)
{
	struct grpc_reader r;
	const char *why;
	struct keeper k = { &r, BUF_INIT(0) };

	/* Split: the message is assembled in the reader, whose buffer moves. */
	grpc_reader_init(&r, 0);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"\0\0\0\0\x05" "ab", 7, keep_it, &k, &why) == 0);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"cde", 3, keep_it, &k, &why) == 0);
	CHECK(k.kept.len == 5 && !memcmp(k.kept.data, "abcde", 5) && k.kept.data[5] == 0);
	CHECK(r.msg.data == NULL && grpc_reader_idle(&r));
	/* The reader goes on with a buffer of its own. */
	buf_free(&k.kept);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"\0\0\0\0\x02" "x", 6, keep_it, &k, &why) == 0);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"y", 1, keep_it, &k, &why) == 0);
	CHECK(k.kept.len == 2 && !memcmp(k.kept.data, "xy", 2));
	buf_free(&k.kept);
	/* Whole in one piece: given straight from the input, and copied. */
	CHECK(grpc_reader_feed(&r, (uint8_t *)"\0\0\0\0\x03" "xyz", 8, keep_it, &k, &why) == 0);
	CHECK(k.kept.len == 3 && !memcmp(k.kept.data, "xyz", 3));
	buf_free(&k.kept);
	grpc_reader_free(&r);
}

TEST(grpc_reader_bounds_what_it_reserves)
{
	struct grpc_reader r;
	const char *why;
	struct buf got = BUF_INIT(0);

	/* A peer announcing 4 MiB and sending 1 byte does not get 4 MiB held. */
	grpc_reader_init(&r, 0);
	CHECK(grpc_reader_feed(&r, (uint8_t *)"\0\0\x40\0\0" "a", 6, record, &got, &why) == 0);
	CHECK(r.msg.cap <= (1u << 20) + 64);
	grpc_reader_free(&r);
	buf_free(&got);
}
