#include <errno.h>
#include <stdlib.h>

#include "harness.h"
#include "https/client.h"
#include "https/resp.h"
#include "util/error.h"

/* Feed text in pieces of step bytes; returns the last feed's result (or
 * the eof's with eof), the body in *body and the error in *msg. */
static int feed(const char *text, size_t step, size_t max, bool eof, struct buf *body,
		char **msg, int *status)
{
	struct http1_resp r;
	struct error *err = NULL;
	int rc = 0;
	size_t n = strlen(text);

	*msg = NULL;
	http1_resp_init(&r, body, max);
	for (size_t off = 0; off < n && rc == 0; off += step)
		rc = http1_resp_feed(&r, text + off, n - off < step ? n - off : step, &err);
	if (rc == 0 && eof)
		rc = http1_resp_eof(&r, &err) == 0 ? 1 : -1;
	if (err)
		*msg = strdup(err->msg);
	error_free(err);
	*status = r.status;
	return rc;
}

TEST(http1_content_length_any_split)
{
	const char *t = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Content-Length: 5\r\n\r\n[1,2]trailing";
	for (size_t step = 1; step < 20; step++) {
		struct buf b = BUF_INIT(0);
		char *m;
		int st;
		CHECK(feed(t, step, 100, false, &b, &m, &st) == 1);
		CHECK(st == 200);
		CHECK_STR(b.data, "[1,2]");
		buf_free(&b);
		free(m);
	}
}

TEST(http1_chunked_and_close_delimited)
{
	struct buf b = BUF_INIT(0);
	char *m;
	int st;
	CHECK(feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
		   3, 100, false, &b, &m, &st) == 1);
	CHECK_STR(b.data, "abc0123456789");
	buf_reset(&b);
	CHECK(feed("HTTP/1.0 404 Not Found\nServer: x\n\nbody until close", 7, 100, true, &b, &m,
		   &st) == 1);
	CHECK(st == 404);
	CHECK_STR(b.data, "body until close");
	buf_reset(&b);
	/* an interim 100 Continue, then the response; 204 has no body */
	CHECK(feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 5, 100, false,
		   &b, &m, &st) == 1);
	CHECK(st == 204 && b.len == 0);
	buf_free(&b);
}

static void expect_error(const char *text, size_t max, bool eof, const char *want)
{
	struct buf b = BUF_INIT(0);
	char *m;
	int st;
	CHECK(feed(text, 4, max, eof, &b, &m, &st) == -1);
	CHECK_CONTAINS(m, want);
	free(m);
	buf_free(&b);
}

TEST(http1_refusals)
{
	expect_error("SSH-2.0-OpenSSH\r\n", 100, false, "not an HTTP/1.1 status line");
	expect_error("HTTP/1.1 2000 OK\r\n", 100, false, "not an HTTP/1.1 status line");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 100, true,
		     "truncated response: 7 of 10 body bytes missing");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", 100, false,
		     "larger than the limit of 100 bytes");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n", 100, false,
		     "larger than the limit");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 100, true,
		     "inside the chunked body");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100, false,
		     "bad chunk size");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 100, false,
		     "unsupported Transfer-Encoding");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 100,
		     false, "two different Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 100, false,
		     "bad Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", 100, false,
		     "malformed response header");
	expect_error("HTTP/1.1 200 OK\r\nX", 100, true, "closed in the response head");
}

TEST(http1_close_delimited_body_bounded)
{
	struct buf b = BUF_INIT(0);
	char *m, big[300];
	int st;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	char text[400];
	snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\n\r\n%s", big);
	CHECK(feed(text, 50, 100, false, &b, &m, &st) == -1);
	CHECK_CONTAINS(m, "larger than the limit of 100 bytes");
	free(m);
	buf_free(&b);
}

TEST(http1_head_line_and_header_bounds)
{
	char *text = malloc(HTTP1_LINE_MAX + 64);
	snprintf(text, 40, "HTTP/1.1 200 OK\r\nX: ");
	memset(text + strlen(text), 'a', HTTP1_LINE_MAX);
	text[HTTP1_LINE_MAX + 20] = 0;
	expect_error(text, 100, false, "longer than 8192 bytes");
	struct buf h = BUF_INIT(0);
	buf_puts(&h, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= HTTP1_MAX_HEADERS; i++)
		buf_puts(&h, "X: y\r\n");
	expect_error(h.data, 100, false, "more than 128 response headers");
	buf_free(&h);
	free(text);
}

static void split_err(const char *url, const char *want)
{
	char host[64], port[8], path[64];
	struct error *err = NULL;
	CHECK(https_url_split(url, host, sizeof(host), port, sizeof(port), path, sizeof(path),
			      &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, want);
	error_free(err);
}

TEST(https_url_split_forms)
{
	char host[64], port[8], path[64];
	CHECK(https_url_split("https://api.github.com/repos/a/b/releases", host, sizeof(host),
			      port, sizeof(port), path, sizeof(path), NULL) == 0);
	CHECK_STR(host, "api.github.com");
	CHECK_STR(port, "443");
	CHECK_STR(path, "/repos/a/b/releases");
	CHECK(https_url_split("https://localhost:8443", host, sizeof(host), port, sizeof(port),
			      path, sizeof(path), NULL) == 0);
	CHECK_STR(host, "localhost");
	CHECK_STR(port, "8443");
	CHECK_STR(path, "/");
	CHECK(https_url_split("https://[::1]:9/x?y=1", host, sizeof(host), port, sizeof(port),
			      path, sizeof(path), NULL) == 0);
	CHECK_STR(host, "::1");
	CHECK_STR(port, "9");
	split_err("http://example.com/", "not an https:// URL");
	split_err("https:///x", "bad host");
	split_err("https://h:99999999/", "bad port");
	split_err("https://h:/", "bad port");
	split_err("https://user@h/", "credentials");
	split_err("https://h/a b", "spaces or line breaks");
	split_err("https://[::1/", "unterminated [");
}
