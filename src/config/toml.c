/* TOML subset reader on inih.
 *
 * inih parses INI, not TOML: it cuts values at " ;", reads lines of at most
 * 200 bytes, and takes an indented line as the continuation of the previous
 * value. So inih does not see the raw text: our reader (the ini_reader
 * callback) lexes one TOML statement at a time (a table header, or a key and
 * its value, which may span lines for arrays), keeps the parsed value aside,
 * and hands inih a normalised short line ("[table]" or "key=v") that it
 * splits into table and key for the handler. inih therefore contributes
 * little; replacing it with a direct statement loop is proposed in the notes.
 */
#include "config/toml.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

struct seen {
	char *what; /* "table\x1fkey", or "[table" for a header */
	int line;
};

struct lexer {
	const char *name, *p, *end;
	int line;      /* current physical line */
	int stmt_line; /* line where the statement handed to inih started */
	struct toml_value pending;
	toml_cb cb;
	void *ud;
	struct error **err;
	int failed;
	struct seen *seen;
	size_t nseen, capseen;
};

static int fail(struct lexer *lx, int line, const char *why)
{
	lx->failed = 1;
	return error_set(lx->err, EINVAL, "%s:%d: %s", lx->name, line, why);
}

static int remember(struct lexer *lx, const char *table, const char *key)
{
	char *s = NULL;

	if (lx->nseen == lx->capseen) {
		size_t cap = lx->capseen ? lx->capseen * 2 : 32;
		struct seen *n = realloc(lx->seen, cap * sizeof(*n));
		if (!n)
			return fail(lx, lx->stmt_line, "out of memory");
		lx->seen = n;
		lx->capseen = cap;
	}
	if (asprintf(&s, key ? "%s\x1f%s" : "[%s", table, key) < 0)
		return fail(lx, lx->stmt_line, "out of memory");
	lx->seen[lx->nseen].what = s;
	lx->seen[lx->nseen++].line = lx->stmt_line;
	return 0;
}

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = strcmp(x->what, y->what);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int check_duplicates(struct lexer *lx)
{
	char msg[TOML_MAX_TABLE + TOML_MAX_KEY + 64];

	if (lx->nseen > 1)
		qsort(lx->seen, lx->nseen, sizeof(*lx->seen), cmp_seen);
	for (size_t i = 1; i < lx->nseen; i++) {
		const char *w = lx->seen[i].what;
		if (strcmp(w, lx->seen[i - 1].what))
			continue;
		if (w[0] == '[') {
			snprintf(msg, sizeof(msg), "table [%s] defined twice (first on line %d)",
				 w + 1, lx->seen[i - 1].line);
		} else {
			const char *sep = strchr(w, '\x1f');
			snprintf(msg, sizeof(msg), "%.*s: duplicate key (first on line %d)",
				 TOML_MAX_KEY, sep + 1, lx->seen[i - 1].line);
		}
		return fail(lx, lx->seen[i].line, msg);
	}
	return 0;
}

