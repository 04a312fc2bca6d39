/* factory init|status|destroy, and kata-runtime --cache-server. What they
 * print is Kata 1.x's (reference §2). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "autoconf.h"
#include "cli/cli.h"
#include "config/config.h"
#include "factory/factory.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "vmcache/vmcache.h"

#define QUIT_WAIT_MS 30000 /* the server stops its VMs before it is gone */

static int fail(struct error *err)
{
	log_error("%s", err ? err->msg : "failed");
	error_free(err);
	return 1;
}

static int serve(struct cli_ctx *ctx, const struct config *c, const char *endpoint)
{
	struct error *err = NULL;
	char cache[PATH_MAX];

	if (!ENABLE_VMCACHE_SERVER) {
		log_error("factory.vm_cache_number: the VMCache server is not built in "
			  "(CONFIG_VMCACHE_SERVER)");
		return 1;
	}
	if (!c->factory.vm_cache_number) {
		log_error("factory.vm_cache_number is 0 in %s: set how many VMs the VMCache server "
			  "keeps ready", c->path ? c->path : "the built-in configuration");
		return 1;
	}
	snprintf(cache, sizeof(cache), "%s/.cache", ctx->root);
	struct vmcache_opts o = { c, endpoint, cache, c->factory.vm_cache_number };
	if (vmcache_serve(&o, &err) < 0)
		return fail(err);
	return 0;
}

int cli_cache_server(struct cli_ctx *ctx)
{
	struct config *c;
	struct error *err = NULL;

	if (cli_config(ctx, &c, &err) < 0)
		return fail(err);
	return serve(ctx, c, *ctx->cache_server ? ctx->cache_server : c->factory.vm_cache_endpoint);
}

static int init(struct cli_ctx *ctx, const struct config *c)
{
	struct error *err = NULL;
	struct factory f;
	char cache[PATH_MAX];

	if (c->factory.vm_cache_number > 0)
		return serve(ctx, c, c->factory.vm_cache_endpoint);
	if (!ENABLE_FACTORY_TEMPLATE || !c->factory.enable_template) {
		printf("vm factory or VMCache is not enabled\n");
		return 0;
	}
	snprintf(cache, sizeof(cache), "%s/.cache", ctx->root);
	if (factory_init(&f, c, cache, NULL, &err) < 0 || factory_template_make(&f, &err) < 0)
		return fail(err);
	printf("vm factory initialized\n");
	return 0;
}

static void status(const struct config *c)
{
	cleanup_error struct error *err = NULL;
	struct vmcache_status st;

	if (ENABLE_VMCACHE_SERVER && c->factory.vm_cache_number > 0) {
		if (vmcache_status(c->factory.vm_cache_endpoint, &st, &err) < 0) {
			printf("%s\n", err->msg);
		} else {
			printf("VM cache server pid = %d\n", (int)st.pid);
			for (size_t i = 0; i < st.n; i++)
				printf("VM pid = %d Cpu = %u Memory = %uMiB\n", (int)st.vms[i].pid,
				       st.vms[i].cpus, st.vms[i].memory_mib);
		}
	}
	if (!ENABLE_FACTORY_TEMPLATE || !c->factory.enable_template)
		printf("vm factory not enabled\n");
	else
		printf("vm factory is %s\n", factory_template_exists(c) ? "on" : "off");
}

/* Quit, then wait until the server has stopped its VMs and let go. */
static void quit_server(const struct config *c)
{
	cleanup_error struct error *err = NULL;
	char lock[PATH_MAX + 8];

	if (vmcache_quit(c->factory.vm_cache_endpoint, &err) < 0) {
		log_warn("%s", err->msg);
		return;
	}
	snprintf(lock, sizeof(lock), "%s.lock", c->factory.vm_cache_endpoint);
	for (int ms = 0; ms < QUIT_WAIT_MS && fs_exists(lock); ms += 50)
		usleep(50 * 1000);
}

static int destroy(const struct config *c)
{
	struct error *err = NULL;

	if (ENABLE_VMCACHE_SERVER && c->factory.vm_cache_number > 0)
		quit_server(c);
	if (ENABLE_FACTORY_TEMPLATE && c->factory.enable_template &&
	    factory_template_destroy(c, &err) < 0)
		return fail(err);
	printf("vm factory destroyed\n");
	return 0;
}

int cmd_factory(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	struct config *c;
	struct error *err = NULL;

	if (cli_wants_help(argc, argv) || argc != 1) {
		cli_command_help(cmd);
		return argc == 1 ? 0 : 1;
	}
	if (cli_config(ctx, &c, &err) < 0)
		return fail(err);
	if (!strcmp(argv[0], "init"))
		return init(ctx, c);
	if (!strcmp(argv[0], "status"))
		return status(c), 0;
	if (!strcmp(argv[0], "destroy"))
		return destroy(c);
	log_error("factory: unknown subcommand \"%s\" (init, status or destroy)", argv[0]);
	return 1;
}
