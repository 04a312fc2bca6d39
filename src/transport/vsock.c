/* AF_VSOCK: the agent channel when use_vsock is on (the agent listens on
 * port 1024, no yamux; the host dials vsock://CID:1024).
 *
 * These machines have no /dev/vhost-vsock, so no VM can be reached this way
 * here: the address parsing and sockaddr layout are unit-tested, and the
 * syscalls themselves (socket, connect, bind, listen) only for the errors
 * they give without a vsock transport. musl has no <linux/vm_sockets.h>;
 * the few definitions come from the kernel's UAPI (stable ABI). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/transport.h"
#include "util/cleanup.h"
#include "util/error.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static bool number(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int vsock_parse(const char *uri, uint32_t *cid, uint32_t *port, struct error **err)
{
	static const char scheme[] = "vsock://";
	const char *p = uri, *colon;

	if (!strncmp(p, scheme, sizeof(scheme) - 1))
		p += sizeof(scheme) - 1;
	colon = strchr(p, ':');
	if (!colon || !number(p, (size_t)(colon - p), cid) ||
	    !number(colon + 1, strlen(colon + 1), port))
		return error_set(err, EINVAL, "%s: not a vsock address (vsock://CID:PORT)", uri);
	if (*cid == VSOCK_CID_ANY)
		return error_set(err, EINVAL, "%s: no VM has CID %u", uri, *cid);
	return 0;
}

void vsock_addr(struct vsock_sockaddr *sa, uint32_t cid, uint32_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->family = AF_VSOCK;
	sa->port = port;
	sa->cid = cid;
}

int vsock_connect(uint32_t cid, uint32_t port, struct error **err)
{
	struct vsock_sockaddr sa;
	cleanup_close int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return error_set_errno(err, errno, "vsock://%u:%u: socket", cid, port);
	vsock_addr(&sa, cid, port);
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINTR)
			return error_set_errno(err, errno, "connect vsock://%u:%u", cid, port);
	}
	return steal_fd(&fd);
}

int vsock_listen(uint32_t port, int backlog, struct error **err)
{
	struct vsock_sockaddr sa;
	cleanup_close int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return error_set_errno(err, errno, "vsock port %u: socket", port);
	vsock_addr(&sa, VSOCK_CID_ANY, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return error_set_errno(err, errno, "bind vsock port %u", port);
	if (listen(fd, backlog) < 0)
		return error_set_errno(err, errno, "listen on vsock port %u", port);
	return steal_fd(&fd);
}
