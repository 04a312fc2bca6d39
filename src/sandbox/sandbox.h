/* Sandboxes: one VM per sandbox (a pod's containers join it), its agent,
 * proxy and shims, and its state under --root. The only room that sees the
 * hypervisor and the agent together. Every function locks the container for as long as it acts, and
 * on failure leaves nothing behind of what it started. */
#ifndef SANDBOX_SANDBOX_H
#define SANDBOX_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "agent/agent.h"
#include "config/config.h"
#include "oci/spec.h"
#include "prom/prom.h"
#include "sandbox/state.h"
#include "util/buf.h"

struct error;

/* What every command gives the sandbox. */
struct sb_env {
	const char *root;
	const struct config *config;
	const char *self; /* this binary, run as the proxy and the shims */
	/* --cache-server=EP given to create or run: get the VM from the
	 * VMCache server at EP (else [factory] decides). */
	const char *cache_endpoint;
	/* Global options passed on to the proxy and the shims. */
	const char *log_path, *log_format;
	bool debug;
	/* The caller's span: what the sandbox does are spans under it (NULL:
	 * not traced). The proxy and the shims get it as TRACEPARENT. */
	const struct trace_ctx *trace;
	/* The caller holds its sandboxes' agent channels and relays their
	 * processes' stdio itself (the shim v2, which lives as long as they
	 * do): no proxy and no shim process is started. The proxy is threads
	 * of the caller (transport's mux_proxy); the caller is recorded as
	 * each process's shim, relays the process (agent_relay) from its
	 * create or exec, and says when it ended (sb_exited). */
	bool inproc;
};

/* How a shim gets its stdio: inherited, or a new pty whose master goes to
 * console_socket (the shim's stdio is then the pty, in its own session).
 * With netns the shim lives in that network namespace: the one of the
 * container (a pod's), where /proc/PID/ns/net of the reported pid leads. */
struct sb_stdio {
	const char *console_socket;
	/* The shim's stdin, stdout and stderr (a caller that serves many
	 * processes, the shim v2: containerd's FIFOs); NULL: ours. */
	const int *fds;
	bool detach; /* the shim outlives the command: its own session */
	const char *netns;
};

struct sb_create_opts {
	const char *bundle;
	struct sb_stdio io;
};

/* create: VM, proxy, CreateSandbox, CreateContainer, shim. The shim's pid in
 * *shim. */
int sb_create(const struct sb_env *env, const char *id, const struct sb_create_opts *o,
	      pid_t *shim, struct error **err);
int sb_start(const struct sb_env *env, const char *id, struct error **err);
/* sig to the container's first process, or with all to all of them. */
int sb_kill(const struct sb_env *env, const char *id, int sig, bool all, struct error **err);
/* Without force, only a created or stopped container. */
int sb_delete(const struct sb_env *env, const char *id, bool force, struct error **err);
int sb_pause(const struct sb_env *env, const char *id, bool pause, struct error **err);
/* Processes exec'd in one container that may run at once (each holds a
 * stream of the agent's channel; the channel takes 256). */
#define SB_MAX_EXECS 128
/* exec: ExecProcess (the agent's exec id in eid) and a shim for it (its
 * pid in *shim); EAGAIN past SB_MAX_EXECS. */
#define SB_EID_SIZE 17
int sb_exec(const struct sb_env *env, const char *id, const struct oci_process *p,
	    const struct sb_stdio *io, pid_t *shim, char eid[SB_EID_SIZE], struct error **err);
/* With env->inproc: the process of container id (eid NULL: its first)
 * ended; the container is stopped then, or the exec's record goes. */
int sb_exited(const struct sb_env *env, const char *id, const char *eid, struct error **err);
/* The sandbox bundle/config.json's annotations put container id in: ""
 * for its own, else the pod's sandbox id. */
int sb_sandbox_of(const char *bundle, const char *id, char sandbox[VM_ID_MAX + 1],
		  struct error **err);
/* The next container of sandbox id's VM the OOM killer killed in (cid),
 * waiting up to timeout_ms with no lock held; ETIMEDOUT when none. */
int sb_oom_wait(const struct sb_env *env, const char *id, char *cid, size_t size,
		int timeout_ms, struct error **err);
