/* The agent channel: a virtio-serial port carrying yamux sessions (Kata
 * 1.x's default, one session after another as the host reconnects), or
 * AF_VSOCK port 1024. Every stream or connection is one gRPC connection. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "guest/guest.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

#define PORT_WAIT_MS 10000

/* /dev/vportNpM of the port whose /sys/class/virtio-ports/<vportNpM>/name
 * is name; waits for the driver to create it. */
static int find_port(const char *name, char *dev, size_t size, struct error **err)
{
	/* as PID 1 the port comes with its driver; otherwise it is there or not */
	long deadline = io_now_ms() + (getpid() == 1 ? PORT_WAIT_MS : 0);

	do {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char p[512], *text = NULL;
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", e->d_name);
			if (fs_read_file(p, 256, &text, NULL, NULL) < 0)
				continue;
			text[strcspn(text, "\n")] = 0;
			bool match = !strcmp(text, name);
			free(text);
			snprintf(dev, size, "/dev/%s", e->d_name);
			if (match && access(dev, R_OK | W_OK) == 0) {
				closedir(d);
				return 0;
			}
		}
		if (d)
			closedir(d);
		usleep(10 * 1000);
	} while (io_now_ms() < deadline);
	return error_set(err, ENOENT, "no virtio-serial port named %s", name);
}

/* Until the host side is connected the port polls HUP (and reads EOF). */
static void wait_host(int fd)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return;
		if (!(p.revents & POLLHUP) || (p.revents & POLLIN))
			return;
		usleep(10 * 1000);
	}
}

/* VmRSS of this process, or -1. */
static long guest_rss_kib(void)
{
	char *text = NULL;
	long kib = -1;
	if (fs_read_file("/proc/self/status", 1 << 16, &text, NULL, NULL) == 0) {
		const char *p = strstr(text, "VmRSS:");
		if (p)
			kib = strtol(p + 6, NULL, 10);
		free(text);
	}
	return kib;
}

static void on_stream(void *ud, int fd)
{
	if (rpc_server_serve(ud, fd) < 0)
		close(fd);
}

int guest_serve_serial(const char *name, const struct rpc_handler *h, size_t n,
		       struct error **err)
{
	char dev[300];
	struct rpc_server *srv = rpc_server_new(h, n, NULL, err);

	if (!srv || find_port(name, dev, sizeof(dev), err) < 0)
		return -1;
	/* Opened once: closing the port would forget that the host is there. */
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "%s", dev);
	for (;;) {
		wait_host(fd);
		log_info("serving on %s (%s); resident memory %ld KiB", dev, name, guest_rss_kib());
		int s = fcntl(fd, F_DUPFD_CLOEXEC, 0); /* the mux closes its own */
		struct yamux_mux *m = s < 0 ? NULL : yamux_mux_start(s, false, on_stream, srv, err);
		if (!m) {
			if (s < 0)
				error_set_errno(err, errno, "%s", dev);
			close(fd);
			return -1;
		}
		while (yamux_mux_alive(m))
			usleep(100 * 1000); /* only a reconnect waits on this */
		yamux_mux_stop(m);
		log_info("the host left %s; waiting for it again", name);
	}
}

int guest_serve_vsock(const struct rpc_handler *h, size_t n, struct error **err)
{
	struct rpc_server *srv = rpc_server_new(h, n, NULL, err);
	int l = srv ? vsock_listen(VSOCK_AGENT_PORT, 16, err) : -1;

	if (l < 0)
		return -1;
	log_info("serving on vsock port %u", VSOCK_AGENT_PORT);
	for (;;) {
		int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0 && errno != EINTR && errno != ECONNABORTED)
			return error_set_errno(err, errno, "vsock accept");
		if (fd >= 0 && rpc_server_serve(srv, fd) < 0)
			close(fd);
	}
}
