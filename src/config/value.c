/* TOML subset values: strings, integers, booleans, arrays of strings. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"
#include "util/buf.h"

void toml_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void toml_value_clear(struct toml_value *v)
{
	free(v->str);
	toml_strv_free(v->strv);
	memset(v, 0, sizeof(*v));
}

static int escape(const char **pp, const char *end, struct buf *b, const char **why)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *p = *pp;
	const char *hit;
	uint32_t cp = 0;
	int digits;

	if (p >= end || *p == '\n')
		return *why = "unterminated string", -1;
	if ((hit = memchr(from, *p, sizeof(from) - 1))) {
		*pp = p + 1;
		return buf_putc(b, to[hit - from]);
	}
	if (*p != 'u' && *p != 'U')
		return *why = "invalid escape in string", -1;
	digits = *p == 'u' ? 4 : 8;
	if (end - p - 1 < digits)
		return *why = "invalid unicode escape in string", -1;
	for (int i = 1; i <= digits; i++) {
		int h = hex_value(p[i]);
		if (h < 0)
			return *why = "invalid unicode escape in string", -1;
		cp = cp << 4 | (uint32_t)h;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return *why = "invalid unicode scalar in string", -1;
	*pp = p + 1 + digits;
	return buf_put_utf8(b, cp);
}

/* A basic ("...") or literal ('...') string on one line. */
static int string(const char **pp, const char *end, char **out, const char **why)
{
	const char *p = *pp;
	char q = *p++;
	struct buf b = BUF_INIT(TOML_MAX_STRING);

	if (end - p >= 2 && p[0] == q && p[1] == q)
		return *why = "multi-line strings are not supported", -1;
	for (;;) {
		int r = 0;
		if (p >= end || *p == '\n' || *p == '\r') {
			*why = "unterminated string";
			goto fail;
		}
		if (*p == q)
			break;
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			*why = "control character in string";
			goto fail;
		}
		if (q == '"' && *p == '\\') {
			p++;
			r = escape(&p, end, &b, why);
		} else {
			r = buf_putc(&b, *p++);
		}
		if (r < 0) {
			if (!*why)
				*why = "string too long";
			goto fail;
		}
	}
	*pp = p + 1;
	if (!(*out = buf_steal(&b)))
		return *why = "out of memory", -1;
	return 0;
fail:
	buf_free(&b);
	return -1;
}

static int digit_ok(char c, int base)
{
	int h = hex_value(c);
	return h >= 0 && h < base;
}

/* Decimal, 0x, 0o or 0b integers with single underscores between digits. */
static int integer(const char **pp, const char *end, long long *out, const char **why)
{
	const char *p = *pp;
	int neg = 0, base = 10, ndig = 0;
	unsigned long long v = 0, lim;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (end - p >= 2 && p[0] == '0' && strchr("xob", p[1]) && p[1]) {
		if (neg || (*pp)[0] == '+')
			return *why = "sign not allowed on a prefixed integer", -1;
		base = p[1] == 'x' ? 16 : p[1] == 'o' ? 8 : 2;
		p += 2;
	}
	lim = neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX;
	for (; p < end; p++) {
		if (*p == '_') {
			if (!ndig || p + 1 >= end || !digit_ok(p[1], base))
				return *why = "invalid integer", -1;
			continue;
		}
		if (!digit_ok(*p, base))
			break;
		if (base == 10 && ndig == 1 && v == 0)
			return *why = "leading zeros are not allowed in integers", -1;
		unsigned long long d = (unsigned long long)hex_value(*p);
		if (v > (lim - d) / (unsigned long long)base)
			return *why = "integer out of range", -1;
		v = v * (unsigned long long)base + d;
		ndig++;
	}
	if (!ndig)
		return *why = "invalid value", -1;
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
		return *why = "floats are not supported", -1;
	if (p < end && (*p == '-' || *p == ':'))
		return *why = "dates and times are not supported", -1;
	*out = neg ? (long long)(0 - v) : (long long)v;
	*pp = p;
	return 0;
}

/* Blanks, newlines and comments inside an array. */
static int array_space(const char **pp, const char *end, int *line, const char **why)
{
	const char *p = *pp;
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
		} else if (*p == '\n') {
			p++;
			(*line)++;
		} else if (*p == '#') {
			while (p < end && *p != '\n')
				p++;
		} else {
			break;
		}
	}
	*pp = p;
	if (p >= end)
		return *why = "unterminated array", -1;
	return 0;
}

static int array(const char **pp, const char *end, int *line, struct toml_value *v,
		 const char **why)
{
	const char *p = *pp + 1;
	size_t n = 0;

	v->type = TOML_STRV;
	if (!(v->strv = calloc(1, sizeof(char *))))
		return *why = "out of memory", -1;
	for (;;) {
		if (array_space(&p, end, line, why) < 0)
			return -1;
		if (*p == ']')
			break;
		if (*p != '"' && *p != '\'')
			return *why = "arrays may hold only strings", -1;
		if (n == TOML_MAX_ARRAY)
			return *why = "array too long", -1;
		char **nv = realloc(v->strv, (n + 2) * sizeof(char *));
		if (!nv)
			return *why = "out of memory", -1;
		v->strv = nv;
		v->strv[n + 1] = NULL;
		if (string(&p, end, &v->strv[n], why) < 0) {
			v->strv[n] = NULL;
			return -1;
		}
		v->n = ++n;
		if (array_space(&p, end, line, why) < 0)
			return -1;
		if (*p == ',')
			p++;
		else if (*p != ']')
			return *why = "expected ',' or ']' in array", -1;
	}
	*pp = p + 1;
	return 0;
}

static int word(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(end - p) < n || memcmp(p, w, n))
		return 0;
	p += n;
	return p == end || !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
}

int toml_value_parse(const char **pp, const char *end, int *line, struct toml_value *v,
		     const char **why)
{
	const char *p = *pp;

	memset(v, 0, sizeof(*v));
	*why = NULL;
	if (p >= end || *p == '\n' || *p == '#' || *p == '\r')
		return *why = "missing value", -1;
	if (*p == '"' || *p == '\'') {
		v->type = TOML_STRING;
		return string(pp, end, &v->str, why);
	}
	if (*p == '[')
		return array(pp, end, line, v, why);
	if (*p == '{')
		return *why = "inline tables are not supported", -1;
	if (word(p, end, "true") || word(p, end, "false")) {
		v->type = TOML_BOOL;
		v->b = *p == 't';
		*pp = p + (v->b ? 4 : 5);
		return 0;
	}
	if (word(p, end, "inf") || word(p, end, "nan") || word(p + 1, end, "inf") ||
	    word(p + 1, end, "nan"))
		return *why = "floats are not supported", -1;
	v->type = TOML_INT;
	return integer(pp, end, &v->i, why);
}
