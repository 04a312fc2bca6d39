#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoconf.h"
#include "config/config.h"
#include "config/schema.h"
#include "harness.h"
#include "util/error.h"

static struct config *apply(const char *text, char **errmsg)
{
	struct error *err = NULL;
	struct config *c = config_new_defaults(&err);
	*errmsg = NULL;
	if (config_apply(c, "c.toml", text, strlen(text), &err) < 0 ||
	    config_validate(c, &err) < 0) {
		*errmsg = strdup(err->msg);
		error_free(err);
		config_free(c);
		return NULL;
	}
	return c;
}

static void expect_err(const char *text, const char *want)
{
	char *e;
	struct config *c = apply(text, &e);
	CHECK(c == NULL);
	CHECK_STR(e, want);
	config_free(c);
	free(e);
}

TEST(config_defaults_are_kata)
{
	struct error *err = NULL;
	struct config *c = config_new_defaults(&err);
	CHECK(c != NULL);
	CHECK_STR(c->qemu.path, "/usr/bin/qemu-system-x86_64");
	CHECK(c->qemu.default_memory == 2048);
	CHECK(c->qemu.default_vcpus == 1);
	CHECK(c->qemu.memory_slots == 10);
	CHECK(c->qemu.msize_9p == 8192);
	CHECK(c->qemu.default_bridges == 1);
	CHECK(c->qemu.indep_iothreads == 0);
	CHECK_STR(c->qemu.accel, "auto");
	CHECK_STR(c->qemu.shared_fs, "virtio-9p");
	CHECK_STR(c->qemu.block_device_driver, "virtio-scsi");
	CHECK_STR(c->qemu.entropy_source, "/dev/urandom");
	CHECK_STR(c->factory.template_path, "/run/vc/vm/template");
	CHECK_STR(c->factory.vm_cache_endpoint, "/var/run/kata-containers/cache.sock");
	CHECK(c->factory.vm_cache_number == 0);
	CHECK_STR(c->agent.trace_mode, "dynamic");
	CHECK_STR(c->agent.trace_type, "isolated");
	CHECK_STR(c->runtime.internetworking_model, "tcfilter");
	CHECK(c->qemu.enable_annotations.n == 0);
	CHECK(config_validate(c, &err) == 0);
	config_free(c);
}

TEST(config_every_key_settable)
{
	/* Each key of the schema is accepted in its table with a value of its type. */
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct key_desc *d = &config_keys[i];
		char text[512], *e;
		/* a choice other than the default (a left-out feature's default is allowed) */
		const char *choice = d->choices && strcmp(d->choices[0], d->def_str) ? d->choices[0]
				     : d->choices ? d->choices[1] : NULL;
		const char *val = d->type == KEY_STR ? (d->choices ? choice : "\"/x\"")
				: d->type == KEY_BOOL ? "true"
				: d->type == KEY_STRV ? "[\"a\", \"b\"]" : NULL;
		char num[32];
		if (!val) {
			snprintf(num, sizeof(num), "%lld", (long long)(d->min > 0 ? d->min : 1));
			val = num;
		}
		if (d->type == KEY_STR && d->choices)
			snprintf(text, sizeof(text), "[%s]\n%s = \"%s\"\n", d->table, d->key, val);
		else
			snprintf(text, sizeof(text), "[%s]\n%s = %s\n", d->table, d->key, val);
		struct error *err = NULL;
		struct config *c = config_new_defaults(&err);
		int r = config_apply(c, "c.toml", text, strlen(text), &err);
		if (d->missing) { /* a left-out feature's key, not at its default */
			char want[256];
			snprintf(want, sizeof(want), "[%s] %s (c.toml:2): %s is not built in",
				 d->table, d->key, d->missing);
			CHECK(r < 0);
			if (err)
				CHECK_STR(err->msg, want);
		} else {
			if (r < 0)
				fprintf(stderr, "  key %s.%s: %s\n", d->table, d->key, err->msg);
			CHECK(r == 0);
		}
		CHECK(c->warnings.n == 0);
		error_free(err);
		config_free(c);
		(void)e;
	}
}

