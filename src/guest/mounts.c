/* OCI mounts planned for a container: options to mount(2) flags, data and
 * propagation, destinations checked and placed under the rootfs. Pure: the
 * child that mounts them only makes system calls on what is planned here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "guest/spawn.h"
#include "util/error.h"

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} flags[] = {
	{ "ro", false, MS_RDONLY },	      { "rw", true, MS_RDONLY },
	{ "nosuid", false, MS_NOSUID },	      { "suid", true, MS_NOSUID },
	{ "nodev", false, MS_NODEV },	      { "dev", true, MS_NODEV },
	{ "noexec", false, MS_NOEXEC },	      { "exec", true, MS_NOEXEC },
	{ "sync", false, MS_SYNCHRONOUS },    { "async", true, MS_SYNCHRONOUS },
	{ "dirsync", false, MS_DIRSYNC },     { "remount", false, MS_REMOUNT },
	{ "mand", false, MS_MANDLOCK },	      { "nomand", true, MS_MANDLOCK },
	{ "noatime", false, MS_NOATIME },     { "atime", true, MS_NOATIME },
	{ "nodiratime", false, MS_NODIRATIME }, { "diratime", true, MS_NODIRATIME },
	{ "relatime", false, MS_RELATIME },   { "norelatime", true, MS_RELATIME },
	{ "strictatime", false, MS_STRICTATIME }, { "bind", false, MS_BIND },
	{ "rbind", false, MS_BIND | MS_REC },
};

static const struct {
	const char *name;
	unsigned long flag;
} propagations[] = {
	{ "private", MS_PRIVATE },	       { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },	       { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },		       { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE },       { "runbindable", MS_UNBINDABLE | MS_REC },
};

int guest_mount_options(char **opts, size_t n, struct spawn_mount *m, struct error **err)
{
	size_t used = 0;

	m->flags = m->propagation = 0;
	m->data[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *o = opts[i] ? opts[i] : "";
		bool known = false;
		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]) && !known; k++) {
			if (strcmp(o, flags[k].name))
				continue;
			known = true;
			if (flags[k].clear)
				m->flags &= ~flags[k].flag;
			else
				m->flags |= flags[k].flag;
		}
		for (size_t k = 0; k < sizeof(propagations) / sizeof(propagations[0]) && !known; k++)
			if (!strcmp(o, propagations[k].name)) {
				known = true;
				m->propagation = propagations[k].flag;
			}
		if (known || !*o)
			continue;
		/* anything else is the file system's own (mode=755, size=65536k) */
		int w = snprintf(m->data + used, sizeof(m->data) - used, "%s%s", used ? "," : "", o);
		if (w < 0 || (size_t)w >= sizeof(m->data) - used)
			return error_set(err, EINVAL, "mount options: more than %zu bytes of data",
					 sizeof(m->data) - 1);
		used += (size_t)w;
	}
	return 0;
}

/* An absolute path without "." or ".." components. */
static bool clean_path(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t len = strcspn(s, "/");
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += len;
	}
	return true;
}

bool guest_path_is_clean(const char *p)
{
	return clean_path(p);
}

bool guest_path_is_clean_under(const char *p, const char *root)
{
	size_t n = strlen(root);
	return clean_path(p) && !strncmp(p, root, n) && p[n] == '/' && p[n + 1];
}

int guest_plan_mount(const char *rootfs, const char *destination, const char *source,
		     const char *type, char **opts, size_t nopts, struct spawn_mount *m,
		     struct error **err)
{
	memset(m, 0, sizeof(*m));
	if (!clean_path(destination))
		return error_set(err, EINVAL, "mount destination \"%s\": not an absolute path "
				 "without . or ..", destination ? destination : "");
	if (snprintf(m->target, sizeof(m->target), "%s%s", rootfs, destination) >=
	    (int)sizeof(m->target))
		return error_set(err, ENAMETOOLONG, "mount destination %s: too long", destination);
	if (guest_mount_options(opts, nopts, m, err) < 0)
		return error_wrap(err, "mount %s", destination);
	if (type && !strcmp(type, "bind"))
		m->flags |= MS_BIND;
	m->bind = m->flags & MS_BIND;
	snprintf(m->source, sizeof(m->source), "%s", source && *source ? source : "none");
	snprintf(m->type, sizeof(m->type), "%s", type && *type && !m->bind ? type : "none");
	/* The guest has the unified hierarchy only: a v1 "cgroup" mount (runc's
	 * default spec has one) would take the controllers away from it. */
	if (!strcmp(m->type, "cgroup")) {
		snprintf(m->type, sizeof(m->type), "cgroup2");
		snprintf(m->source, sizeof(m->source), "cgroup2");
		m->data[0] = 0;
	}
	/* The agent makes a terminal's pty in the guest's devpts, before the
	 * container has its mounts: the container sees that devpts (it has
	 * the VM to itself), so that its terminal is a tty there too. */
	if (!strcmp(m->type, "devpts")) {
		snprintf(m->type, sizeof(m->type), "none");
		snprintf(m->source, sizeof(m->source), "/dev/pts");
		m->data[0] = 0;
		m->flags |= MS_BIND | MS_REC;
		m->bind = true;
	}
	if (m->bind && !clean_path(m->source))
		return error_set(err, EINVAL, "bind mount of \"%s\" on %s: not an absolute path "
				 "without . or ..", m->source, destination);
	return 0;
}
