/* Starting container processes. The parent prepares a plan (every string
 * and array the child needs); the child, a clone of a threaded agent, only
 * makes system calls on it: no allocation after the clone. */
#ifndef GUEST_SPAWN_H
#define GUEST_SPAWN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct error;

struct spawn_mount {
	char source[PATH_MAX];
	char target[PATH_MAX]; /* under the rootfs */
	char type[32];
	char data[512];
	unsigned long flags, propagation;
	bool bind;
};

/* A device node to make, its path under the rootfs. */
struct spawn_device {
	char path[PATH_MAX];
	mode_t mode; /* type and permissions */
	dev_t rdev;
	uid_t uid;
	gid_t gid;
};

struct spawn_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct spawn_plan {
	/* A container's first process: new namespaces, its rootfs and mounts.
	 * Otherwise (exec) join the namespaces of join_pid. */
	bool init;
	pid_t join_pid;
	/* A first process in a pod (pod_pid: the pod's namespace holder, 0
	 * none): it joins the pod's UTS and IPC namespaces, and with
	 * pod_pidns its PID namespace too (else a new one). */
	pid_t pod_pid;
	bool pod_pidns;
	char rootfs[PATH_MAX];
	bool rootfs_readonly;
	struct spawn_mount *mounts;
	size_t nmounts;
	char **masked, **readonly; /* paths inside the container */
	size_t nmasked, nreadonly;
	char **sysctl_keys, **sysctl_values; /* keys as /proc/sys paths */
	size_t nsysctls;
	struct spawn_device *devices;
	size_t ndevices;
	char hostname[65];
	/* The process. */
	char **argv, **envp; /* NULL-terminated */
	char cwd[PATH_MAX];
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	struct spawn_rlimit *rlimits;
	size_t nrlimits;
	uint64_t caps[5]; /* bounding, effective, permitted, inheritable, ambient */
	bool have_caps;
	bool no_new_privileges;
	bool terminal;
	/* Filled by guest_spawn: the child's stdio (dup'ed onto 0, 1, 2). */
	int stdio[3];
};

/* Clone the child as the plan says; it gets ready (mounts, pivot_root,
 * identity) and waits. Returns its pid (in the agent's namespace) with
 * *start (write a byte to let it exec) and *status (reads EOF once it
 * exec'ed, or its error message); -1 with *err when it could not get
 * ready (the child is gone then). */
pid_t guest_spawn(struct spawn_plan *p, int *start, int *status, struct error **err);
/* Let it exec; 0 once it has, -1 with its error otherwise. */
int guest_spawn_start(int start, int status, struct error **err);
/* The pod's namespace holder: a process in new UTS and IPC namespaces
 * (and a new PID namespace with pidns, whose init it is) named hostname,
 * that waits until it is killed. Its pid, or -1 with *err. */
pid_t guest_spawn_pod(const char *hostname, bool pidns, struct error **err);

/* Mount planning (guest/mounts.c). */
int guest_mount_options(char **opts, size_t n, struct spawn_mount *m, struct error **err);
int guest_plan_mount(const char *rootfs, const char *destination, const char *source,
		     const char *type, char **opts, size_t nopts, struct spawn_mount *m,
		     struct error **err);
bool guest_path_is_clean(const char *p);
/* Clean, and strictly below root ("/run/x/y" is below "/run/x"). */
bool guest_path_is_clean_under(const char *p, const char *root);

#endif
