/* The agent's containers and their processes, and the exit statuses the
 * reaper hands over. One lock guards the lot. */
#ifndef GUEST_PROC_H
#define GUEST_PROC_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct error;

struct guest_proc {
	char *exec_id;
	pid_t pid;
	int in, out, err; /* our ends: stdin (write), stdout, stderr (read); -1 closed */
	int pty;	  /* the terminal's master (in and out are dups of it), or -1 */
	int start, status; /* until started (guest_spawn) */
	bool exited;
	int exit_status; /* as runc reports it: the code, or 128 + the signal */
	struct guest_proc *next;
};

#define GUEST_MAX_STORAGES 8
struct guest_container {
	char *id;
	char rootfs[4096];
	char cgroup[256]; /* under /sys/fs/cgroup, "" when none */
	struct guest_proc *init;
	struct guest_proc *procs; /* init first */
	bool started;
	bool paused; /* frozen: an exec would not get to run */
	char *storages[GUEST_MAX_STORAGES]; /* mounted for it, unmounted with it */
	size_t nstorages;
	struct guest_container *next;
};

extern pthread_mutex_t guest_lock;
extern pthread_cond_t guest_exit_cond; /* a process exited */
extern struct guest_container *guest_containers;
/* The pod's namespace holder made by CreateSandbox (0: none); with
 * guest_pod_pidns its PID namespace is the pod's (sandbox_pidns). */
extern pid_t guest_pod_pid;
extern bool guest_pod_pidns;

/* With guest_lock held. */
struct guest_container *guest_container_find(const char *id);
/* exec_id "" is the container's first process. */
struct guest_proc *guest_proc_find(struct guest_container *c, const char *exec_id);
void guest_proc_free(struct guest_proc *p);
void guest_container_free(struct guest_container *c);
/* Unmount what was mounted for c (guest/container.c). */
void guest_storages_unmount(struct guest_container *c);

/* Status codes with *err (gRPC codes): an id that is empty, too long or
 * has a '/'; an unknown container or process. */
int guest_bad_id(const char *what, const char *id, struct error **err);
int guest_not_found(const char *cid, const char *eid, struct error **err);
/* SIGKILL every process, wait up to timeout_s (0: for ever); then take it
 * out of the list, its cgroup removed. With guest_lock held. */
int guest_stop_container(struct guest_container *c, unsigned timeout_s);
void guest_unlink_container(struct guest_container *c);

/* The reaper's end: pid exited with wait status st. Takes guest_lock. */
void guest_proc_exited(pid_t pid, int st);

#endif
