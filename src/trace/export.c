/* OTLP/HTTP with JSON bodies (export.h): one POST of an
 * ExportTraceServiceRequest to a collector on loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "trace/export.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"

#define TIMEOUT_S 2

struct url {
	char host[64];
	unsigned port;
	const char *path;
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} sa;
	socklen_t salen;
};

static int parse(const char *url, struct url *u, const char **why)
{
	const char *p = url + 7, *end;
	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7))
		return *why = "only http:// is supported (a collector on this host)", -1;
	if (*p == '[') {
		if (!(end = strchr(p, ']')))
			return *why = "no ] after the IPv6 address", -1;
		p++;
	} else {
		end = p + strcspn(p, ":/");
	}
	if (end == p || (size_t)(end - p) >= sizeof(u->host))
		return *why = "no host", -1;
	memcpy(u->host, p, (size_t)(end - p));
	p = end + (*end == ']');
	u->port = 80;
	if (*p == ':') {
		char *e;
		unsigned long port = strtoul(p + 1, &e, 10);
		if (e == p + 1 || port == 0 || port > 65535 || (*e && *e != '/'))
			return *why = "the port is not a number from 1 to 65535", -1;
		u->port = (unsigned)port;
		p = e;
	}
	u->path = *p ? p : "/";
	if (!strcmp(u->host, "localhost"))
		snprintf(u->host, sizeof(u->host), "127.0.0.1");
	if (inet_pton(AF_INET, u->host, &u->sa.v4.sin_addr) == 1) {
		if ((ntohl(u->sa.v4.sin_addr.s_addr) >> 24) != 127)
			return *why = "not a loopback address", -1;
		u->sa.v4.sin_family = AF_INET;
		u->sa.v4.sin_port = htons((uint16_t)u->port);
		u->salen = sizeof(u->sa.v4);
	} else if (inet_pton(AF_INET6, u->host, &u->sa.v6.sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&u->sa.v6.sin6_addr))
			return *why = "not a loopback address", -1;
		u->sa.v6.sin6_family = AF_INET6;
		u->sa.v6.sin6_port = htons((uint16_t)u->port);
		u->salen = sizeof(u->sa.v6);
	} else {
		return *why = "the host is not localhost, 127.x.x.x or [::1]", -1;
	}
	return 0;
}

int trace_collector_check(const char *url, struct error **err)
{
	struct url u;
	const char *why;
	if (parse(url, &u, &why) < 0)
		return error_set(err, EINVAL, "trace collector %s: %s", url, why);
	return 0;
}

#define HEAD "{\"resourceSpans\":["

int trace_otlp_merge(const char *lines, size_t len, struct buf *out)
{
	size_t hl = sizeof(HEAD) - 1, n_in = 0;
	int r = buf_puts(out, HEAD);
	while (len && r == 0) {
		const char *nl = memchr(lines, '\n', len);
		size_t n = nl ? (size_t)(nl - lines) : len;
		if (n > hl + 2 && !memcmp(lines, HEAD, hl) && !memcmp(lines + n - 2, "]}", 2)) {
			if (n_in++)
				r = buf_putc(out, ',');
			if (r == 0)
				r = buf_append(out, lines + hl, n - hl - 2);
		}
		lines += nl ? n + 1 : n;
		len -= nl ? n + 1 : n;
	}
	return r < 0 ? r : buf_puts(out, "]}");
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, n -= (size_t)w;
	}
	return 0;
}

/* The status code of the response, or -1. */
static int post(const struct url *u, const struct buf *body)
{
	struct timeval tv = { TIMEOUT_S, 0 };
	char head[512], resp[64];
	int fd = socket(u->sa.v4.sin_family, SOCK_STREAM | SOCK_CLOEXEC, 0), code = -1;
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int hn = snprintf(head, sizeof(head),
			  "POST %s HTTP/1.1\r\nHost: %s:%u\r\nContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			  u->path, u->host, u->port, body->len);
	size_t got = 0;
	ssize_t r = 0;
	if (hn > 0 && hn < (int)sizeof(head) &&
	    connect(fd, (const struct sockaddr *)&u->sa, u->salen) == 0 &&
	    send_all(fd, head, (size_t)hn) == 0 && send_all(fd, body->data, body->len) == 0)
		while (got < sizeof(resp) - 1 &&
		       ((r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0)) > 0 ||
			(r < 0 && errno == EINTR)))
			got += r > 0 ? (size_t)r : 0;
	resp[got] = 0;
	if (got >= 12 && !memcmp(resp, "HTTP/1.", 7) && resp[8] == ' ' && resp[9] >= '1' &&
	    resp[9] <= '5' && resp[10] >= '0' && resp[10] <= '9' && resp[11] >= '0' &&
	    resp[11] <= '9')
		code = (resp[9] - '0') * 100 + (resp[10] - '0') * 10 + (resp[11] - '0');
	close(fd);
	return code;
}

void trace_collector_post(const char *url, const char *lines, size_t len)
{
	struct url u;
	const char *why;
	struct buf body = BUF_INIT(0);
	if (parse(url, &u, &why) < 0 || trace_otlp_merge(lines, len, &body) < 0) {
		buf_free(&body);
		return;
	}
	int code = post(&u, &body);
	if (code < 200 || code > 299)
		log_warn("trace collector %s: %s %d: spans not delivered", url,
			 code < 0 ? "no HTTP answer" : "HTTP status", code);
	buf_free(&body);
}
