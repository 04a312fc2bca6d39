/* env and host facts: built only with CONFIG_CMD_ENV. */
#include "autoconf.h"
#if ENABLE_CMD_ENV
#include "cli/env_emit.h"
#include "cli/host_info.h"
#include "harness.h"

static const char cpuinfo[] =
	"processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\n"
	"flags\t\t: fpu vmx lm sse4_1 sse4_2\n\nprocessor\t: 1\nvendor_id\t: Other\n";

TEST(host_cpuinfo)
{
	char v[128];
	CHECK(cpuinfo_field(cpuinfo, "vendor_id", v, sizeof(v)));
	CHECK_STR(v, "GenuineIntel");
	CHECK(cpuinfo_field(cpuinfo, "model name", v, sizeof(v)));
	CHECK_STR(v, "Intel(R) Xeon(R)");
	CHECK(!cpuinfo_field(cpuinfo, "bogomips", v, sizeof(v)));
	CHECK(cpuinfo_field(cpuinfo, "flags", v, sizeof(v)));
	CHECK(cpuinfo_has_flag(v, "vmx"));
	CHECK(cpuinfo_has_flag(v, "sse4_1"));
	CHECK(cpuinfo_has_flag(v, "sse4_2"));
	CHECK(!cpuinfo_has_flag(v, "sse4"));
	CHECK(!cpuinfo_has_flag(v, "svm"));
	CHECK(!cpuinfo_has_flag(v, "l"));
}

TEST(host_os_release)
{
	char v[64];
	const char *t = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
			"VERSION_ID='12'\nID=debian\n";
	CHECK(os_release_field(t, "NAME", v, sizeof(v)));
	CHECK_STR(v, "Debian GNU/Linux");
	CHECK(os_release_field(t, "VERSION_ID", v, sizeof(v)));
	CHECK_STR(v, "12");
	CHECK(os_release_field(t, "ID", v, sizeof(v)));
	CHECK_STR(v, "debian");
	CHECK(!os_release_field(t, "VERSION", v, sizeof(v)));
}

TEST(env_emit_toml_nesting)
{
	struct buf b = BUF_INIT(0);
	struct emit e;
	char *list[] = { "a\"b", "c" };
	emit_begin(&e, &b, false);
	emit_table(&e, "Runtime");
	emit_bool(&e, "Debug", false);
	emit_strv(&e, "L", list, 2);
	emit_table(&e, "Version");
	emit_int(&e, "Major", 1);
	emit_table_end(&e);
	emit_table_end(&e);
	emit_end(&e);
	CHECK_STR(b.data, "\n[Runtime]\n  Debug = false\n  L = [\"a\\\"b\", \"c\"]\n\n"
			  "  [Runtime.Version]\n    Major = 1\n");
	buf_free(&b);
}
#endif
