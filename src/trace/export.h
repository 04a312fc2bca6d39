/* OTLP/HTTP JSON export to a collector on loopback (trace/export.c). */
#ifndef TRACE_EXPORT_H
#define TRACE_EXPORT_H

#include <stddef.h>

struct error;

/* url is http://HOST[:PORT]/PATH with HOST 127.x.x.x, localhost or [::1]
 * (spans leave the host through a collector the user runs, never from
 * here). 0, or -1 with *err naming what is wrong. */
int trace_collector_check(const char *url, struct error **err);
/* POST lines (OTLP/JSON requests, one a line) as one request holding all
 * their resourceSpans; a failure is logged, not returned. */
void trace_collector_post(const char *url, const char *lines, size_t len);
/* lines as that one request's body, into out (lines not of our shape are
 * left out). */
struct buf;
int trace_otlp_merge(const char *lines, size_t len, struct buf *out);

#endif
