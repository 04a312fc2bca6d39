/* trace summary: OTLP/JSON lines in, for each trace the tree of its spans
 * with durations and shares of the whole, out (trace.h). Bounded: lines,
 * spans and depth; a cycle of parent links cannot loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/read.h"
#include "trace/summary.h"
#include "trace/trace.h"
#include "util/buf.h"
#include "util/error.h"

#define MAX_SPANS 10000 /* the tree is built in O(n^2) */
#define MAX_LINE (1 << 20)
#define MAX_DEPTH 64

struct sspan {
	char trace[2 * TRACE_ID_LEN + 1], id[2 * TRACE_SPAN_ID_LEN + 1];
	char parent[2 * TRACE_SPAN_ID_LEN + 1];
	char name[TRACE_NAME_MAX], service[32], attrs[160];
	unsigned long long start, end;
	int status;
	bool shown;
};

struct spans {
	struct sspan *v;
	size_t n, cap;
};

static int hex_id(const struct json_doc *d, int tok, char *out, size_t digits)
{
	if (tok < 0 || json_copy(d, tok, out, digits + 1) < 0 || strlen(out) != digits ||
	    strspn(out, "0123456789abcdef") != digits)
		return -1;
	return 0;
}

/* A time: OTLP/JSON writes 64-bit integers as decimal strings; a bare
 * number is taken too. */
static int nanos(const struct json_doc *d, int tok, unsigned long long *out)
{
	char text[24], *end;
	if (tok < 0)
		return -1;
	if (json_type(d, tok) == JSON_STRING) {
		if (json_copy(d, tok, text, sizeof(text)) < 0 || !*text ||
		    strspn(text, "0123456789") != strlen(text))
			return -1;
		errno = 0;
		*out = strtoull(text, &end, 10);
		return errno ? -1 : 0;
	}
	long long v;
	if (json_number(d, tok, &v) < 0 || v < 0)
		return -1;
	*out = (unsigned long long)v;
	return 0;
}

/* "key=value" for each string attribute, space separated, cut to fit. */
static void attributes(const struct json_doc *d, int arr, char *out, size_t size)
{
	size_t used = 0;
	out[0] = 0;
	if (arr < 0 || json_type(d, arr) != JSON_ARRAY)
		return;
	for (int i = 0, t = arr + 1; i < json_size(d, arr); i++, t = json_next(d, t)) {
		char k[32], v[TRACE_VALUE_MAX];
		int val = json_get(d, t, "value");
		if (json_copy(d, json_get(d, t, "key"), k, sizeof(k)) < 0 || val < 0 ||
		    json_copy(d, json_get(d, val, "stringValue"), v, sizeof(v)) < 0)
			continue;
		int n = snprintf(out + used, size - used, "%s%s=%s", used ? " " : "", k, v);
		if (n < 0 || (size_t)n >= size - used) {
			out[used] = 0;
			return;
		}
		used += (size_t)n;
	}
}

static int add_span(struct spans *sp, const struct json_doc *d, int t, const char *service,
		    const char **why)
{
	struct sspan s = { 0 };
	long long code = 0;
	int st;

	if (hex_id(d, json_get(d, t, "traceId"), s.trace, 2 * TRACE_ID_LEN) < 0)
		return *why = "a span without a traceId of 32 hexadecimal digits", -1;
	if (hex_id(d, json_get(d, t, "spanId"), s.id, 2 * TRACE_SPAN_ID_LEN) < 0)
		return *why = "a span without a spanId of 16 hexadecimal digits", -1;
	int p = json_get(d, t, "parentSpanId"); /* absent or "": a root */
	if (p >= 0 && !json_str_is(d, p, "") && hex_id(d, p, s.parent, 2 * TRACE_SPAN_ID_LEN) < 0)
		return *why = "a parentSpanId that is not 16 hexadecimal digits", -1;
	if (json_copy(d, json_get(d, t, "name"), s.name, sizeof(s.name)) < 0)
		return *why = "a span without a name (or one over 63 bytes)", -1;
	if (nanos(d, json_get(d, t, "startTimeUnixNano"), &s.start) < 0 ||
	    nanos(d, json_get(d, t, "endTimeUnixNano"), &s.end) < 0)
		return *why = "a span without startTimeUnixNano and endTimeUnixNano", -1;
	if (s.end < s.start)
		return *why = "a span that ends before it starts", -1;
	if ((st = json_get(d, t, "status")) >= 0 && json_number(d, json_get(d, st, "code"), &code) == 0)
		s.status = (int)code;
	snprintf(s.service, sizeof(s.service), "%s", service);
	attributes(d, json_get(d, t, "attributes"), s.attrs, sizeof(s.attrs));
	if (sp->n >= MAX_SPANS)
		return *why = "more than 10000 spans", -1;
	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? sp->cap * 2 : 64;
		struct sspan *v = realloc(sp->v, cap * sizeof(*v));
		if (!v)
			return *why = "out of memory", -1;
		sp->v = v, sp->cap = cap;
	}
	sp->v[sp->n++] = s;
	return 0;
}

/* The service.name of a resourceSpans entry, or "". */
static void service_name(const struct json_doc *d, int rs, char *out, size_t size)
{
	int a = json_get(d, json_get(d, rs, "resource"), "attributes");
	out[0] = 0;
	if (a < 0 || json_type(d, a) != JSON_ARRAY)
		return;
	for (int i = 0, t = a + 1; i < json_size(d, a); i++, t = json_next(d, t))
		if (json_str_is(d, json_get(d, t, "key"), "service.name"))
			json_copy(d, json_get(d, json_get(d, t, "value"), "stringValue"), out, size);
}

