#include "cli/env_emit.h"

#include <string.h>

void emit_begin(struct emit *e, struct buf *b, bool json)
{
	memset(e, 0, sizeof(*e));
	e->json = json;
	e->b = b;
	if (json) {
		json_begin(&e->jw, b, true);
		json_obj_begin(&e->jw);
	}
}

int emit_end(struct emit *e)
{
	if (!e->json)
		return 0;
	json_obj_end(&e->jw);
	if (json_end(&e->jw) < 0)
		return -1;
	return buf_putc(e->b, '\n');
}

static void indent(struct emit *e, int n)
{
	for (int i = 0; i < n; i++)
		buf_puts(e->b, "  ");
}

void emit_table(struct emit *e, const char *name)
{
	if (e->depth >= EMIT_MAX_DEPTH)
		return;
	e->path[e->depth++] = name;
	if (e->json) {
		json_key(&e->jw, name);
		json_obj_begin(&e->jw);
		return;
	}
	buf_putc(e->b, '\n');
	indent(e, e->depth - 1);
	buf_putc(e->b, '[');
	for (int i = 0; i < e->depth; i++)
		buf_printf(e->b, "%s%s", i ? "." : "", e->path[i]);
	buf_puts(e->b, "]\n");
}

void emit_table_end(struct emit *e)
{
	if (e->depth <= 0)
		return;
	e->depth--;
	if (e->json)
		json_obj_end(&e->jw);
}

static void key(struct emit *e, const char *k)
{
	indent(e, e->depth);
	buf_printf(e->b, "%s = ", k);
}

int toml_quote(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	if (buf_putc(b, '"') < 0)
		return -1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c == '\t') {
			buf_puts(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
			buf_puts(b, u);
		} else {
			buf_putc(b, (char)c);
		}
	}
	return buf_putc(b, '"');
}

void emit_str(struct emit *e, const char *k, const char *v)
{
	if (e->json) {
		json_key(&e->jw, k);
		json_str(&e->jw, v);
		return;
	}
	key(e, k);
	toml_quote(e->b, v ? v : "");
	buf_putc(e->b, '\n');
}

void emit_bool(struct emit *e, const char *k, bool v)
{
	if (e->json) {
		json_key(&e->jw, k);
		json_bool(&e->jw, v);
		return;
	}
	key(e, k);
	buf_printf(e->b, "%s\n", v ? "true" : "false");
}

void emit_int(struct emit *e, const char *k, long long v)
{
	if (e->json) {
		json_key(&e->jw, k);
		json_int(&e->jw, v);
		return;
	}
	key(e, k);
	buf_printf(e->b, "%lld\n", v);
}

void emit_strv(struct emit *e, const char *k, char *const *v, size_t n)
{
	if (e->json) {
		json_key(&e->jw, k);
		json_arr_begin(&e->jw);
		for (size_t i = 0; i < n; i++)
			json_str(&e->jw, v[i]);
		json_arr_end(&e->jw);
		return;
	}
	key(e, k);
	buf_putc(e->b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(e->b, ", ");
		toml_quote(e->b, v[i]);
	}
	buf_puts(e->b, "]\n");
}
