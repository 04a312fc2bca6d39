/* A task's stdio: containerd's FIFOs (or file://), a stdin FIFO relayed
 * so that its end is containerd's writer's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shimv2/shimv2.h"
#include "util/error.h"

/* A stdin FIFO is relayed into a pipe, the process's stdin: its end is
 * the end of what containerd's writer wrote (a read of a FIFO that no
 * writer opened yet would end it at once; poll tells a writer that came
 * and went, POLLHUP, from none yet). */
struct relay {
	int fifo, pipe_w, stop;
};

static bool relay_step(struct relay *r, char *b, size_t size)
{
	struct pollfd p[2] = { { r->fifo, POLLIN, 0 }, { r->stop, POLLIN, 0 } };
	if (poll(p, 2, -1) < 0)
		return errno == EINTR;
	if (p[1].revents)
		return false;
	ssize_t n = read(r->fifo, b, size);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false; /* containerd's writer came and went */
	for (ssize_t off = 0; off < n;) {
		struct pollfd w[2] = { { r->pipe_w, POLLOUT, 0 }, { r->stop, POLLIN, 0 } };
		if (poll(w, 2, -1) < 0 && errno != EINTR)
			return false;
		if (w[1].revents)
			return false;
		ssize_t k = write(r->pipe_w, b + off, (size_t)(n - off));
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return false; /* the process closed its stdin */
		off += k > 0 ? k : 0;
	}
	return true;
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

/* The relay of the FIFO at path into target (the relay's own then), or
 * into a pipe whose read end it returns; *stop ends it when closed. */
int shimv2_stdin_relay(const char *path, int target, int *stop, struct error **err)
{
	struct relay *r = calloc(1, sizeof(*r));
	int pp[2] = { -1, -1 }, sp[2] = { -1, -1 };
	pthread_t th;
	if (!r)
		return error_set(err, ENOMEM, "out of memory");
	r->fifo = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (r->fifo < 0 || (target < 0 && pipe2(pp, O_CLOEXEC) < 0) || pipe2(sp, O_CLOEXEC) < 0) {
		error_set_errno(err, errno, "stdio %s", path);
		goto fail;
	}
	if (target >= 0)
		pp[1] = target;
	fcntl(pp[1], F_SETFL, O_NONBLOCK);
	r->pipe_w = pp[1];
	r->stop = sp[0];
	if (pthread_create(&th, NULL, relay_main, r) != 0) {
		error_set(err, EAGAIN, "stdio %s: cannot start its relay", path);
		goto fail;
	}
	pthread_detach(th);
	*stop = sp[1];
	return target >= 0 ? 0 : pp[0];
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
		error_set(err, ENOTSUP, "stdio %s: only FIFOs and file:// are supported", p);
		return -1;
	}
	if (in)
		return shimv2_stdin_relay(p, -1, stop, err);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	return fd < 0 ? error_set_errno(err, errno, "stdio %s", p) : fd;
}

void shimv2_relay_stop(int *stop)
{
	if (*stop >= 0)
		close(*stop);
	*stop = -1;
}

int shimv2_open_stdio(const char io[3][PATH_MAX], int fds[3], int *stop, struct error **err)
{
	fds[0] = fds[1] = fds[2] = -1;
	for (int i = 0; i < 3; i++)
		if ((fds[i] = open_io(io[i], i == 0, stop, err)) < 0) {
			for (int k = 0; k < i; k++)
				close(fds[k]);
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

