/* Network namespaces: entered by path, and made when a spec asks for a
 * new one (kept by a bind mount, as `ip netns add` does). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "net/host.h"
#include "util/error.h"

#define NSFS_MAGIC_ 0x6e736673

static const char self_ns[] = "/proc/thread-self/ns/net";

int net_ns_enter(const char *path, int *saved, struct error **err)
{
	struct statfs fs;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*saved = -1;
	if (fd < 0)
		return error_set_errno(err, errno, "network namespace %s", path);
	if (fstatfs(fd, &fs) < 0 || (fs.f_type != NSFS_MAGIC_ && fs.f_type != 0x9fa0 /* procfs */)) {
		close(fd);
		return error_set(err, EINVAL, "network namespace %s: not a namespace file", path);
	}
	int old = open(self_ns, O_RDONLY | O_CLOEXEC);
	if (old < 0 || setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;
		close(fd);
		if (old >= 0)
			close(old);
		return error_set_errno(err, e, "network namespace %s", path);
	}
	close(fd);
	*saved = old;
	return 0;
}

void net_ns_leave(int saved)
{
	if (saved < 0)
		return;
	setns(saved, CLONE_NEWNET);
	close(saved);
}

int net_ns_create(const char *path, struct error **err)
{
	int old = open(self_ns, O_RDONLY | O_CLOEXEC), e = 0, fd = -1;
	bool made = false;

	if (old < 0 || (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0) {
		e = errno;
		goto out;
	}
	close(fd);
	made = true;
	if (unshare(CLONE_NEWNET) < 0 || mount(self_ns, path, NULL, MS_BIND, NULL) < 0)
		e = errno;
	if (setns(old, CLONE_NEWNET) < 0 && !e)
		e = errno;
out:
	if (old >= 0)
		close(old);
	if (e && made) {
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	return e ? error_set_errno(err, e, "new network namespace %s", path) : 0;
}

int net_ns_remove(const char *path, struct error **err)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return error_set_errno(err, errno, "network namespace %s: unmount", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return error_set_errno(err, errno, "network namespace %s", path);
	return 0;
}
