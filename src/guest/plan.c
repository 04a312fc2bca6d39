/* An OCI spec (as the agent protocol carries it) to a spawn plan. Every
 * path is checked here; the child only makes system calls on the result. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "guest/plan.h"
#include "util/error.h"

static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

static const char *const rlimit_names[] = {
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
	"RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
	"RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO",
	"RLIMIT_RTTIME",
};

int guest_cap_number(const char *name)
{
	if (!name || strncmp(name, "CAP_", 4))
		return -1;
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (!strcmp(name + 4, cap_names[i]))
			return (int)i;
	return -1;
}

int guest_rlimit_number(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (name && !strcmp(name, rlimit_names[i]))
			return (int)i;
	return -1;
}

static int caps(uint64_t *mask, char **names, size_t n, const char *set, struct error **err)
{
	*mask = 0;
	for (size_t i = 0; i < n; i++) {
		int c = guest_cap_number(names[i]);
		if (c < 0)
			return error_set(err, EINVAL, "capabilities.%s: unknown capability \"%s\"", set,
					 names[i] ? names[i] : "");
		*mask |= 1ull << c;
	}
	return 0;
}

/* A NULL-terminated copy of n strings. */
static char **strv(char **v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i] ? v[i] : ""))) {
			guest_strv_free(out);
			return NULL;
		}
	return out;
}

void guest_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int guest_plan_process(struct spawn_plan *p, const grpc_Process *proc, struct error **err)
{
	if (!proc->Args_count || !proc->Args[0] || !*proc->Args[0])
		return error_set(err, EINVAL, "process.args: empty");
	if (!(p->argv = strv(proc->Args, proc->Args_count)) ||
	    !(p->envp = strv(proc->Env, proc->Env_count)))
		return error_set(err, ENOMEM, "out of memory");
	const char *cwd = proc->Cwd && *proc->Cwd ? proc->Cwd : "/";
	if (!guest_path_is_clean(cwd) || strlen(cwd) >= sizeof(p->cwd))
		return error_set(err, EINVAL, "process.cwd \"%s\": not an absolute path", cwd);
	snprintf(p->cwd, sizeof(p->cwd), "%s", cwd);
	p->terminal = proc->Terminal;
	p->no_new_privileges = proc->NoNewPrivileges;
	if (proc->has_User) {
		p->uid = proc->User.UID;
		p->gid = proc->User.GID;
		p->ngroups = proc->User.AdditionalGids_count;
		if (p->ngroups && !(p->groups = calloc(p->ngroups, sizeof(gid_t))))
			return error_set(err, ENOMEM, "out of memory");
		for (size_t i = 0; i < p->ngroups; i++)
			p->groups[i] = proc->User.AdditionalGids[i];
	}
	if (proc->Rlimits_count &&
	    !(p->rlimits = calloc(proc->Rlimits_count, sizeof(*p->rlimits))))
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < proc->Rlimits_count; i++) {
		int r = guest_rlimit_number(proc->Rlimits[i].Type);
		if (r < 0)
			return error_set(err, EINVAL, "process.rlimits: unknown type \"%s\"",
					 proc->Rlimits[i].Type ? proc->Rlimits[i].Type : "");
		p->rlimits[p->nrlimits++] = (struct spawn_rlimit){ r, proc->Rlimits[i].Soft,
								    proc->Rlimits[i].Hard };
	}
	if (proc->has_Capabilities) {
		const grpc_LinuxCapabilities *c = &proc->Capabilities;
		p->have_caps = true;
		if (caps(&p->caps[0], c->Bounding, c->Bounding_count, "bounding", err) < 0 ||
		    caps(&p->caps[1], c->Effective, c->Effective_count, "effective", err) < 0 ||
		    caps(&p->caps[2], c->Permitted, c->Permitted_count, "permitted", err) < 0 ||
		    caps(&p->caps[3], c->Inheritable, c->Inheritable_count, "inheritable", err) < 0 ||
		    caps(&p->caps[4], c->Ambient, c->Ambient_count, "ambient", err) < 0)
			return -1;
	}
	return 0;
}

static char **paths(char **v, size_t n, const char *what, struct error **err)
{
	for (size_t i = 0; i < n; i++)
		if (!guest_path_is_clean(v[i])) {
			error_set(err, EINVAL, "linux.%s: \"%s\" is not an absolute path without . or ..",
				  what, v[i] ? v[i] : "");
			return NULL;
		}
	char **out = strv(v, n);
	if (!out)
		error_set(err, ENOMEM, "out of memory");
	return out;
}

