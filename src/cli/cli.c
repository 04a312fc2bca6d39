/* kata-runtime: global options and command dispatch. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoconf.h"
#include "cli/opts.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/error.h"

enum {
	G_ROOT, G_LOG, G_LOG_FORMAT, G_DEBUG, G_SYSTEMD_CGROUP, G_ROOTLESS, G_CONFIG, G_CACHE,
	G_SHOW_PATHS, G_VERSION, G_HELP, G_TRACE,
};

static const struct opt_spec global_opts[] = {
	{ "root", 0, OPT_VALUE, G_ROOT },
	{ "log", 0, OPT_VALUE, G_LOG },
	{ "log-format", 0, OPT_VALUE, G_LOG_FORMAT },
	{ "debug", 0, OPT_BOOL, G_DEBUG },
	{ "systemd-cgroup", 0, OPT_BOOL, G_SYSTEMD_CGROUP },
	{ "rootless", 0, OPT_VALUE, G_ROOTLESS },
	IF_HOST_RUNTIME({ "config", 0, OPT_VALUE, G_CONFIG },
			{ "kata-config", 0, OPT_VALUE, G_CONFIG },)
	IF_FACTORY_VMCACHE({ "cache-server", 0, OPT_OPTIONAL, G_CACHE },)
	IF_HOST_RUNTIME({ "show-default-config-paths", 0, OPT_BOOL, G_SHOW_PATHS },
			{ "kata-show-default-config-paths", 0, OPT_BOOL, G_SHOW_PATHS },)
	IF_TRACE({ "trace", 0, OPT_OPTIONAL, G_TRACE },)
	{ "version", 'v', OPT_BOOL, G_VERSION },
	{ "help", 'h', OPT_BOOL, G_HELP },
};

static void usage(void)
{
	printf("kata-runtime: a Kata Containers runtime in one static binary\n\n"
	       "Usage: kata-runtime [global options] <command> [command options] [arguments]\n\n"
	       "Commands:\n");
	for (unsigned i = 0; i < cli_ncommands; i++) {
		const struct command *c = &cli_commands[i];
		printf("  %-14s %s%s%s%s\n", c->name, c->summary, c->alias ? " (alias " : "",
		       c->alias ? c->alias : "", c->alias ? ")" : "");
	}
	printf("\nGlobal options:\n"
	       "  --root DIR                   state directory (default %s)\n"
	       "  --log FILE                   append log messages to FILE\n"
	       "  --log-format text|json       log file format (default text)\n"
	       "  --debug                      log debug messages\n"
	       "  --systemd-cgroup             cgroupsPath is slice:prefix:name\n"
	       "  --rootless true|false|auto   rootless mode (default auto)\n"
	       "%s%s%s%s"
	       "  --version, -v                print the version\n"
	       "  --help, -h                   print this help\n\n"
	       "Run 'kata-runtime <command> --help' for a command's options.\n",
	       CONFIG_DEFAULT_ROOT,
	       ENABLE_HOST_RUNTIME ? "  --config, --kata-config FILE configuration file\n" : "",
	       ENABLE_FACTORY_VMCACHE
		       ? "  --cache-server[=SOCKET]      alone: run the VMCache server (on SOCKET,\n"
			 "                               default [factory] vm_cache_endpoint);\n"
			 "                               with create/run: take the VM from it\n"
		       : "",
	       ENABLE_HOST_RUNTIME ? "  --show-default-config-paths  print the configuration search paths\n"
				   : "",
	       ENABLE_TRACE ? "  --trace[=FILE]               trace this command (OTLP/JSON lines to FILE,\n"
			      "                               default [runtime] trace_file)\n"
			    : "");
}

void cli_command_help(const struct command *cmd)
{
	printf("kata-runtime %s: %s\n\nUsage: kata-runtime %s %s\n", cmd->name, cmd->summary,
	       cmd->name, cmd->usage);
	if (cmd->alias)
		printf("Alias: %s\n", cmd->alias);
	if (cmd->help)
		printf("\n%s", cmd->help);
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    !strcmp(argv[i], "-help"))
			return true;
	}
	return false;
}

static const struct command *find_command(const char *name)
{
	for (unsigned i = 0; i < cli_ncommands; i++) {
		const struct command *c = &cli_commands[i];
		if (!strcmp(c->name, name) || (c->alias && !strcmp(c->alias, name)))
			return c;
	}
	return NULL;
}

int cli_config(struct cli_ctx *ctx, struct config **out, struct error **err)
{
	size_t ndef;
	struct config_search s = { .explicit_path = ctx->config_path,
				   .env_path = getenv("KATA_CONF_FILE") };
	cleanup_free char *path = NULL;

	if (!ctx->config) {
		uint64_t t0 = trace_now_ns();
		s.defaults = config_default_paths(&ndef);
		s.ndefaults = ndef;
		if (config_find(&s, &path, err) < 0 || config_load(path, &ctx->config, err) < 0 ||
		    cli_trace_start(ctx, ctx->config, err) < 0)
			return -1;
		struct trace_span span;
		trace_begin_at(&span, cli_trace_ctx(ctx), "config.load", t0);
		trace_attr(&span, "config.path", path ? path : "(built-in defaults)");
		trace_end(&span, 0, NULL);
		if (ctx->config->runtime.enable_debug)
			log_set_level(LOGL_DEBUG);
		if (!path)
			log_info("no configuration file found; using built-in defaults");
		else
			log_debug("configuration %s with %zu drop-ins", ctx->config->path,
				  ctx->config->dropins.n);
		for (size_t i = 0; i < ctx->config->warnings.n; i++)
			log_warn("%s", ctx->config->warnings.v[i]);
	}
	*out = ctx->config;
	return 0;
}

/* Returns 0 to continue, 1 when the program should exit with *status. */
static int global_option(struct cli_ctx *ctx, int id, const char *v, int *status,
			 struct error **err)
{
	size_t n;
	const char *const *paths;

