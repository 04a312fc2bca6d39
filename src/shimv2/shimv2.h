/* containerd-shim-kata-v2 (containerd's runtime v2 contract): `start`
 * starts the shim's server for a container (or names the one of its pod),
 * `delete` cleans up after a shim that died, and the server answers
 * containerd's Task service over ttrpc, publishing events to containerd.
 * The containers are the sandbox room's (the same create, start, exec,
 * kill and delete as the CLI), under --root DIR/ukata-v2/NAMESPACE, DIR
 * being where containerd's socket is. */
#ifndef SHIMV2_SHIMV2_H
#define SHIMV2_SHIMV2_H

#include <pb.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include "rpc/rpc.h"
#include "shim.pb.h"
#include "sandbox/sandbox.h"

struct shim {
	const char *ns, *address, *id, *bundle;
	bool debug;
	char root[4096];  /* the sandboxes' --root */
	char sock[4096];  /* the server's socket */
	struct sb_env env;
	char self[4096];
	struct ttrpc_client events; /* to TTRPC_ADDRESS, connected when first used */
	bool events_up;
	pthread_mutex_t ev_lock;
};

extern struct shim shimv2;

int shimv2_main(int argc, char **argv);
/* The Task service (shimv2/task.c) and whether the server should end
 * (Shutdown with no task left). */
extern const struct rpc_handler shimv2_task_handlers[];
extern const size_t shimv2_ntask_handlers;
bool shimv2_done(int wait_ms);
/* Publish an event (shimv2/events.c): topic "/tasks/exit", the message
 * and its type ("TaskExit": containerd.events.TaskExit). Failures are
 * logged: an event never fails a call. */
void shimv2_publish(const char *topic, const char *type, const pb_msgdesc_t *fields,
		    const void *msg);
/* shim-monitor.sock of sandbox id (shimv2/monitor.c), for kata-monitor:
 * from its create to its delete. */
void shimv2_monitor_start(const char *id);
void shimv2_monitor_stop(const char *id);
/* The shim's own figures (shimv2/figures.c): from start, the durations of
 * the calls it serves and makes to agents; into b, those, its process's
 * and sandbox id's pod overhead, as Prometheus text. */
void shimv2_figures_start(void);
void shimv2_figures(struct buf *b, const char *id);
/* A task's stdio (shimv2/stdio.c): containerd's three paths opened for
 * the relay of container id's process (a stdin FIFO relayed into a pipe,
 * *stop ending that relay; a terminal has no stderr: -1; a binary:// URI
 * starts the logging binary, as containerd's contract has it: its fd 3
 * and 4 the process's stdout and stderr, fd 5 closed once it is ready,
 * CONTAINER_ID and CONTAINER_NAMESPACE in its environment). */
int shimv2_open_stdio(const char *id, const char io[3][PATH_MAX], bool terminal, int fds[3],
		      int *stop, struct error **err);
void shimv2_close_stdio(int fds[3]);
void shimv2_relay_stop(int *stop);
/* OOM events of sandbox id (shimv2/oom.c): a watcher until its VM is
 * gone (env and id outlive it: join th), and a last look. */
int shimv2_oom_watch(pthread_t *th, const struct sb_env *env, const char *id);
void shimv2_oom_drain(const struct sb_env *env, const char *id);
/* Task facts in containerd's formats (shimv2/taskinfo.c): the
 * configuration container id names, as Kata's shim finds it (the runtime
 * options' ConfigPath, else the spec's io.katacontainers.config_path;
 * *out NULL: neither, the shim's own applies), and cgroup figures as a
 * containerd cgroup v2 Metrics Any. */
int shimv2_task_config(const char *id, const char *bundle,
		       const containerd_task_v2_CreateTaskRequest *q, struct config **out,
		       struct error **err);
int shimv2_stats_any(const struct agent_stats *st, google_protobuf_Any *out);

/* bundle/rootfs: containerd's mounts (shimv2/rootfs.c). */
int shimv2_mount_rootfs(const char *bundle, const void *mounts, size_t n, struct error **err);
void shimv2_umount_rootfs(const char *bundle);

#endif
