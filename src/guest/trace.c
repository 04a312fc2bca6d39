/* The agent's spans: recorded in memory for calls that carry a caller's
 * traceparent, while tracing is on (agent.trace=TYPE on the kernel command
 * line, from boot: Kata's static mode; or StartTracing: dynamic), and
 * handed back by StopTracing, which also ends dynamic tracing. */
#include <errno.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "guest/guest.h"
#include "rpc/pbbytes.h"
#include "trace/trace.h"
#include "util/error.h"
#include "util/log.h"

#define SPANS_MAX (256u << 10) /* about 400 spans */

static bool statically; /* agent.trace on the kernel command line */

static int open_sink(struct error **err)
{
	struct trace_sink s = { "kata-agent", NULL, NULL, SPANS_MAX };
	return trace_open(&s, err);
}

int guest_trace_static(struct error **err)
{
	statically = true;
	return open_sink(err);
}

static int start(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		 void *resp, struct error **err)
{
	(void)ctx, (void)m, (void)req, (void)resp;
	if (!trace_enabled && open_sink(err) < 0)
		return GRPC_INTERNAL;
	return 0;
}

static int stop(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		void *resp, struct error **err)
{
	grpc_StopTracingResponse *r = resp;
	size_t dropped = 0;
	(void)m, (void)req, (void)err;
	trace_take(ctx->scratch, &dropped); /* it lives until the answer is encoded */
	pb_bytes_out_buf(&r->spans, ctx->scratch);
	r->dropped = (uint32_t)dropped;
	if (!statically)
		trace_set_enabled(false);
	return 0;
}

static const struct rpc_handler handlers[] = {
	{ RPC_AGENT(StartTracing), start, NULL, true },
	{ RPC_AGENT(StopTracing), stop, NULL, false },
};
const struct rpc_handler *const guest_trace_handlers = handlers;
const size_t guest_ntrace_handlers = sizeof(handlers) / sizeof(handlers[0]);
