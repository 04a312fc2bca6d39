/* The child side of a container process: namespaces, mounts, pivot_root,
 * identity, then a wait for the start before exec. Runs in a clone of the
 * threaded agent, so it only makes system calls on the prepared plan.
 * The status pipe carries 'P' + pid (an exec's process, from the helper
 * that joined the PID namespace), 'R' (ready), or 'E' + an error. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <grp.h>

#include "guest/spawn.h"
#include "util/error.h"
#include "util/fs.h"

#define READY_TIMEOUT_MS 30000

extern char **environ;

struct cap_header {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t effective, permitted, inheritable;
};

static pid_t raw_clone(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

static _Noreturn void die(int fd, const char *what, int e)
{
	char msg[PATH_MAX + 128];
	int n = snprintf(msg, sizeof(msg), "E%s: %s", what, strerror(e));
	ssize_t w = write(fd, msg, n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	(void)w;
	_exit(127);
}

static void mount_one(int fd, struct spawn_mount *m)
{
	struct stat st;
	/* a bind mount of a file needs a file to land on */
	if (m->bind && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode)) {
		fs_mkdir_p(m->target, 0755, true);
		int f = open(m->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (f >= 0)
			close(f);
	} else {
		fs_mkdir_p(m->target, 0755, false);
	}
	unsigned long flags = m->flags & ~(unsigned long)MS_REMOUNT;
	if (mount(m->source, m->target, m->type, m->bind ? flags & ~(unsigned long)MS_RDONLY : flags,
		  m->data[0] ? m->data : NULL) < 0)
		die(fd, m->target, errno);
	/* a bind mount takes its other flags on a remount */
	if (m->bind && (flags & ~(unsigned long)(MS_BIND | MS_REC)) &&
	    mount(NULL, m->target, NULL, flags | MS_REMOUNT, NULL) < 0)
		die(fd, m->target, errno);
	if (m->propagation && mount(NULL, m->target, NULL, m->propagation, NULL) < 0)
		die(fd, m->target, errno);
}

static void write_file(int fd, const char *path, const char *text)
{
	if (fs_write_text(path, text) < 0)
		die(fd, path, errno);
}

/* The devices runc puts in a container's /dev (a tmpfs in most specs), and
 * its links; best effort: a /dev the spec provides otherwise stays. Paths
 * relative to the rootfs, which is the working directory. */
static void default_devices(void)
{
	static const struct {
		const char *path;
		unsigned major, minor;
	} devs[] = { { "dev/null", 1, 3 },    { "dev/zero", 1, 5 },    { "dev/full", 1, 7 },
		     { "dev/random", 1, 8 },  { "dev/urandom", 1, 9 }, { "dev/tty", 5, 0 } };
	static const char *const links[][2] = {
		{ "pts/ptmx", "dev/ptmx" },	     { "/proc/self/fd", "dev/fd" },
		{ "/proc/self/fd/0", "dev/stdin" }, { "/proc/self/fd/1", "dev/stdout" },
		{ "/proc/self/fd/2", "dev/stderr" },
	};
	struct stat st;

	if (mkdir("dev", 0755) < 0 && errno != EEXIST)
		return;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (lstat(devs[i].path, &st) < 0 &&
		    mknod(devs[i].path, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)) == 0)
			chmod(devs[i].path, 0666);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (lstat(links[i][1], &st) < 0 && symlink(links[i][0], links[i][1]) < 0)
			continue;
}

/* The spec's device nodes (paths under the rootfs, the working
 * directory); one there already is kept, as runc keeps it. */
static void spec_devices(int fd, const struct spawn_plan *p)
{
	for (size_t i = 0; i < p->ndevices; i++) {
		const struct spawn_device *d = &p->devices[i];
		fs_mkdir_p(d->path, 0755, true);
		if (mknod(d->path, d->mode, d->rdev) < 0) {
			if (errno == EEXIST)
				continue;
			die(fd, d->path, errno);
		}
		if (chmod(d->path, d->mode & 07777) < 0 || chown(d->path, d->uid, d->gid) < 0)
			die(fd, d->path, errno);
	}
}

