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
/* A terminal (shimv2/console.c): a console socket listening at path (in
 * root), the pty master taken from it (the socket goes), and the master's
 * output relayed to the FIFO at path (the relay owns master). */
int shimv2_console_listen(char *path, size_t size, struct error **err);
int shimv2_console_take(int lfd, const char *path, struct error **err);
int shimv2_console_out(int master, const char *path, struct error **err);
/* shim-monitor.sock of sandbox id (shimv2/monitor.c), for kata-monitor:
 * from its create to its delete. */
void shimv2_monitor_start(const char *id);
void shimv2_monitor_stop(const char *id);
/* A task's stdio (shimv2/stdio.c): containerd's three paths opened for
 * the process (a stdin FIFO relayed, *stop ending the relay), and the
 * relay of a stdin FIFO into target (or into a pipe whose read end it
 * returns). */
int shimv2_open_stdio(const char io[3][PATH_MAX], int fds[3], int *stop, struct error **err);
void shimv2_close_stdio(int fds[3]);
int shimv2_stdin_relay(const char *path, int target, int *stop, struct error **err);
void shimv2_relay_stop(int *stop);
/* OOM events of sandbox id (shimv2/oom.c): a watcher until its VM is
 * gone (env and id outlive it: join th), and a last look. */
int shimv2_oom_watch(pthread_t *th, const struct sb_env *env, const char *id);
void shimv2_oom_drain(const struct sb_env *env, const char *id);
/* bundle/rootfs: containerd's mounts (shimv2/rootfs.c). */
int shimv2_mount_rootfs(const char *bundle, const void *mounts, size_t n, struct error **err);
void shimv2_umount_rootfs(const char *bundle);

#endif
