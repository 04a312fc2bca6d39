/* The kata-runtime command line: global options and the command table. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "autoconf.h"
#include "trace/trace.h"
#include "util/log.h"

struct config;
struct error;

struct cli_ctx {
	const char *argv0;
	const char *root;
	const char *log_path;
	enum log_format log_format;
	bool debug;
	bool systemd_cgroup;
	const char *rootless;    /* true, false or auto */
	const char *config_path; /* --config / --kata-config */
	/* --cache-server[=EP]: with no command, run the VMCache server on EP;
	 * with create or run, get the VM from the server on EP. "" names
	 * [factory] vm_cache_endpoint. NULL when not given. */
	const char *cache_server;
	struct config *config;   /* loaded by cli_config() on first use */
	/* Tracing: --trace[=FILE] ("" without FILE; NULL when not given),
	 * the command's name and start, and its span (the root of what the
	 * command does; cli_trace_ctx gives it to callees). */
	const char *trace_opt;
	const char *cmd_name;
	uint64_t start_ns;
	struct trace_span span;
	bool exit_is_container; /* the exit status is the container's (run) */
};

/* The command's span context for its callees (NULL: not tracing). */
static inline const struct trace_ctx *cli_trace_ctx(const struct cli_ctx *ctx)
{
	return trace_ctx_of(&ctx->span);
}
/* Tracing on, as the environment a parent gave (a shim, the proxy) or as
 * --trace and [runtime] enable_tracing say (c may be NULL); the command's span begins (at ctx->start_ns). A
 * trace file that cannot be opened is an error. Idempotent. */
#if ENABLE_TRACE
int cli_trace_start(struct cli_ctx *ctx, const struct config *c, struct error **err);
/* The command's span ends with its exit status; what is buffered goes. */
void cli_trace_end(struct cli_ctx *ctx, int status);
#else
static inline int cli_trace_start(struct cli_ctx *ctx, const struct config *c, struct error **err)
{
	(void)ctx, (void)c, (void)err;
	return 0;
}
static inline void cli_trace_end(struct cli_ctx *ctx, int status) { (void)ctx, (void)status; }
#endif

struct command {
	const char *name;
	const char *alias; /* Kata's kata-* name, or NULL */
	const char *summary;
	const char *usage;  /* after "kata-runtime NAME " */
	const char *help;   /* options and details, may be NULL */
	int (*run)(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv);
};

extern const struct command cli_commands[];
extern const unsigned cli_ncommands;

/* The runtime entry point; returns the process exit status. */
int cli_main(int argc, char **argv);
/* The configuration by the search order, loaded once; warnings are logged. */
int cli_config(struct cli_ctx *ctx, struct config **out, struct error **err);
void cli_command_help(const struct command *cmd);
/* True when argv holds -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);

/* Command handlers. */
int cmd_version(struct cli_ctx *, const struct command *, int, char **);
int cmd_env(struct cli_ctx *, const struct command *, int, char **);
int cmd_agent(struct cli_ctx *, const struct command *, int, char **);
int cmd_create(struct cli_ctx *, const struct command *, int, char **);
int cmd_run(struct cli_ctx *, const struct command *, int, char **);
int cmd_start(struct cli_ctx *, const struct command *, int, char **);
int cmd_delete(struct cli_ctx *, const struct command *, int, char **);
int cmd_pause(struct cli_ctx *, const struct command *, int, char **);
int cmd_resume(struct cli_ctx *, const struct command *, int, char **);
int cmd_state(struct cli_ctx *, const struct command *, int, char **);
int cmd_list(struct cli_ctx *, const struct command *, int, char **);
int cmd_kill(struct cli_ctx *, const struct command *, int, char **);
int cmd_exec(struct cli_ctx *, const struct command *, int, char **);
int cmd_ps(struct cli_ctx *, const struct command *, int, char **);
int cmd_events(struct cli_ctx *, const struct command *, int, char **);
int cmd_update(struct cli_ctx *, const struct command *, int, char **);
int cmd_spec(struct cli_ctx *, const struct command *, int, char **);
int cmd_shim(struct cli_ctx *, const struct command *, int, char **);
int cmd_proxy(struct cli_ctx *, const struct command *, int, char **);
int cmd_factory(struct cli_ctx *, const struct command *, int, char **);
int cmd_network(struct cli_ctx *, const struct command *, int, char **);
int cmd_check(struct cli_ctx *, const struct command *, int, char **);
int cmd_trace(struct cli_ctx *, const struct command *, int, char **);
/* kata-runtime --cache-server with no command. */
int cli_cache_server(struct cli_ctx *ctx);

#endif
