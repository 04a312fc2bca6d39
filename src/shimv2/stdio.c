/* A task's stdio: containerd's FIFOs, file:// or binary:// (a logging
 * binary of containerd's contract), a stdin FIFO relayed so that its end
 * is containerd's writer's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shimv2/binuri.h"
#include "shimv2/shimv2.h"
#include "util/error.h"

/* A stdin FIFO is relayed into a pipe, the process's stdin: its end is
 * the end of what containerd's writer wrote (a read of a FIFO that no
 * writer opened yet would end it at once; poll tells a writer that came
 * and went, POLLHUP, from none yet). */
struct relay {
	int fifo, pipe_w, stop;
};

/* n bytes of b into the pipe; false when the process closed its stdin. */
static bool relay_put(struct relay *r, const char *b, ssize_t n)
{
	for (ssize_t off = 0; off < n;) {
		struct pollfd w = { r->pipe_w, POLLOUT, 0 };
		if (poll(&w, 1, -1) < 0 && errno != EINTR)
			return false;
		ssize_t k = write(r->pipe_w, b + off, (size_t)(n - off));
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		off += k > 0 ? k : 0;
	}
	return true;
}

/* One read of the FIFO relayed; false at its end. Stopped (CloseIO, or
 * the task going), what the FIFO still holds is relayed first. */
static bool relay_step(struct relay *r, char *b, size_t size)
{
	struct pollfd p[2] = { { r->fifo, POLLIN, 0 }, { r->stop, POLLIN, 0 } };
	if (poll(p, 2, -1) < 0)
		return errno == EINTR;
	bool stopping = p[1].revents != 0;
	ssize_t n = read(r->fifo, b, size);
	if (n < 0)
		return !stopping && (errno == EAGAIN || errno == EINTR);
	if (n == 0)
		return false; /* containerd's writer came and went */
	return relay_put(r, b, n) && (!stopping || relay_step(r, b, size));
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	char b[16384];
	while (relay_step(r, b, sizeof(b)))
		;
	close(r->fifo);
	close(r->pipe_w);
	close(r->stop);
	free(r);
	return NULL;
}

/* The relay of the FIFO at path into a pipe whose read end it returns;
 * *stop ends it when closed. */
static int stdin_relay(const char *path, int *stop, struct error **err)
{
	struct relay *r = calloc(1, sizeof(*r));
	int pp[2] = { -1, -1 }, sp[2] = { -1, -1 };
	pthread_t th;
	if (!r)
		return error_set(err, ENOMEM, "out of memory");
	r->fifo = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (r->fifo < 0 || pipe2(pp, O_CLOEXEC) < 0 || pipe2(sp, O_CLOEXEC) < 0) {
		error_set_errno(err, errno, "stdio %s", path);
		goto fail;
	}
	fcntl(pp[1], F_SETFL, O_NONBLOCK);
	r->pipe_w = pp[1];
	r->stop = sp[0];
	if (pthread_create(&th, NULL, relay_main, r) != 0) {
		error_set(err, EAGAIN, "stdio %s: cannot start its relay", path);
		goto fail;
	}
	pthread_detach(th);
	*stop = sp[1];
	return pp[0];
fail:
	for (int i = 0; i < 2; i++) {
		if (pp[i] >= 0)
			close(pp[i]);
		if (sp[i] >= 0)
			close(sp[i]);
	}
	if (r->fifo >= 0)
		close(r->fifo);
	free(r);
	return -1;
}

/* The logging binary of uri for container id: its stdout and stderr are
 * the read ends of fds[1] and fds[2] (its fds 3 and 4), and it says it is
 * ready by closing its fd 5. It is reaped by a thread of its own. */
static void *reap(void *arg)
{
	pid_t pid = (pid_t)(intptr_t)arg;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return NULL;
}

extern char **environ;

/* Only what is safe after fork in a process with threads. */
static void logger_child(const struct strv *argv, char **envp, const int p[3][2])
{
	int hi[3];
	for (int i = 0; i < 3; i++)
		hi[i] = fcntl(p[i][i == 2 ? 1 : 0], F_DUPFD, 10);
	for (int i = 0; i < 3; i++)
		if (hi[i] < 0 || dup2(hi[i], 3 + i) < 0)
			_exit(127);
	for (int i = 0; i < 3; i++)
		close(hi[i]); /* fd 5 must be its only writer */
	execve(argv->v[0], argv->v, envp);
	_exit(127);
}

