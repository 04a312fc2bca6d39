/* Proves that the four dependencies link into one static musl binary and
 * work there: nanopb, inih, jsmn and mbedtls (through the fortify shims). */
#include <ini.h>
#include <jsmn.h>
#include <mbedtls/sha256.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdio.h>
#include <string.h>

static int seen;
static int on_ini(void *u, const char *s, const char *k, const char *v)
{
	seen += !strcmp(s, "a") && !strcmp(k, "k") && !strcmp(v, "v");
	return 1;
}

int main(void)
{
	int passed = 0, failed = 0;
	uint8_t buf[16];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof(buf));
	uint64_t back = 0;

	/* nanopb: a varint round trip. */
	pb_encode_varint(&os, 300);
	pb_istream_t is = pb_istream_from_buffer(buf, os.bytes_written);
	pb_decode_varint(&is, &back);
	(back == 300 && os.bytes_written == 2) ? passed++ : failed++;

	/* inih */
	ini_parse_string("[a]\nk=v\n", on_ini, NULL);
	seen == 1 ? passed++ : failed++;

	/* jsmn */
	jsmn_parser p;
	jsmntok_t t[8];
	jsmn_init(&p);
	(jsmn_parse(&p, "{\"a\":[1,2]}", 11, t, 8) == 5) ? passed++ : failed++;

	/* mbedtls: SHA-256("abc") */
	unsigned char d[32];
	mbedtls_sha256_ret((const unsigned char *)"abc", 3, d, 0);
	(d[0] == 0xba && d[1] == 0x78 && d[31] == 0xad) ? passed++ : failed++;

	printf("link: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
