#include <stdio.h>

#include "cli/cli.h"

/* Registered commands whose issue has not landed yet: they say so, and never
 * pretend to succeed. */
int cmd_not_implemented(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		cli_command_help(cmd);
		return 0;
	}
	log_error("%s: not implemented yet", cmd->name);
	return 1;
}
