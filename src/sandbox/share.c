/* The VM's 9p share (DIR/shared, "kataShared" in the guest at
 * AGENT_SHARED_DIR): the container's rootfs and its host bind mounts are
 * bind-mounted into it, and unmounted on delete, found again from
 * /proc/self/mountinfo so that a create killed half way is undone too. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "sandbox/internal.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/alloc.h"

static int bind(const char *src, const char *dst, bool dir, bool ro, struct error **err)
{
	if (dir ? fs_mkdir_p(dst, 0755, false) < 0 : (fs_mkdir_p(dst, 0755, true) < 0 ||
		  close(open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0))
		return error_set_errno(err, errno, "%s", dst);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return error_set_errno(err, errno, "bind mount %s on %s", src, dst);
	/* Keep the share's mounts out of other mount namespaces' events. */
	mount(NULL, dst, NULL, MS_SLAVE | MS_REC, NULL);
	if (ro && mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return error_set_errno(err, errno, "read-only %s", dst);
	return 0;
}

static bool has_option(const struct oci_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->options.n; i++)
		if (!strcmp(m->options.v[i], opt))
			return true;
	return false;
}

int sb_share_setup(const char *dir, const char *id, struct oci_spec *spec, bool rootfs_by_block,
		   char *rootfs, size_t size, struct error **err)
{
	char p[PATH_MAX + 64];
	struct stat st;

	char real[PATH_MAX], clean[PATH_MAX];

	if (stat(spec->root_path, &st) < 0)
		return error_set_errno(err, errno, "root.path %s", spec->root_path);
	/* As runc: the rootfs is the path itself, not where a symlink on the
	 * way leads (it is shared into the VM read-write). */
	if (!realpath(spec->root_path, real))
		return error_set_errno(err, errno, "root.path %s", spec->root_path);
	if (fs_path_clean(spec->root_path, clean, sizeof(clean)) < 0 || strcmp(clean, real))
		return error_set(err, EINVAL, "root.path %s: invalid rootfs: it is a symlink, or "
				 "under one (it leads to %s)", spec->root_path, real);
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ENOTDIR, "root.path %s: not a directory", spec->root_path);
	snprintf(p, sizeof(p), "%s/shared/%s/rootfs", dir, id);
	if (rootfs_by_block) { /* the guest mounts its disk there */
		if (fs_mkdir_p(p, 0755, false) < 0)
			return error_set_errno(err, errno, "%s", p);
	} else if (bind(spec->root_path, p, true, false, err) < 0) {
		return -1;
	}
	snprintf(rootfs, size, "%s/%s/rootfs", AGENT_SHARED_DIR, id);
	/* Host bind mounts (volumes, /etc/hosts and the like) go through the
	 * share; the guest's own file systems (proc, tmpfs, ...) stay. */
	for (size_t i = 0; i < spec->nmounts; i++) {
		struct oci_mount *m = &spec->mounts[i];
		bool is_bind = (m->type && !strcmp(m->type, "bind")) || has_option(m, "bind") ||
			       has_option(m, "rbind");
		if (!is_bind || !m->source || m->source[0] != '/' || !strncmp(m->source, "/dev", 4) ||
		    !strncmp(m->source, "/proc", 5) || !strncmp(m->source, "/sys", 4) ||
		    !strncmp(m->source, AGENT_SHARED_DIR "/", sizeof(AGENT_SHARED_DIR)))
			continue; /* the guest's own, or a disk's the agent mounts there */
		if (stat(m->source, &st) < 0)
			return error_set_errno(err, errno, "mounts[%zu].source %s", i, m->source);
		const char *base = strrchr(m->source, '/') + 1;
		snprintf(p, sizeof(p), "%s/shared/%s/m%zu-%s", dir, id, i, *base ? base : "root");
		if (bind(m->source, p, S_ISDIR(st.st_mode), has_option(m, "ro"), err) < 0)
			return error_wrap(err, "mounts[%zu]", i);
		char *guest = xasprintf("%s/%s/%s", AGENT_SHARED_DIR, id, strrchr(p, '/') + 1);
		free(m->source);
		m->source = guest;
	}
	return 0;
}

/* mountinfo's \040-style octal escapes undone in place. */
void sb_mountinfo_unescape(char *s)
{
	char *o = s;
	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = 0;
}

/* The mount points at or under prefix, innermost last. */
static int mounts_under(const char *prefix, char ***out, size_t *n, struct error **err)
{
	char *text = NULL;
	struct strv found = { 0 };

	if (fs_read_file("/proc/self/mountinfo", 16 << 20, &text, NULL, err) < 0)
		return -1;
	size_t plen = strlen(prefix);
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f = l;
		for (int i = 0; i < 4 && f; i++) /* the fifth field: the mount point */
			f = strchr(f, ' ') ? strchr(f, ' ') + 1 : NULL;
		if (!f)
			continue;
		char *end = strchr(f, ' ');
		if (end)
			*end = 0;
		sb_mountinfo_unescape(f);
		if (!strncmp(f, prefix, plen) && (f[plen] == '/' || !f[plen]))
			strv_push(&found, f);
	}
	free(text);
	*out = found.v;
	*n = found.n;
	return 0;
}

int sb_share_mounts(const char *dir, char ***out, size_t *n, struct error **err)
{
	char prefix[PATH_MAX + 16];
	snprintf(prefix, sizeof(prefix), "%s/shared", dir);
	return mounts_under(prefix, out, n, err);
}

static int unmount_under(const char *prefix, struct error **err)
{
	char **mounts;
	size_t n;

	/* Innermost last in mountinfo: unmount from the end. Repeat, for
	 * stacked mounts. */
	for (int round = 0; round < 8; round++) {
		if (mounts_under(prefix, &mounts, &n, err) < 0)
			return -1;
		for (size_t i = n; i-- > 0;)
			umount2(mounts[i], MNT_DETACH);
		struct strv s = { mounts, n };
		strv_free(&s);
		if (!n)
			return 0;
	}
	return error_set(err, EBUSY, "%s: mounts remain", prefix);
}

int sb_share_teardown(const char *dir, struct error **err)
{
	char prefix[PATH_MAX + 16];
	snprintf(prefix, sizeof(prefix), "%s/shared", dir);
	return unmount_under(prefix, err);
}

int sb_share_teardown_id(const char *dir, const char *id, struct error **err)
{
	char prefix[PATH_MAX + 128];
	snprintf(prefix, sizeof(prefix), "%s/shared/%s", dir, id);
	if (unmount_under(prefix, err) < 0)
		return -1;
	if (sb_remove_dir(prefix, err) < 0)
		return -1;
	return 0;
}
