#include "cli/opts.h"

#include <errno.h>
#include <string.h>

#include "util/error.h"

void opt_init(struct opt_parser *p, int argc, char **argv, const struct opt_spec *specs,
	      size_t nspecs)
{
	p->argc = argc;
	p->argv = argv;
	p->i = 0;
	p->specs = specs;
	p->nspecs = nspecs;
}

bool opt_bool_value(const char *v)
{
	return v && !strcmp(v, "true");
}

static const struct opt_spec *lookup(const struct opt_parser *p, const char *name, size_t len)
{
	for (size_t k = 0; k < p->nspecs; k++) {
		const struct opt_spec *s = &p->specs[k];
		if (strlen(s->name) == len && !strncmp(s->name, name, len))
			return s;
		if (len == 1 && s->short_name == name[0])
			return s;
	}
	return NULL;
}

static int parse_bool(const char *arg, const char *v, const char **out, struct error **err)
{
	if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "TRUE"))
		*out = "true";
	else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "f") || !strcmp(v, "FALSE"))
		*out = "false";
	else
		return error_set(err, EINVAL, "option %s: expected true or false", arg), OPT_ERROR;
	return 0;
}

int opt_next(struct opt_parser *p, const char **value, struct error **err)
{
	const char *arg, *name, *eq;
	const struct opt_spec *s;
	size_t len;

	*value = NULL;
	if (p->i >= p->argc)
		return OPT_DONE;
	arg = p->argv[p->i];
	if (arg[0] != '-' || arg[1] == '\0')
		return OPT_DONE;
	if (!strcmp(arg, "--")) {
		p->i++;
		return OPT_DONE;
	}
	name = arg + (arg[1] == '-' ? 2 : 1);
	eq = strchr(name, '=');
	len = eq ? (size_t)(eq - name) : strlen(name);
	s = len ? lookup(p, name, len) : NULL;
	if (!s) {
		error_set(err, EINVAL, "unknown option %.*s", (int)(name - arg + len), arg);
		return OPT_ERROR;
	}
	p->i++;
	if (s->kind == OPT_BOOL) {
		*value = "true";
		if (eq && parse_bool(arg, eq + 1, value, err) < 0)
			return OPT_ERROR;
		return s->id;
	}
	if (eq) {
		*value = eq + 1;
	} else if (s->kind == OPT_OPTIONAL) {
		*value = "";
	} else if (p->i < p->argc) {
		*value = p->argv[p->i++];
	} else {
		error_set(err, EINVAL, "option %s requires a value", arg);
		return OPT_ERROR;
	}
	return s->id;
}
