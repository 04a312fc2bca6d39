// fuzz-srcs: src/trace/span.c src/trace/summary.c src/trace/tracer.c src/trace/export.c src/json/read.c src/json/writer.c src/util/buf.c src/util/error.c src/util/fs.c src/util/log.c src/util/alloc.c
/* libFuzzer target: a traceparent header (format(parse(x)) must parse to
 * the same context), a file given to trace summary, and span lines from
 * another process (the guest agent's StopTracing answer) into a memory
 * sink and a collector's request body. Nothing may crash, loop or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/export.h"
#include "trace/summary.h"
#include "trace/trace.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_ctx c, again;
	const char *why;
	char text[TRACE_PARENT_LEN + 1];

	if (trace_parent_parse((const char *)data, size, &c, &why) == 0) {
		trace_parent_format(&c, text);
		if (trace_parent_parse(text, strlen(text), &again, &why) != 0 ||
		    memcmp(&c, &again, sizeof(c)))
			abort();
	}
	struct buf out = BUF_INIT(0);
	struct error *err = NULL;
	trace_summary("fuzz", (const char *)data, size, &out, &err);
	buf_free(&out);
	error_free(err);

	static bool open;
	struct trace_sink sink = { "fuzz", NULL, NULL, 1 << 16 };
	size_t dropped;
	if (!open) {
		log_no_stderr();
		open = trace_open(&sink, NULL) == 0;
	}
	trace_emit_lines((const char *)data, size);
	struct buf kept = BUF_INIT(0), body = BUF_INIT(0);
	trace_take(&kept, &dropped);
	/* what was kept is whole lines of our shape, and merges */
	if (kept.len && (kept.data[kept.len - 1] != '\n' ||
			 trace_otlp_merge(kept.data, kept.len, &body) < 0))
		abort();
	trace_otlp_merge((const char *)data, size, &body);
	buf_free(&kept);
	buf_free(&body);
	return 0;
}
