/* trace summary (trace/summary.c). */
#ifndef TRACE_SUMMARY_H
#define TRACE_SUMMARY_H

#include <stddef.h>

struct buf;
struct error;

/* data: OTLP/JSON lines (name for errors: "NAME:LINE: reason"). For each
 * trace, the tree of its spans with duration and share of the trace, into
 * out. Blank lines are skipped; no span at all is an error. */
int trace_summary(const char *name, const char *data, size_t len, struct buf *out,
		  struct error **err);

#endif
