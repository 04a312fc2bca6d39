/* Command-line options as urfave/cli (runc, Kata) accept them: --name,
 * -name, --name=value, --name value, -x value for one-letter names, and
 * --flag=true|false for booleans. Parsing stops at the first non-option
 * (the command or a positional argument), at "-" and after "--". */
#ifndef CLI_OPTS_H
#define CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>

struct error;

/* OPT_OPTIONAL: "--name" alone gives "", "--name=value" gives value; the
 * next argument is never taken. */
enum opt_kind { OPT_BOOL, OPT_VALUE, OPT_OPTIONAL };

struct opt_spec {
	const char *name;  /* long name, without dashes */
	char short_name;   /* 0 when none */
	enum opt_kind kind;
	int id;
};

struct opt_parser {
	int argc;
	char **argv;
	int i; /* next argument to look at; after OPT_DONE, the first positional */
	const struct opt_spec *specs;
	size_t nspecs;
};

#define OPT_DONE (-1)
#define OPT_ERROR (-2)

void opt_init(struct opt_parser *p, int argc, char **argv, const struct opt_spec *specs,
	      size_t nspecs);
/* The id of the next option, with *value its value (booleans: "true" or
 * "false"); OPT_DONE at the end of the options; OPT_ERROR with *err set for
 * an unknown option, a missing value or a malformed boolean. */
int opt_next(struct opt_parser *p, const char **value, struct error **err);
bool opt_bool_value(const char *v);

#endif
