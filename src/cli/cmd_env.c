/* kata-runtime env (kata-env): Kata's sections (format 1.0.24) with the
 * effective configuration, plus ukata's own keys where Kata has none. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/env_emit.h"
#include "cli/host_info.h"
#include "cli/opts.h"
#include "config/config.h"
#include "config/schema.h"
#include "util/error.h"
#include "util/proc.h"
#include "version.h"

#define ENV_FORMAT_VERSION "1.0.24"

static void self_path(char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size - 1);
	out[n > 0 ? n : 0] = '\0';
}

/* First line of `qemu --version`, or "unknown". */
static void hypervisor_version(const char *path, char *out, size_t size)
{
	struct error *err = NULL;
	char *argv[] = { (char *)path, (char *)"--version", NULL };

	if (proc_capture(argv, out, size, 3000, &err) != 0 || !*out) {
		error_free(err);
		snprintf(out, size, "unknown");
		return;
	}
	out[strcspn(out, "\n")] = '\0';
}

static void emit_version(struct emit *e, const char *name)
{
	emit_table(e, name);
	emit_str(e, "Semver", UKATA_VERSION);
	emit_int(e, "Major", UKATA_VERSION_MAJOR);
	emit_int(e, "Minor", UKATA_VERSION_MINOR);
	emit_int(e, "Patch", UKATA_VERSION_PATCH);
	emit_str(e, "Commit", UKATA_COMMIT);
	emit_table_end(e);
}

static void emit_runtime(struct emit *e, const struct config *c, const char *self)
{
	const struct config_runtime *r = &c->runtime;

	emit_table(e, "Runtime");
	emit_bool(e, "Debug", r->enable_debug);
	emit_bool(e, "Trace", r->enable_tracing);
	emit_bool(e, "DisableGuestSeccomp", r->disable_guest_seccomp);
	emit_bool(e, "DisableNewNetNs", r->disable_new_netns);
	emit_bool(e, "SandboxCgroupOnly", r->sandbox_cgroup_only);
	emit_strv(e, "Experimental", r->experimental.v, r->experimental.n);
	emit_str(e, "Path", self);
	emit_str(e, "InterNetworkingModel", r->internetworking_model);
	emit_table(e, "Version");
	emit_str(e, "OCI", UKATA_OCI_SPEC);
	emit_version(e, "Version");
	emit_table_end(e);
	emit_table(e, "Config");
	emit_str(e, "Path", c->path ? c->path : "");
	emit_strv(e, "DropIns", c->dropins.v, c->dropins.n);
	emit_table_end(e);
	emit_table_end(e);
}

static void emit_hypervisor(struct emit *e, const struct config *c)
{
	const struct config_qemu *q = &c->qemu;
	char version[256];

	hypervisor_version(q->path, version, sizeof(version));
	emit_table(e, "Hypervisor");
	emit_str(e, "Version", version);
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct key_desc *d = &config_keys[i];
		const void *v = (const char *)c + d->off;
		if (!d->env)
			continue;
		switch (d->type) {
		case KEY_STR: emit_str(e, d->env, *(char *const *)v); break;
		case KEY_BOOL: emit_bool(e, d->env, *(const bool *)v); break;
		case KEY_U32: emit_int(e, d->env, *(const uint32_t *)v); break;
		case KEY_I32: emit_int(e, d->env, *(const int32_t *)v); break;
		default: emit_strv(e, d->env, ((const struct strv *)v)->v, ((const struct strv *)v)->n);
		}
	}
	emit_table_end(e);

	emit_table(e, "Image");
	emit_str(e, "Path", q->image);
	emit_table_end(e);
	emit_table(e, "Kernel");
	emit_str(e, "Path", q->kernel);
	emit_str(e, "Parameters", q->kernel_params);
	emit_table_end(e);
	emit_table(e, "Initrd");
	emit_str(e, "Path", q->initrd);
	emit_table_end(e);
}