static void rootfs(int fd, struct spawn_plan *p)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die(fd, "making / private", errno);
	if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die(fd, p->rootfs, errno);
	for (size_t i = 0; i < p->nmounts; i++)
		mount_one(fd, &p->mounts[i]);
	for (size_t i = 0; i < p->nsysctls; i++)
		write_file(fd, p->sysctl_keys[i], p->sysctl_values[i]);
	if (chdir(p->rootfs) < 0)
		die(fd, p->rootfs, errno);
	default_devices();
	spec_devices(fd, p);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0)
			die(fd, "detaching the old root", errno);
	} else if (errno != EINVAL || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0) {
		/* EINVAL: the agent's root is an initramfs, which pivot_root
		 * cannot leave; move the rootfs over it instead, as runc's
		 * --no-pivot does */
		die(fd, "pivot_root", errno);
	}
	if (chdir("/") < 0)
		die(fd, "/", errno);
	for (size_t i = 0; i < p->nmasked; i++) {
		struct stat st;
		if (stat(p->masked[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) ? mount("tmpfs", p->masked[i], "tmpfs", MS_RDONLY, NULL)
					: mount("/dev/null", p->masked[i], NULL, MS_BIND, NULL))
			die(fd, p->masked[i], errno);
	}
	for (size_t i = 0; i < p->nreadonly; i++) {
		if (mount(p->readonly[i], p->readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			die(fd, p->readonly[i], errno);
		}
		if (mount(NULL, p->readonly[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
			die(fd, p->readonly[i], errno);
	}
	if (p->rootfs_readonly && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		die(fd, "read-only rootfs", errno);
	if (p->hostname[0] && sethostname(p->hostname, strlen(p->hostname)) < 0)
		die(fd, "hostname", errno);
}

/* Join the first n of ipc, uts, mnt of pid. */
static void join_n(int fd, pid_t pid, int n)
{
	static const char *const ns[] = { "ipc", "uts", "mnt" };
	int fds[3];
	char path[64];
	for (int i = 0; i < n; i++) { /* all opened before the mount namespace changes */
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i]);
		if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			die(fd, path, errno);
	}
	for (int i = 0; i < n; i++)
		if (setns(fds[i], 0) < 0)
			die(fd, "joining the container's namespaces", errno);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void join(int fd, pid_t pid)
{
	join_n(fd, pid, 3);
}

static void join_pod(int fd, pid_t pid)
{
	join_n(fd, pid, 2);
}

/* The identity through raw system calls: this is a clone of the threaded
 * agent made without fork(), so libc still counts the agent's threads, and
 * its setrlimit, setuid, setgid and setgroups would signal those threads
 * (by thread id, in the agent) to change them all, and wait for an answer
 * that never comes here: the child hung, and an agent thread took the
 * container's ids. The kernel's calls change this one thread, the only
 * one there is. */
static void identity(int fd, struct spawn_plan *p)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		struct rlimit r = { p->rlimits[i].soft, p->rlimits[i].hard };
		if (syscall(SYS_prlimit64, 0, p->rlimits[i].resource, &r, NULL) < 0)
			die(fd, "rlimit", errno);
	}
	if (p->have_caps) /* drop from the bounding set while we may */
		for (int c = 0; c <= 63; c++)
			if (!(p->caps[0] & (1ull << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
			    errno != EINVAL)
				die(fd, "capability bounding set", errno);
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	if (syscall(SYS_setgroups, p->ngroups, p->groups) < 0)
		die(fd, "setgroups", errno);
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		die(fd, "setgid", errno);
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		die(fd, "setuid", errno);
	if (p->have_caps) {
		struct cap_header h = { 0x20080522, 0 }; /* _LINUX_CAPABILITY_VERSION_3 */
		struct cap_data d[2];
		for (int k = 0; k < 2; k++) {
			d[k].effective = (uint32_t)(p->caps[1] >> (32 * k));
			d[k].permitted = (uint32_t)(p->caps[2] >> (32 * k));
			d[k].inheritable = (uint32_t)(p->caps[3] >> (32 * k));
		}
		if (syscall(SYS_capset, &h, d) < 0)
			die(fd, "capset", errno);
		/* As runc: an ambient capability the kernel refuses (not in
		 * the inheritable set, as in runc's default spec) is left out. */
		for (int c = 0; c <= 63; c++)
			if ((p->caps[4] & (1ull << c)) &&
			    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM)
				die(fd, "ambient capability", errno);
	}
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(fd, "no_new_privs", errno);
}

static _Noreturn void child(struct spawn_plan *p, int start, int fd)
{
	sigset_t none;
	char go;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the agent blocks SIGCHLD and SIGPIPE */
	signal(SIGPIPE, SIG_DFL);
	setsid();
	for (int i = 0; i < 3; i++)
		if (dup2(p->stdio[i], i) < 0)
			die(fd, "stdio", errno);
	if (p->terminal && ioctl(0, TIOCSCTTY, 0) < 0)
		die(fd, "controlling terminal", errno);
	if (p->init && p->pod_pid)
		join_pod(fd, p->pod_pid);
	if (p->init)
		rootfs(fd, p);
	else
		join(fd, p->join_pid);
	identity(fd, p);
	if (p->cwd[0] && chdir(p->cwd) < 0)
		die(fd, p->cwd, errno);
	syscall(436 /* close_range */, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
	if (write(fd, "R", 1) != 1 || read(start, &go, 1) != 1)
		_exit(127); /* the agent gave up on us */
	environ = p->envp; /* execvp looks up PATH there */
	execvp(p->argv[0], p->argv);
	die(fd, p->argv[0], errno);
}

static bool read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* The next status message: its type ('P' with *pid, 'R', 'E' with the
 * error in msg, which ends the stream), or 0 at EOF. */
static char status_next(int fd, pid_t *pid, char *msg, size_t size)
{
	char type;
	if (!read_all(fd, &type, 1))
		return 0;
	if (type == 'P')
		return read_all(fd, pid, sizeof(*pid)) ? 'P' : 0;
	if (type != 'E')
		return type;
	size_t n = 0;
	ssize_t r;
	while (n < size - 1 && ((r = read(fd, msg + n, size - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	msg[n] = 0;
	return 'E';
}

pid_t guest_spawn(struct spawn_plan *p, int *start, int *status, struct error **err)
{
	int st[2], go[2];
	char msg[PATH_MAX + 128];

	if (pipe2(st, O_CLOEXEC) < 0)
		return error_set_errno(err, errno, "pipe");
	if (pipe2(go, O_CLOEXEC) < 0) {
		close(st[0]);
		close(st[1]);
		return error_set_errno(err, errno, "pipe");
	}
	/* A first process gets new namespaces but those its pod shares; one
	 * joining a PID namespace (an exec, or a pod's) is started by a helper
	 * that joins it, and that says its pid. */
	bool direct = p->init && !(p->pod_pid && p->pod_pidns);
	unsigned long own = CLONE_NEWNS | CLONE_NEWPID | (p->pod_pid ? 0 : CLONE_NEWUTS | CLONE_NEWIPC);
	pid_t pid = direct ? raw_clone(own) : raw_clone(0);
	if (pid == 0) {
		close(st[0]);
		close(go[1]);
		if (direct)
			child(p, go[0], st[1]);
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)(p->init ? p->pod_pid : p->join_pid));
		int ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWPID) < 0)
			die(st[1], "joining the container's PID namespace", errno);
		pid_t c = raw_clone(CLONE_PARENT | (p->init ? CLONE_NEWNS : 0));
		if (c == 0)
			child(p, go[0], st[1]);
		char out[1 + sizeof(pid_t)] = { 'P' };
		memcpy(out + 1, &c, sizeof(c));
		if (c < 0 || write(st[1], out, sizeof(out)) != (ssize_t)sizeof(out))
			die(st[1], "starting the process", errno);
		_exit(0);
	}
	close(st[1]);
	close(go[0]);
	if (pid < 0) {
		close(st[0]);
		close(go[1]);
		return error_set_errno(err, errno, "clone");
	}
	/* an exec's helper says the pid ('P') and the process says 'R', in
	 * either order */
	bool have_pid = direct, ready = false;
	char t = 0;
	while (!(have_pid && ready)) {
		pid_t got;
		t = status_next(st[0], &got, msg, sizeof(msg));
		if (t == 'P' && !direct) {
			pid = got;
			have_pid = true;
		} else if (t == 'R') {
			ready = true;
		} else {
			break;
		}
	}
	if (have_pid && ready) {
		*start = go[1];
		*status = st[0];
		return pid;
	}
	close(st[0]);
	close(go[1]);
	if (direct)
		kill(pid, SIGKILL);
	return error_set(err, EIO, "%s", t == 'E' ? msg : "the process died before it was ready");
}

int guest_spawn_start(int start, int status, struct error **err)
{
	char msg[PATH_MAX + 128];
	pid_t pid;
	ssize_t w = write(start, "G", 1);
	close(start);
	char t = w == 1 ? status_next(status, &pid, msg, sizeof(msg)) : 0;
	close(status);
	if (w != 1)
		return error_set(err, EIO, "the process is gone");
	if (t == 'E')
		return error_set(err, EIO, "%s", msg);
	return 0;
}

pid_t guest_spawn_pod(const char *hostname, bool pidns, struct error **err)
{
	pid_t pid = raw_clone(CLONE_NEWUTS | CLONE_NEWIPC | (pidns ? CLONE_NEWPID : 0));
	if (pid == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (*hostname && sethostname(hostname, strlen(hostname)) < 0)
			_exit(1);
		for (;;)
			pause(); /* every signal blocked: SIGKILL ends it */
	}
	if (pid < 0)
		return error_set_errno(err, errno, "the pod's namespaces: clone");
	return pid;
}
