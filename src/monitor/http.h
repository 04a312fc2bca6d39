/* The server side of HTTP/1.1 for kata-monitor and shim-monitor.sock
 * (monitor/http.c): one request head read with https/'s codec (bounded),
 * one answer, the connection closed by the caller. */
#ifndef MONITOR_HTTP_H
#define MONITOR_HTTP_H

#include "https/req.h"
#include "util/buf.h"

/* The request on fd within ms: 1 with r filled; 0 when the client sent
 * nothing whole in time or went; -1 after answering a malformed request
 * (400), a head too large (431) or a body (501). */
int mon_http_request(int fd, struct http1_req *r, int ms);
void mon_http_answer(int fd, int code, const char *reason, const char *type,
		     const struct buf *body);

#endif
