#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport/transport.h"
#include "util/cleanup.h"
#include "util/error.h"

/* A socket's address. A path longer than sun_path (a container's directory
 * under a long --root, with containerd's 64-character ids) is reached
 * through its directory: /proc/self/fd/DIRFD/NAME, which bind and connect
 * resolve as any path. dirfd is -1 or that directory, open until the call. */
struct uaddr {
	struct sockaddr_un sa;
	int dirfd;
};

static int addr(struct uaddr *a, const char *path, struct error **err)
{
	memset(&a->sa, 0, sizeof(a->sa));
	a->sa.sun_family = AF_UNIX;
	a->dirfd = -1;
	size_t n = strlen(path);
	if (n < sizeof(a->sa.sun_path)) {
		memcpy(a->sa.sun_path, path, n);
		return 0;
	}
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash || slash == path || (size_t)(slash - path) >= sizeof(dir))
		return error_set(err, ENAMETOOLONG, "socket path %s: too long", path);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	a->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd < 0)
		return error_set_errno(err, errno, "socket path %s", path);
	int r = snprintf(a->sa.sun_path, sizeof(a->sa.sun_path), "/proc/self/fd/%d/%s", a->dirfd,
			 slash + 1);
	if (r < 0 || (size_t)r >= sizeof(a->sa.sun_path)) {
		close(a->dirfd);
		return error_set(err, ENAMETOOLONG, "socket path %s: its name is too long", path);
	}
	return 0;
}

static void addr_done(struct uaddr *a)
{
	if (a->dirfd >= 0)
		close(a->dirfd);
	a->dirfd = -1;
}

int unix_connect(const char *path, struct error **err)
{
	struct uaddr a;
	cleanup_close int fd = -1;

	if (addr(&a, path, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = fd < 0 ? -1 : 0;
	while (fd >= 0 && (r = connect(fd, (struct sockaddr *)&a.sa, sizeof(a.sa))) < 0 &&
	       errno == EINTR)
		;
	int e = errno;
	addr_done(&a);
	if (fd < 0)
		return error_set_errno(err, e, "socket");
	if (r < 0)
		return error_set_errno(err, e, "connect %s", path);
	return steal_fd(&fd);
}

int unix_listen(const char *path, int backlog, struct error **err)
{
	struct uaddr a;
	cleanup_close int fd = -1;
	struct stat st;

	if (lstat(path, &st) == 0) {
		int probe = unix_connect(path, NULL);
		if (probe >= 0) {
			close(probe);
			return error_set(err, EADDRINUSE, "%s: a server is already listening", path);
		}
		if (!S_ISSOCK(st.st_mode))
			return error_set(err, EEXIST, "%s: exists and is not a socket", path);
		unlink(path); /* stale: its server is gone */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set_errno(err, errno, "socket");
	if (addr(&a, path, err) < 0)
		return -1;
	mode_t old = umask(0177); /* created 0600, with no window of wider access */
	int r = bind(fd, (struct sockaddr *)&a.sa, sizeof(a.sa));
	int e = errno;
	umask(old);
	addr_done(&a);
	if (r < 0)
		return error_set_errno(err, e, "bind %s", path);
	if (listen(fd, backlog) < 0) {
		unlink(path);
		return error_set_errno(err, errno, "listen %s", path);
	}
	return steal_fd(&fd);
}
