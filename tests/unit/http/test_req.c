#include <errno.h>

#include "harness.h"
#include "https/req.h"
#include "util/error.h"

/* feed text in chunks of k; the result, and the bytes used of it */
static int feed(struct http1_req *r, const char *text, size_t k, size_t *used, int *code)
{
	struct error *err = NULL;
	size_t n = strlen(text), total = 0;
	int rc = 0;
	http1_req_init(r);
	for (size_t off = 0; off < n && rc == 0; off += k) {
		size_t u = 0, c = n - off < k ? n - off : k;
		rc = http1_req_feed(r, text + off, c, &u, &err);
		total += u;
	}
	*used = total;
	*code = err ? err->code : 0;
	error_free(err);
	return rc;
}

TEST(http1_request_head_split_anywhere)
{
	const char *req = "\r\nGET /agent-url?sandbox=ab%2Dc&x=1 HTTP/1.1\r\nHost: x\r\n"
			  "Accept-Encoding: deflate, gzip;q=1\r\nConnection: keep-alive\r\n\r\nNEXT";
	for (size_t k = 1; k <= strlen(req); k++) {
		struct http1_req r;
		size_t used;
		int code;
		CHECK(feed(&r, req, k, &used, &code) == 1);
		CHECK(used == strlen(req) - 4);
		CHECK_STR(r.method, "GET");
		CHECK_STR(r.target, "/agent-url?sandbox=ab%2Dc&x=1");
		CHECK(r.minor == 1 && r.keep_alive && r.gzip);
	}
	struct http1_req r;
	size_t used;
	int code;
	CHECK(feed(&r, "GET /metrics HTTP/1.0\nConnection: x\n\n", 64, &used, &code) == 1);
	CHECK(r.minor == 0 && !r.keep_alive && !r.gzip);
	CHECK(feed(&r, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 64, &used, &code) == 1);
	CHECK(!r.keep_alive);
	CHECK(feed(&r, "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 64, &used, &code) == 1);
}

TEST(http1_request_errors)
{
	static const struct {
		const char *text;
		int code;
	} bad[] = {
		{ "GET\r\n", EPROTO },
		{ "GET  / HTTP/1.1\r\n", EPROTO },
		{ "GET http://x/ HTTP/1.1\r\n", EPROTO },
		{ "GET / FTP/1.1\r\n", EPROTO },
		{ "GET / HTTP/2.0\r\n", ENOTSUP },
		{ "GET /a\x01 HTTP/1.1\r\n", EPROTO },
		{ "GET / HTTP/1.1\r\n folded\r\n", EPROTO },
		{ "GET / HTTP/1.1\r\nno colon\r\n", EPROTO },
		{ "GET / HTTP/1.1\r\n: empty\r\n", EPROTO },
		{ "POST / HTTP/1.1\r\nContent-Length: 5\r\n", ENOTSUP },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n", ENOTSUP },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http1_req r;
		size_t used;
		int code;
		CHECK(feed(&r, bad[i].text, 3, &used, &code) == -1);
		CHECK(code == bad[i].code);
	}
	/* bounds: a line, the target, the number of headers */
	static char big[HTTP1_LINE_MAX + 64];
	struct http1_req r;
	size_t used;
	int code;
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', sizeof(big) - 6);
	CHECK(feed(&r, big, 1000, &used, &code) == -1 && code == E2BIG);
	snprintf(big, sizeof(big), "GET /%03000d HTTP/1.1\r\n", 0);
	CHECK(feed(&r, big, 1000, &used, &code) == -1 && code == E2BIG);
	struct buf many = BUF_INIT(0);
	buf_puts(&many, "GET / HTTP/1.1\r\n");
	for (int i = 0; i <= HTTP1_MAX_HEADERS; i++)
		buf_printf(&many, "X-%d: y\r\n", i);
	CHECK(feed(&r, many.data, 4096, &used, &code) == -1 && code == E2BIG);
	buf_free(&many);
}

TEST(http1_query_parameters)
{
	char v[16];
	CHECK(http1_query("/agent-url?sandbox=ab%2Dc+d&x=1", "sandbox", v, sizeof(v)) == 0);
	CHECK_STR(v, "ab-c d");
	CHECK(http1_query("/a?x=1&sandbox=s1", "sandbox", v, sizeof(v)) == 0);
	CHECK_STR(v, "s1");
	CHECK(http1_query("/a?xsandbox=1", "sandbox", v, sizeof(v)) == -1);
	CHECK(http1_query("/a", "sandbox", v, sizeof(v)) == -1);
	CHECK(http1_query("/a?sandbox=%zz", "sandbox", v, sizeof(v)) == -1);
	CHECK(http1_query("/a?sandbox=%2", "sandbox", v, sizeof(v)) == -1);
	CHECK(http1_query("/a?sandbox=%00", "sandbox", v, sizeof(v)) == -1);
	CHECK(http1_query("/a?sandbox=0123456789abcdef", "sandbox", v, sizeof(v)) == -1);
}
