// fuzz-srcs: src/trace/span.c src/trace/summary.c src/json/read.c src/json/writer.c src/util/buf.c src/util/error.c
/* libFuzzer target: a traceparent header (format(parse(x)) must parse to
 * the same context) and a file given to trace summary. Nothing may crash,
 * loop or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/summary.h"
#include "trace/trace.h"
#include "util/buf.h"
#include "util/error.h"

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
	return 0;
}
