/* The guest agent (kata-agent): PID 1 of the VM's initrd, serving
 * grpc.AgentService and grpc.Health to the host over the agent channel. */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "rpc/rpc.h"

struct error;

/* What the kernel command line says to the agent. */
struct guest_opts {
	bool debug;	 /* agent.log=debug */
	bool use_vsock;	 /* agent.use_vsock=true */
	char channel[64]; /* agent.channel=NAME: the virtio-serial port, default agent.channel.0 */
	bool trace;	  /* agent.trace=isolated|collated: Kata's static tracing */
};

/* Parse a kernel command line (the text of /proc/cmdline). Unknown words
 * are ignored; a bad value of an agent.* option is an error naming it. */
int guest_cmdline_parse(const char *text, struct guest_opts *o, struct error **err);

/* As PID 1: mount /proc, /sys, /dev, /dev/pts, /dev/shm, /run, /tmp and
 * cgroup2, and load the modules listed in dir/load (finit_module, in that
 * order). Each failure is logged; the agent carries on with what works. */
void guest_init_system(const char *modules_dir);
/* Bring the loopback interface up (containers share the VM's network). */
void guest_loopback_up(void);
/* Open the console (hvc0, else /dev/console) for logging. */
void guest_console(bool debug);
/* Reap every child whose status nobody waits for (PID 1 adopts orphans).
 * SIGCHLD must be blocked in every thread before it starts. */
int guest_reaper_start(struct error **err);
/* Say why on the console, then power the VM off: PID 1 never returns. */
_Noreturn void guest_panic(const char *why);

/* Serve the agent's gRPC handlers on the virtio-serial port named name
 * (yamux sessions, one after another as the host reconnects) or on vsock
 * port 1024. Returns only on a fatal error. */
int guest_serve_serial(const char *name, const struct rpc_handler *h, size_t n,
		       struct error **err);
int guest_serve_vsock(const struct rpc_handler *h, size_t n, struct error **err);

/* Every handler, in one table (built once by guest/agent.c). */
int guest_handlers(const struct rpc_handler **h, size_t *n, struct error **err);
/* The tables: health.c, container.c, process.c, stdio.c, cgroup.c, vmops.c,
 * network.c, routes.c, metrics.c. */
extern const struct rpc_handler *const guest_health_handlers;
extern const size_t guest_nhealth_handlers;
extern const struct rpc_handler guest_sandbox_handlers[], guest_process_handlers[],
	guest_stdio_handlers[], guest_cgroup_handlers[], guest_vm_handlers[], guest_net_handlers[],
	guest_route_handlers[], guest_metrics_handlers[];
extern const struct rpc_handler *const guest_trace_handlers;
extern const size_t guest_ntrace_handlers;
/* agent.trace on the kernel command line: tracing on from boot. */
int guest_trace_static(struct error **err);
extern const size_t guest_nsandbox_handlers, guest_nprocess_handlers, guest_nstdio_handlers,
	guest_ncgroup_handlers, guest_nvm_handlers, guest_nnet_handlers, guest_nroute_handlers,
	guest_nmetrics_handlers;

struct buf;
/* ListProcesses' output: "json" (an array of pids) or "table". */
int guest_ps_format(struct buf *b, const char *format, const int *pids, const char *const *cmds,
		    size_t n);

#endif
