/* Tracing: spans as OpenTelemetry has them (trace id, span id, parent,
 * name, times in nanoseconds, status, attributes), the W3C traceparent
 * header that carries a context between processes, and one span as one
 * OTLP/JSON line. Sans-I/O; trace/file.c appends lines to a file. */
#ifndef TRACE_TRACE_H
#define TRACE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct error;

#define TRACE_ID_LEN 16
#define TRACE_SPAN_ID_LEN 8
/* "00-" 32 hex "-" 16 hex "-" 2 hex */
#define TRACE_PARENT_LEN 55

/* Where a new span hangs: the trace, and the span that is its parent. */
struct trace_ctx {
	uint8_t trace_id[TRACE_ID_LEN];
	uint8_t span_id[TRACE_SPAN_ID_LEN];
	uint8_t flags; /* W3C trace-flags: 01 sampled */
};

/* W3C Trace Context, version 00: "00-TRACEID-SPANID-FLAGS", lower-case
 * hex, ids not all zero. A later version is read by the same prefix, as
 * the specification asks. Returns 0, or -1 with a static reason. */
int trace_parent_parse(const char *s, size_t len, struct trace_ctx *out, const char **why);
/* out holds TRACE_PARENT_LEN + 1 bytes. */
void trace_parent_format(const struct trace_ctx *c, char *out);
bool trace_ctx_valid(const struct trace_ctx *c);

#define TRACE_MAX_ATTRS 8
#define TRACE_NAME_MAX 64
#define TRACE_VALUE_MAX 128

enum trace_status { TRACE_UNSET = 0, TRACE_OK = 1, TRACE_ERROR = 2 };

struct trace_attr {
	char key[32];
	char value[TRACE_VALUE_MAX];
};

struct trace_span {
	struct trace_ctx ctx; /* its own span id, in its trace */
	uint8_t parent_id[TRACE_SPAN_ID_LEN]; /* all zero: a root */
	char name[TRACE_NAME_MAX];
	uint64_t start_ns, end_ns; /* CLOCK_REALTIME */
	enum trace_status status;
	char message[TRACE_VALUE_MAX]; /* with TRACE_ERROR */
	struct trace_attr attrs[TRACE_MAX_ATTRS];
	unsigned nattrs;
};

/* A string attribute (cut to fit; past TRACE_MAX_ATTRS it is dropped). */
void trace_span_attr(struct trace_span *s, const char *key, const char *value);
/* One OTLP/JSON ExportTraceServiceRequest holding s, as one line with its
 * newline; service names the process (service.name). */
int trace_span_otlp(const struct trace_span *s, const char *service, struct buf *out);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void trace_hex(const uint8_t *p, size_t n, char *out);

#endif
