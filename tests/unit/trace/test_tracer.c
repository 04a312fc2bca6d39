/* The tracer: spans begun and ended, their sinks (a file shared by
 * processes, memory, a collector's batch), and the context between
 * processes. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "json/read.h"
#include "trace/export.h"
#include "trace/trace.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

static char *read_all(const char *path, size_t *n)
{
	char *s = NULL;
	if (fs_read_file(path, 64u << 20, &s, n, NULL) < 0)
		return NULL;
	return s;
}

/* Each line one whole OTLP/JSON object; their number. */
static int whole_lines(const char *s, size_t n, int *bad)
{
	int lines = 0;
	*bad = 0;
	for (const char *p = s, *end = s + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		struct json_doc d;
		struct error *e = NULL;
		if (!nl || json_parse(&d, p, len, &e) < 0 ||
		    strncmp(p, "{\"resourceSpans\":[", 18)) {
			(*bad)++;
			error_free(e);
		} else {
			json_doc_free(&d);
		}
		lines++;
		p = nl ? nl + 1 : end;
	}
	return lines;
}

TEST(tracer_off_costs_a_flag)
{
	struct trace_span s;
	trace_close();
	memset(&s, 0x5a, sizeof(s));
	trace_begin(&s, NULL, "x");
	CHECK(!s.live);
	CHECK(trace_ctx_of(&s) == NULL);
	trace_attr(&s, "k", "v"); /* nothing to do */
	CHECK(s.nattrs == 0x5a5a5a5a);
	trace_end(&s, 0, NULL);
}

TEST(tracer_file_spans_and_parents)
{
	char dir[] = "/tmp/ukata-tracer.XXXXXX", file[64];
	struct trace_sink sink = { "svc", file, NULL, 0 };
	struct error *err = NULL;
	struct trace_span root, child;
	size_t n;
	CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/sub/trace.json", dir); /* parents made */
	CHECK(trace_open(&sink, &err) == 0);
	trace_begin(&root, NULL, "run");
	CHECK(root.live && trace_ctx_valid(&root.ctx));
	trace_attr(&root, "container.id", "c1");
	trace_begin(&child, trace_ctx_of(&root), "vm.get");
	CHECK(!memcmp(child.ctx.trace_id, root.ctx.trace_id, TRACE_ID_LEN));
	CHECK(!memcmp(child.parent_id, root.ctx.span_id, TRACE_SPAN_ID_LEN));
	CHECK(memcmp(child.ctx.span_id, root.ctx.span_id, TRACE_SPAN_ID_LEN));
	trace_end(&child, -1, "no VM");
	trace_end(&root, 0, NULL);
	trace_end(&root, 0, NULL); /* once only */
	trace_close();
	char *s = read_all(file, &n), tid[33], sid[17];
	int bad;
	CHECK(s && whole_lines(s, n, &bad) == 2 && bad == 0);
	trace_hex(root.ctx.trace_id, TRACE_ID_LEN, tid);
	trace_hex(root.ctx.span_id, TRACE_SPAN_ID_LEN, sid);
	CHECK_CONTAINS(s, tid);
	char want[64];
	snprintf(want, sizeof(want), "\"parentSpanId\":\"%s\"", sid);
	CHECK_CONTAINS(s, want);
	CHECK_CONTAINS(s, "\"status\":{\"message\":\"no VM\",\"code\":2}");
	CHECK_CONTAINS(s, "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}");
	CHECK_CONTAINS(s, "{\"key\":\"container.id\",\"value\":{\"stringValue\":\"c1\"}}");
	CHECK(child.end_ns >= child.start_ns && root.end_ns >= child.end_ns);
	free(s);
	/* a file that cannot be opened is an error naming it */
	sink.file = "/proc/self/no/trace.json";
	CHECK(trace_open(&sink, &err) < 0 && err && strstr(err->msg, "/proc/self/no/trace.json"));
	CHECK(!trace_enabled);
	error_free(err);
	unlink(file);
	snprintf(file, sizeof(file), "%s/sub", dir);
	rmdir(file);
	rmdir(dir);
}

/* Processes appending to one file at once never interleave their lines. */
TEST(tracer_file_shared_by_processes)
{
	char path[] = "/tmp/ukata-tracer-shared.XXXXXX";
	int fd = mkstemp(path), bad;
	size_t n;
	char big[TRACE_VALUE_MAX];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	close(fd);
	for (int p = 0; p < 4; p++) {
		if (fork() == 0) {
			struct trace_sink sink = { "writer", path, NULL, 0 };
			struct trace_span s;
			if (trace_open(&sink, NULL) < 0)
				_exit(1);
			for (int i = 0; i < 200; i++) {
				trace_begin(&s, NULL, "w");
				for (int a = 0; a < TRACE_MAX_ATTRS; a++)
					trace_attr(&s, "k", big);
				trace_end(&s, 0, NULL);
			}
			_exit(0);
		}
	}
	int st, ok = 0;
	while (wait(&st) > 0)
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	CHECK(ok == 4);
	char *s = read_all(path, &n);
	CHECK(s && whole_lines(s, n, &bad) == 800 && bad == 0);
	free(s);
	unlink(path);
}

