#include <string.h>
#include <sys/mount.h>

#include "guest/guest.h"
#include "guest/plan.h"
#include "harness.h"
#include "util/error.h"

TEST(guest_mount_options_to_flags)
{
	struct spawn_mount m;
	struct error *err = NULL;
	char *o1[] = { "nosuid", "noexec", "nodev", "ro", "mode=755", "size=65536k", "rprivate" };

	CHECK(guest_mount_options(o1, 7, &m, &err) == 0);
	CHECK(m.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
	CHECK(m.propagation == (MS_PRIVATE | MS_REC));
	CHECK_STR(m.data, "mode=755,size=65536k");
	char *o2[] = { "ro", "rw", "rbind", "exec" };
	CHECK(guest_mount_options(o2, 4, &m, &err) == 0);
	CHECK(m.flags == (MS_BIND | MS_REC));
	CHECK_STR(m.data, "");
}

TEST(guest_plan_mount_checks_paths)
{
	struct spawn_mount m;
	struct error *err = NULL;
	char *bind[] = { "rbind", "ro" };

	CHECK(guest_plan_mount("/r", "/etc/hosts", "/run/x/hosts", "bind", bind, 2, &m, &err) == 0);
	CHECK_STR(m.target, "/r/etc/hosts");
	CHECK(m.bind && (m.flags & MS_RDONLY));
	CHECK_STR(m.type, "none");
	CHECK(guest_plan_mount("/r", "/proc", "proc", "proc", NULL, 0, &m, &err) == 0);
	CHECK(!m.bind);
	CHECK_STR(m.type, "proc");
	CHECK(guest_plan_mount("/r", "/../etc", "x", "tmpfs", NULL, 0, &m, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "mount destination \"/../etc\"");
	error_free(err);
	err = NULL;
	CHECK(guest_plan_mount("/r", "relative", "x", "tmpfs", NULL, 0, &m, &err) < 0);
	error_free(err);
	err = NULL;
	CHECK(guest_plan_mount("/r", "/x", "../escape", "bind", NULL, 0, &m, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "bind mount of \"../escape\"");
	error_free(err);
}

TEST(guest_names)
{
	CHECK(guest_cap_number("CAP_CHOWN") == 0);
	CHECK(guest_cap_number("CAP_SYS_ADMIN") == 21);
	CHECK(guest_cap_number("CAP_CHECKPOINT_RESTORE") == 40);
	CHECK(guest_cap_number("SYS_ADMIN") == -1);
	CHECK(guest_cap_number("CAP_NOPE") == -1);
	CHECK(guest_rlimit_number("RLIMIT_NOFILE") == 7);
	CHECK(guest_rlimit_number("RLIMIT_RTTIME") == 15);
	CHECK(guest_rlimit_number("NOFILE") == -1);
	CHECK(guest_path_is_clean("/a/b") && guest_path_is_clean("/"));
	CHECK(!guest_path_is_clean("/a/./b") && !guest_path_is_clean("/a/..") && !guest_path_is_clean("a"));
}

TEST(guest_plan_container_from_spec)
{
	struct spawn_plan p;
	struct error *err = NULL;
	char *args[] = { "sh", "-c", "true" }, *env[] = { "PATH=/bin" }, *bounding[] = { "CAP_KILL" };
	char *masked[] = { "/proc/kcore" }, *badmask[] = { "proc/kcore" };
	grpc_Linux_SysctlEntry sysctl[] = { { "net.ipv4.ip_forward", "1" } }, badsysctl[] = { { "../x", "1" } };
	grpc_POSIXRlimit rl[] = { { "RLIMIT_NOFILE", 1024, 512 } };
	grpc_Spec s = { .has_Process = true, .has_Root = true, .has_Linux = true };
	s.Root.Path = "/run/c1/rootfs";
	s.Process.Args_count = 3;
	s.Process.Args = args;
	s.Process.Env_count = 1;
	s.Process.Env = env;
	s.Process.has_Capabilities = true;
	s.Process.Capabilities.Bounding_count = 1;
	s.Process.Capabilities.Bounding = bounding;
	s.Process.Rlimits_count = 1;
	s.Process.Rlimits = rl;
	s.Linux.MaskedPaths_count = 1;
	s.Linux.MaskedPaths = masked;
	s.Linux.Sysctl_count = 1;
	s.Linux.Sysctl = sysctl;
	CHECK(guest_plan_container(&p, &s, &err) == 0);
	CHECK_STR(p.rootfs, "/run/c1/rootfs");
	CHECK_STR(p.argv[2], "true");
	CHECK(p.argv[3] == NULL);
	CHECK_STR(p.cwd, "/");
	CHECK(p.have_caps && p.caps[0] == (1ull << 5));
	CHECK(p.nrlimits == 1 && p.rlimits[0].resource == 7 && p.rlimits[0].soft == 512);
	CHECK_STR(p.sysctl_keys[0], "/proc/sys/net/ipv4/ip_forward");
	CHECK_STR(p.masked[0], "/proc/kcore");
	guest_plan_free(&p);
	s.Linux.MaskedPaths = badmask;
	CHECK(guest_plan_container(&p, &s, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "linux.maskedPaths: \"proc/kcore\"");
	guest_plan_free(&p);
	error_free(err);
	err = NULL;
	s.Linux.MaskedPaths = masked;
	s.Linux.Sysctl = badsysctl;
	CHECK(guest_plan_container(&p, &s, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "linux.sysctl: bad key \"../x\"");
	guest_plan_free(&p);
	error_free(err);
	err = NULL;
	s.Linux.Sysctl = sysctl;
	bounding[0] = "CAP_NOPE";
	CHECK(guest_plan_container(&p, &s, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "capabilities.bounding: unknown capability \"CAP_NOPE\"");
	guest_plan_free(&p);
	error_free(err);
	err = NULL;
	s.Process.Args_count = 0;
	CHECK(guest_plan_container(&p, &s, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "process.args: empty");
	guest_plan_free(&p);
	error_free(err);
}

TEST(guest_ps_formats)
{
	struct buf b = BUF_INIT(0);
	int pids[] = { 1, 42 };
	const char *cmds[] = { "sleep 100", "sh -c x" };

	CHECK(guest_ps_format(&b, "json", pids, cmds, 2) == 0);
	CHECK_STR(b.data, "[1,42]\n");
	b.len = 0;
	CHECK(guest_ps_format(&b, "json", pids, cmds, 0) == 0);
	CHECK_STR(b.data, "[]\n");
	b.len = 0;
	CHECK(guest_ps_format(&b, "table", pids, cmds, 2) == 0);
	CHECK_STR(b.data, "  PID CMD\n    1 sleep 100\n   42 sh -c x\n");
	buf_free(&b);
	CHECK(guest_path_is_clean_under("/run/kata-containers/a", "/run/kata-containers"));
	CHECK(!guest_path_is_clean_under("/run/kata-containers", "/run/kata-containers"));
	CHECK(!guest_path_is_clean_under("/run/kata-containers/", "/run/kata-containers"));
	CHECK(!guest_path_is_clean_under("/run/kata-containersX/a", "/run/kata-containers"));
	CHECK(!guest_path_is_clean_under("/run/kata-containers/../a", "/run/kata-containers"));
}

/* runc's default spec mounts a v1 "cgroup": in the guest it is cgroup2. */
TEST(guest_plan_mount_cgroup_v1_is_v2)
{
	struct spawn_mount m;
	struct error *err = NULL;
	char *opts[] = { "nosuid", "ro" };

	CHECK(guest_plan_mount("/r", "/sys/fs/cgroup", "cgroup", "cgroup", opts, 2, &m, &err) == 0);
	CHECK_STR(m.type, "cgroup2");
	CHECK_STR(m.source, "cgroup2");
	CHECK(m.flags & MS_RDONLY);
}

/* A devpts mount is the guest's devpts, where the agent made the pty. */
TEST(guest_plan_mount_devpts_is_the_guests)
{
	struct spawn_mount m;
	struct error *err = NULL;
	char *opts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" };

	CHECK(guest_plan_mount("/r", "/dev/pts", "devpts", "devpts", opts, 6, &m, &err) == 0);
	CHECK(m.bind && (m.flags & MS_BIND) && (m.flags & MS_NOSUID));
	CHECK_STR(m.source, "/dev/pts");
	CHECK_STR(m.data, "");
}