/* The proxy and the shim are applets of this same binary. */
static void emit_component(struct emit *e, const char *name, const char *type,
			   const char *path, bool debug)
{
	emit_table(e, name);
	emit_str(e, "Type", type);
	emit_str(e, "Path", path);
	emit_bool(e, "Debug", debug);
	emit_version(e, "Version");
	emit_table_end(e);
}

static void emit_rest(struct emit *e, const struct config *c, const char *self)
{
	const struct config_agent *a = &c->agent;
	const struct config_factory *f = &c->factory;

	emit_component(e, "Proxy", c->qemu.use_vsock ? "noProxy" : "kataProxy", self,
		       c->proxy.enable_debug);
	emit_component(e, "Shim", "kataShim", self, c->shim.enable_debug);
	emit_table(e, "Agent");
	emit_str(e, "Type", a->noop ? "noop" : "kata");
	emit_bool(e, "Debug", a->enable_debug);
	emit_bool(e, "Trace", a->enable_tracing);
	emit_str(e, "TraceMode", a->trace_mode);
	emit_str(e, "TraceType", a->trace_type);
	emit_strv(e, "KernelModules", a->kernel_modules.v, a->kernel_modules.n);
	emit_table_end(e);
	emit_table(e, "Factory");
	emit_bool(e, "Template", f->enable_template);
	emit_str(e, "TemplatePath", f->template_path);
	emit_int(e, "VMCacheNumber", f->vm_cache_number);
	emit_str(e, "VMCacheEndpoint", f->vm_cache_endpoint);
	emit_table_end(e);
}

static void emit_host(struct emit *e, const struct config *c)
{
	struct host_info h;

	host_info_read(&h);
	emit_table(e, "Host");
	emit_str(e, "Kernel", h.kernel);
	emit_str(e, "Architecture", h.arch);
	emit_bool(e, "VMContainerCapable", h.vm_capable);
	emit_bool(e, "SupportVSocks", h.vsock);
	emit_table(e, "Distro");
	emit_str(e, "Name", h.distro_name);
	emit_str(e, "Version", h.distro_version);
	emit_table_end(e);
	emit_table(e, "CPU");
	emit_str(e, "Vendor", h.cpu_vendor);
	emit_str(e, "Model", h.cpu_model);
	emit_table_end(e);
	emit_table_end(e);

	emit_table(e, "Netmon");
	emit_str(e, "Path", c->netmon.path);
	emit_bool(e, "Debug", c->netmon.enable_debug);
	emit_bool(e, "Enable", c->netmon.enable_netmon);
	emit_version(e, "Version");
	emit_table_end(e);
}

int cmd_env(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = { { "json", 0, OPT_BOOL, 0 },
						 { "help", 'h', OPT_BOOL, 1 } };
	cleanup_error struct error *err = NULL;
	struct buf b = BUF_INIT(0);
	struct opt_parser p;
	struct config *c;
	struct emit e;
	char self[PATH_MAX];
	const char *v;
	bool json = false;
	int id;

	opt_init(&p, argc, argv, specs, 2);
	while ((id = opt_next(&p, &v, &err)) >= 0) {
		if (id == 1) {
			cli_command_help(cmd);
			return 0;
		}
		json = opt_bool_value(v);
	}
	if (id == OPT_ERROR || p.i < p.argc) {
		log_error("env: %s", err ? err->msg : "takes no arguments");
		return 1;
	}
	if (cli_config(ctx, &c, &err) < 0) {
		log_error("%s", err->msg);
		return 1;
	}
	self_path(self, sizeof(self));
	emit_begin(&e, &b, json);
	emit_table(&e, "Meta");
	emit_str(&e, "Version", ENV_FORMAT_VERSION);
	emit_table_end(&e);
	emit_runtime(&e, c, self);
	emit_hypervisor(&e, c);
	emit_rest(&e, c, self);
	emit_host(&e, c);
	emit_end(&e);
	fputs(b.data ? b.data : "", stdout);
	buf_free(&b);
	return fflush(stdout) == 0 ? 0 : 1;
}
