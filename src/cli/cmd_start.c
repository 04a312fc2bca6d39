/* start, pause, resume, delete and kill: the sandbox does the rest. */
#include <signal.h>
#include <stdio.h>

#include "cli/lifecycle.h"
#include "util/error.h"

enum { O_ALL, O_FORCE };

struct ids_args {
	bool all, force;
};

static int on_opt(void *ud, int id, const char *v, struct error **err)
{
	struct ids_args *a = ud;
	(void)err;
	if (id == O_ALL)
		a->all = opt_bool_value(v);
	else
		a->force = opt_bool_value(v);
	return 0;
}

/* Parse cmd's options; the ids from *pos on, at least min and at most max. */
static int ids(const struct command *cmd, int argc, char **argv, const struct opt_spec *specs,
	       size_t n, struct ids_args *a, int min, int max, int *pos)
{
	if (cli_parse(cmd, argc, argv, specs, n, on_opt, a, pos) < 0)
		return -1;
	int got = argc - *pos;
	if (got < min || got > max) {
		log_error("%s: %s (usage: kata-runtime %s %s)", cmd->name,
			  got < min ? "a container id is needed" : "too many arguments", cmd->name,
			  cmd->usage);
		return -1;
	}
	return 0;
}

typedef int (*act_fn)(const struct sb_env *env, const char *id, const struct ids_args *a,
		      struct error **err);

/* Each id in turn; the exit status is 1 when any failed. */
static int each_id(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv,
		   const struct opt_spec *specs, size_t n, act_fn act)
{
	struct ids_args a = { 0 };
	struct error *err = NULL;
	struct sb_env env;
	char self[4096];
	int pos, status = 0;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (ids(cmd, argc, argv, specs, n, &a, 1, 1 << 20, &pos) < 0)
		return 1;
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0)
		return cli_fail(cmd, NULL, err);
	for (int i = pos; i < argc; i++)
		if (act(&env, argv[i], &a, &err) < 0)
			status = cli_fail(cmd, argv[i], err), err = NULL;
	return status;
}

static int start_one(const struct sb_env *env, const char *id, const struct ids_args *a,
		 struct error **err)
{
	(void)a;
	return sb_start(env, id, err);
}

static int delete_one(const struct sb_env *env, const char *id, const struct ids_args *a,
		  struct error **err)
{
	return sb_delete(env, id, a->force, err);
}

static int pause_one(const struct sb_env *env, const char *id, const struct ids_args *a,
		 struct error **err)
{
	(void)a;
	return sb_pause(env, id, true, err);
}

static int resume_one(const struct sb_env *env, const char *id, const struct ids_args *a,
		  struct error **err)
{
	(void)a;
	return sb_pause(env, id, false, err);
}

int cmd_start(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	return each_id(ctx, cmd, argc, argv, NULL, 0, start_one);
}

int cmd_delete(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec force[] = { { "force", 'f', OPT_BOOL, O_FORCE } };
	return each_id(ctx, cmd, argc, argv, force, 1, delete_one);
}

int cmd_pause(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	return each_id(ctx, cmd, argc, argv, NULL, 0, pause_one);
}

int cmd_resume(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	return each_id(ctx, cmd, argc, argv, NULL, 0, resume_one);
}

int cmd_kill(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = { { "all", 'a', OPT_BOOL, O_ALL } };
	struct ids_args a = { 0 };
	struct error *err = NULL;
	struct sb_env env;
	char self[4096];
	int pos, sig = SIGTERM;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (ids(cmd, argc, argv, specs, 1, &a, 1, 2, &pos) < 0)
		return 1;
	if (pos + 1 < argc && (sig = cli_parse_signal(argv[pos + 1])) < 0) {
		log_error("kill: \"%s\" is not a signal", argv[pos + 1]);
		return 1;
	}
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0 ||
	    sb_kill(&env, argv[pos], sig, a.all, &err) < 0)
		return cli_fail(cmd, argv[pos], err);
	return 0;
}
