/* The container's root filesystem from containerd's mounts (its
 * snapshotter's): the shim mounts them on BUNDLE/rootfs, and unmounts
 * them on delete. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "mount.pb.h"
#include "shimv2/shimv2.h"
#include "util/buf.h"
#include "util/error.h"

static const struct {
	const char *name;
	unsigned long set, clear;
} flags[] = {
	{ "ro", MS_RDONLY, 0 },	      { "rw", 0, MS_RDONLY },	    { "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },      { "nodev", MS_NODEV, 0 },      { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },   { "exec", 0, MS_NOEXEC },     { "bind", MS_BIND, 0 },
	{ "rbind", MS_BIND | MS_REC, 0 }, { "noatime", MS_NOATIME, 0 }, { "relatime", MS_RELATIME, 0 },
};

/* fstab-style options: the flags, and the rest as data (comma-separated). */
static void parse(const containerd_types_Mount *m, unsigned long *fl, struct buf *data)
{
	*fl = 0;
	for (pb_size_t i = 0; i < m->options_count; i++) {
		const char *o = m->options[i];
		size_t k = 0;
		while (k < sizeof(flags) / sizeof(flags[0]) && strcmp(flags[k].name, o))
			k++;
		if (k < sizeof(flags) / sizeof(flags[0])) {
			*fl = (*fl | flags[k].set) & ~flags[k].clear;
		} else {
			if (data->len)
				buf_putc(data, ',');
			buf_puts(data, o);
		}
	}
}

int shimv2_mount_rootfs(const char *bundle, const void *mounts, size_t n, struct error **err)
{
	const containerd_types_Mount *m = mounts;
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/rootfs", bundle);
	for (size_t i = 0; i < n; i++) {
		unsigned long fl;
		struct buf data = BUF_INIT(65536);
		const char *type = m[i].type && *m[i].type ? m[i].type : "bind";
		parse(&m[i], &fl, &data);
		if (!strcmp(type, "bind"))
			fl |= MS_BIND;
		int r = mount(m[i].source ? m[i].source : "none", target, type, fl & ~MS_RDONLY,
			      data.len ? data.data : NULL);
		/* a read-only bind mount is a bind mount remounted read-only */
		if (r == 0 && (fl & MS_BIND) && (fl & MS_RDONLY))
			r = mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
		else if (r == 0 && (fl & MS_RDONLY))
			r = mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY, data.len ? data.data : NULL);
		int e = errno;
		buf_free(&data);
		if (r < 0) {
			shimv2_umount_rootfs(bundle);
			return error_set_errno(err, e, "rootfs mount %zu (%s %s) on %s", i, type,
					       m[i].source ? m[i].source : "", target);
		}
	}
	return 0;
}

void shimv2_umount_rootfs(const char *bundle)
{
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/rootfs", bundle);
	while (umount2(target, MNT_DETACH) == 0)
		;
}