/* A left-out feature's key at its default asks for nothing missing. */
TEST(config_missing_feature_default_accepted)
{
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct key_desc *d = &config_keys[i];
		char text[512];
		if (!d->missing)
			continue;
		if (d->type == KEY_STR)
			snprintf(text, sizeof(text), "[%s]\n%s = \"%s\"\n", d->table, d->key, d->def_str);
		else if (d->type == KEY_BOOL)
			snprintf(text, sizeof(text), "[%s]\n%s = %s\n", d->table, d->key,
				 d->def_int ? "true" : "false");
		else if (d->type == KEY_STRV)
			snprintf(text, sizeof(text), "[%s]\n%s = []\n", d->table, d->key);
		else
			snprintf(text, sizeof(text), "[%s]\n%s = %lld\n", d->table, d->key, (long long)d->def_int);
		struct error *err = NULL;
		struct config *c = config_new_defaults(&err);
		CHECK(config_apply(c, "c.toml", text, strlen(text), &err) == 0);
		CHECK(c->warnings.n == 0);
		error_free(err);
		config_free(c);
	}
}

TEST(config_values_land_in_fields)
{
	char *e;
	char text[512];
	snprintf(text, sizeof(text),
		 "[hypervisor.qemu]\ndefault_memory = 512\ndefault_vcpus = -1\n"
		 "kernel_params = \"quiet a=b\"\nuse_vsock = %s\n"
		 "enable_annotations = [\"x\", \"y\"]\naccel = \"tcg\"\n"
		 "indep_iothreads = %d\n[factory]\nvm_cache_number = %d\n"
		 "[agent.kata]\nkernel_modules = %s\n",
		 ENABLE_TRANSPORT_VSOCK ? "true" : "false", ENABLE_IOTHREADS ? 50 : 0,
		 ENABLE_FACTORY_VMCACHE ? 2 : 0,
		 ENABLE_AGENT_KATA ? "['e1000e InterruptThrottleRate=3000']" : "[]");
	struct config *c = apply(text, &e);
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->qemu.default_memory == 512);
	CHECK(c->qemu.default_vcpus == -1);
	CHECK_STR(c->qemu.kernel_params, "quiet a=b");
	CHECK(c->qemu.use_vsock == ENABLE_TRANSPORT_VSOCK);
	CHECK(c->qemu.enable_annotations.n == 2);
	CHECK_STR(c->qemu.enable_annotations.v[1], "y");
	CHECK_STR(c->qemu.accel, "tcg");
	CHECK(c->qemu.indep_iothreads == (ENABLE_IOTHREADS ? 50 : 0));
	CHECK(c->factory.vm_cache_number == (ENABLE_FACTORY_VMCACHE ? 2 : 0));
	if (ENABLE_AGENT_KATA)
		CHECK_STR(c->agent.kernel_modules.v[0], "e1000e InterruptThrottleRate=3000");
	config_free(c);
}

TEST(config_type_errors)
{
	expect_err("[hypervisor.qemu]\ndefault_memory = \"big\"\n",
		   "c.toml:2: default_memory: expected an integer");
	expect_err("[hypervisor.qemu]\npath = 3\n", "c.toml:2: path: expected a string");
	expect_err("[hypervisor.qemu]\nuse_vsock = \"yes\"\n",
		   "c.toml:2: use_vsock: expected true or false");
	expect_err("[runtime]\nexperimental = \"x\"\n",
		   "c.toml:2: experimental: expected an array of strings");
	expect_err("[factory]\nenable_template = 1\n",
		   "c.toml:2: enable_template: expected true or false");
}

TEST(config_range_errors)
{
	expect_err("[hypervisor.qemu]\ndefault_memory = -1\n",
		   "c.toml:2: default_memory: -1 is out of range (0 to 4294967295)");
	expect_err("[hypervisor.qemu]\nindep_iothreads = 51\n",
		   "c.toml:2: indep_iothreads: 51 is out of range (0 to 50)");
	expect_err("[hypervisor.qemu]\nmsize_9p = 100\n",
		   "c.toml:2: msize_9p: 100 is out of range (4096 to 1048576)");
	expect_err("[hypervisor.qemu]\ndefault_vcpus = 2147483648\n",
		   "c.toml:2: default_vcpus: 2147483648 is out of range (-2147483648 to 2147483647)");
	expect_err("[hypervisor.qemu]\ndefault_bridges = 6\n",
		   "c.toml:2: default_bridges: 6 is out of range (0 to 5)");
	expect_err("[hypervisor.qemu]\naccel = \"hvf\"\n",
		   "c.toml:2: accel: \"hvf\" is not one of auto, kvm, tcg");
	expect_err("[hypervisor.qemu]\nmachine_type = \"virt\"\n",
		   "c.toml:2: machine_type: \"virt\" is not one of q35, pc, microvm");
	expect_err("[hypervisor.qemu]\nshared_fs = \"nfs\"\n",
		   "c.toml:2: shared_fs: \"nfs\" is not one of virtio-9p, virtio-fs");
	expect_err("[runtime]\ninternetworking_model = \"bridged\"\n",
		   "c.toml:2: internetworking_model: \"bridged\" is not one of tcfilter, default, "
		   "macvtap, none");
	expect_err("[agent.kata]\ntrace_mode = \"x\"\n",
		   "c.toml:2: trace_mode: \"x\" is not one of dynamic, static");
}

