#include "harness.h"
#include "oci/spec.h"
#include "util/error.h"

static const char *parse_err(const char *json)
{
	static char msg[512];
	struct oci_spec s;
	struct error *err = NULL;
	if (oci_spec_parse(json, strlen(json), &s, &err) == 0) {
		oci_spec_free(&s);
		return "parsed";
	}
	snprintf(msg, sizeof(msg), "%s", err->msg);
	error_free(err);
	return msg;
}

TEST(oci_default_spec_parses)
{
	struct oci_spec s;
	struct error *err = NULL;
	CHECK(oci_spec_parse(oci_default_spec, strlen(oci_default_spec), &s, &err) == 0);
	CHECK_STR(s.version, "1.0.2");
	CHECK_STR(s.root_path, "rootfs");
	CHECK(s.root_readonly);
	CHECK(s.process.terminal);
	CHECK(s.process.args.n == 1);
	CHECK_STR(s.process.args.v[0], "sh");
	CHECK(s.process.env.n == 2);
	CHECK(s.process.has_caps && s.process.caps[OCI_CAP_AMBIENT].n == 3);
	CHECK(s.process.caps[OCI_CAP_INHERITABLE].n == 0);
	CHECK(s.process.nrlimits == 1 && s.process.rlimits[0].hard == 1024);
	CHECK(s.process.no_new_privileges);
	CHECK(s.nmounts == 7);
	CHECK_STR(s.mounts[2].destination, "/dev/pts");
	CHECK(s.mounts[2].options.n == 6);
	CHECK(s.nnamespaces == 5);
	CHECK(oci_namespace(&s, "network") && !oci_namespace(&s, "network")->path);
	CHECK(!oci_namespace(&s, "user"));
	CHECK(s.masked_paths.n == 10 && s.readonly_paths.n == 5);
	oci_spec_free(&s);
}

TEST(oci_values_and_bounds)
{
	const char *j = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},"
			"\"process\":{\"args\":[\"a\\u00e9\"],\"consoleSize\":{\"height\":24,\"width\":80},"
			"\"user\":{\"uid\":1000,\"gid\":4294967295,\"additionalGids\":[1,2]},"
			"\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,\"soft\":0}]},"
			"\"annotations\":{\"a\":\"1\",\"b\":\"2\"},"
			"\"linux\":{\"cgroupsPath\":\"/x\",\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
			"\"namespaces\":[{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],"
			"\"resources\":{\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":50000,\"period\":100000,\"cpus\":\"0\"},"
			"\"pids\":{\"limit\":64}}}}";
	struct oci_spec s;
	struct error *err = NULL;
	CHECK(oci_spec_parse(j, strlen(j), &s, &err) == 0);
	CHECK_STR(s.process.args.v[0], "a\xc3\xa9");
	CHECK(s.process.rows == 24 && s.process.columns == 80);
	CHECK(s.process.uid == 1000 && s.process.gid == 4294967295u && s.process.ngids == 2);
	CHECK(s.process.rlimits[0].hard == UINT64_MAX);
	CHECK_STR(oci_annotation(&s, "b"), "2");
	CHECK(!oci_annotation(&s, "c"));
	CHECK_STR(s.cgroups_path, "/x");
	CHECK_STR(s.sysctl_keys.v[0], "net.ipv4.ip_forward");
	CHECK_STR(oci_namespace(&s, "network")->path, "/proc/1/ns/net");
	CHECK(s.resources.memory_limit == -1 && s.resources.cpu_quota == 50000 &&
	      s.resources.cpu_period == 100000 && s.resources.pids_limit == 64);
	CHECK_STR(s.resources.cpu_cpus, "0");
	oci_spec_free(&s);
}