/* Every span of one ExportTraceServiceRequest. */
static int add_line(struct spans *sp, const struct json_doc *d, const char **why)
{
	int rss = json_get(d, 0, "resourceSpans");
	if (json_type(d, 0) != JSON_OBJECT || rss < 0 || json_type(d, rss) != JSON_ARRAY)
		return *why = "not an OTLP/JSON object with resourceSpans", -1;
	for (int i = 0, rs = rss + 1; i < json_size(d, rss); i++, rs = json_next(d, rs)) {
		char service[32];
		int sss = json_get(d, rs, "scopeSpans");
		service_name(d, rs, service, sizeof(service));
		if (sss < 0 || json_type(d, sss) != JSON_ARRAY)
			return *why = "resourceSpans without scopeSpans", -1;
		for (int j = 0, ss = sss + 1; j < json_size(d, sss); j++, ss = json_next(d, ss)) {
			int spans = json_get(d, ss, "spans");
			if (spans < 0 || json_type(d, spans) != JSON_ARRAY)
				return *why = "scopeSpans without spans", -1;
			for (int k = 0, t = spans + 1; k < json_size(d, spans); k++, t = json_next(d, t)) {
				if (json_type(d, t) != JSON_OBJECT)
					return *why = "a span that is not an object", -1;
				if (add_span(sp, d, t, service, why) < 0)
					return -1;
			}
		}
	}
	return 0;
}

static int by_trace_then_start(const void *a, const void *b)
{
	const struct sspan *x = a, *y = b;
	int c = strcmp(x->trace, y->trace);
	return c ? c : x->start < y->start ? -1 : x->start > y->start;
}

struct view {
	unsigned long long total;
	int width; /* of the indented name column */
};

static void print_span(struct buf *out, struct sspan *v, size_t n, struct sspan *s, int depth,
		       const struct view *w)
{
	double ms = (double)(s->end - s->start) / 1e6;
	unsigned long long total = w->total;
	int pad = w->width - 2 * depth;
	s->shown = true;
	buf_printf(out, "%*s%-*s %10.1f ms %5.1f%%  %s%s%s%s\n", 2 + 2 * depth, "",
		   pad > 1 ? pad : 1, s->name, ms,
		   total ? 100.0 * (double)(s->end - s->start) / (double)total : 100.0, s->service,
		   s->attrs[0] ? " " : "", s->attrs, s->status == TRACE_ERROR ? " ERROR" : "");
	if (depth + 1 >= MAX_DEPTH)
		return;
	for (size_t i = 0; i < n; i++)
		if (!v[i].shown && !strcmp(v[i].parent, s->id))
			print_span(out, v, n, &v[i], depth + 1, w);
}

static bool has_span(const struct sspan *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].id, id))
			return true;
	return false;
}

/* One trace: v[0..n) sorted by start. Roots are the spans whose parent is
 * not in it (the first is the root; a parent elsewhere is said so). With
 * one root, shares are of its duration (spans of another machine's clock,
 * the guest's, may lie outside it); otherwise of the whole extent. */
static void print_trace(struct buf *out, struct sspan *v, size_t n)
{
	unsigned long long first = v[0].start, last = v[0].end;
	struct view w = { 0, 32 };
	size_t roots = 0, root = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].name);
		if (v[i].end > last)
			last = v[i].end;
		if ((int)len + 10 > w.width)
			w.width = len + 10 > 72 ? 72 : (int)len + 10;
		if (!v[i].parent[0] || !has_span(v, n, v[i].parent))
			root = i, roots++;
	}
	w.total = roots == 1 ? v[root].end - v[root].start : last - first;
	buf_printf(out, "trace %s: %.1f ms%s, %zu span%s\n", v[0].trace, (double)w.total / 1e6,
		   roots == 1 ? "" : " (first start to last end)", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		if (v[i].shown || (v[i].parent[0] && has_span(v, n, v[i].parent)))
			continue;
		if (v[i].parent[0])
			buf_printf(out, "  (parent %s is not in the file)\n", v[i].parent);
		print_span(out, v, n, &v[i], 0, &w);
	}
	for (size_t i = 0; i < n; i++) /* in a cycle of parents: shown flat */
		if (!v[i].shown) {
			buf_printf(out, "  (in a cycle of parent links)\n");
			print_span(out, v, n, &v[i], 0, &w);
		}
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

int trace_summary(const char *name, const char *data, size_t len, struct buf *out,
		  struct error **err)
{
	struct spans sp = { 0 };
	const char *p = data, *end = data + len, *why = NULL;
	int line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		struct json_doc d;
		struct error *e = NULL;
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n > MAX_LINE)
			why = "a line over 1 MiB";
		else if (blank(p, n))
			;
		else if (json_parse(&d, p, n, &e) < 0)
			why = "not JSON", error_free(e);
		else
			add_line(&sp, &d, &why), json_doc_free(&d);
		if (why) {
			free(sp.v);
			return error_set(err, EINVAL, "%s:%d: %s", name, line, why);
		}
		p = nl ? nl + 1 : end;
	}
	if (!sp.n) {
		free(sp.v);
		return error_set(err, EINVAL, "%s: no spans", name);
	}
	qsort(sp.v, sp.n, sizeof(*sp.v), by_trace_then_start);
	for (size_t i = 0, j; i < sp.n; i = j) {
		for (j = i + 1; j < sp.n && !strcmp(sp.v[j].trace, sp.v[i].trace); j++)
			;
		if (i)
			buf_putc(out, '\n');
		print_trace(out, sp.v + i, j - i);
	}
	free(sp.v);
	return 0;
}
