/* An HTTP/1.1 request's head, taken apart as its bytes arrive (sans-I/O),
 * for the small servers that answer GETs on a unix socket or on loopback
 * (the shim's monitor socket, kata-monitor): the request line, and the
 * headers that matter (Connection, Accept-Encoding, Content-Length,
 * Transfer-Encoding). Bounded as the response codec is (https/resp.h):
 * a line at most HTTP1_LINE_MAX bytes, HTTP1_MAX_HEADERS headers. No
 * request body is taken: one announced is refused. */
#ifndef HTTPS_REQ_H
#define HTTPS_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "https/resp.h"

struct error;

struct http1_req {
	char method[16];
	char target[2048]; /* origin-form: /path?query */
	int minor;	   /* HTTP/1.0 or HTTP/1.1 */
	bool keep_alive;   /* what the client asked (1.1: unless Connection: close) */
	bool gzip;	   /* Accept-Encoding names gzip */
	/* parser state */
	int st;
	char line[HTTP1_LINE_MAX];
	size_t linelen;
	unsigned headers;
};

void http1_req_init(struct http1_req *r);
/* Feed n bytes; *used says how many belong to this head (the rest is the
 * next request's). Returns 1 when the head is complete, 0 when more are
 * needed, -1 with *err: EPROTO for a malformed request (answer 400),
 * E2BIG past a bound (431), ENOTSUP for a body or an HTTP version not
 * 1.x (501, 505). */
int http1_req_feed(struct http1_req *r, const char *data, size_t n, size_t *used,
		   struct error **err);
/* The value of query parameter name in target, percent-decoded into out;
 * 0, or -1 when it is absent, malformed or longer than size - 1. */
int http1_query(const char *target, const char *name, char *out, size_t size);

#endif
