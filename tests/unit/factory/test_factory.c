#include <stdlib.h>

#include "autoconf.h"
#include "config/config.h"
#include "factory/factory.h"
#include "harness.h"
#include "util/error.h"

static struct config *defaults(void)
{
	struct error *err = NULL;
	struct config *c = config_new_defaults(&err);
	error_free(err);
	return c;
}

/* Keys differ exactly where a setting fixed at boot differs; CPUs and
 * memory never count. */
TEST(factory_key_fields)
{
	struct config *c = defaults();
	char a[FACTORY_KEY_MAX], b[FACTORY_KEY_MAX], field[128];
	CHECK(c != NULL);
	CHECK(factory_key_make(c, "tcg", a, sizeof(a), NULL) == 0);
	c->qemu.default_vcpus = 4;
	c->qemu.default_memory = 4096;
	CHECK(factory_key_make(c, "tcg", b, sizeof(b), NULL) == 0);
	CHECK(factory_key_diff(a, b, field, sizeof(field)) == 0);
	CHECK(factory_key_make(c, "kvm", b, sizeof(b), NULL) == 0);
	CHECK(factory_key_diff(a, b, field, sizeof(field)) == 1);
	CHECK_STR(field, "Accel");
	c->qemu.use_vsock = true;
	CHECK(factory_key_make(c, "tcg", b, sizeof(b), NULL) == 0);
	CHECK(factory_key_diff(a, b, field, sizeof(field)) == 1);
	CHECK_STR(field, "UseVSock");
	c->qemu.use_vsock = false;
	free(c->qemu.kernel_params);
	c->qemu.kernel_params = strdup("a \"quoted\" b");
	CHECK(factory_key_make(c, "tcg", b, sizeof(b), NULL) == 0);
	CHECK(factory_key_diff(a, b, field, sizeof(field)) == 1);
	CHECK_STR(field, "KernelParams");
	free(c->qemu.kernel_params);
	c->qemu.kernel_params = strdup("");
	CHECK(factory_key_make(c, "tcg", a, sizeof(a), NULL) == 0);
	/* Both change the kernel's command line: a VM made for the other
	 * value is not this configuration's. */
	CHECK_STR(c->qemu.block_device_driver, "virtio-scsi"); /* the default */
	free(c->qemu.block_device_driver);
	c->qemu.block_device_driver = strdup("virtio-blk");
	CHECK(factory_key_make(c, "tcg", b, sizeof(b), NULL) == 0);
	CHECK(factory_key_diff(a, b, field, sizeof(field)) == 1);
	CHECK_STR(field, "BlockDeviceDriver");
	CHECK(factory_key_make(c, "tcg", a, sizeof(a), NULL) == 0);
	if (ENABLE_TRACE) {
		c->agent.enable_tracing = true;
		free(c->agent.trace_mode);
		c->agent.trace_mode = strdup("static");
		CHECK(factory_key_make(c, "tcg", b, sizeof(b), NULL) == 0);
		CHECK(factory_key_diff(a, b, field, sizeof(field)) == 1);
		CHECK_STR(field, "AgentTrace");
		c->agent.enable_tracing = false;
	}
	/* A field only one side has; text that is not a key. */
	CHECK(factory_key_diff("{\"A\":1}", "{\"A\":1,\"B\":2}", field, sizeof(field)) == 1);
	CHECK_STR(field, "B");
	CHECK(factory_key_diff("{\"A\":1}", "{\"A\":\"1\"}", field, sizeof(field)) == 1);
	CHECK(factory_key_diff("{\"A\":1}", "[1]", field, sizeof(field)) == -1);
	CHECK(factory_key_diff("", "{}", field, sizeof(field)) == -1);
	/* Too small a buffer is an error, not a truncated key. */
	struct error *err = NULL;
	CHECK(factory_key_make(c, "tcg", b, 64, &err) < 0);
	CHECK(err && strstr(err->msg, "longer than"));
	error_free(err);
	config_free(c);
}

TEST(factory_vm_description_round_trip)
{
	struct vm vm = { .id = "vmc-1", .dir = "/run/x/vmc-1", .pid = 4242,
				 .agent_url = "vsock://7:1024", .vsock_cid = 7, .cpus = 2,
				 .memory_mib = 512, .paused = true, .key = "{\"K\":\"v\\\"\"}" };
	struct vm back;
	struct buf b = BUF_INIT(0);
	CHECK(factory_vm_encode(&vm, &b) == 0);
	CHECK(strstr(b.data, "\"QmpChannelpath\":\"/run/x/vmc-1/qmp.sock\"") != NULL);
	CHECK(factory_vm_decode(b.data, b.len, &back, NULL) == 0);
	CHECK_STR(back.id, "vmc-1");
	CHECK_STR(back.dir, "/run/x/vmc-1");
	CHECK_STR(back.agent_url, "vsock://7:1024");
	CHECK_STR(back.key, vm.key);
	CHECK(back.pid == 4242 && back.vsock_cid == 7 && back.cpus == 2 &&
	      back.memory_mib == 512 && back.paused);
	buf_free(&b);
}

#define BAD(text, what)                                                              \
	do {                                                                         \
		struct error *e_ = NULL;                                             \
		struct vm v_;                                                \
		CHECK(factory_vm_decode(text, strlen(text), &v_, &e_) < 0);          \
		CHECK(e_ && strstr(e_->msg, what));                                  \
		error_free(e_);                                                      \
	} while (0)

TEST(factory_vm_description_refusals)
{
	const char *ok = "\"agent\":\"a\",\"cid\":0,\"cpus\":1,\"memory\":256,\"key\":\"{}\"";
	char t[512];
	BAD("", "VM description");
	BAD("{\"ID\":\"x\"}", "ukata: missing");
	snprintf(t, sizeof(t), "{\"ID\":\"x\",\"ukata\":{\"dir\":\"rel\",\"pid\":1,%s}}", ok);
	BAD(t, "ukata.dir");
	snprintf(t, sizeof(t), "{\"ID\":\"x\",\"ukata\":{\"dir\":\"/d\",\"pid\":0,%s}}", ok);
	BAD(t, "ukata.pid");
	snprintf(t, sizeof(t), "{\"ID\":\"x\",\"ukata\":{\"dir\":\"/d\",\"pid\":-5,%s}}", ok);
	BAD(t, "ukata.pid");
	snprintf(t, sizeof(t), "{\"ID\":7,\"ukata\":{\"dir\":\"/d\",\"pid\":3,%s}}", ok);
	BAD(t, "ID");
	BAD("{\"ID\":\"x\",\"ukata\":{\"dir\":\"/d\",\"pid\":3,\"agent\":\"a\",\"cid\":0,"
	    "\"cpus\":99999,\"memory\":1,\"key\":\"\"}}", "ukata.cpus");
	snprintf(t, sizeof(t), "{\"ID\":\"x\",\"ukata\":{\"dir\":\"/d\",\"pid\":3,%s}}", ok);
	struct vm v;
	CHECK(factory_vm_decode(t, strlen(t), &v, NULL) == 0 && v.pid == 3 && !v.paused);
}
