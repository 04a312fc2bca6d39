/* spec: a default config.json in the bundle directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/lifecycle.h"
#include "util/error.h"

static int on_opt(void *ud, int id, const char *v, struct error **err)
{
	(void)err;
	if (id == 0)
		*(const char **)ud = v;
	return 0;
}

int cmd_spec(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = { { "bundle", 'b', OPT_VALUE, 0 },
						 { "rootless", 0, OPT_BOOL, 1 } };
	const char *bundle = ".";
	char path[PATH_MAX];
	int pos;

	(void)ctx;
	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (cli_parse(cmd, argc, argv, specs, 2, on_opt, &bundle, &pos) < 0)
		return 1;
	if (pos != argc) {
		log_error("spec: no arguments are taken (usage: kata-runtime spec %s)", cmd->usage);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error(errno == EEXIST ? "spec: File %s exists. Remove it first."
					  : "spec: %s: %m", path);
		return 1;
	}
	size_t n = strlen(oci_default_spec);
	bool ok = write(fd, oci_default_spec, n) == (ssize_t)n;
	close(fd);
	if (!ok) {
		log_error("spec: write %s: %m", path);
		unlink(path);
		return 1;
	}
	return 0;
}