static int is_bare(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static void skip_blank(struct lexer *lx)
{
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
		lx->p++;
}

/* After a statement: blanks, an optional comment, then end of line or file. */
static int end_of_statement(struct lexer *lx, const char *what)
{
	skip_blank(lx);
	if (lx->p < lx->end && *lx->p == '#') {
		while (lx->p < lx->end && *lx->p != '\n') {
			unsigned char c = (unsigned char)*lx->p++;
			if (c < 0x20 && c != '\t' && c != '\r')
				return fail(lx, lx->line, "control character in comment");
		}
	}
	if (lx->p < lx->end && *lx->p == '\r')
		lx->p++;
	if (lx->p < lx->end && *lx->p != '\n')
		return fail(lx, lx->line, what);
	if (lx->p < lx->end) {
		lx->p++;
		lx->line++;
	}
	return 0;
}

/* Bare key segments separated by dots: the name of a table. */
static int table_name(struct lexer *lx, char *out)
{
	size_t n = 0;

	for (;;) {
		skip_blank(lx);
		if (lx->p < lx->end && (*lx->p == '"' || *lx->p == '\''))
			return fail(lx, lx->line, "quoted table names are not supported");
		const char *s = lx->p;
		while (lx->p < lx->end && is_bare(*lx->p))
			lx->p++;
		size_t len = (size_t)(lx->p - s);
		if (!len)
			return fail(lx, lx->line, "invalid table name");
		if (n + len + 1 > TOML_MAX_TABLE)
			return fail(lx, lx->line, "table name too long");
		memcpy(out + n, s, len);
		n += len;
		skip_blank(lx);
		if (lx->p < lx->end && *lx->p == '.') {
			out[n++] = '.';
			lx->p++;
			continue;
		}
		out[n] = '\0';
		return 0;
	}
}

static char *header(struct lexer *lx, char *str, int num)
{
	char name[TOML_MAX_TABLE + 1];

	lx->p++;
	if (lx->p < lx->end && *lx->p == '[') {
		fail(lx, lx->line, "arrays of tables are not supported");
		return NULL;
	}
	if (table_name(lx, name) < 0)
		return NULL;
	if (lx->p >= lx->end || *lx->p != ']') {
		fail(lx, lx->line, "expected ']' after table name");
		return NULL;
	}
	lx->p++;
	if (end_of_statement(lx, "unexpected text after table header") < 0)
		return NULL;
	if (remember(lx, name, NULL) < 0)
		return NULL;
	if (lx->cb(lx->ud, name, NULL, NULL, lx->stmt_line, lx->err) < 0) {
		lx->failed = 1;
		return NULL;
	}
	snprintf(str, (size_t)num, "[%s]\n", name);
	return str;
}

static char *keyval(struct lexer *lx, char *str, int num)
{
	const char *s = lx->p, *why;
	char key[TOML_MAX_KEY + 1];
	size_t len;

	if (*s == '"' || *s == '\'') {
		fail(lx, lx->line, "quoted keys are not supported");
		return NULL;
	}
	while (lx->p < lx->end && is_bare(*lx->p))
		lx->p++;
	len = (size_t)(lx->p - s);
	if (!len) {
		fail(lx, lx->line, "expected a key");
		return NULL;
	}
	if (len > TOML_MAX_KEY) {
		fail(lx, lx->line, "key too long");
		return NULL;
	}
	memcpy(key, s, len);
	key[len] = '\0';
	skip_blank(lx);
	if (lx->p < lx->end && *lx->p == '.') {
		fail(lx, lx->line, "dotted keys are not supported");
		return NULL;
	}
	if (lx->p >= lx->end || *lx->p != '=') {
		fail(lx, lx->line, "expected '=' after key");
		return NULL;
	}
	lx->p++;
	skip_blank(lx);
	toml_value_clear(&lx->pending);
	if (toml_value_parse(&lx->p, lx->end, &lx->line, &lx->pending, &why) < 0) {
		char msg[TOML_MAX_KEY + 64];
		snprintf(msg, sizeof(msg), "%s: %s", key, why);
		fail(lx, lx->line, msg);
		return NULL;
	}
	if (end_of_statement(lx, "unexpected text after value") < 0)
		return NULL;
	snprintf(str, (size_t)num, "%s=v\n", key);
	return str;
}

/* ini_reader: the next statement, normalised for inih. */
static char *reader(char *str, int num, void *stream)
{
	struct lexer *lx = stream;

	for (;;) {
		if (lx->failed || lx->p >= lx->end)
			return NULL;
		skip_blank(lx);
		lx->stmt_line = lx->line;
		if (lx->p >= lx->end)
			return NULL;
		switch (*lx->p) {
		case '\n':
		case '\r':
		case '#':
			if (end_of_statement(lx, "stray carriage return") < 0)
				return NULL;
			continue;
		case '[':
			return header(lx, str, num);
		default:
			return keyval(lx, str, num);
		}
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct lexer *lx = user;
	(void)value;

	if (lx->failed)
		return 0;
	if (remember(lx, section, name) < 0)
		return 0;
	if (lx->cb(lx->ud, section, name, &lx->pending, lx->stmt_line, lx->err) < 0) {
		lx->failed = 1;
		return 0;
	}
	toml_value_clear(&lx->pending);
	return 1;
}

int toml_parse(const char *name, const char *data, size_t len, toml_cb cb, void *ud,
	       struct error **err)
{
	struct lexer lx = { .name = name, .p = data, .end = data + len, .line = 1,
			    .cb = cb, .ud = ud, .err = err };
	int r;

	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		lx.p += 3;
	if (memchr(data, '\0', len))
		return error_set(err, EINVAL, "%s: contains a NUL byte", name);
	r = ini_parse_stream(reader, &lx, handler, &lx);
	if (!lx.failed && r != 0)
		fail(&lx, lx.stmt_line, "malformed line");
	if (!lx.failed)
		check_duplicates(&lx);
	toml_value_clear(&lx.pending);
	for (size_t i = 0; i < lx.nseen; i++)
		free(lx.seen[i].what);
	free(lx.seen);
	return lx.failed ? -1 : 0;
}
