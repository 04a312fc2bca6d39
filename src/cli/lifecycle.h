/* Helpers shared by the lifecycle commands (cli/lifecycle.c). */
#ifndef CLI_LIFECYCLE_H
#define CLI_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "sandbox/sandbox.h"

struct error;

/* The sandbox's view of this invocation (configuration loaded). */
int cli_sb_env(struct cli_ctx *ctx, struct sb_env *env, char *self, size_t size,
	       struct error **err);
/* Report err (logged as an error: on stderr and, with --log, in the log)
 * and return 1. */
int cli_fail(const struct command *cmd, const char *id, struct error *err);
/* Parse the options of cmd (on_opt gets each one); *pos is the index of
 * the first positional argument. -1 after reporting a usage error. */
int cli_parse(const struct command *cmd, int argc, char **argv, const struct opt_spec *specs,
	      size_t n, int (*on_opt)(void *ud, int id, const char *v, struct error **err),
	      void *ud, int *pos);
/* The pid, with no newline, written atomically to path. */
int cli_write_pid_file(const char *path, pid_t pid, struct error **err);
/* Wait for our child; its exit status (128+signal when killed). */
int cli_wait_child(pid_t pid);
/* "KILL", "SIGKILL", "9": the signal number, or -1. */
int cli_parse_signal(const char *s);

#endif
