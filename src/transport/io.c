#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "transport/transport.h"
#include "util/error.h"

long io_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

uint64_t io_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int wait_for(int fd, short events, long deadline_ms, struct error **err)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long left = deadline_ms ? deadline_ms - io_now_ms() : -1;
		if (deadline_ms && left <= 0)
			return error_set(err, ETIMEDOUT, "deadline exceeded");
		int r = poll(&p, 1, deadline_ms ? (int)left : -1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return error_set_errno(err, errno, "poll");
	}
}

int io_write_all(int fd, const void *buf, size_t len, long deadline_ms, struct error **err)
{
	const char *p = buf;

	while (len > 0) {
		/* A peer that went away is an error, not a SIGPIPE. */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (wait_for(fd, POLLOUT, deadline_ms, err) < 0)
				return -1;
			continue;
		}
		if (n < 0)
			return error_set_errno(err, errno, "write");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t io_read_some(int fd, void *buf, size_t len, long deadline_ms, struct error **err)
{
	if (wait_for(fd, POLLIN, deadline_ms, err) < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return error_set_errno(err, errno, "read");
	}
}

#if !ENABLE_TRANSPORT_VSOCK
int transport_vsock_missing(struct error **err)
{
	return error_set(err, ENOTSUP, "vsock is not built in (CONFIG_TRANSPORT_VSOCK)");
}
#endif

#if !ENABLE_TRANSPORT_YAMUX
int transport_yamux_missing(struct error **err)
{
	return error_set(err, ENOTSUP, "yamux is not built in (CONFIG_TRANSPORT_YAMUX)");
}
#endif
