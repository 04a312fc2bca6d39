/* A GET over HTTPS with mbedtls: the server's certificate is verified
 * against a CA bundle (the system's, or the caller's) and its name against
 * the URL's host; the whole exchange is bounded in time and size. Only
 * what the release check needs: one request, Connection: close. */
#ifndef HTTPS_CLIENT_H
#define HTTPS_CLIENT_H

#include <stddef.h>

#include "util/buf.h"

struct error;

struct https_get {
	const char *url;	/* https://host[:port]/path */
	const char *ca_file;	/* PEM bundle; NULL or "": $SSL_CERT_FILE, then the system's */
	const char *user_agent;
	size_t max_body;
	int timeout_ms;		/* for the whole exchange */
};

/* Returns 0 with the HTTP status in *status and the body in body, or -1
 * with *err naming the URL and what failed (EINVAL bad URL or CA file,
 * ETIMEDOUT, ECONNREFUSED and other connect errors, EPERM certificate
 * verification, EPROTO TLS or HTTP errors, E2BIG over max_body). */
int https_get(const struct https_get *g, int *status, struct buf *body, struct error **err);

/* https://host[:port][/path]: host ("[v6]" without brackets), port ("443"
 * when absent) and path ("/" when absent). EINVAL for anything else. */
int https_url_split(const char *url, char *host, size_t hsize, char *port, size_t psize,
		    char *path, size_t pathsize, struct error **err);

#endif
