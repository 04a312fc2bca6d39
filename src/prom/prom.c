/* Prometheus text exposition, merged by family (see prom.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom/prom.h"
#include "util/error.h"

struct prom_family {
	char *name, *help, *type;
	struct buf samples;
};

void prom_init(struct prom_set *s, size_t max_bytes)
{
	memset(s, 0, sizeof(*s));
	s->max = max_bytes;
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

static size_t name_len(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && name_char(p[i], i == 0))
		i++;
	return i;
}

static struct prom_family *find(struct prom_set *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->f[i].name) == len && !memcmp(s->f[i].name, name, len))
			return &s->f[i];
	return NULL;
}

static struct prom_family *family(struct prom_set *s, const char *name, size_t len)
{
	struct prom_family *f = find(s, name, len);
	if (f || s->n >= PROM_MAX_FAMILIES)
		return f;
	if (!(s->n & (s->n - 1)) || !s->n) {
		size_t cap = s->n ? s->n * 2 : 16;
		struct prom_family *g = realloc(s->f, cap * sizeof(*g));
		if (!g)
			return NULL;
		s->f = g;
	}
	f = &s->f[s->n];
	memset(f, 0, sizeof(*f));
	if (!(f->name = strndup(name, len)))
		return NULL;
	f->samples = (struct buf)BUF_INIT(0);
	s->n++;
	return f;
}

/* The family a sample belongs to: its own name's, or a histogram's or
 * summary's whose _bucket, _sum or _count it is. */
static struct prom_family *family_of(struct prom_set *s, const char *name, size_t len)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(sfx[i]);
		struct prom_family *f = len > k && !memcmp(name + len - k, sfx[i], k)
			? find(s, name, len - k) : NULL;
		if (f && f->type && (!strcmp(f->type, "histogram") || !strcmp(f->type, "summary")))
			return f;
	}
	return family(s, name, len);
}

/* "# HELP name text" or "# TYPE name type"; other comments are dropped. */
static int comment(struct prom_set *s, const char *l, size_t n)
{
	bool help = n > 7 && !memcmp(l, "# HELP ", 7), type = n > 7 && !memcmp(l, "# TYPE ", 7);
	if (!help && !type)
		return 0;
	size_t k = name_len(l + 7, n - 7);
	if (!k || (7 + k < n && l[7 + k] != ' '))
		return -1;
	struct prom_family *f = family(s, l + 7, k);
	if (!f)
		return -2;
	const char *v = 7 + k < n ? l + 8 + k : "";
	size_t vn = 7 + k < n ? n - 8 - k : 0;
	char **slot = help ? &f->help : &f->type;
	if (type && (vn == 0 || memchr(v, ' ', vn)))
		return -1;
	if (!*slot && !(*slot = strndup(v, vn)))
		return -2;
	s->bytes += n;
	return 0;
}

/* A sample: NAME[{LABELS}] VALUE [TIMESTAMP], the label added. */
static int sample(struct prom_set *s, const char *l, size_t n, const char *label,
		  const char *labels)
{
	size_t k = name_len(l, n), end = k;
	if (!k)
		return -1;
	if (end < n && l[end] == '{') {
		bool quoted = false;
		for (end++; end < n && (quoted || l[end] != '}'); end++)
			if (l[end] == '\\' && quoted)
				end++;
			else if (l[end] == '"')
				quoted = !quoted;
		if (end >= n)
			return -1;
		end++;
	}
	if (end >= n || l[end] != ' ' || end + 1 >= n)
		return -1;
	struct prom_family *f = family_of(s, l, k);
	if (!f)
		return -2;
	struct buf *b = &f->samples;
	char want[160];
	int w = label ? snprintf(want, sizeof(want), "%s=\"", label) : 0;
	size_t wn = w < 0 ? 0 : (size_t)w < sizeof(want) ? (size_t)w : sizeof(want) - 1;
	bool has = !label;
	for (size_t i = k; !has && i + wn <= end; i++)
		has = !memcmp(l + i, want, wn);
	int r = buf_append(b, l, k);
	if (!has && k < n && l[k] == '{')
		r |= buf_printf(b, "{%s%s", labels, l[k + 1] == '}' ? "" : ",") |
		     buf_append(b, l + k + 1, n - k - 1);
	else if (!has)
		r |= buf_printf(b, "{%s}", labels) | buf_append(b, l + k, n - k);
	else
		r |= buf_append(b, l + k, n - k);
	r |= buf_append(b, "\n", 1);
	s->bytes += n + (has ? 0 : strlen(labels) + 3);
	return r < 0 ? -2 : 0;
}

int prom_add(struct prom_set *s, const char *text, size_t n, const char *label,
	     const char *labels, struct error **err)
{
	size_t line = 0;
	for (size_t off = 0; off < n;) {
		const char *l = text + off, *nl = memchr(l, '\n', n - off);
		size_t len = nl ? (size_t)(nl - l) : n - off;
		off += len + 1;
		line++;
		if (len && l[len - 1] == '\r')
			len--;
		if (len > PROM_MAX_LINE)
			return error_set(err, E2BIG, "line %zu: longer than %d bytes", line, PROM_MAX_LINE);
		if (memchr(l, 0, len))
			return error_set(err, EPROTO, "line %zu: a NUL", line);
		int r = !len ? 0 : l[0] == '#' ? comment(s, l, len) : sample(s, l, len, label, labels);
		if (r == -1)
			return error_set(err, EPROTO, "line %zu: not a sample or a comment", line);
		if (r == -2 || s->bytes > s->max)
			return error_set(err, E2BIG, "line %zu: past %zu bytes or %d families", line,
					 s->max, PROM_MAX_FAMILIES);
	}
	return 0;
}

int prom_quote(struct buf *out, const char *v)
{
	int r = 0;
	for (; *v && r == 0; v++)
		r = *v == '\\' ? buf_puts(out, "\\\\")
		    : *v == '"'  ? buf_puts(out, "\\\"")
		    : *v == '\n' ? buf_puts(out, "\\n")
				 : buf_append(out, v, 1);
	return r;
}

int prom_write(const struct prom_set *s, struct buf *out)
{
	int r = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct prom_family *f = &s->f[i];
		if (!f->samples.len)
			continue; /* a HELP or TYPE with no sample: nothing to say */
		if (f->help)
			r |= buf_printf(out, "# HELP %s %s\n", f->name, f->help);
		if (f->type)
			r |= buf_printf(out, "# TYPE %s %s\n", f->name, f->type);
		r |= buf_append(out, f->samples.data, f->samples.len);
	}
	return r < 0 ? -1 : 0;
}

void prom_free(struct prom_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].name);
		free(s->f[i].help);
		free(s->f[i].type);
		buf_free(&s->f[i].samples);
	}
	free(s->f);
	memset(s, 0, sizeof(*s));
}