TEST(oci_errors_name_the_field)
{
	CHECK_STR(parse_err("[]"), "not a JSON object");
	CHECK_STR(parse_err("{\"ociVersion\":"), "JSON: truncated");
	CHECK_STR(parse_err("{}"), "ociVersion: missing");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\"}"), "root.path: missing");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"}}"), "process: missing");
	CHECK_STR(parse_err("{\"ociVersion\":1}"), "ociVersion: expected a string");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\",2]}}"),
		  "process.args[1]: expected a string");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[]}}"),
		  "process.args: missing or empty");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"x\"}}"),
		  "process.cwd: \"x\" is not an absolute path");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],"
			    "\"user\":{\"uid\":-1}}}"),
		  "process.user.uid: expected an unsigned integer");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],"
			    "\"user\":{\"uid\":4294967296}}}"),
		  "process.user.uid: 4294967296 is out of range");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\",\"readonly\":1},\"process\":{\"args\":[\"a\"]}}"),
		  "root.readonly: expected true or false");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"]},"
			    "\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"proc\"}]}"),
		  "mounts[1].destination: missing or not absolute");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"]},"
			    "\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}"),
		  "linux.resources.memory.limit: expected an integer");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"]},"
			    "\"annotations\":{\"k\":1}}"),
		  "annotations[\"k\"]: expected a string");
	/* A NUL would cut the argument short where C sees the string. */
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\",\"b\\u0000c\"]}}"),
		  "process.args[1]: contains a NUL character (\\u0000)");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],"
			    "\"env\":[\"A=\\u0000\"]}}"),
		  "process.env[0]: contains a NUL character (\\u0000)");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"]},"
			    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"nett\"}]}}"),
		  "linux.namespaces[1].type: \"nett\" is not a namespace type (pid, network, mount, "
		  "ipc, uts, user, cgroup, time)");
	CHECK_STR(parse_err("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"]},"
			    "\"linux\":{\"namespaces\":[{\"type\":\"ipc\"},{\"type\":\"ipc\"}]}}"),
		  "linux.namespaces[1].type: namespace \"ipc\" given twice");
}

TEST(oci_process_and_resources_alone)
{
	struct oci_process p;
	struct oci_resources r;
	struct error *err = NULL;
	const char *pj = "{\"args\":[\"ls\",\"-l\"],\"env\":[\"A=1\"],\"cwd\":\"/tmp\",\"terminal\":true}";
	CHECK(oci_process_parse(pj, strlen(pj), &p, &err) == 0);
	CHECK(p.args.n == 2 && p.terminal);
	CHECK_STR(p.cwd, "/tmp");
	oci_process_free(&p);
	const char *rj = "{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":10}}";
	CHECK(oci_resources_parse(rj, strlen(rj), &r, &err) == 0);
	CHECK(r.memory_limit == 67108864 && r.pids_limit == 10);
	oci_resources_free(&r);
	CHECK(oci_resources_parse("{\"cpu\":[]}", 10, &r, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "resources.cpu: expected an object");
	error_free(err);
}

#define DEVS(json)                                                                        \
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"x\"]},"   \
	"\"linux\":{\"devices\":" json "}}"

TEST(oci_linux_devices)
{
	static const char ok[] =
		DEVS("["
		"{\"path\":\"/dev/test1\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":8630,"
		"\"uid\":7,\"gid\":8},"
		"{\"path\":\"/dev/xvda\",\"type\":\"b\",\"major\":7,\"minor\":0},"
		"{\"path\":\"/dev/tty9\",\"type\":\"u\",\"major\":4,\"minor\":9,\"fileMode\":384},"
		"{\"path\":\"/dev/fifo\",\"type\":\"p\"}]");
	struct oci_spec s;
	struct error *err = NULL;
	CHECK(oci_spec_parse(ok, strlen(ok), &s, &err) == 0);
	CHECK(s.ndevices == 4);
	CHECK_STR(s.devices[0].path, "/dev/test1");
	CHECK(s.devices[0].type == 'c' && s.devices[0].major == 1 && s.devices[0].minor == 3);
	CHECK(s.devices[0].file_mode == 0666 && s.devices[0].uid == 7 && s.devices[0].gid == 8);
	CHECK(s.devices[1].type == 'b' && s.devices[1].file_mode == 0666 && s.devices[1].uid == 0);
	CHECK(s.devices[2].type == 'c' && s.devices[2].file_mode == 0600);
	CHECK(s.devices[3].type == 'p');
	oci_spec_free(&s);
	CHECK_STR(parse_err(DEVS("[{\"path\":"
			    "\"dev/x\",\"type\":\"c\",\"major\":1,\"minor\":3}]")),
		  "linux.devices[0].path: missing or not absolute");
	CHECK_STR(parse_err(DEVS("[{\"path\":"
			    "\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":3}]")),
		  "linux.devices[0].type: missing or not c, u, b or p");
	CHECK_STR(parse_err(DEVS("[{\"path\":"
			    "\"/dev/x\",\"type\":\"b\",\"minor\":3}]")),
		  "linux.devices[0]: /dev/x needs a major (0-4095) and a minor (0-1048575)");
	CHECK_STR(parse_err(DEVS("[{\"path\":"
			    "\"/dev/x\",\"type\":\"c\",\"major\":5000,\"minor\":3}]")),
		  "linux.devices[0]: /dev/x needs a major (0-4095) and a minor (0-1048575)");
	CHECK_STR(parse_err(DEVS("{}")),
		  "linux.devices: expected an array");
}