	switch (id) {
	case G_ROOT: ctx->root = v; break;
	case G_LOG: ctx->log_path = v; break;
	case G_DEBUG: ctx->debug = opt_bool_value(v); break;
	case G_SYSTEMD_CGROUP: ctx->systemd_cgroup = opt_bool_value(v); break;
	case G_CONFIG: ctx->config_path = v; break;
	case G_CACHE: ctx->cache_server = v; break;
	case G_TRACE: ctx->trace_opt = v ? v : ""; break;
	case G_LOG_FORMAT:
		if (log_parse_format(v, &ctx->log_format) < 0)
			return error_set(err, 0, "--log-format: \"%s\" is not %s", v,
					 ENABLE_LOG_JSON ? "text or json"
							 : "text (json is not built in)");
		break;
	case G_ROOTLESS:
		if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "auto"))
			return error_set(err, 0, "--rootless: \"%s\" is not true, false or auto", v);
		ctx->rootless = v;
		break;
	case G_SHOW_PATHS:
		if (!ENABLE_HOST_RUNTIME)
			break;
		paths = config_default_paths(&n);
		for (size_t i = 0; i < n; i++)
			printf("%s\n", paths[i]);
		return *status = 0, 1;
	case G_VERSION:
		return *status = cmd_version(ctx, NULL, 0, NULL), 1;
	case G_HELP:
		usage();
		return *status = 0, 1;
	}
	return 0;
}

static int open_log(struct cli_ctx *ctx)
{
	cleanup_error struct error *err = NULL;
	struct log_config lc = { .path = ctx->log_path, .format = ctx->log_format,
				 .level = ctx->debug ? LOGL_DEBUG : LOGL_WARN,
				 .ident = "kata-runtime", .syslog = true };

	if (log_open(&lc, &err) < 0) {
		fprintf(stderr, "kata-runtime: %s\n", err->msg);
		return -1;
	}
	return 0;
}

int cli_main(int argc, char **argv)
{
	struct cli_ctx ctx = { .argv0 = argv[0], .root = CONFIG_DEFAULT_ROOT, .rootless = "auto",
			       .start_ns = trace_now_ns() };
	cleanup_error struct error *err = NULL;
	struct opt_parser p;
	const struct command *cmd;
	const char *v;
	int id, status = 0, r;

	opt_init(&p, argc - 1, argv + 1, global_opts, sizeof(global_opts) / sizeof(global_opts[0]));
	while ((id = opt_next(&p, &v, &err)) >= 0) {
		r = global_option(&ctx, id, v, &status, &err);
		if (r < 0)
			break;
		if (r == 1)
			return status;
	}
	if (err) {
		fprintf(stderr, "kata-runtime: %s (see kata-runtime --help)\n", err->msg);
		return 1;
	}
	if (p.i >= p.argc) {
		if (ENABLE_FACTORY_VMCACHE && ctx.cache_server) {
			if (!ENABLE_VMCACHE_SERVER) {
				fprintf(stderr, "kata-runtime: --cache-server with no command: the "
					"VMCache server is not built in (CONFIG_VMCACHE_SERVER)\n");
				return 1;
			}
			if (open_log(&ctx) < 0)
				return 1;
			ctx.cmd_name = "cache-server";
			r = cli_cache_server(&ctx);
			cli_trace_end(&ctx, r);
			if (ENABLE_HOST_RUNTIME)
				config_free(ctx.config);
			log_close();
			return r;
		}
		usage();
		return 0;
	}
	cmd = find_command(p.argv[p.i]);
	if (!cmd) {
		fprintf(stderr, "kata-runtime: unknown command \"%s\" (see kata-runtime --help)\n",
			p.argv[p.i]);
		return 1;
	}
	if (open_log(&ctx) < 0)
		return 1;
	log_debug("command %s", cmd->name);
	ctx.cmd_name = cmd->name;
	struct config *c;
	if (cli_trace_start(&ctx, NULL, &err) < 0 ||
	    (ENABLE_HOST_RUNTIME && ctx.trace_opt && !trace_enabled &&
	     cli_config(&ctx, &c, &err) < 0)) {
		log_error("%s", err->msg);
		log_close();
		return 1;
	}
	r = cmd->run(&ctx, cmd, p.argc - p.i - 1, p.argv + p.i + 1);
	cli_trace_end(&ctx, r);
	if (ENABLE_HOST_RUNTIME)
		config_free(ctx.config);
	log_close();
	return r;
}
