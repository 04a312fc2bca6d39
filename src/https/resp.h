/* An HTTP/1.1 response, taken apart as its bytes arrive (sans-I/O): the
 * status line, the headers that matter (Content-Length, Transfer-Encoding:
 * chunked), and the body into a bounded buffer. Everything is bounded: a
 * line of the head at most HTTP1_LINE_MAX bytes, HTTP1_MAX_HEADERS headers,
 * the body at most the caller's limit. */
#ifndef HTTPS_RESP_H
#define HTTPS_RESP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define HTTP1_LINE_MAX 8192
#define HTTP1_MAX_HEADERS 128

struct error;

struct http1_resp {
	int status;			/* 100-599 */
	long long content_length;	/* -1 when absent */
	bool chunked;
	size_t max_body;
	struct buf *body;		/* the caller's */
	/* parser state */
	int st;
	char line[HTTP1_LINE_MAX];
	size_t linelen;
	unsigned headers;
	unsigned long long left;	/* of the body or of the current chunk */
};

/* body receives the (de-chunked) body; max_body bounds it. */
void http1_resp_init(struct http1_resp *r, struct buf *body, size_t max_body);
/* Feed n bytes. Returns 1 when the response is complete (bytes after it
 * are ignored), 0 when more are needed, -1 with *err (EPROTO for a
 * malformed response, E2BIG past a bound). */
int http1_resp_feed(struct http1_resp *r, const char *data, size_t n, struct error **err);
/* The peer closed the connection: 0 when that completes the response (a
 * body delimited by the close), -1 with *err when it was cut short. */
int http1_resp_eof(struct http1_resp *r, struct error **err);

#endif
