/* create and run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/lifecycle.h"
#include "util/error.h"

enum { C_BUNDLE, C_CONSOLE_SOCKET, C_PID_FILE, C_DETACH, C_IGNORED, C_IGNORED_VALUE };

static const struct opt_spec create_opts[] = {
	{ "bundle", 'b', OPT_VALUE, C_BUNDLE },
	{ "console-socket", 0, OPT_VALUE, C_CONSOLE_SOCKET },
	{ "pid-file", 0, OPT_VALUE, C_PID_FILE },
	{ "detach", 'd', OPT_BOOL, C_DETACH },
	{ "no-pivot", 0, OPT_BOOL, C_IGNORED },
	{ "no-new-keyring", 0, OPT_BOOL, C_IGNORED },
	{ "no-subreaper", 0, OPT_BOOL, C_IGNORED },
	{ "console", 0, OPT_VALUE, C_IGNORED_VALUE },
	{ "preserve-fds", 0, OPT_VALUE, C_IGNORED_VALUE },
	{ "pidfd-socket", 0, OPT_VALUE, C_IGNORED_VALUE },
};

struct create_args {
	struct sb_create_opts o;
	const char *pid_file;
	bool detach;
};

static int on_opt(void *ud, int id, const char *v, struct error **err)
{
	struct create_args *a = ud;
	(void)err;
	switch (id) {
	case C_BUNDLE: a->o.bundle = v; break;
	case C_CONSOLE_SOCKET: a->o.io.console_socket = v; break;
	case C_PID_FILE: a->pid_file = v; break;
	case C_DETACH: a->detach = opt_bool_value(v); break;
	}
	return 0;
}

/* Parse, and check there is exactly one id. */
static int args(const struct command *cmd, int argc, char **argv, struct create_args *a,
		const char **id)
{
	int pos;
	if (cli_parse(cmd, argc, argv, create_opts, sizeof(create_opts) / sizeof(create_opts[0]),
		      on_opt, a, &pos) < 0)
		return -1;
	if (pos != argc - 1) {
		log_error("%s: %s (usage: kata-runtime %s %s)", cmd->name,
			  pos >= argc ? "a container id is needed" : "one container id only",
			  cmd->name, cmd->usage);
		return -1;
	}
	*id = argv[pos];
	return 0;
}

int cmd_create(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	struct create_args a = { 0 };
	struct error *err = NULL;
	struct sb_env env;
	char self[4096];
	const char *id;
	pid_t shim;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (args(cmd, argc, argv, &a, &id) < 0)
		return 1;
	a.o.io.detach = true;
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0)
		return cli_fail(cmd, id, err);
	trace_attr(&ctx->span, "container.id", id);
	if (sb_create(&env, id, &a.o, &shim, &err) < 0)
		return cli_fail(cmd, id, err);
	if (a.pid_file && cli_write_pid_file(a.pid_file, shim, &err) < 0) {
		sb_delete(&env, id, true, NULL);
		return cli_fail(cmd, id, err);
	}
	return 0;
}

static volatile pid_t fwd_pid;

static void forward(int sig)
{
	if (fwd_pid > 0)
		kill(fwd_pid, sig);
}

int cmd_run(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	struct create_args a = { 0 };
	struct error *err = NULL;
	struct sb_env env;
	char self[4096];
	const char *id;
	pid_t shim;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (args(cmd, argc, argv, &a, &id) < 0)
		return 1;
	a.o.io.detach = a.detach;
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	for (size_t i = 0; !a.detach && i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaction(fwd[i], &sa, NULL);
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0)
		return cli_fail(cmd, id, err);
	trace_attr(&ctx->span, "container.id", id);
	if (sb_create(&env, id, &a.o, &shim, &err) < 0)
		return cli_fail(cmd, id, err);
	fwd_pid = shim;
	if ((a.pid_file && cli_write_pid_file(a.pid_file, shim, &err) < 0) ||
	    sb_start(&env, id, &err) < 0) {
		sb_delete(&env, id, true, NULL);
		if (!a.detach)
			cli_wait_child(shim);
		return cli_fail(cmd, id, err);
	}
	if (a.detach)
		return 0;
	struct trace_span w;
	trace_begin(&w, cli_trace_ctx(ctx), "wait");
	int status = cli_wait_child(shim);
	trace_end(&w, 0, NULL);
	char st[16];
	snprintf(st, sizeof(st), "%d", status);
	trace_attr(&ctx->span, "container.exit_status", st);
	ctx->exit_is_container = true; /* not the runtime's failure */
	fwd_pid = 0;
	if (sb_delete(&env, id, true, &err) < 0)
		cli_fail(cmd, id, err);
	return status;
}
