#include "https/req.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"

enum { ST_LINE, ST_HEADER, ST_DONE };

void http1_req_init(struct http1_req *r)
{
	memset(r, 0, sizeof(*r));
}

static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int request_line(struct http1_req *r, const char *l, struct error **err)
{
	size_t m = 0;
	while (tchar(l[m]) && m < sizeof(r->method) - 1)
		m++;
	if (!m || l[m] != ' ')
		return error_set(err, EPROTO, "not an HTTP request line: \"%.64s\"", l);
	memcpy(r->method, l, m);
	r->method[m] = 0;
	const char *t = l + m + 1, *sp = strchr(t, ' ');
	if (!sp || (*t != '/' && !(*t == '*' && sp == t + 1)))
		return error_set(err, EPROTO, "request target: not a path: \"%.64s\"", t);
	if ((size_t)(sp - t) >= sizeof(r->target))
		return error_set(err, E2BIG, "request target longer than %zu bytes",
				 sizeof(r->target) - 1);
	for (const char *p = t; p < sp; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return error_set(err, EPROTO, "request target: a control character");
	memcpy(r->target, t, (size_t)(sp - t));
	r->target[sp - t] = 0;
	if (strncmp(sp + 1, "HTTP/", 5))
		return error_set(err, EPROTO, "no HTTP version: \"%.64s\"", sp + 1);
	if (strcmp(sp + 1, "HTTP/1.1") && strcmp(sp + 1, "HTTP/1.0"))
		return error_set(err, ENOTSUP, "HTTP version %.16s: only 1.0 and 1.1", sp + 1);
	r->minor = sp[8] - '0';
	r->keep_alive = r->minor == 1;
	r->st = ST_HEADER;
	return 0;
}

/* A comma-separated header value names word (case-insensitive). */
static bool names(const char *v, const char *word)
{
	size_t k = strlen(word);
	for (const char *p = v; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *e = p;
		while (*e && *e != ',' && *e != ';' && *e != ' ' && *e != '\t')
			e++;
		if ((size_t)(e - p) == k && !strncasecmp(p, word, k))
			return true;
		p = strchr(e, ',') ? strchr(e, ',') : e + strlen(e);
	}
	return false;
}

static int header(struct http1_req *r, char *l, struct error **err)
{
	if (*l == ' ' || *l == '\t')
		return error_set(err, EPROTO, "a folded header line");
	char *colon = strchr(l, ':');
	size_t n = 0;
	while (tchar(l[n]))
		n++;
	if (!colon || !n || l + n != colon)
		return error_set(err, EPROTO, "not a header line: \"%.64s\"", l);
	if (++r->headers > HTTP1_MAX_HEADERS)
		return error_set(err, E2BIG, "more than %d headers", HTTP1_MAX_HEADERS);
	*colon = 0;
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t vl = strlen(v);
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		v[--vl] = 0;
	if (!strcasecmp(l, "Connection")) {
		if (names(v, "close"))
			r->keep_alive = false;
		else if (names(v, "keep-alive"))
			r->keep_alive = true;
	} else if (!strcasecmp(l, "Accept-Encoding")) {
		r->gzip = names(v, "gzip");
	} else if (!strcasecmp(l, "Transfer-Encoding") ||
		   (!strcasecmp(l, "Content-Length") && strcmp(v, "0"))) {
		return error_set(err, ENOTSUP, "a request body (%s) is not taken", l);
	}
	return 0;
}

static int line_done(struct http1_req *r, struct error **err)
{
	char *l = r->line;
	if (r->linelen && l[r->linelen - 1] == '\r')
		r->linelen--;
	l[r->linelen] = 0;
	r->linelen = 0;
	if (r->st == ST_LINE) {
		if (!*l) /* empty lines before a request (RFC 9112 2.2) */
			return 0;
		return request_line(r, l, err);
	}
	if (!*l) {
		r->st = ST_DONE;
		return 1;
	}
	return header(r, l, err);
}

int http1_req_feed(struct http1_req *r, const char *data, size_t n, size_t *used,
		   struct error **err)
{
	size_t i = 0;
	int rc = r->st == ST_DONE ? 1 : 0;
	while (i < n && rc == 0) {
		char c = data[i++];
		if (c == '\n') {
			rc = line_done(r, err);
		} else if (c == '\0') {
			rc = error_set(err, EPROTO, "a NUL in the request head");
		} else if (r->linelen + 1 >= sizeof(r->line)) {
			rc = error_set(err, E2BIG, "a request line longer than %d bytes",
				       HTTP1_LINE_MAX);
		} else {
			r->line[r->linelen++] = c;
		}
	}
	*used = i;
	return rc;
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

int http1_query(const char *target, const char *name, char *out, size_t size)
{
	const char *q = strchr(target, '?');
	size_t k = strlen(name);
	for (const char *p = q ? q + 1 : NULL; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, name, k) || p[k] != '=')
			continue;
		size_t o = 0;
		for (p += k + 1; *p && *p != '&' && *p != '#'; p++) {
			int c = *p == '+' ? ' ' : *p;
			if (*p == '%') {
				int h = hex(p[1]), l = h < 0 ? -1 : hex(p[2]);
				if (l < 0)
					return -1;
				c = h * 16 + l;
				p += 2;
			}
			if (o + 1 >= size || c == 0)
				return -1;
			out[o++] = (char)c;
		}
		out[o] = 0;
		return 0;
	}
	return -1;
}