TEST(config_cross_key_errors)
{
	expect_err("[hypervisor.qemu]\nimage = \"/i.img\"\n",
		   "[hypervisor.qemu] initrd (default) and image (c.toml:2) are both set: "
		   "set only one");
	expect_err("[hypervisor.qemu]\ninitrd = \"\"\n",
		   "[hypervisor.qemu]: either image or initrd must be set");
	expect_err("[runtime]\ndisable_new_netns = true\n",
		   "[runtime] disable_new_netns (c.toml:2) requires internetworking_model = \"none\"");
	if (ENABLE_FACTORY_TEMPLATE)
		expect_err("[hypervisor.qemu]\ninitrd = \"\"\nimage = \"/i\"\n[factory]\n"
			   "enable_template = true\n",
			   "[factory] enable_template (c.toml:5) requires an initrd image");
	char *e;
	struct config *c = apply("[runtime]\ndisable_new_netns = true\ninternetworking_model = \"none\"\n", &e);
	CHECK(c != NULL);
	config_free(c);
}

TEST(config_unknown_keys_warn)
{
	char *e;
	struct config *c = apply("stray = 1\n[hypervisor.qemu]\nfoo = 1\n[hypervisor.firecracker]\n"
				 "a = 1\nb = 2\n[runtime]\nbar = \"x\"\n", &e);
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->warnings.n == 4);
	CHECK_STR(c->warnings.v[0], "c.toml:1: unknown key \"stray\" outside any table");
	CHECK_STR(c->warnings.v[1], "c.toml:3: unknown key \"foo\" in [hypervisor.qemu]");
	CHECK_STR(c->warnings.v[2], "c.toml:5: unknown table [hypervisor.firecracker]");
	CHECK_STR(c->warnings.v[3], "c.toml:8: unknown key \"bar\" in [runtime]");
	config_free(c);
}

TEST(config_unknown_key_bad_syntax_is_error)
{
	expect_err("[hypervisor.qemu]\nfoo = 1.5\n", "c.toml:2: foo: floats are not supported");
}

