/* kata-runtime trace summary FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "trace/summary.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#define TRACE_FILE_MAX (64u << 20)

int cmd_trace(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	struct error *err = NULL;
	struct buf out = BUF_INIT(0);
	char *text = NULL;
	size_t len;

	if (cli_wants_help(argc, argv)) {
		cli_command_help(cmd);
		return 0;
	}
	if (argc != 2 || strcmp(argv[0], "summary")) {
		fprintf(stderr, "kata-runtime trace: usage: kata-runtime trace summary FILE\n");
		return 1;
	}
	if (fs_read_file(argv[1], TRACE_FILE_MAX, &text, &len, &err) < 0 ||
	    trace_summary(argv[1], text, len, &out, &err) < 0) {
		fprintf(stderr, "kata-runtime trace summary: %s\n", err->msg);
		error_free(err);
		free(text);
		buf_free(&out);
		return 1;
	}
	fwrite(out.data, 1, out.len, stdout);
	free(text);
	buf_free(&out);
	return 0;
}
