/* The proxy and the shims are this binary again, started with argv arrays. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "autoconf.h"
#include "sandbox/sandbox.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/fs.h"

#define PROXY_READY_MS 10000

/* [self, global options..., cmd, NULL] in argv (room for more after). */
static int base_argv(const struct sb_env *env, const char **argv, const char *cmd)
{
	int n = 0;
	argv[n++] = env->self;
	if (env->log_path) {
		argv[n++] = "--log";
		argv[n++] = env->log_path;
	}
	if (env->log_format) {
		argv[n++] = "--log-format";
		argv[n++] = env->log_format;
	}
	if (env->debug)
		argv[n++] = "--debug";
	argv[n++] = "--root";
	argv[n++] = env->root;
	argv[n++] = cmd;
	return n;
}

/* A child's environment: ours, with the trace context of parent and the
 * sink in place of any we were given (the strings in extra). */
struct child_env {
	char **envp;
	char *extra[3];
	int n;
};

extern char **environ;

static void child_env_make(struct child_env *ce, const struct trace_ctx *parent)
{
	size_t n = 0, k = 0;
	memset(ce, 0, sizeof(*ce));
	if (!ENABLE_TRACE || !parent)
		return;
	ce->n = trace_child_env(parent, ce->extra);
	while (environ[n])
		n++;
	if (!ce->n || !(ce->envp = calloc(n + 4, sizeof(char *))))
		return;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "TRACEPARENT=", 12) && strncmp(environ[i], "UKATA_TRACE_", 12))
			ce->envp[k++] = environ[i];
	for (int i = 0; i < ce->n; i++)
		if (ce->extra[i])
			ce->envp[k++] = ce->extra[i];
}

static void child_env_free(struct child_env *ce)
{
	for (int i = 0; i < ce->n; i++)
		free(ce->extra[i]);
	free(ce->envp);
}

static void child_exec(const char *self, const char **argv, const struct child_env *ce)
{
	if (ce->envp)
		execve(self, (char **)argv, ce->envp);
	else
		execv(self, (char **)argv);
	_exit(127);
}

static void null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static int spawn_proxy(const struct sb_env *env, const char *dir, const struct child_env *ce,
		       pid_t *pid, struct error **err)
{
	const char *argv[20];
	int p[2], n = base_argv(env, argv, "proxy");
	char c = 0;

	argv[n++] = "--ready-fd";
	argv[n++] = "3";
	argv[n++] = dir;
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_set_errno(err, errno, "pipe");
	pid_t child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return error_set_errno(err, errno, "fork");
	}
	if (child == 0) {
		setsid();
		null_stdio();
		dup2(p[1], 3); /* dup2 clears close-on-exec */
		child_exec(env->self, argv, ce);
	}
	close(p[1]);
	struct pollfd pf = { p[0], POLLIN, 0 };
	int r = poll(&pf, 1, PROXY_READY_MS);
	ssize_t got = r > 0 ? read(p[0], &c, 1) : 0;
	close(p[0]);
	*pid = child;
	if (got == 1 && c == '1')
		return 0;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	*pid = 0;
	return error_set(err, EIO, "the proxy for %s did not start%s", dir,
			 r == 0 ? " in 10 s" : " (see the log)");
}

static int own_proxy(const char *dir, pid_t *pid, struct error **err)
{
	char chan[PATH_MAX + 16], sock[PATH_MAX + 16];
	snprintf(chan, sizeof(chan), "%s/kata.sock", dir);
	snprintf(sock, sizeof(sock), "%s/proxy.sock", dir);
	if (!mux_proxy_start(chan, sock, err))
		return error_wrap(err, "the proxy for %s", dir);
	*pid = getpid();
	return 0;
}

int sb_spawn_proxy(const struct sb_env *env, const char *dir, pid_t *pid, struct error **err)
{
	struct trace_span sp;
	struct child_env ce;

	trace_begin(&sp, env->trace, env->inproc ? "proxy.start" : "proxy.spawn");
	if (env->inproc)
		return trace_end_err(&sp, own_proxy(dir, pid, err), err);
	child_env_make(&ce, trace_ctx_of(&sp));
	int r = spawn_proxy(env, dir, &ce, pid, err);
	child_env_free(&ce);
	trace_end_err(&sp, r, err);
	return r;
}

void sb_stop_proxy(const struct sb_state *s)
{
	char sock[PATH_MAX + 16];
	if (s->proxy.pid == getpid()) {
		snprintf(sock, sizeof(sock), "%s/proxy.sock", s->dir);
		mux_proxy_stop_at(sock);
		return;
	}
	if (sb_proc_alive(&s->proxy)) {
		kill(s->proxy.pid, SIGTERM);
		kill(s->proxy.pid, SIGCONT); /* one that was stopped */
	}
	for (int i = 0; i < 100 && sb_proc_alive(&s->proxy); i++)
		usleep(10 * 1000);
	sb_kill_proc(&s->proxy);
}

/* Send the pty master to the console socket as runc does: one message, the
 * pty's name as data and the fd in SCM_RIGHTS. */
static int send_console(const char *sock, int master, const char *name, struct error **err)
{
	int fd = unix_connect(sock, err);
	if (fd < 0)
		return error_wrap(err, "--console-socket");
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	ssize_t r = sendmsg(fd, &m, MSG_NOSIGNAL);
	int e = errno;
	close(fd);
	return r < 0 ? error_set_errno(err, e, "--console-socket %s: sendmsg", sock) : 0;
}

