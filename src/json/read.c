#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#define JSMN_STATIC
#include <jsmn.h>

#include "json/read.h"
#include "util/error.h"

struct json_tok {
	jsmntok_t t;
};

int json_parse(struct json_doc *d, const char *text, size_t len, struct error **err)
{
	jsmn_parser p;
	int cap = 64;

	memset(d, 0, sizeof(*d));
	d->text = text;
	d->len = len;
	for (;;) {
		struct json_tok *t = realloc(d->t, (size_t)cap * sizeof(*t));
		if (!t) {
			json_doc_free(d);
			return error_set(err, ENOMEM, "out of memory");
		}
		d->t = t;
		jsmn_init(&p);
		int n = jsmn_parse(&p, text, len, (jsmntok_t *)d->t, (unsigned)cap);
		if (n == JSMN_ERROR_NOMEM && cap < JSON_MAX_TOKENS) {
			cap *= 4;
			continue;
		}
		if (n == JSMN_ERROR_NOMEM) {
			json_doc_free(d);
			return error_set(err, E2BIG, "JSON: more than %d tokens", JSON_MAX_TOKENS);
		}
		if (n < 0 || n == 0) {
			json_doc_free(d);
			return error_set(err, EINVAL, "JSON: %s",
					 n == JSMN_ERROR_PART ? "truncated" : "invalid");
		}
		/* One value, and nothing after it but white space. */
		for (size_t i = (size_t)d->t[0].t.end; i < len; i++) {
			if (!strchr(" \t\r\n", text[i])) {
				json_doc_free(d);
				return error_set(err, EINVAL, "JSON: text after the value");
			}
		}
		d->n = n;
		return 0;
	}
}

void json_doc_free(struct json_doc *d)
{
	free(d->t);
	d->t = NULL;
	d->n = 0;
}

static const jsmntok_t *tok(const struct json_doc *d, int i)
{
	return i >= 0 && i < d->n ? &d->t[i].t : NULL;
}

enum json_type json_type(const struct json_doc *d, int i)
{
	const jsmntok_t *t = tok(d, i);
	if (!t)
		return JSON_UNDEFINED;
	switch (t->type) {
	case JSMN_OBJECT: return JSON_OBJECT;
	case JSMN_ARRAY: return JSON_ARRAY;
	case JSMN_STRING: return JSON_STRING;
	case JSMN_PRIMITIVE: return JSON_PRIMITIVE;
	default: return JSON_UNDEFINED;
	}
}

int json_next(const struct json_doc *d, int i)
{
	const jsmntok_t *t = tok(d, i);
	if (!t)
		return d->n;
	int j = i + 1;
	while (j < d->n && d->t[j].t.start < t->end)
		j++;
	return j;
}

int json_size(const struct json_doc *d, int i)
{
	const jsmntok_t *t = tok(d, i);
	return t ? t->size : 0;
}

const char *json_raw(const struct json_doc *d, int i, size_t *len)
{
	const jsmntok_t *t = tok(d, i);
	if (!t) {
		*len = 0;
		return "";
	}
	*len = (size_t)(t->end - t->start);
	return d->text + t->start;
}

bool json_str_is(const struct json_doc *d, int i, const char *s)
{
	const jsmntok_t *t = tok(d, i);
	size_t n;
	const char *p = json_raw(d, i, &n);
	return t && t->type == JSMN_STRING && n == strlen(s) && !memcmp(p, s, n);
}

int json_get(const struct json_doc *d, int obj, const char *key)
{
	const jsmntok_t *o = tok(d, obj);
	if (!o || o->type != JSMN_OBJECT)
		return -1;
	int k = obj + 1;
	for (int m = 0; m < o->size && k < d->n; m++) {
		int v = k + 1;
		if (json_str_is(d, k, key))
			return v < d->n ? v : -1;
		k = json_next(d, v);
	}
	return -1;
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int x = hex_value(p[i]);
		if (x < 0)
			return -1;
		*v = *v << 4 | (unsigned)x;
	}
	return 0;
}
int json_text(const struct json_doc *d, int i, struct buf *out)
{
	const jsmntok_t *t = tok(d, i);
	size_t n;
	const char *p = json_raw(d, i, &n);

	if (!t || t->type != JSMN_STRING)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (p[k] != '\\') {
			if (buf_putc(out, p[k]) < 0)
				return -1;
			continue;
		}
		if (++k >= n)
			return -1;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *e = strchr(from, p[k]);
		unsigned c, lo;
		if (e && *e) {
			if (buf_putc(out, to[e - from]) < 0)
				return -1;
		} else if (p[k] == 'u' && k + 4 < n && hex4(p + k + 1, &c) == 0) {
			k += 4;
			if (c >= 0xd800 && c < 0xdc00 && k + 6 < n && p[k + 1] == '\\' &&
			    p[k + 2] == 'u' && hex4(p + k + 3, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				k += 6;
			}
			if (buf_put_utf8(out, c) < 0)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

int json_number(const struct json_doc *d, int i, long long *v)
{
	const jsmntok_t *t = tok(d, i);
	size_t n;
	const char *p = json_raw(d, i, &n);
	char tmp[24];
	char *end;

	if (!t || t->type != JSMN_PRIMITIVE || n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = 0;
	errno = 0;
	*v = strtoll(tmp, &end, 10);
	return *end || errno ? -1 : 0;
}

int json_copy(const struct json_doc *d, int tok, char *out, size_t size)
{
	struct buf b = BUF_INIT(0);
	int r = json_text(d, tok, &b);
	if (r == 0 && b.len < size) {
		memcpy(out, b.data ? b.data : "", b.len); /* "" leaves b.data NULL */
		out[b.len] = 0;
	} else {
		r = -1;
	}
	buf_free(&b);
	return r;
}
