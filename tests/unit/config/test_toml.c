#include <stdlib.h>

#include "config/toml.h"
#include "harness.h"
#include "util/buf.h"
#include "util/error.h"

/* Records every key as "table|key|type:value@line\n". */
static int record(void *ud, const char *table, const char *key, struct toml_value *v, int line,
		  struct error **err)
{
	struct buf *b = ud;
	if (!key) /* a header */
		return 0;
	buf_printf(b, "%s|%s|", table, key);
	switch (v->type) {
	case TOML_STRING: buf_printf(b, "s:%s", v->str); break;
	case TOML_INT: buf_printf(b, "i:%lld", v->i); break;
	case TOML_BOOL: buf_printf(b, "b:%d", v->b); break;
	case TOML_STRV:
		buf_puts(b, "a:");
		for (size_t i = 0; i < v->n; i++)
			buf_printf(b, "%s%s", i ? "," : "", v->strv[i]);
		break;
	}
	buf_printf(b, "@%d\n", line);
	return 0;
}

static char *parse(const char *text, char **errmsg)
{
	struct buf b = BUF_INIT(0);
	struct error *err = NULL;
	*errmsg = NULL;
	if (toml_parse("t.toml", text, strlen(text), record, &b, &err) < 0) {
		*errmsg = strdup(err->msg);
		error_free(err);
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static void expect_ok(const char *text, const char *want)
{
	char *e, *got = parse(text, &e);
	CHECK_STR(got, want);
	if (e)
		fprintf(stderr, "  unexpected error: %s\n", e);
	free(got);
	free(e);
}

static void expect_err(const char *text, const char *want)
{
	char *e, *got = parse(text, &e);
	CHECK(got == NULL);
	CHECK_STR(e, want);
	free(got);
	free(e);
}

TEST(toml_tables_and_scalars)
{
	expect_ok("top = 1\n[a]\nk = \"v\" # c\n[hypervisor.qemu]\n  x = true\n\ty = -42\n",
		  "|top|i:1@1\na|k|s:v@3\nhypervisor.qemu|x|b:1@5\nhypervisor.qemu|y|i:-42@6\n");
	expect_ok("[ a . b ]   # spaced dotted table\nk='lit \\n \"q\"'\n",
		  "a.b|k|s:lit \\n \"q\"@2\n");
	expect_ok("\xef\xbb\xbf# bom\r\n[t]\r\nk = 0x1F\r\n", "t|k|i:31@3\n");
	expect_ok("k = 1_000\nl = 0o17\nm = 0b101\nn = +7\no = 0\n",
		  "|k|i:1000@1\n|l|i:15@2\n|m|i:5@3\n|n|i:7@4\n|o|i:0@5\n");
	expect_ok("k = -9223372036854775808\n", "|k|i:-9223372036854775808@1\n");
	expect_ok("", "");
	expect_ok("# only a comment", "");
}

TEST(toml_strings)
{
	expect_ok("k = \"a ;b # c\"\n", "|k|s:a ;b # c@1\n");
	expect_ok("k = \"tab\\tq\\\"bs\\\\\"\n", "|k|s:tab\tq\"bs\\@1\n");
	expect_ok("k = \"\\u00e9\\U0001F600\"\n", "|k|s:\xc3\xa9\xf0\x9f\x98\x80@1\n");
	expect_ok("k = \"\"\n", "|k|s:@1\n");
}

TEST(toml_long_line)
{
	/* inih alone reads lines of 200 bytes at most: longer values must survive. */
	char text[1200], want[1200];
	memset(text, 0, sizeof(text));
	strcpy(text, "k = \"");
	memset(text + 5, 'x', 1000);
	strcat(text, "\"\n");
	snprintf(want, sizeof(want), "|k|s:%.1000s@1\n", text + 5);
	expect_ok(text, want);
}

TEST(toml_arrays)
{
	expect_ok("a = []\nb = [\"x\", 'y',]\n", "|a|a:@1\n|b|a:x,y@2\n");
	expect_ok("a = [\n  \"one\", # first\n\n  \"two\"\n]\nb = 1\n", "|a|a:one,two@1\n|b|i:1@6\n");
}

TEST(toml_errors)
{
	expect_err("k = 1.5\n", "t.toml:1: k: floats are not supported");
	expect_err("k = inf\n", "t.toml:1: k: floats are not supported");
	expect_err("k = 1979-05-27\n", "t.toml:1: k: dates and times are not supported");
	expect_err("k = {a = 1}\n", "t.toml:1: k: inline tables are not supported");
	expect_err("[[t]]\n", "t.toml:1: arrays of tables are not supported");
	expect_err("k = \"\"\"x\"\"\"\n", "t.toml:1: k: multi-line strings are not supported");
	expect_err("a.b = 1\n", "t.toml:1: dotted keys are not supported");
	expect_err("\"q\" = 1\n", "t.toml:1: quoted keys are not supported");
	expect_err("\n\nk = \"open\n", "t.toml:3: k: unterminated string");
	expect_err("k = 'open\n", "t.toml:1: k: unterminated string");
	expect_err("k = \"\\q\"\n", "t.toml:1: k: invalid escape in string");
	expect_err("k = \"\\uD800\"\n", "t.toml:1: k: invalid unicode scalar in string");
	expect_err("k = \"\\u12\"\n", "t.toml:1: k: invalid unicode escape in string");
	expect_err("k = 1 2\n", "t.toml:1: unexpected text after value");
	expect_err("k = \n", "t.toml:1: k: missing value");
	expect_err("k\n", "t.toml:1: expected '=' after key");
	expect_err("= 1\n", "t.toml:1: expected a key");
	expect_err("[t\n", "t.toml:1: expected ']' after table name");
	expect_err("[]\n", "t.toml:1: invalid table name");
	expect_err("[t] x\n", "t.toml:1: unexpected text after table header");
	expect_err("k = [1]\n", "t.toml:1: k: arrays may hold only strings");
	expect_err("k = [\"a\" \"b\"]\n", "t.toml:1: k: expected ',' or ']' in array");
	expect_err("k = [\"a\",\n", "t.toml:2: k: unterminated array");
	expect_err("k = 007\n", "t.toml:1: k: leading zeros are not allowed in integers");
	expect_err("k = 9223372036854775808\n", "t.toml:1: k: integer out of range");
	expect_err("k = 1__0\n", "t.toml:1: k: invalid integer");
	expect_err("k = -0x10\n", "t.toml:1: k: sign not allowed on a prefixed integer");
	expect_err("k = yes\n", "t.toml:1: k: invalid value");
	expect_err("k = \"a\x01\"\n", "t.toml:1: k: control character in string");
	expect_err("[t]\nk = 1\n\nk = 2\n", "t.toml:4: k: duplicate key (first on line 2)");
	expect_err("[t]\n[u]\n[t]\n", "t.toml:3: table [t] defined twice (first on line 1)");
	expect_err("k = 1\r\r\n", "t.toml:1: unexpected text after value");
}

TEST(toml_nul_byte)
{
	struct error *err = NULL;
	CHECK(toml_parse("t.toml", "k = 1\0", 6, record, NULL, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "t.toml: contains a NUL byte");
	error_free(err);
}

TEST(toml_key_limits)
{
	char text[300];
	memset(text, 'k', 70);
	strcpy(text + 70, " = 1\n");
	expect_err(text, "t.toml:1: key too long");
	text[0] = '[';
	memset(text + 1, 't', 140);
	strcpy(text + 141, "]\n");
	expect_err(text, "t.toml:1: table name too long");
}

static int headers(void *ud, const char *table, const char *key, struct toml_value *v, int line,
		   struct error **err)
{
	if (!key)
		buf_printf(ud, "[%s]@%d ", table, line);
	return 0;
}

TEST(toml_headers_reported)
{
	struct buf b = BUF_INIT(0);
	struct error *err = NULL;
	const char *t = "a = 1\n[agent.noop]\n\n[x]\nk = 2\n";
	CHECK(toml_parse("t.toml", t, strlen(t), headers, &b, &err) == 0);
	buf_putc(&b, 0);
	CHECK_STR((char *)b.data, "[agent.noop]@2 [x]@4 ");
	buf_free(&b);
}

static int stop_cb(void *ud, const char *table, const char *key, struct toml_value *v, int line,
		   struct error **err)
{
	return error_set(err, 1, "stop at %s", key);
}

TEST(toml_callback_error_stops)
{
	struct error *err = NULL;
	CHECK(toml_parse("t.toml", "a = 1\nb = 2\n", 12, stop_cb, NULL, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "stop at a");
	error_free(err);
}
