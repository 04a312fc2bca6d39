#include "https/resp.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"

enum { ST_STATUS, ST_HEADER, ST_BODY_LEN, ST_BODY_CLOSE, ST_CHUNK_SIZE, ST_CHUNK_DATA,
       ST_CHUNK_END, ST_TRAILER, ST_DONE };

void http1_resp_init(struct http1_resp *r, struct buf *body, size_t max_body)
{
	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	r->body = body;
	r->max_body = max_body;
}

static int too_big(struct http1_resp *r, struct error **err)
{
	return error_set(err, E2BIG, "response body larger than the limit of %zu bytes",
			 r->max_body);
}

static int status_line(struct http1_resp *r, const char *l, struct error **err)
{
	if (strncmp(l, "HTTP/1.", 7) || !strchr("01", l[7]) || l[8] != ' ' ||
	    !strchr("12345", l[9]) || !strchr("0123456789", l[10]) || !l[10] ||
	    !strchr("0123456789", l[11]) || !l[11] || (l[12] && l[12] != ' '))
		return error_set(err, EPROTO, "not an HTTP/1.1 status line: \"%.64s\"", l);
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	r->st = ST_HEADER;
	return 0;
}

static int content_length(struct http1_resp *r, const char *v, struct error **err)
{
	long long n = 0;
	if (!*v)
		return error_set(err, EPROTO, "empty Content-Length");
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > (1LL << 50))
			return error_set(err, EPROTO, "bad Content-Length");
		n = n * 10 + (*v - '0');
	}
	if (r->content_length >= 0 && r->content_length != n)
		return error_set(err, EPROTO, "two different Content-Length headers");
	r->content_length = n;
	return 0;
}

/* The end of the head: how the body is delimited. */
static int head_done(struct http1_resp *r, struct error **err)
{
	if (r->status < 200) { /* an interim response: the real one follows */
		http1_resp_init(r, r->body, r->max_body);
		return 0;
	}
	if (r->status == 204 || r->status == 304) {
		r->st = ST_DONE;
	} else if (r->chunked) {
		r->st = ST_CHUNK_SIZE;
	} else if (r->content_length >= 0) {
		if ((unsigned long long)r->content_length > r->max_body)
			return too_big(r, err);
		r->left = (unsigned long long)r->content_length;
		r->st = r->left ? ST_BODY_LEN : ST_DONE;
	} else {
		r->st = ST_BODY_CLOSE;
	}
	return 0;
}

static int header_line(struct http1_resp *r, char *l, struct error **err)
{
	if (!*l)
		return head_done(r, err);
	if (++r->headers > HTTP1_MAX_HEADERS)
		return error_set(err, E2BIG, "more than %d response headers", HTTP1_MAX_HEADERS);
	char *colon = strchr(l, ':');
	if (!colon || colon == l || strcspn(l, " \t") < (size_t)(colon - l))
		return error_set(err, EPROTO, "malformed response header \"%.64s\"", l);
	*colon = 0;
	char *v = colon + 1, *end = v + strlen(v);
	while (*v == ' ' || *v == '\t')
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = 0;
	if (!strcasecmp(l, "content-length"))
		return content_length(r, v, err);
	if (!strcasecmp(l, "transfer-encoding")) {
		size_t n = strlen(v);
		r->chunked = n >= 7 && !strcasecmp(v + n - 7, "chunked");
		if (!r->chunked)
			return error_set(err, EPROTO, "unsupported Transfer-Encoding \"%.64s\"", v);
	}
	return 0;
}

static int chunk_size(struct http1_resp *r, const char *l, struct error **err)
{
	unsigned long long n = 0;
	const char *p = l;
	for (; hex_value(*p) >= 0; p++) {
		n = n * 16 + (unsigned)hex_value(*p);
		if (n > r->max_body)
			return too_big(r, err);
	}
	if (p == l || (*p && *p != ';' && *p != ' ' && *p != '\t'))
		return error_set(err, EPROTO, "bad chunk size \"%.32s\"", l);
	r->left = n;
	r->st = n ? ST_CHUNK_DATA : ST_TRAILER;
	return 0;
}

static int line(struct http1_resp *r, char *l, struct error **err)
{
	switch (r->st) {
	case ST_STATUS:
		return status_line(r, l, err);
	case ST_HEADER:
		return header_line(r, l, err);
	case ST_CHUNK_SIZE:
		return chunk_size(r, l, err);
	case ST_CHUNK_END:
		if (*l)
			return error_set(err, EPROTO, "chunk not followed by CRLF");
		r->st = ST_CHUNK_SIZE;
		return 0;
	default: /* ST_TRAILER */
		if (!*l)
			r->st = ST_DONE;
		return 0;
	}
}

/* Body bytes: at most r->left of them when the length is known. */
static size_t body(struct http1_resp *r, const char *d, size_t n, struct error **err)
{
	if (r->st != ST_BODY_CLOSE && n > r->left)
		n = (size_t)r->left;
	if (r->body->len + n > r->max_body || buf_append(r->body, d, n) < 0) {
		too_big(r, err);
		return (size_t)-1;
	}
	if (r->st != ST_BODY_CLOSE && !(r->left -= n))
		r->st = r->st == ST_CHUNK_DATA ? ST_CHUNK_END : ST_DONE;
	return n;
}

int http1_resp_feed(struct http1_resp *r, const char *d, size_t n, struct error **err)
{
	while (n && r->st != ST_DONE) {
		if (r->st == ST_BODY_LEN || r->st == ST_BODY_CLOSE || r->st == ST_CHUNK_DATA) {
			size_t used = body(r, d, n, err);
			if (used == (size_t)-1)
				return -1;
			d += used, n -= used;
			continue;
		}
		const char *nl = memchr(d, '\n', n);
		size_t take = nl ? (size_t)(nl - d) + 1 : n;
		if (r->linelen + take > HTTP1_LINE_MAX - 1)
			return error_set(err, E2BIG, "a response line longer than %d bytes",
					 HTTP1_LINE_MAX);
		if (memchr(d, 0, take))
			return error_set(err, EPROTO, "a NUL byte in the response head");
		memcpy(r->line + r->linelen, d, take);
		r->linelen += take;
		d += take, n -= take;
		if (!nl)
			break;
		r->line[--r->linelen] = 0; /* the \n */
		if (r->linelen && r->line[r->linelen - 1] == '\r')
			r->line[--r->linelen] = 0;
		r->linelen = 0;
		if (line(r, r->line, err) < 0)
			return -1;
	}
	return r->st == ST_DONE;
}

int http1_resp_eof(struct http1_resp *r, struct error **err)
{
	switch (r->st) {
	case ST_DONE:
	case ST_BODY_CLOSE:
		r->st = ST_DONE;
		return 0;
	case ST_BODY_LEN:
		return error_set(err, EPROTO, "truncated response: %llu of %lld body bytes missing",
				 r->left, r->content_length);
	case ST_STATUS:
	case ST_HEADER:
		return error_set(err, EPROTO, "connection closed in the response head");
	default:
		return error_set(err, EPROTO, "truncated response: connection closed inside the "
				 "chunked body");
	}
}