/* Ours, with the container's id and namespace. */
static void logger_env(struct strv *env, const char *id)
{
	char v[512];
	memset(env, 0, sizeof(*env));
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "CONTAINER_ID=", 13) && strncmp(*e, "CONTAINER_NAMESPACE=", 20))
			strv_push(env, *e);
	snprintf(v, sizeof(v), "CONTAINER_ID=%s", id);
	strv_push(env, v);
	snprintf(v, sizeof(v), "CONTAINER_NAMESPACE=%.400s", shimv2.ns);
	strv_push(env, v);
}

static int logger_start(const char *uri, const char *id, int fds[3], struct error **err)
{
	struct strv argv, env;
	int p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }, r = -1;
	if (shimv2_binary_uri(uri, &argv, err) < 0)
		return -1;
	if (access(argv.v[0], X_OK) < 0) {
		error_set_errno(err, errno, "stdio %s: the logging binary %s", uri, argv.v[0]);
		strv_free(&argv);
		return -1;
	}
	logger_env(&env, id);
	for (int i = 0; i < 3; i++)
		if (pipe2(p[i], O_CLOEXEC) < 0) {
			error_set_errno(err, errno, "stdio %s: pipe", uri);
			goto out;
		}
	pid_t pid = fork();
	if (pid == 0)
		logger_child(&argv, env.v, (const int (*)[2])p);
	if (pid < 0) {
		error_set_errno(err, errno, "stdio %s: fork", uri);
		goto out;
	}
	close(p[2][1]);
	p[2][1] = -1;
	struct pollfd w = { p[2][0], POLLIN, 0 };
	char c;
	if (poll(&w, 1, 10000) <= 0 || read(p[2][0], &c, 1) != 0) {
		kill(pid, SIGKILL);
		error_set(err, ETIMEDOUT, "stdio %s: the logging binary did not get ready "
			  "(close its fd 5) in 10 s", uri);
	} else {
		fds[1] = p[0][1], fds[2] = p[1][1];
		p[0][1] = p[1][1] = -1;
		r = 0;
	}
	pthread_t th;
	if (pthread_create(&th, NULL, reap, (void *)(intptr_t)pid) == 0)
		pthread_detach(th);
out:
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 2; k++)
			if (p[i][k] >= 0)
				close(p[i][k]);
	strv_free(&argv);
	strv_free(&env);
	return r;
}

/* containerd's stdio: a FIFO, file://PATH (appended to), or nothing
 * (/dev/null). */
static int open_io(const char *p, bool in, int *stop, struct error **err)
{
	if (!p || !*p)
		return open("/dev/null", (in ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
	if (!strncmp(p, "file://", 7)) {
		int fd = open(p + 7, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		return fd < 0 ? error_set_errno(err, errno, "stdio %s", p) : fd;
	}
	if (strstr(p, "://")) {
		error_set(err, ENOTSUP, "stdio %s: only FIFOs, file:// and binary:// are supported",
			  p);
		return -1;
	}
	if (in)
		return stdin_relay(p, stop, err);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	return fd < 0 ? error_set_errno(err, errno, "stdio %s", p) : fd;
}

void shimv2_relay_stop(int *stop)
{
	if (*stop >= 0)
		close(*stop);
	*stop = -1;
}

int shimv2_open_stdio(const char *id, const char io[3][PATH_MAX], bool terminal, int fds[3],
		      int *stop, struct error **err)
{
	fds[0] = fds[1] = fds[2] = -1;
	bool logger = !strncmp(io[1], "binary://", 9);
	if (logger && logger_start(io[1], id, fds, err) < 0)
		return -1;
	if (logger && terminal) {
		close(fds[2]);
		fds[2] = -1;
	}
	for (int i = 0; i < (logger ? 1 : terminal ? 2 : 3); i++)
		if ((fds[i] = open_io(io[i], i == 0, stop, err)) < 0) {
			shimv2_close_stdio(fds);
			shimv2_relay_stop(stop);
			return -1;
		}
	return 0;
}

void shimv2_close_stdio(int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

