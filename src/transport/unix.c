#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport/transport.h"
#include "util/cleanup.h"
#include "util/error.h"

static int addr(struct sockaddr_un *sa, const char *path, struct error **err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return error_set(err, ENAMETOOLONG, "socket path %s: too long", path);
	strcpy(sa->sun_path, path);
	return 0;
}

int unix_connect(const char *path, struct error **err)
{
	struct sockaddr_un sa;
	cleanup_close int fd = -1;

	if (addr(&sa, path, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set_errno(err, errno, "socket");
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINTR)
			return error_set_errno(err, errno, "connect %s", path);
	}
	return steal_fd(&fd);
}

int unix_listen(const char *path, int backlog, struct error **err)
{
	struct sockaddr_un sa;
	cleanup_close int fd = -1;
	struct stat st;

	if (addr(&sa, path, err) < 0)
		return -1;
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
	mode_t old = umask(0177); /* created 0600, with no window of wider access */
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return error_set_errno(err, errno, "bind %s", path);
	if (listen(fd, backlog) < 0) {
		unlink(path);
		return error_set_errno(err, errno, "listen %s", path);
	}
	return steal_fd(&fd);
}
