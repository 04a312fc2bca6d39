#include "cli/opts.h"
#include "harness.h"
#include "util/error.h"

enum { O_ROOT, O_DEBUG, O_BUNDLE, O_ALL, O_CACHE };
static const struct opt_spec specs[] = {
	{ "root", 0, OPT_VALUE, O_ROOT },
	{ "debug", 0, OPT_BOOL, O_DEBUG },
	{ "bundle", 'b', OPT_VALUE, O_BUNDLE },
	{ "all", 'a', OPT_BOOL, O_ALL },
	{ "cache-server", 0, OPT_OPTIONAL, O_CACHE },
};

/* Parse argv and render "id=value;" for each option, then "|rest". */
static void run(int argc, char **argv, char *out, size_t size)
{
	struct opt_parser p;
	struct error *err = NULL;
	const char *v;
	int id;
	size_t n = 0;
	opt_init(&p, argc, argv, specs, 5);
	while ((id = opt_next(&p, &v, &err)) >= 0)
		n += (size_t)snprintf(out + n, size - n, "%d=%s;", id, v);
	if (id == OPT_ERROR)
		snprintf(out + n, size - n, "ERR:%s", err->msg);
	else
		snprintf(out + n, size - n, "|%s", p.i < argc ? argv[p.i] : "");
	error_free(err);
}

#define RUN(want, ...)                                                        \
	do {                                                                  \
		char *args_[] = { __VA_ARGS__ };                                 \
		char o_[256];                                                 \
		run((int)(sizeof(args_) / sizeof(args_[0])), args_, o_, sizeof(o_));  \
		CHECK_STR(o_, want);                                          \
	} while (0)

TEST(opts_forms)
{
	RUN("0=/r;|create", "--root", "/r", "create");
	RUN("0=/r;|create", "--root=/r", "create");
	RUN("0=/r;|x", "-root", "/r", "x");
	RUN("0=;|x", "--root=", "x");
	RUN("2=B;|id", "-b", "B", "id");
	RUN("2=B;|id", "-b=B", "id");
	RUN("1=true;3=true;|id", "--debug", "-a", "id");
	RUN("1=false;|id", "--debug=false", "id");
	RUN("1=true;|id", "--debug=1", "id");
	RUN("1=true;|--x", "--debug", "--", "--x");
	RUN("|-", "-", "x");
	RUN("0=--debug;|", "--root", "--debug");
	/* An optional value: only with "=", the next argument is never taken. */
	RUN("4=;|run", "--cache-server", "run");
	RUN("4=/s;|run", "--cache-server=/s", "run");
	RUN("4=;|", "--cache-server");
}

TEST(opts_errors)
{
	RUN("ERR:unknown option --nope", "--nope");
	RUN("ERR:unknown option --nope", "--nope=3");
	RUN("ERR:unknown option -z", "-z");
	RUN("ERR:option --root requires a value", "--root");
	RUN("ERR:option --debug=maybe: expected true or false", "--debug=maybe");
	RUN("ERR:unknown option --", "--=x");
}
