/* A task's terminal: the process's shim opens a pty and sends its master
 * to a console socket of ours (as runc does to containerd's runc shim);
 * its output goes to containerd's stdout FIFO, containerd's stdin FIFO into
 * it (shimv2/task.c), and ResizePty sets its size. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shimv2/shimv2.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/fs.h"

int shimv2_console_listen(char *path, size_t size, struct error **err)
{
	unsigned char r[6];
	if (fs_random(r, sizeof(r)) < 0)
		memset(r, getpid() & 0xff, sizeof(r));
	snprintf(path, size, "%s/.console-%02x%02x%02x%02x%02x%02x.sock", shimv2.root, r[0], r[1],
		 r[2], r[3], r[4], r[5]);
	return unix_listen(path, 1, err);
}

int shimv2_console_take(int lfd, const char *path, struct error **err)
{
	int master = -1;
	struct pollfd p = { lfd, POLLIN, 0 };
	int fd = poll(&p, 1, 10000) > 0 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
	if (fd >= 0) {
		char name[128], cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { name, sizeof(name) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		if (recvmsg(fd, &m, MSG_CMSG_CLOEXEC) > 0 && (c = CMSG_FIRSTHDR(&m)) &&
		    c->cmsg_type == SCM_RIGHTS)
			memcpy(&master, CMSG_DATA(c), sizeof(int));
		close(fd);
	}
	close(lfd);
	unlink(path);
	if (master < 0)
		error_set(err, EIO, "the terminal of the process did not come");
	return master;
}

struct out_relay {
	int master, out;
};

static void *out_main(void *arg)
{
	struct out_relay *r = arg;
	char b[16384];
	for (;;) {
		struct pollfd p = { r->master, POLLIN, 0 };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		ssize_t n = read(r->master, b, sizeof(b));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0 || io_write_all(r->out, b, (size_t)n, 0, NULL) < 0)
			break; /* EIO: the process's side is closed */
	}
	close(r->master);
	close(r->out);
	free(r);
	return NULL;
}

int shimv2_console_out(int master, const char *path, struct error **err)
{
	struct out_relay *r = calloc(1, sizeof(*r));
	pthread_t th;
	if (!r)
		return error_set(err, ENOMEM, "out of memory");
	r->master = master;
	r->out = path && *path ? open(path, O_WRONLY | O_CLOEXEC) : open("/dev/null", O_WRONLY);
	if (r->out < 0 || pthread_create(&th, NULL, out_main, r) != 0) {
		int e = errno;
		if (r->out >= 0)
			close(r->out);
		free(r);
		return error_set_errno(err, e, "stdio %s", path ? path : "");
	}
	pthread_detach(th);
	return 0;
}
