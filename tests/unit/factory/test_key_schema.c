/* The VM compatibility key comes from the schema: for every key the schema
 * marks fixed at boot, in turn, a template and a cached VM made with the
 * old value are refused for the new one, naming it; with other vCPUs and
 * memory they are taken. The template is a real template directory (its
 * vm.json) read by the template source; the cached VM comes over gRPC from
 * a GetBaseVM server in this process, through the VMCache client. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoconf.h"
#include "cache.pb.h"
#include "config/config.h"
#include "config/schema.h"
#include "factory/factory.h"
#include "harness.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#if ENABLE_FACTORY_TEMPLATE && ENABLE_FACTORY_GRPCCACHE

static char dir[64];		 /* the test's temporary directory */
static struct buf served;	 /* the description GetBaseVM answers with */

/* A configuration from TOML documents applied in turn on the defaults, as
 * a file and its drop-ins are. */
static struct config *conf(const char *a, const char *b, const char *c3)
{
	struct error *e = NULL;
	struct config *c = config_new_defaults(&e);
	const char *docs[] = { a, b, c3 };
	for (size_t i = 0; c && i < 3; i++)
		if (config_apply(c, "test", docs[i], strlen(docs[i]), &e) < 0) {
			fprintf(stderr, "    %s\n", e->msg);
			config_free(c);
			c = NULL;
		}
	error_free(e);
	if (c)
		config_resolve(c);
	return c;
}

/* "[table]\nkey = VALUE\n" for a value other than the key's default. */
static void changed(const struct key_desc *d, char *out, size_t size)
{
	int n = snprintf(out, size, "[%s]\n%s = ", d->table, d->key);
	if (d->type == KEY_BOOL) {
		snprintf(out + n, size - n, "%s\n", d->def_int ? "false" : "true");
	} else if (d->type == KEY_U32 || d->type == KEY_I32) {
		long long v = (long long)d->def_int + 1 <= (long long)d->max ? (long long)d->def_int + 1
									: (long long)d->def_int - 1;
		snprintf(out + n, size - n, "%lld\n", v);
	} else if (d->choices) {
		const char *pick = d->choices[0];
		for (size_t i = 0; d->choices[i]; i++)
			if (strcmp(d->choices[i], d->def_str ? d->def_str : ""))
				pick = d->choices[i];
		snprintf(out + n, size - n, "\"%s\"\n", pick);
	} else {
		snprintf(out + n, size - n, "\"%s/changed\"\n", d->def_str ? d->def_str : "");
	}
}

/* What a key needs on both sides to count at all. */
static const char *needs(const struct key_desc *d)
{
	if (d->boot == BOOT_IF_IOTHREADS)
		return "[hypervisor.qemu]\nenable_iothreads = true\n";
	if (d->boot == BOOT_IF_STATIC_TRACE)
		return "[agent.kata]\nenable_tracing = true\ntrace_mode = \"static\"\n";
	return "";
}

static int h_get(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		 void *resp, struct error **err)
{
	cache_GrpcVM *r = resp;
	(void)ctx, (void)m, (void)req, (void)err;
	r->id = strdup("vmc-key");
	pb_bytes_out_buf(&r->hypervisor, &served);
	return 0;
}

/* A template made with key, and the description a cache server hands out. */
static void made_with(const char *key)
{
	struct vm vm = { .id = "vmc-key", .pid = 1, .cpus = 1, .memory_mib = 256 };
	char p[128];
	snprintf(vm.dir, sizeof(vm.dir), "%s/vm", dir);
	snprintf(vm.key, sizeof(vm.key), "%s", key);
	buf_free(&served);
	CHECK(factory_vm_encode(&vm, &served) == 0);
	snprintf(p, sizeof(p), "%s/tpl/vm.json", dir);
	CHECK(fs_write_file(p, served.data, served.len, 0600, NULL) == 0);
}

/* Whether the template and the cached VM are taken by a factory for c;
 * when refused, the message names field. */
