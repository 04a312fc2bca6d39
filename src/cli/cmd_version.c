#include <stdio.h>

#include "autoconf.h"
#include "cli/cli.h"
#include "version.h"

int cmd_version(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	if (cmd && cli_wants_help(argc, argv)) {
		cli_command_help(cmd);
		return 0;
	}
	printf("kata-runtime  : %s\n"
	       "   commit   : %s\n"
	       "   OCI specs: %s\n"
	       "   features : %s\n",
	       UKATA_VERSION, UKATA_COMMIT, UKATA_OCI_SPEC, UKATA_FEATURES);
	return 0;
}