static int sysctls(struct spawn_plan *p, const grpc_Linux *l, struct error **err)
{
	size_t n = l->Sysctl_count;
	p->sysctl_keys = calloc(n + 1, sizeof(char *));
	p->sysctl_values = calloc(n + 1, sizeof(char *));
	if (!p->sysctl_keys || !p->sysctl_values)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *k = l->Sysctl[i].key ? l->Sysctl[i].key : "";
		if (!*k || strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(k) ||
		    strstr(k, "..") || k[0] == '.')
			return error_set(err, EINVAL, "linux.sysctl: bad key \"%s\"", k);
		char *path = malloc(strlen(k) + 11);
		if (!path || !(p->sysctl_values[i] = strdup(l->Sysctl[i].value ? l->Sysctl[i].value : ""))) {
			free(path);
			return error_set(err, ENOMEM, "out of memory");
		}
		sprintf(path, "/proc/sys/%s", k);
		for (char *s = path + 10; *s; s++)
			if (*s == '.')
				*s = '/';
		p->sysctl_keys[i] = path;
		p->nsysctls++;
	}
	return 0;
}

int guest_plan_container(struct spawn_plan *p, const grpc_Spec *spec, struct error **err)
{
	memset(p, 0, sizeof(*p));
	p->init = true;
	p->stdio[0] = p->stdio[1] = p->stdio[2] = -1;
	if (!spec->has_Process)
		return error_set(err, EINVAL, "OCI spec: no process");
	if (!spec->has_Root || !guest_path_is_clean(spec->Root.Path) ||
	    strlen(spec->Root.Path) >= sizeof(p->rootfs))
		return error_set(err, EINVAL, "OCI spec: root.path \"%s\" is not an absolute path "
				 "without . or ..", spec->has_Root && spec->Root.Path ? spec->Root.Path : "");
	snprintf(p->rootfs, sizeof(p->rootfs), "%s", spec->Root.Path);
	p->rootfs_readonly = spec->Root.Readonly;
	if (spec->Hostname && strlen(spec->Hostname) >= sizeof(p->hostname))
		return error_set(err, EINVAL, "OCI spec: hostname longer than 64 bytes");
	snprintf(p->hostname, sizeof(p->hostname), "%s", spec->Hostname ? spec->Hostname : "");
	if (spec->Mounts_count && !(p->mounts = calloc(spec->Mounts_count, sizeof(*p->mounts))))
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < spec->Mounts_count; i++) {
		const grpc_Mount *m = &spec->Mounts[i];
		if (guest_plan_mount(p->rootfs, m->destination, m->source, m->type, m->options,
				     m->options_count, &p->mounts[i], err) < 0)
			return error_wrap(err, "OCI spec");
		p->nmounts++;
	}
	if (spec->has_Linux) {
		const grpc_Linux *l = &spec->Linux;
		if (!(p->masked = paths(l->MaskedPaths, l->MaskedPaths_count, "maskedPaths", err)) ||
		    !(p->readonly = paths(l->ReadonlyPaths, l->ReadonlyPaths_count, "readonlyPaths", err)) ||
		    sysctls(p, l, err) < 0)
			return error_wrap(err, "OCI spec");
		p->nmasked = l->MaskedPaths_count;
		p->nreadonly = l->ReadonlyPaths_count;
	}
	return guest_plan_process(p, &spec->Process, err) < 0 ? error_wrap(err, "OCI spec") : 0;
}

void guest_plan_free(struct spawn_plan *p)
{
	guest_strv_free(p->argv);
	guest_strv_free(p->envp);
	guest_strv_free(p->masked);
	guest_strv_free(p->readonly);
	guest_strv_free(p->sysctl_keys);
	guest_strv_free(p->sysctl_values);
	free(p->mounts);
	free(p->devices);
	free(p->groups);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

int guest_plan_storage(const grpc_Storage *s, struct spawn_mount *m, struct error **err)
{
	if (!guest_path_is_clean(s->mount_point))
		return error_set(err, EINVAL, "storage mount_point \"%s\": not an absolute path",
				 s->mount_point ? s->mount_point : "");
	if (guest_mount_options(s->options, s->options_count, m, err) < 0)
		return -1;
	const char *type = s->fstype && *s->fstype ? s->fstype : s->driver;
	if (s->driver && !strcmp(s->driver, "ephemeral"))
		type = "tmpfs";
	const char *source = s->source && *s->source ? s->source : "none";
	if (strlen(s->mount_point) >= sizeof(m->target) || strlen(source) >= sizeof(m->source) ||
	    strlen(type ? type : "none") >= sizeof(m->type))
		return error_set(err, ENAMETOOLONG, "storage %s: a path or type is too long",
				 s->mount_point);
	snprintf(m->target, sizeof(m->target), "%s", s->mount_point);
	snprintf(m->source, sizeof(m->source), "%s", source);
	snprintf(m->type, sizeof(m->type), "%s", type ? type : "none");
	return 0;
}