static void taken(const struct config *c, const char *accel, bool want, const char *field)
{
	struct factory f = { .ops = &factory_template, .config = c };
	struct error *e = NULL;
	char ep[128], name[128] = "";
	struct vm vm;

	CHECK(factory_key_make(c, accel, f.key, sizeof(f.key), NULL) == 0);
	f.hv = hypervisor_of(c);
	if (!want) { /* a match would boot a clone: only refusals are asked here */
		CHECK(factory_template.get_base_vm(&f, "c1", "/nonexistent/c1", &vm, &e) < 0);
		char why[160];
		snprintf(why, sizeof(why), "another configuration (%s differs)", field);
		/* or a value no template works with at all */
		if (!e || !strstr(e->msg, "factory.enable_template: does not work with"))
			CHECK_CONTAINS(e ? e->msg : NULL, why);
		error_free(e);
		e = NULL;
	}
	snprintf(ep, sizeof(ep), "%s/cache.sock", dir);
	CHECK(factory_cache_get(ep, NULL, &vm, &e) == 0);
	CHECK(factory_vm_fits(&f, vm.key, name, sizeof(name)) == want);
	if (!want)
		CHECK_STR(name, field);
	error_free(e);
}

TEST(factory_key_every_boot_key_refuses_templates_and_cached_vms)
{
	static const struct rpc_handler h[] = { { RPC_CACHE(GetBaseVM), h_get, NULL, true } };
	char tpl[160], text[512], ep[128];
	struct error *e = NULL;
	size_t tried = 0;

	snprintf(dir, sizeof(dir), "/tmp/ukata-key.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(tpl, sizeof(tpl), "[factory]\nenable_template = true\ntemplate_path = \"%s/tpl\"\n",
		 dir);
	snprintf(ep, sizeof(ep), "%s/tpl", dir);
	CHECK(mkdir(ep, 0700) == 0);
	for (const char *n = "memory\0state\0"; *n; n += strlen(n) + 1) {
		snprintf(ep, sizeof(ep), "%s/tpl/%s", dir, n);
		CHECK(fs_write_file(ep, "", 0, 0600, NULL) == 0);
	}
	snprintf(ep, sizeof(ep), "%s/cache.sock", dir);
	struct rpc_server *srv = rpc_server_start_unix(ep, h, 1, NULL, &e);
	CHECK(srv != NULL);
	for (size_t i = 0; srv && i < config_nkeys; i++) {
		const struct key_desc *d = &config_keys[i];
		if (!d->vm || d->missing || (d->boot == BOOT_IF_STATIC_TRACE && !ENABLE_TRACE))
			continue;
		changed(d, text, sizeof(text));
		struct config *old = conf(tpl, needs(d), ""), *now = conf(tpl, needs(d), text);
		CHECK(old && now);
		if (!old || !now)
			break;
		char key[FACTORY_KEY_MAX];
		CHECK(factory_key_make(old, "tcg", key, sizeof(key), NULL) == 0);
		made_with(key);
		/* The accelerator counts as resolved, not as configured. */
		taken(now, d->boot == BOOT_ACCEL ? "kvm" : "tcg", false, d->vm);
		config_free(old);
		config_free(now);
		tried++;
	}
	CHECK(tried >= 25); /* the schema marks them; none is left out by hand */
	/* Other vCPUs and memory: taken (they are hot-added). */
	struct config *old = conf(tpl, "", "");
	struct config *now = conf(tpl, "", "[hypervisor.qemu]\ndefault_vcpus = 3\ndefault_memory = 4096\n");
	char key[FACTORY_KEY_MAX];
	CHECK(old && now && factory_key_make(old, "tcg", key, sizeof(key), NULL) == 0);
	made_with(key);
	if (now)
		taken(now, "tcg", true, NULL);
	config_free(old);
	config_free(now);
	if (srv)
		rpc_server_stop(srv);
	error_free(e);
	buf_free(&served);
	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	CHECK(system(text) == 0);
}
#endif
