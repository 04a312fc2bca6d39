/* One server per endpoint, and nothing left by one that died. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "factory/factory.h"
#include "hypervisor/hypervisor.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "vmcache/internal.h"

/* Stop and remove every VM directory under vms (a dead server's). */
static void sweep(const char *vms, const struct hypervisor_ops *hv)
{
	DIR *d = opendir(vms);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		struct vm vm;
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/%s", vms, e->d_name);
		vm_init(&vm, hv, e->d_name, dir);
		log_warn("VMCache: stopping VM %s, left by a server that is gone", vm.id);
		factory_vm_stop(&vm, true);
	}
	closedir(d);
}

static int held_by(int fd, const char *path, struct error **err)
{
	char text[32] = "";
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = 0;
	close(fd);
	return error_set(err, EADDRINUSE, "VMCache server: another one (pid %s) runs on %.*s",
			 *text ? text : "?", (int)(strlen(path) - 5), path);
}

int vmcache_claim(const char *endpoint, const struct hypervisor_ops *hv, char *vms, size_t size,
		  struct error **err)
{
	char lock[PATH_MAX + 16], pid[32];

	if (!endpoint || endpoint[0] != '/')
		return error_set(err, EINVAL, "factory.vm_cache_endpoint: \"%s\" is not an absolute "
				 "path", endpoint ? endpoint : "");
	snprintf(lock, sizeof(lock), "%s.lock", endpoint);
	if ((size_t)snprintf(vms, size, "%s.vms", endpoint) >= size)
		return error_set(err, ENAMETOOLONG, "factory.vm_cache_endpoint: too long");
	if (fs_mkdir_p(lock, 0755, true) < 0)
		return error_set_errno(err, errno, "factory.vm_cache_endpoint: %s", endpoint);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, errno, "VMCache server: %s", lock);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return held_by(fd, lock, err);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
		close(fd);
		return error_set_errno(err, errno, "VMCache server: %s", lock);
	}
	sweep(vms, hv);
	if (mkdir(vms, 0700) < 0 && errno != EEXIST) {
		close(fd);
		return error_set_errno(err, errno, "VMCache server: %s", vms);
	}
	return fd;
}

void vmcache_release(const char *endpoint, const struct hypervisor_ops *hv, const char *vms,
		     int lock)
{
	char p[PATH_MAX + 16];

	sweep(vms, hv); /* none should be left; a VM handed out is the client's */
	rmdir(vms);
	snprintf(p, sizeof(p), "%s.lock", endpoint);
	unlink(p);
	close(lock);
}
