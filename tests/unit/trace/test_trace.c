#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "trace/summary.h"
#include "trace/trace.h"
#include "util/buf.h"
#include "util/error.h"

static const char *parent_why(const char *s)
{
	struct trace_ctx c;
	const char *why = NULL;
	return trace_parent_parse(s, strlen(s), &c, &why) == 0 ? NULL : why;
}

/* W3C Trace Context's own example, and its rules. */
TEST(trace_parent_parse_and_format)
{
	const char *ex = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
	struct trace_ctx c;
	const char *why;
	char out[TRACE_PARENT_LEN + 1];
	CHECK(trace_parent_parse(ex, strlen(ex), &c, &why) == 0);
	CHECK(c.trace_id[0] == 0x0a && c.trace_id[15] == 0x9c && c.span_id[7] == 0x31 && c.flags == 1);
	CHECK(trace_ctx_valid(&c));
	trace_parent_format(&c, out);
	CHECK_STR(out, ex);
	CHECK(parent_why(" 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\t") == NULL);
	/* a later version may add fields after the flags */
	CHECK(parent_why("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what") == NULL);
	CHECK_STR(parent_why("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x"),
		  "text after the flags");
	CHECK_STR(parent_why("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
		  "version ff is invalid");
	CHECK_STR(parent_why("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"),
		  "not lower-case hexadecimal");
	CHECK_STR(parent_why("00-00000000000000000000000000000000-b7ad6b7169203331-01"),
		  "trace id is all zeros");
	CHECK_STR(parent_why("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"),
		  "parent id is all zeros");
	CHECK_STR(parent_why("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"),
		  "not version-traceid-parentid-flags");
	CHECK_STR(parent_why("00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01"),
		  "not version-traceid-parentid-flags");
	CHECK(parent_why("") != NULL);
}

static void span(struct trace_span *s, uint8_t id, uint8_t parent, const char *name,
		 uint64_t start_ms, uint64_t end_ms)
{
	memset(s, 0, sizeof(*s));
	memset(s->ctx.trace_id, 0xab, TRACE_ID_LEN);
	s->ctx.span_id[7] = id;
	s->parent_id[7] = parent;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->start_ns = 1700000000000000000ull + start_ms * 1000000;
	s->end_ns = 1700000000000000000ull + end_ms * 1000000;
	s->status = TRACE_OK;
}

static char *summary_of(const char *text, char **errmsg)
{
	struct buf out = BUF_INIT(0);
	struct error *err = NULL;
	*errmsg = NULL;
	if (trace_summary("t.json", text, strlen(text), &out, &err) < 0) {
		*errmsg = strdup(err->msg);
		error_free(err);
		buf_free(&out);
		return NULL;
	}
	buf_putc(&out, 0);
	return (char *)out.data;
}

/* Spans written as OTLP/JSON lines (by several processes, in any order)
 * come back as one tree with durations and shares. */
TEST(trace_otlp_lines_summarised)
{
	struct trace_span s[4];
	struct buf lines = BUF_INIT(0);
	char *e;
	span(&s[0], 1, 0, "run", 0, 1000);
	trace_span_attr(&s[0], "container", "c1");
	span(&s[1], 2, 1, "factory.get_vm", 10, 810);
	trace_span_attr(&s[1], "source", "direct");
	span(&s[2], 3, 2, "qemu.launch", 20, 220);
	span(&s[3], 4, 1, "agent.CreateContainer", 820, 900);
	s[3].status = TRACE_ERROR;
	snprintf(s[3].message, sizeof(s[3].message), "refused \"x\"");
	CHECK(trace_span_otlp(&s[2], "kata-runtime", &lines) == 0);
	CHECK(trace_span_otlp(&s[3], "kata-shim", &lines) == 0);
	CHECK(trace_span_otlp(&s[0], "kata-runtime", &lines) == 0);
	CHECK(trace_span_otlp(&s[1], "kata-runtime", &lines) == 0);
	buf_putc(&lines, 0);
	CHECK_CONTAINS((char *)lines.data, "\"parentSpanId\":\"0000000000000002\"");
	CHECK_CONTAINS((char *)lines.data, "\"startTimeUnixNano\":\"1700000000020000000\"");
	CHECK_CONTAINS((char *)lines.data, "\"status\":{\"message\":\"refused \\\"x\\\"\",\"code\":2}");
	CHECK(strchr((char *)lines.data, '\n') - (char *)lines.data + 1 < (long)lines.len - 1);
	char *out = summary_of((char *)lines.data, &e);
	CHECK(out != NULL);
	CHECK_STR(out, "trace abababababababababababababababab: 1000.0 ms, 4 spans\n"
		       "  run                                  1000.0 ms 100.0%  kata-runtime container=c1\n"
		       "    factory.get_vm                      800.0 ms  80.0%  kata-runtime source=direct\n"
		       "      qemu.launch                       200.0 ms  20.0%  kata-runtime\n"
		       "    agent.CreateContainer                80.0 ms   8.0%  kata-shim ERROR\n");
	free(out);
	buf_free(&lines);
}

TEST(trace_summary_refuses_bad_files)
{
	char *e, *out;
	const char *good = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
			   "\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"b7ad6b7169203331\","
			   "\"name\":\"x\",\"startTimeUnixNano\":\"5\",\"endTimeUnixNano\":\"7\"}]}]}]}\n";
	struct { const char *text, *want; } bad[] = {
		{ "", "t.json: no spans" },
		{ "\n\n", "t.json: no spans" },
		{ "{\"resourceSpans\":[]}\nnot json\n", "t.json:2: not JSON" },
		{ "[1]\n", "t.json:1: not an OTLP/JSON object with resourceSpans" },
		{ "{\"resourceSpans\":[{}]}", "t.json:1: resourceSpans without scopeSpans" },
		{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"b7ad6b7169203331\"}]}]}]}",
		  "t.json:1: a span without a traceId of 32 hexadecimal digits" },
		{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\","
		  "\"spanId\":\"b7ad6b71\"}]}]}]}",
		  "t.json:1: a span without a spanId of 16 hexadecimal digits" },
		{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\","
		  "\"spanId\":\"b7ad6b7169203331\",\"name\":\"x\",\"startTimeUnixNano\":\"9\","
		  "\"endTimeUnixNano\":\"7\"}]}]}]}",
		  "t.json:1: a span that ends before it starts" },
		{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\","
		  "\"spanId\":\"b7ad6b7169203331\",\"name\":\"x\",\"startTimeUnixNano\":\"-1\","
		  "\"endTimeUnixNano\":\"7\"}]}]}]}",
		  "t.json:1: a span without startTimeUnixNano and endTimeUnixNano" },
		{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[7]}]}]}", "t.json:1: a span that is not an object" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = summary_of(bad[i].text, &e);
		CHECK(out == NULL);
		CHECK_STR(e, bad[i].want);
		free(e);
	}
	out = summary_of(good, &e);
	CHECK_CONTAINS(out, "trace 0af7651916cd43dd8448eb211c80319c: 0.0 ms, 1 span\n");
	free(out);
}

/* A parent elsewhere, and parents in a cycle: said, and no loop. */
TEST(trace_summary_orphans_and_cycles)
{
	struct trace_span s[3];
	struct buf lines = BUF_INIT(0);
	char *e;
	span(&s[0], 1, 9, "orphan", 0, 10);
	span(&s[1], 2, 3, "a", 1, 2);
	span(&s[2], 3, 2, "b", 1, 2);
	for (int i = 0; i < 3; i++)
		trace_span_otlp(&s[i], "p", &lines);
	buf_putc(&lines, 0);
	char *out = summary_of((char *)lines.data, &e);
	CHECK_CONTAINS(out, "  (parent 0000000000000009 is not in the file)\n  orphan");
	CHECK_CONTAINS(out, "(in a cycle of parent links)");
	CHECK_CONTAINS(out, "3 spans");
	free(out);
	buf_free(&lines);
}
