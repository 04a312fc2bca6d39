/* traceparent and OTLP/JSON (trace.h). */
#include <stdio.h>
#include <string.h>

#include "json/writer.h"
#include "trace/trace.h"
#include "util/buf.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* n bytes from 2n lower-case hex digits. */
static int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

bool trace_ctx_valid(const struct trace_ctx *c)
{
	return !zero(c->trace_id, TRACE_ID_LEN) && !zero(c->span_id, TRACE_SPAN_ID_LEN);
}

void trace_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

int trace_parent_parse(const char *s, size_t len, struct trace_ctx *out, const char **why)
{
	uint8_t version;
	/* surrounding spaces and tabs are allowed in an HTTP header value */
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	*why = "not version-traceid-parentid-flags";
	if (len < TRACE_PARENT_LEN || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return -1;
	if (unhex(s, &version, 1) < 0 || unhex(s + 3, out->trace_id, TRACE_ID_LEN) < 0 ||
	    unhex(s + 36, out->span_id, TRACE_SPAN_ID_LEN) < 0 || unhex(s + 53, &out->flags, 1) < 0)
		return *why = "not lower-case hexadecimal", -1;
	if (version == 0xff)
		return *why = "version ff is invalid", -1;
	/* version 00 is exactly this long; a later one may add "-..." fields */
	if (len > TRACE_PARENT_LEN && (version == 0 || s[TRACE_PARENT_LEN] != '-'))
		return *why = "text after the flags", -1;
	if (zero(out->trace_id, TRACE_ID_LEN))
		return *why = "trace id is all zeros", -1;
	if (zero(out->span_id, TRACE_SPAN_ID_LEN))
		return *why = "parent id is all zeros", -1;
	return 0;
}

void trace_parent_format(const struct trace_ctx *c, char *out)
{
	char t[2 * TRACE_ID_LEN + 1], p[2 * TRACE_SPAN_ID_LEN + 1];
	trace_hex(c->trace_id, TRACE_ID_LEN, t);
	trace_hex(c->span_id, TRACE_SPAN_ID_LEN, p);
	snprintf(out, TRACE_PARENT_LEN + 1, "00-%s-%s-%02x", t, p, c->flags);
}

void trace_span_attr(struct trace_span *s, const char *key, const char *value)
{
	if (s->nattrs >= TRACE_MAX_ATTRS)
		return;
	struct trace_attr *a = &s->attrs[s->nattrs++];
	snprintf(a->key, sizeof(a->key), "%s", key);
	snprintf(a->value, sizeof(a->value), "%s", value ? value : "");
}

static void attr(struct json_writer *w, const char *key, const char *value)
{
	json_obj_begin(w);
	json_key(w, "key");
	json_str(w, key);
	json_key(w, "value");
	json_obj_begin(w);
	json_key(w, "stringValue");
	json_str(w, value);
	json_obj_end(w);
	json_obj_end(w);
}

/* OTLP/JSON: ids as hex strings, 64-bit times as decimal strings. */
static void span(struct json_writer *w, const struct trace_span *s)
{
	char hex[2 * TRACE_ID_LEN + 1], num[24];
	json_obj_begin(w);
	trace_hex(s->ctx.trace_id, TRACE_ID_LEN, hex);
	json_key(w, "traceId"), json_str(w, hex);
	trace_hex(s->ctx.span_id, TRACE_SPAN_ID_LEN, hex);
	json_key(w, "spanId"), json_str(w, hex);
	if (!zero(s->parent_id, TRACE_SPAN_ID_LEN)) {
		trace_hex(s->parent_id, TRACE_SPAN_ID_LEN, hex);
		json_key(w, "parentSpanId"), json_str(w, hex);
	}
	json_key(w, "name"), json_str(w, s->name);
	json_key(w, "kind"), json_int(w, 1); /* SPAN_KIND_INTERNAL */
	snprintf(num, sizeof(num), "%llu", (unsigned long long)s->start_ns);
	json_key(w, "startTimeUnixNano"), json_str(w, num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)s->end_ns);
	json_key(w, "endTimeUnixNano"), json_str(w, num);
	json_key(w, "attributes");
	json_arr_begin(w);
	for (unsigned i = 0; i < s->nattrs; i++)
		attr(w, s->attrs[i].key, s->attrs[i].value);
	json_arr_end(w);
	json_key(w, "status");
	json_obj_begin(w);
	if (s->status == TRACE_ERROR && s->message[0])
		json_key(w, "message"), json_str(w, s->message);
	json_key(w, "code"), json_int(w, s->status);
	json_obj_end(w);
	json_obj_end(w);
}

int trace_span_otlp(const struct trace_span *s, const char *service, struct buf *out)
{
	struct json_writer w;
	json_begin(&w, out, false);
	json_obj_begin(&w);
	json_key(&w, "resourceSpans");
	json_arr_begin(&w);
	json_obj_begin(&w);
	json_key(&w, "resource");
	json_obj_begin(&w);
	json_key(&w, "attributes");
	json_arr_begin(&w);
	attr(&w, "service.name", service);
	json_arr_end(&w);
	json_obj_end(&w);
	json_key(&w, "scopeSpans");
	json_arr_begin(&w);
	json_obj_begin(&w);
	json_key(&w, "scope");
	json_obj_begin(&w);
	json_key(&w, "name"), json_str(&w, "ukata");
	json_obj_end(&w);
	json_key(&w, "spans");
	json_arr_begin(&w);
	span(&w, s);
	json_arr_end(&w);
	json_obj_end(&w);
	json_arr_end(&w);
	json_obj_end(&w);
	json_arr_end(&w);
	json_obj_end(&w);
	if (json_end(&w) < 0)
		return -1;
	return buf_putc(out, '\n');
}
