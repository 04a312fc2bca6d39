/* Tracing: spans as OpenTelemetry has them (trace id, span id, parent,
 * name, times in nanoseconds, status, attributes), the W3C traceparent
 * header that carries a context between processes, and one span as one
 * OTLP/JSON line (span.c, sans-I/O); and the tracer (tracer.c) that
 * makes spans and hands each finished one, as that line, to this
 * process's sink: a trace file, a loopback OTLP/HTTP collector, or (the
 * guest agent) memory. Off, a span costs one branch. */
#ifndef TRACE_TRACE_H
#define TRACE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "autoconf.h"

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
	bool live; /* begun with tracing on: trace_end emits it */
	uint64_t mono_start; /* CLOCK_MONOTONIC: the end is start_ns plus
			      * the monotonic time since, whatever the wall
			      * clock did (SetGuestDateTime moves it) */
};

/* A string attribute (cut to fit; past TRACE_MAX_ATTRS it is dropped). */
void trace_span_attr(struct trace_span *s, const char *key, const char *value);
/* One OTLP/JSON ExportTraceServiceRequest holding s, as one line with its
 * newline; service names the process (service.name). */
int trace_span_otlp(const struct trace_span *s, const char *service, struct buf *out);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void trace_hex(const uint8_t *p, size_t n, char *out);


/* ---------------------------------------------------------------- tracer */

/* The sink of this process: spans go to file (appended, one whole line
 * per write under an exclusive lock, so concurrent processes never
 * interleave), to collector (an http:// URL on loopback, POSTed as one
 * OTLP/HTTP JSON request at trace_flush), or, with mem_max > 0, into
 * memory for trace_take (the guest agent). service names this process. */
struct trace_sink {
	const char *service;
	const char *file;
	const char *collector;
	size_t mem_max;
};

#if ENABLE_TRACE
extern bool trace_enabled;
/* Turn tracing on with sink s (strings are copied). -1 with *err when the
 * file cannot be opened or the collector URL is not http:// on loopback. */
int trace_open(const struct trace_sink *s, struct error **err);
/* Recording on or off (the sink stays). */
void trace_set_enabled(bool on);
/* POST what the collector has not had yet (nothing without one). */
void trace_flush(void);
void trace_close(void);
/* Begin s as a child of parent (NULL or invalid: a new trace), now or at
 * start_ns. With tracing off, s is only marked not live. */
void trace_begin(struct trace_span *s, const struct trace_ctx *parent, const char *name);
void trace_begin_at(struct trace_span *s, const struct trace_ctx *parent, const char *name,
		    uint64_t start_ns);
/* End s (rc < 0: status error, with why as its message) and emit it. */
void trace_end(struct trace_span *s, int rc, const char *why);
/* trace_end with the message of *err (err or *err may be NULL); rc back. */
int trace_end_err(struct trace_span *s, int rc, struct error *const *err);
/* s's context for its children: NULL when s is not live. */
static inline const struct trace_ctx *trace_ctx_of(const struct trace_span *s)
{
	return s->live ? &s->ctx : NULL;
}
static inline void trace_attr(struct trace_span *s, const char *key, const char *value)
{
	if (s->live)
		trace_span_attr(s, key, value);
}
/* Emit lines that another process made (the agent's, from StopTracing):
 * each must be one OTLP/JSON object; others are dropped and counted. */
int trace_emit_lines(const char *text, size_t len);
/* Move what memory holds (whole lines) into out; how many spans were
 * dropped for want of room since the last take in *dropped. */
int trace_take(struct buf *out, size_t *dropped);
/* The wall clock in nanoseconds. */
uint64_t trace_now_ns(void);
/* The environment that hands a child this process's sink and parent as
 * its context: "TRACEPARENT=...", "UKATA_TRACE_FILE=...",
 * "UKATA_TRACE_COLLECTOR=..." into v (up to 3, each malloc'd); how many. */
int trace_child_env(const struct trace_ctx *parent, char **v);
/* A process started so (a shim, the proxy): tracing on as its parent
 * had it, and its context from TRACEPARENT in *ctx (zero without). */
int trace_from_env(const char *service, struct trace_ctx *ctx, struct error **err);
#else
#define trace_enabled false
static inline int trace_open(const struct trace_sink *s, struct error **err)
{
	(void)s, (void)err;
	return 0;
}
static inline void trace_set_enabled(bool on) { (void)on; }
static inline void trace_flush(void) {}
static inline void trace_close(void) {}
static inline void trace_begin(struct trace_span *s, const struct trace_ctx *p, const char *n)
{
	(void)p, (void)n;
	s->live = false;
}
static inline void trace_begin_at(struct trace_span *s, const struct trace_ctx *p,
				  const char *n, uint64_t t)
{
	(void)p, (void)n, (void)t;
	s->live = false;
}
static inline void trace_end(struct trace_span *s, int rc, const char *why)
{
	(void)s, (void)rc, (void)why;
}
static inline int trace_end_err(struct trace_span *s, int rc, struct error *const *err)
{
	(void)s, (void)err;
	return rc;
}
static inline const struct trace_ctx *trace_ctx_of(const struct trace_span *s)
{
	(void)s;
	return NULL;
}
static inline void trace_attr(struct trace_span *s, const char *k, const char *v)
{
	(void)s, (void)k, (void)v;
}
static inline int trace_emit_lines(const char *t, size_t n)
{
	(void)t, (void)n;
	return 0;
}
static inline uint64_t trace_now_ns(void) { return 0; }
static inline int trace_child_env(const struct trace_ctx *p, char **v)
{
	(void)p, (void)v;
	return 0;
}
static inline int trace_from_env(const char *service, struct trace_ctx *ctx, struct error **err)
{
	(void)service, (void)err;
	memset(ctx, 0, sizeof(*ctx));
	return 0;
}
#endif

#endif
