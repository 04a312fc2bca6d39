#include <stdlib.h>

#include "harness.h"
#include "http2/hpack.h"

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* "82 86 84" -> bytes */
static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	while (*h) {
		if (*h == ' ') {
			h++;
			continue;
		}
		out[n++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
		h += 2;
	}
	return n;
}

static void tohex(const struct buf *b, char *out)
{
	for (size_t i = 0; i < b->len; i++)
		sprintf(out + 2 * i, "%02x", (uint8_t)b->data[i]);
	out[2 * b->len] = '\0';
}

static int collect(void *ud, const struct hpack_field *f)
{
	struct buf *b = ud;
	buf_printf(b, "%.*s: %.*s\n", (int)f->nlen, f->name, (int)f->vlen, f->value);
	return 0;
}

static void expect_block(struct hpack_decoder *d, const char *hex, const char *want)
{
	uint8_t in[512];
	size_t n = unhex(hex, in);
	struct buf b = BUF_INIT(0);
	const char *why;
	int r = hpack_decode(d, in, n, collect, &b, &why);
	if (r)
		fprintf(stderr, "  decode: %d %s\n", r, why);
	CHECK(r == HPACK_OK);
	CHECK_STR(b.data ? b.data : "", want);
	buf_free(&b);
}

TEST(hpack_integers_rfc_c1)
{
	struct buf b = BUF_INIT(0);
	char h[64];
	uint32_t v;
	hpack_int_encode(&b, 0, 5, 10);
	hpack_int_encode(&b, 0, 5, 1337);
	hpack_int_encode(&b, 0, 8, 42);
	tohex(&b, h);
	CHECK_STR(h, "0a1f9a0a2a");
	CHECK(hpack_int_decode((uint8_t *)"\x1f\x9a\x0a", 3, 5, &v) == 3 && v == 1337);
	CHECK(hpack_int_decode((uint8_t *)"\x1f\x9a", 2, 5, &v) == 0);
	CHECK(hpack_int_decode((uint8_t *)"\x1f\xff\xff\xff\xff\x7f", 6, 5, &v) == -1);
	CHECK(hpack_int_decode((uint8_t *)"\x1f\xff\xff\xff\xff\xff\x01", 7, 5, &v) == -1);
	buf_free(&b);
}

TEST(hpack_huffman_codes)
{
	struct buf b = BUF_INIT(0);
	char h[128];
	const char *why;
	hpack_huff_encode(&b, (const uint8_t *)"www.example.com", 15);
	tohex(&b, h);
	CHECK_STR(h, "f1e3c2e5f23a6ba0ab90f4ff");
	buf_reset(&b);
	hpack_huff_encode(&b, (const uint8_t *)"no-cache", 8);
	tohex(&b, h);
	CHECK_STR(h, "a8eb10649cbf");
	buf_reset(&b);
	/* Symbols 0 (13 bits 1ff8) and 255 (26 bits 3ffffee): 39 bits, one pad bit. */
	hpack_huff_encode(&b, (const uint8_t *)"\x00\xff", 2);
	tohex(&b, h);
	CHECK_STR(h, "ffc7ffffdd");
	buf_reset(&b);
	uint8_t all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	struct buf enc = BUF_INIT(0);
	hpack_huff_encode(&enc, all, 256);
	CHECK(enc.len == hpack_huff_encoded_len(all, 256));
	CHECK(hpack_huff_decode(&b, (uint8_t *)enc.data, enc.len, &why) == 0);
	CHECK(b.len == 256 && !memcmp(b.data, all, 256));
	buf_free(&enc);
	buf_free(&b);
}

TEST(hpack_huffman_invalid)
{
	struct buf b = BUF_INIT(0);
	const char *why = NULL;
	/* EOS (30 ones) spelled out in full. */
	CHECK(hpack_huff_decode(&b, (uint8_t *)"\xff\xff\xff\xff", 4, &why) < 0);
	CHECK_STR(why, "EOS in a Huffman string");
	/* Padding of 8 ones or more. */
	CHECK(hpack_huff_decode(&b, (uint8_t *)"\x1f\xff", 2, &why) < 0); /* 'a'... then pad > 7 */
	CHECK_STR(why, "invalid Huffman padding");
	/* Padding that is not all ones: '0' = 00000 then 000 */
	CHECK(hpack_huff_decode(&b, (uint8_t *)"\x00", 1, &why) < 0);
	CHECK_STR(why, "invalid Huffman padding");
	struct buf small = BUF_INIT(2);
	CHECK(hpack_huff_decode(&small, (uint8_t *)"\xf1\xe3\xc2\xe5", 4, &why) < 0);
	CHECK_STR(why, "header too large");
	buf_free(&b);
	buf_free(&small);
}

