#include "json/writer.h"

#include <string.h>

void json_begin(struct json_writer *w, struct buf *b, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->pretty = pretty;
}

int json_end(struct json_writer *w)
{
	return (w->failed || w->depth != 0) ? -1 : 0;
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	if (!w->failed && buf_append(w->b, s, n) < 0)
		w->failed = true;
}

static void newline(struct json_writer *w)
{
	if (!w->pretty)
		return;
	put(w, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		put(w, "  ", 2);
}

/* Separator and indentation before a value or key at the current depth. */
static void before_item(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (w->has_items[w->depth])
			put(w, ",", 1);
		w->has_items[w->depth] = true;
		newline(w);
	}
}

static void open(struct json_writer *w, char c)
{
	before_item(w);
	put(w, &c, 1);
	if (w->depth + 1 >= JSON_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->depth++;
	w->has_items[w->depth] = false;
}

static void close_(struct json_writer *w, char c)
{
	if (w->depth <= 0) {
		w->failed = true;
		return;
	}
	bool had = w->has_items[w->depth];
	w->depth--;
	if (had)
		newline(w);
	put(w, &c, 1);
}

void json_obj_begin(struct json_writer *w) { open(w, '{'); }
void json_obj_end(struct json_writer *w) { close_(w, '}'); }
void json_arr_begin(struct json_writer *w) { open(w, '['); }
void json_arr_end(struct json_writer *w) { close_(w, ']'); }

void json_key(struct json_writer *w, const char *key)
{
	before_item(w);
	if (!w->failed && json_escape(w->b, key, strlen(key)) < 0)
		w->failed = true;
	put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = true;
}

void json_str(struct json_writer *w, const char *s)
{
	before_item(w);
	if (!s)
		s = "";
	if (!w->failed && json_escape(w->b, s, strlen(s)) < 0)
		w->failed = true;
}

void json_int(struct json_writer *w, long long v)
{
	before_item(w);
	if (!w->failed && buf_printf(w->b, "%lld", v) < 0)
		w->failed = true;
}

void json_uint(struct json_writer *w, unsigned long long v)
{
	before_item(w);
	if (!w->failed && buf_printf(w->b, "%llu", v) < 0)
		w->failed = true;
}

void json_bool(struct json_writer *w, bool v)
{
	before_item(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void json_null(struct json_writer *w)
{
	before_item(w);
	put(w, "null", 4);
}

int json_escape(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;

	if (buf_putc(b, '"') < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = { '\\', 0 };
		size_t elen = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			if (c >= 0x20)
				continue;
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if (buf_append(b, s + start, i - start) < 0 || buf_append(b, esc, elen) < 0)
			return -1;
		start = i + 1;
	}
	if (buf_append(b, s + start, n - start) < 0)
		return -1;
	return buf_putc(b, '"');
}