TEST(config_later_apply_overrides)
{
	struct error *err = NULL;
	struct config *c = config_new_defaults(&err);
	const char *a = "[hypervisor.qemu]\ndefault_memory = 512\nenable_annotations = [\"a\"]\n";
	const char *b = "[hypervisor.qemu]\ndefault_memory = 1024\nenable_annotations = []\n";
	CHECK(config_apply(c, "a.toml", a, strlen(a), &err) == 0);
	CHECK(config_apply(c, "b.toml", b, strlen(b), &err) == 0);
	CHECK(c->qemu.default_memory == 1024);
	CHECK(c->qemu.enable_annotations.n == 0);
	config_free(c);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/ukata-unit-XXXXXX");
	return mkdtemp(d);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[1200];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

TEST(config_search_order)
{
	char *d = tmpdir(), a[512], b[512], missing[512], *path = NULL;
	struct error *err = NULL;
	snprintf(a, sizeof(a), "%s/a.toml", d);
	snprintf(b, sizeof(b), "%s/b.toml", d);
	snprintf(missing, sizeof(missing), "%s/none.toml", d);
	write_file(d, "a.toml", "");
	write_file(d, "b.toml", "");
	const char *defs[] = { missing, b };
	struct config_search s = { .defaults = defs, .ndefaults = 2 };

	CHECK(config_find(&s, &path, &err) == 0);
	CHECK_STR(path, b);
	free(path);
	s.env_path = a;
	CHECK(config_find(&s, &path, &err) == 0);
	CHECK_STR(path, a);
	free(path);
	s.explicit_path = b;
	CHECK(config_find(&s, &path, &err) == 0);
	CHECK_STR(path, b);
	free(path);
	s.explicit_path = missing;
	CHECK(config_find(&s, &path, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "configuration file ");
	CHECK_CONTAINS(err ? err->msg : NULL, "none.toml: no such file");
	error_free(err);
	err = NULL;
	s.explicit_path = NULL;
	s.env_path = missing;
	CHECK(config_find(&s, &path, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "KATA_CONF_FILE ");
	error_free(err);
	err = NULL;
	s.env_path = NULL;
	defs[1] = missing;
	CHECK(config_find(&s, &path, &err) == 0);
	CHECK(path == NULL);
	s.explicit_path = d;
	CHECK(config_find(&s, &path, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "not a regular file");
	error_free(err);
	unlink(a);
	unlink(b);
	rmdir(d);
	free(d);
}

TEST(config_dropins)
{
	char *d = tmpdir(), main_path[512], dd[512];
	struct error *err = NULL;
	struct config *c = NULL;
	snprintf(main_path, sizeof(main_path), "%s/configuration.toml", d);
	snprintf(dd, sizeof(dd), "%s/config.d", d);
	write_file(d, "configuration.toml", "[hypervisor.qemu]\ndefault_memory = 100\nmsize_9p = 4096\n");
	mkdir(dd, 0755);
	write_file(dd, "20-b.toml", "[hypervisor.qemu]\ndefault_memory = 300\n");
	write_file(dd, "10-a.toml", "[hypervisor.qemu]\ndefault_memory = 200\nmemory_slots = 3\n");
	write_file(dd, ".hidden", "garbage");
	CHECK(config_load(main_path, &c, &err) == 0);
	if (c) {
		CHECK(c->qemu.default_memory == 300);
		CHECK(c->qemu.memory_slots == 3);
		CHECK(c->qemu.msize_9p == 4096);
		CHECK(c->dropins.n == 2);
		CHECK_CONTAINS(c->dropins.v[0], "config.d/10-a.toml");
		config_free(c);
		c = NULL;
	}
	write_file(dd, "30-bad.toml", "[hypervisor.qemu]\ndefault_memory = true\n");
	CHECK(config_load(main_path, &c, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "config.d/30-bad.toml:2: default_memory: expected an integer");
	error_free(err);
	char p[600];
	const char *names[] = { "10-a.toml", "20-b.toml", "30-bad.toml", ".hidden" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dd, names[i]);
		unlink(p);
	}
	rmdir(dd);
	CHECK(config_load(main_path, &c, &err) == 0);
	CHECK(c && c->dropins.n == 0);
	config_free(c);
	unlink(main_path);
	rmdir(d);
	free(d);
}

TEST(config_load_missing_and_oversized)
{
	struct error *err = NULL;
	struct config *c = NULL;
	CHECK(config_load("/nonexistent/x.toml", &c, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "/nonexistent/x.toml: No such file or directory");
	error_free(err);
	err = NULL;
	char *d = tmpdir(), p[512];
	snprintf(p, sizeof(p), "%s/big.toml", d);
	FILE *f = fopen(p, "w");
	for (int i = 0; i < CONFIG_MAX_FILE / 10 + 10; i++)
		fputs("# padding\n", f);
	fclose(f);
	CHECK(config_load(p, &c, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "larger than 1048576 bytes");
	error_free(err);
	unlink(p);
	rmdir(d);
	free(d);
}

TEST(config_load_none_gives_defaults)
{
	struct error *err = NULL;
	struct config *c = NULL;
	CHECK(config_load(NULL, &c, &err) == 0);
	CHECK(c && c->path == NULL && c->qemu.default_memory == 2048);
	config_free(c);
}

/* [agent.noop] chooses the noop agent; not with [agent.kata] keys. */
TEST(config_agent_noop)
{
	char *e;
	if (!ENABLE_AGENT_NOOP) {
		expect_err("[runtime]\n[agent.noop]\n",
			   "[agent.noop] (c.toml:2): the noop agent (CONFIG_AGENT_NOOP) is not built in");
		return;
	}
	struct config *c = apply("[runtime]\n[agent.noop]\nfoo = 1\n", &e);
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->agent.noop);
	CHECK(c->agent.noop_line == 2);
	CHECK(c->warnings.n == 1);
	CHECK_STR(c->warnings.v[0], "c.toml:3: unknown key \"foo\" in [agent.noop]");
	config_free(c);
	c = apply("[agent.kata]\n", &e);
	CHECK(c && !c->agent.noop);
	config_free(c);
	if (ENABLE_AGENT_KATA)
		expect_err("[agent.noop]\n[agent.kata]\nenable_debug = true\n",
			   "[agent.noop] (c.toml:1) and [agent.kata] enable_debug (c.toml:3) are both "
			   "set: choose one agent");
}