/* RFC 7541 C.3: three requests without Huffman, one dynamic table. */
TEST(hpack_rfc_c3_requests)
{
	struct hpack_decoder d;
	hpack_decoder_init(&d, 4096, 65536);
	expect_block(&d, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
		     ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n");
	CHECK(d.size == 57 && d.count == 1);
	expect_block(&d, "8286 84be 5808 6e6f 2d63 6163 6865",
		     ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n"
		     "cache-control: no-cache\n");
	CHECK(d.size == 110 && d.count == 2);
	expect_block(&d, "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
		     ":method: GET\n:scheme: https\n:path: /index.html\n:authority: www.example.com\n"
		     "custom-key: custom-value\n");
	CHECK(d.size == 164 && d.count == 3);
	hpack_decoder_free(&d);
}

/* RFC 7541 C.4: the same requests with Huffman coding. */
TEST(hpack_rfc_c4_requests_huffman)
{
	struct hpack_decoder d;
	hpack_decoder_init(&d, 4096, 65536);
	expect_block(&d, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
		     ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n");
	expect_block(&d, "8286 84be 5886 a8eb 1064 9cbf",
		     ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n"
		     "cache-control: no-cache\n");
	expect_block(&d, "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
		     ":method: GET\n:scheme: https\n:path: /index.html\n:authority: www.example.com\n"
		     "custom-key: custom-value\n");
	CHECK(d.size == 164);
	hpack_decoder_free(&d);
}

TEST(hpack_eviction_and_size_update)
{
	struct hpack_decoder d;
	uint8_t in[64];
	const char *why;
	struct buf b = BUF_INIT(0);
	hpack_decoder_init(&d, 100, 65536);
	/* Two inserts of 32+1+20 = 53 octets each: the first is evicted. */
	expect_block(&d, "4001 6114 3132 3334 3536 3738 3930 3132 3334 3536 3738 3930", "a: 12345678901234567890\n");
	expect_block(&d, "4001 6214 3132 3334 3536 3738 3930 3132 3334 3536 3738 3930", "b: 12345678901234567890\n");
	CHECK(d.count == 1 && d.size == 53);
	expect_block(&d, "be", "b: 12345678901234567890\n");
	size_t n = unhex("bf", in);
	CHECK(hpack_decode(&d, in, n, collect, &b, &why) == HPACK_E_COMPRESSION);
	CHECK_STR(why, "invalid table index");
	/* Size update to 0 empties the table; above the limit is an error. */
	expect_block(&d, "20", "");
	CHECK(d.count == 0 && d.size == 0);
	n = unhex("3f 46", in); /* 31 + 70 = 101 > 100 */
	CHECK(hpack_decode(&d, in, n, collect, &b, &why) == HPACK_E_COMPRESSION);
	CHECK_STR(why, "table size update above the limit");
	n = unhex("82 20", in);
	CHECK(hpack_decode(&d, in, n, collect, &b, &why) == HPACK_E_COMPRESSION);
	CHECK_STR(why, "table size update after a header field");
	/* Back to 100, one entry; then 46: an entry of 53 octets empties the
	 * table and is not added, but is still delivered. */
	expect_block(&d, "3f45", "");
	expect_block(&d, "4001 6114 3132 3334 3536 3738 3930 3132 3334 3536 3738 3930", "a: 12345678901234567890\n");
	CHECK(d.count == 1);
	/* 32+1+70 = 103 > 100: evicts everything, is not added, is delivered. */
	char big[300] = "4001 6446";
	for (int i = 0; i < 70; i++)
		strcat(big, " 78");
	struct buf want = BUF_INIT(0);
	buf_puts(&want, "d: ");
	for (int i = 0; i < 70; i++)
		buf_putc(&want, 'x');
	buf_putc(&want, '\n');
	expect_block(&d, big, want.data);
	CHECK(d.count == 0 && d.size == 0);
	buf_free(&want);
	hpack_decoder_free(&d);
	buf_free(&b);
}

TEST(hpack_malformed_blocks)
{
	static const struct { const char *hex, *why; } cases[] = {
		{ "80", "invalid table index" },
		{ "ff ff ff ff ff 0f", "integer too large" },
		{ "ff", "truncated integer" },
		{ "40", "truncated string" },
		{ "40 05 61", "string longer than the block" },
		{ "40 01 61 83 ff ff ff", "invalid Huffman padding" },
		{ "00 81 00 00", "invalid Huffman padding" },
		{ "10 01 61 84 ff ff ff ff", "EOS in a Huffman string" },
		{ "7f 3f 01 61", "invalid table index" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hpack_decoder d;
		uint8_t in[64];
		const char *why = NULL;
		hpack_decoder_init(&d, 4096, 65536);
		size_t n = unhex(cases[i].hex, in);
		CHECK(hpack_decode(&d, in, n, collect, NULL, &why) == HPACK_E_COMPRESSION);
		CHECK_STR(why, cases[i].why);
		hpack_decoder_free(&d);
	}
}

/* Fuzzer finding: an empty block with a NULL pointer (NULL + 0 is UB). */
TEST(hpack_empty_block)
{
	struct hpack_decoder d;
	const char *why;
	hpack_decoder_init(&d, 4096, 100);
	CHECK(hpack_decode(&d, NULL, 0, collect, NULL, &why) == HPACK_OK);
	hpack_decoder_free(&d);
	/* Fuzzer finding: a literal with an empty name and an empty value. */
	hpack_decoder_init(&d, 4096, 100);
	expect_block(&d, "10 00 00", ": \n");
	hpack_decoder_free(&d);
}

TEST(hpack_list_limit_keeps_table_in_step)
{
	struct hpack_decoder d;
	uint8_t in[64];
	const char *why;
	struct buf b = BUF_INIT(0);
	hpack_decoder_init(&d, 4096, 40);
	/* Two fields of 32+1+1 = 34 octets: the second passes the 40 octet limit. */
	size_t n = unhex("4001 6101 31 4001 6201 32", in);
	CHECK(hpack_decode(&d, in, n, collect, &b, &why) == HPACK_E_LIST_TOO_LARGE);
	CHECK_STR(b.data, "a: 1\n");
	CHECK(d.count == 2); /* both inserted: the table stays in step with the peer */
	buf_free(&b);
	hpack_decoder_free(&d);
}

TEST(hpack_encoder_roundtrip)
{
	struct hpack_encoder e;
	struct hpack_decoder d;
	struct buf out = BUF_INIT(0), got = BUF_INIT(0);
	const char *why;
	char h[256];
	hpack_encoder_init(&e);
	hpack_decoder_init(&d, 4096, 65536);
	hpack_encode(&e, &out, ":method", 7, "POST", 4);
	hpack_encode(&e, &out, ":scheme", 7, "http", 4);
	tohex(&out, h);
	CHECK_STR(h, "8386");
	hpack_encode(&e, &out, ":path", 5, "/grpc.AgentService/CreateContainer", 34);
	hpack_encode(&e, &out, "content-type", 12, "application/grpc", 16);
	hpack_encode(&e, &out, "te", 2, "trailers", 8);
	hpack_encode(&e, &out, "grpc-message", 12, "\x01\xff binary \"x\"", 14);
	CHECK(hpack_decode(&d, (uint8_t *)out.data, out.len, collect, &got, &why) == HPACK_OK);
	CHECK_STR(got.data, ":method: POST\n:scheme: http\n:path: /grpc.AgentService/CreateContainer\n"
			    "content-type: application/grpc\nte: trailers\n"
			    "grpc-message: \x01\xff binary \"x\"\n");
	CHECK(d.count == 0);
	buf_reset(&out);
	hpack_encoder_set_max(&e, 0);
	hpack_encode(&e, &out, ":status", 7, "200", 3);
	tohex(&out, h);
	CHECK_STR(h, "2088");
	buf_free(&out);
	buf_free(&got);
	hpack_decoder_free(&d);
}
