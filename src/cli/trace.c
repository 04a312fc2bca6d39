/* The command's span and the process's tracer (cli.h). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "cli/cli.h"
#include "config/config.h"
#include "util/error.h"

/* The name a process has in its spans' service.name. */
static const char *service_of(const char *cmd)
{
	static const char *const named[][2] = {
		{ "shim", "kata-shim" }, { "proxy", "kata-proxy" }, { "agent", "kata-agent" },
		{ "cache-server", "kata-vmcache" },
	};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(cmd, named[i][0]))
			return named[i][1];
	return "kata-runtime";
}

int cli_trace_start(struct cli_ctx *ctx, const struct config *c, struct error **err)
{
	struct trace_ctx parent;
	char file[PATH_MAX];
	const char *service = service_of(ctx->cmd_name);

	if (ctx->span.live)
		return 0;
	if (!trace_enabled && trace_from_env(service, &parent, err) < 0)
		return -1;
	/* With a configuration file to read, --trace waits for it: its
	 * trace_file and trace_collector count. */
	bool on = (ctx->trace_opt && (c || !ENABLE_HOST_RUNTIME)) ||
		  (ENABLE_HOST_RUNTIME && c && c->runtime.enable_tracing);
	if (!trace_enabled && on) {
		const char *f = ctx->trace_opt && *ctx->trace_opt ? ctx->trace_opt
			: ENABLE_HOST_RUNTIME && c && *c->runtime.trace_file ? c->runtime.trace_file
									      : NULL;
		if (!f && snprintf(file, sizeof(file), "%s/trace.json", ctx->root) < (int)sizeof(file))
			f = file;
		struct trace_sink s = { service, f,
					ENABLE_HOST_RUNTIME && c ? c->runtime.trace_collector : NULL,
					0 };
		if (trace_open(&s, err) < 0)
			return error_wrap(err, "%s", ctx->trace_opt ? "--trace"
						     : "[runtime] enable_tracing");
	}
	if (!trace_enabled)
		return 0;
	trace_begin_at(&ctx->span, trace_ctx_valid(&parent) ? &parent : NULL, ctx->cmd_name,
		       ctx->start_ns);
	return 0;
}

void cli_trace_end(struct cli_ctx *ctx, int status)
{
	char why[32];
	snprintf(why, sizeof(why), "exit status %d", status);
	trace_end(&ctx->span, status && !ctx->exit_is_container ? -1 : 0, why);
	trace_close();
}