/* The state with the status checked now (no lock kept). */
int sb_state_get(const struct sb_env *env, const char *id, struct sb_state *s,
		 struct error **err);
/* "json": the host pids standing for the container's processes (its
 * shims); "table": the agent's listing of the processes in the guest. */
int sb_ps(const struct sb_env *env, const char *id, const char *format, char *const *args,
	  size_t nargs, struct buf *out, struct error **err);
int sb_update(const struct sb_env *env, const char *id, const struct oci_resources *r,
	      struct error **err);
int sb_stats(const struct sb_env *env, const char *id, struct agent_stats *st,
	     struct error **err);

/* Metrics (sandbox/metrics.c), for kata-monitor and shim-monitor.sock:
 * process pid's figures from /proc as FAMILY_* (fds, threads, resident
 * memory, CPU, proc_status, io_stat), Prometheus text; and sandbox id's:
 * its QEMU's (kata_hypervisor_*) and its guest's (the agent's GetMetrics,
 * each call within timeout_ms), into set with a sandbox_id label. An
 * agent with no GetMetrics (Kata 1.x's) is said once in the log. */
void sb_proc_metrics(struct buf *b, const char *family, pid_t pid);
/* cache: a connection to the agent kept from call to call (NULL: none),
 * opened when first needed, again when the agent's URL changed or a call
 * over it failed; one user at a time. */
struct sb_agent_cache {
	struct agent a;
	bool open;
	char url[PATH_MAX];
};
int sb_metrics(const struct sb_env *env, const char *id, struct prom_set *set, int timeout_ms,
	       struct sb_agent_cache *cache, struct error **err);
void sb_agent_cache_close(struct sb_agent_cache *c);
/* What pod's VM costs beyond its containers, as Kata's shim figures it:
 * on the host, its QEMU's and shim's resident memory and CPU time; in the
 * guest, its containers' cgroups' (the agent's StatsContainer, each call
 * within timeout_ms; a container with none counts nothing). */
struct sb_overhead {
	uint64_t host_mem, guest_mem;
	uint64_t host_cpu_ns, guest_cpu_ns;
};
int sb_overhead(const struct sb_env *env, const char *pod, pid_t shim, int timeout_ms,
		struct sb_overhead *o, struct error **err);

/* The share (sandbox/share.c). setup bind-mounts spec's rootfs (or with
 * rootfs_by_block makes its directory, where the guest mounts the disk)
 * and host bind mounts under dir/shared, rewriting their sources to the
 * guest's paths, and puts the guest's rootfs path in rootfs. */
int sb_share_setup(const char *dir, const char *id, struct oci_spec *spec, bool rootfs_by_block,
		   char *rootfs, size_t size, struct error **err);
/* The mount points under dir/shared, innermost last. */
int sb_share_mounts(const char *dir, char ***out, size_t *n, struct error **err);
int sb_share_teardown(const char *dir, struct error **err);
/* Only what container id has in the share of dir (a pod's), then its
 * directory there. */
int sb_share_teardown_id(const char *dir, const char *id, struct error **err);

/* Processes (sandbox/spawn.c). With env->inproc, the proxy is threads of
 * ours and the shim is us (the pid ours). */
int sb_spawn_proxy(const struct sb_env *env, const char *dir, pid_t *pid, struct error **err);
int sb_spawn_shim(const struct sb_env *env, const char *agent_url, const char *cid,
		  const char *eid, bool terminal, const struct sb_stdio *io, pid_t *pid,
		  struct error **err);
/* SIGKILL p if it is still that process, and reap it if it is our child
 * (never this process). */
void sb_kill_proc(const struct sb_proc *p);
/* The proxy of s goes: SIGTERM, then SIGKILL; ours (inproc), stopped. */
void sb_stop_proxy(const struct sb_state *s);
/* SIGKILL every exec shim recorded in dir (sandbox/exec.c). */
void sb_exec_kill_all(const char *dir);
/* SIGKILL every process whose command line names dir or a path in it. */
void sb_kill_strays(const char *dir);
/* Remove dir and everything in it (after checking nothing is mounted there). */
int sb_remove_dir(const char *dir, struct error **err);

#endif