TEST(tracer_memory_sink_bounded)
{
	struct trace_sink sink = { "kata-agent", NULL, NULL, 4096 };
	struct buf out = BUF_INIT(0);
	struct trace_span s;
	size_t dropped = 0;
	int bad, kept;
	CHECK(trace_open(&sink, NULL) == 0);
	for (int i = 0; i < 40; i++) {
		trace_begin(&s, NULL, "rpc");
		trace_end(&s, 0, NULL);
	}
	CHECK(trace_take(&out, &dropped) == 0);
	kept = whole_lines(out.data, out.len, &bad);
	CHECK(kept > 0 && bad == 0 && out.len <= 4096 && kept + (int)dropped == 40);
	buf_reset(&out);
	CHECK(trace_take(&out, &dropped) == 0 && out.len == 0 && dropped == 0);
	trace_set_enabled(false);
	trace_begin(&s, NULL, "off");
	CHECK(!s.live);
	trace_close();
	buf_free(&out);
}

/* Lines from another process (the agent's) go out only when they are
 * OTLP/JSON lines; the rest is counted and dropped. */
TEST(tracer_foreign_lines_checked)
{
	char path[] = "/tmp/ukata-tracer-foreign.XXXXXX";
	int fd = mkstemp(path), bad;
	struct trace_sink sink = { "kata-runtime", path, NULL, 0 };
	size_t n;
	close(fd);
	const char *good = "{\"resourceSpans\":[{\"x\":1}]}\n";
	CHECK(trace_open(&sink, NULL) == 0);
	CHECK(trace_emit_lines(good, strlen(good)) == 0);
	const char *mixed = "{\"resourceSpans\":[{\"y\":2}]}\nnot json\n{\"resourceSpans\":[]}"
			    "\n\n{\"resourceSpans\":[{\"z\":3}]}";
	CHECK(trace_emit_lines(mixed, strlen(mixed)) < 0);
	trace_close();
	char *s = read_all(path, &n);
	CHECK(s && whole_lines(s, n, &bad) == 2 && bad == 0);
	CHECK(s && !strstr(s, "not json") && !strstr(s, "\"z\""));
	free(s);
	unlink(path);
}

TEST(tracer_collector_urls_and_merge)
{
	struct error *err = NULL;
	const char *ok[] = { "http://127.0.0.1:4318/v1/traces", "http://localhost:4318/v1/traces",
			     "http://[::1]:4318/v1/traces", "http://127.1.2.3" };
	const char *no[][2] = {
		{ "https://127.0.0.1:4318/v1/traces", "only http://" },
		{ "http://10.0.0.1:4318/v1/traces", "not a loopback address" },
		{ "http://[2001:db8::1]:4318/", "not a loopback address" },
		{ "http://collector.example:4318/", "not localhost, 127.x.x.x or [::1]" },
		{ "http://127.0.0.1:0/", "the port" },
		{ "http://127.0.0.1:99999/", "the port" },
		{ "http://127.0.0.1:43x/", "the port" },
		{ "http:///v1/traces", "no host" },
		{ "http://[::1/", "no ]" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(trace_collector_check(ok[i], &err) == 0);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		CHECK(trace_collector_check(no[i][0], &err) < 0);
		CHECK(err && strstr(err->msg, no[i][1]) && strstr(err->msg, no[i][0]));
		error_free(err);
		err = NULL;
	}
	struct buf out = BUF_INIT(0);
	const char *lines = "{\"resourceSpans\":[{\"a\":1}]}\n{\"resourceSpans\":[{\"b\":2}]}\n";
	CHECK(trace_otlp_merge(lines, strlen(lines), &out) == 0);
	CHECK_STR(out.data, "{\"resourceSpans\":[{\"a\":1},{\"b\":2}]}");
	buf_free(&out);
}

/* A child started with trace_child_env continues the trace. */
TEST(tracer_context_through_environment)
{
	char path[] = "/tmp/ukata-tracer-env.XXXXXX";
	int fd = mkstemp(path);
	struct trace_sink sink = { "kata-runtime", path, NULL, 0 };
	struct trace_span s;
	struct trace_ctx got;
	char *env[3] = { 0 };
	close(fd);
	CHECK(trace_open(&sink, NULL) == 0);
	trace_begin(&s, NULL, "shim.spawn");
	int n = trace_child_env(trace_ctx_of(&s), env);
	CHECK(n == 2);
	trace_close();
	for (int i = 0; i < n; i++)
		putenv(env[i]);
	CHECK(trace_from_env("kata-shim", &got, NULL) == 0);
	CHECK(trace_enabled);
	CHECK(!memcmp(&got, &s.ctx, sizeof(got)));
	trace_close();
	setenv("TRACEPARENT", "00-zz", 1); /* a bad one: a new trace */
	CHECK(trace_from_env("kata-shim", &got, NULL) == 0 && !trace_ctx_valid(&got));
	trace_close();
	unsetenv("TRACEPARENT");
	unsetenv("UKATA_TRACE_FILE");
	for (int i = 0; i < n; i++)
		free(env[i]);
	unlink(path);
}