static int spawn_shim(const struct sb_env *env, const char *agent_url, const char *cid,
		      const char *eid, bool terminal, const struct sb_stdio *io,
		      const struct child_env *ce, pid_t *pid, struct error **err)
{
	const char *argv[24];
	int n = base_argv(env, argv, "shim"), master = -1, slave = -1;
	char name[64] = "";

	argv[n++] = "--agent";
	argv[n++] = agent_url;
	argv[n++] = "--container";
	argv[n++] = cid;
	argv[n++] = "--exec-id";
	argv[n++] = eid;
	if (terminal)
		argv[n++] = "--terminal";
	argv[n] = NULL;
	if (terminal && io->console_socket) {
		if (openpty(&master, &slave, name, NULL, NULL) < 0)
			return error_set_errno(err, errno, "openpty");
		fcntl(master, F_SETFD, FD_CLOEXEC);
		fcntl(slave, F_SETFD, FD_CLOEXEC);
		int r = send_console(io->console_socket, master, name, err);
		close(master);
		if (r < 0) {
			close(slave);
			return -1;
		}
	}
	int ns = io->netns && *io->netns ? open(io->netns, O_RDONLY | O_CLOEXEC) : -1;
	if (io->netns && *io->netns && ns < 0) {
		int e = errno;
		if (slave >= 0)
			close(slave);
		return error_set_errno(err, e, "network namespace %s", io->netns);
	}
	pid_t child = fork();
	if (child < 0) {
		if (slave >= 0)
			close(slave);
		if (ns >= 0)
			close(ns);
		return error_set_errno(err, errno, "fork");
	}
	if (child == 0) {
		if (ns >= 0 && setns(ns, CLONE_NEWNET) < 0)
			_exit(127);
		if (io->detach || slave >= 0)
			setsid();
		if (slave >= 0) {
			ioctl(slave, TIOCSCTTY, 0);
			dup2(slave, 0);
			dup2(slave, 1);
			dup2(slave, 2);
		} else if (io->fds) {
			/* each to a descriptor above the three first, then
			 * down: one of them may be 0, 1 or 2 already */
			int hi[3];
			for (int i = 0; i < 3; i++)
				hi[i] = fcntl(io->fds[i], F_DUPFD, 3);
			for (int i = 0; i < 3; i++)
				if (hi[i] < 0 || dup2(hi[i], i) < 0)
					_exit(127);
		}
		child_exec(env->self, argv, ce);
	}
	if (slave >= 0)
		close(slave);
	if (ns >= 0)
		close(ns);
	*pid = child;
	return 0;
}

int sb_spawn_shim(const struct sb_env *env, const char *agent_url, const char *cid,
		  const char *eid, bool terminal, const struct sb_stdio *io, pid_t *pid,
		  struct error **err)
{
	struct trace_span sp;
	struct child_env ce;

	if (env->inproc) {
		*pid = getpid(); /* the caller relays the process */
		return 0;
	}
	trace_begin(&sp, env->trace, "shim.spawn");
	trace_attr(&sp, "exec.id", eid);
	child_env_make(&ce, trace_ctx_of(&sp));
	int r = spawn_shim(env, agent_url, cid, eid, terminal, io, &ce, pid, err);
	child_env_free(&ce);
	trace_end_err(&sp, r, err);
	return r;
}

void sb_kill_proc(const struct sb_proc *p)
{
	if (p->pid == getpid() || !sb_proc_alive(p))
		return;
	kill(p->pid, SIGKILL);
	for (int i = 0; i < 200 && sb_proc_alive(p); i++) {
		waitpid(p->pid, NULL, WNOHANG);
		usleep(10 * 1000);
	}
}

/* Any process whose command line names something in dir (a QEMU, proxy
 * or shim a killed create left, or one started after our records were
 * written): SIGKILL. */
void sb_kill_strays(const char *dir)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char want[PATH_MAX + 2];
	pid_t self = getpid();

	snprintf(want, sizeof(want), "%s/", dir);
	while (d && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char p[64], *cmd = NULL;
		size_t n = 0;
		bool match = false;
		if (pid <= 1 || pid == self)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
		if (fs_read_file(p, 1 << 20, &cmd, &n, NULL) < 0)
			continue;
		for (size_t i = 0; i < n && !match; i += strlen(cmd + i) + 1)
			match = strstr(cmd + i, want) || !strcmp(cmd + i, dir);
		free(cmd);
		if (match) {
			struct sb_proc proc;
			sb_proc_set(&proc, pid);
			sb_kill_proc(&proc);
		}
	}
	if (d)
		closedir(d);
}

static int remove_tree(int dirfd, const char *name, int depth)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return unlinkat(dirfd, name, 0);
	DIR *d = fdopendir(fd);
	struct dirent *e;
	if (!d) {
		close(fd);
		return -1;
	}
	while (depth < 16 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_tree(fd, e->d_name, depth + 1);
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR);
}

int sb_remove_dir(const char *dir, struct error **err)
{
	char **mounts;
	size_t n;

	/* Never walk into a mount: it would be the user's rootfs. */
	if (sb_share_mounts(dir, &mounts, &n, err) < 0)
		return -1;
	struct strv s = { mounts, n };
	strv_free(&s);
	if (n)
		return error_set(err, EBUSY, "%s: %zu mounts remain; not removing it", dir, n);
	if (remove_tree(AT_FDCWD, dir, 0) < 0 && errno != ENOENT)
		return error_set_errno(err, errno, "remove %s", dir);
	return 0;
}
