/* Container state under --root: one directory per container (ROOT/ID),
 * holding state.json (written atomically: a temporary file renamed), the
 * VM's run files, the proxy's socket, the 9p share and one exec-EID file
 * per exec shim. Commands lock the directory (flock) for as long as they
 * act on the container. */
#ifndef SANDBOX_STATE_H
#define SANDBOX_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hypervisor/hypervisor.h"
#include "util/strv.h"

struct error;

enum sb_status { SB_CREATING, SB_CREATED, SB_RUNNING, SB_PAUSED, SB_STOPPED };
extern const char *const sb_status_names[]; /* "creating", "created", ... */

/* A host process we started, recognised again by its start time (so a
 * reused pid is not taken for it). */
struct sb_proc {
	pid_t pid;
	unsigned long long start; /* /proc/PID/stat field 22; 0 unknown */
};

struct sb_state {
	char id[VM_ID_MAX + 1];
	char dir[PATH_MAX];	/* ROOT/ID */
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	char created[40]; /* RFC 3339, UTC, nanoseconds */
	char agent_url[PATH_MAX];
	enum sb_status status; /* as last written; sb_state_status() checks */
	struct sb_proc shim, proxy;
	uint32_t vsock_cid;
	bool terminal;
	/* A container of a pod: its sandbox's id ("" for a sandbox, which
	 * owns the VM); the VM is in the sandbox's directory. */
	char sandbox[VM_ID_MAX + 1];
	char **ann_keys, **ann_values; /* annotations */
	size_t nann;
};

/* The container id as runc accepts it: [A-Za-z0-9_+.-], not "." or "..",
 * at most 100 bytes. */
int sb_check_id(const char *id, struct error **err);
/* ROOT/ID into out, checking the length a unix socket path allows. */
int sb_dir(const char *root, const char *id, char *out, size_t size, struct error **err);

/* Make ROOT/ID and lock it: EEXIST "container ID exists already". */
int sb_state_create(const char *root, const char *id, int *lock_fd, struct error **err);
/* Lock ROOT/ID and read its state: ENOENT "container ID does not exist". */
int sb_state_open(const char *root, const char *id, struct sb_state *s, int *lock_fd,
		  struct error **err);
/* The same for a forced delete: a state.json that cannot be read is a
 * warning, not an error (s then holds the id and directory alone, status
 * creating: all that taking it down needs), and another command holding
 * the lock is waited for 5 s only. */
int sb_state_salvage(const char *root, const char *id, struct sb_state *s, int *lock_fd,
		     struct error **err);
int sb_state_write(const struct sb_state *s, struct error **err);
void sb_state_free(struct sb_state *s);
/* The status now: stopped when the shim (or the VM's QEMU) is gone. */
enum sb_status sb_state_status(const struct sb_state *s);
/* The ids under root, sorted; 0 names when root does not exist. */
int sb_state_list(const char *root, char ***ids, size_t *n, struct error **err);

/* Process identity. */
bool sb_proc_alive(const struct sb_proc *p);
void sb_proc_set(struct sb_proc *p, pid_t pid);
/* pid is stopped (SIGSTOP, or traced): it answers nothing until continued. */
bool sb_proc_stopped(pid_t pid);
/* The VM's QEMU pid from its pid file; 0 when there is none. */
pid_t sb_vm_pid(const struct sb_state *s);
/* Where the container's VM runs: its own directory, or its sandbox's. */
void sb_vm_dir(const struct sb_state *s, char *out, size_t size);
/* The state as it is on disk, without the lock (the sandbox id of a
 * container never changes). */
int sb_state_peek(const char *root, const char *id, struct sb_state *s, struct error **err);
/* The ids of the containers of sandbox id (sorted), from their states. */
int sb_pod_members(const char *root, const char *id, struct strv *out, struct error **err);

/* Now as RFC 3339 with nanoseconds, UTC. */
void sb_now_rfc3339(char *out, size_t size);

#endif
