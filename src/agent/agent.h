/* The guest agent as the host sees it: a narrow ops table over one
 * connection. kata_agent_ops speaks Kata 1.x's grpc.AgentService over our
 * gRPC client, on a unix socket (the proxy's, or any agent's) or vsock. An
 * agent connection is safe to share between threads: a blocking call (a
 * WaitProcess, a ReadStdout) does not hold up the others. */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "rpc/rpc.h"
#include "util/buf.h"

struct error;

struct agent {
	const struct agent_ops *ops; /* set by agent_connect */
	struct rpc_client rpc;
	char *noop_dir; /* noop: where its processes' ends are recorded */
	bool open;
	int timeout_ms; /* of each call but the waits and reads (0: none) */
	/* Calls are spans under this context (NULL: not traced); each sends
	 * it to the agent in a traceparent header. */
	const struct trace_ctx *trace;
};

/* What CreateSandbox needs: the 9p share is mounted at the guest's
 * AGENT_SHARED_DIR. */
#define AGENT_SHARED_DIR "/run/kata-containers/shared/containers"
struct agent_sandbox {
	const char *id, *hostname;
	const struct strv *kernel_modules; /* "name param=value ..." each */
	uint32_t msize_9p;
	bool pidns; /* sandbox_pidns: a PID namespace the containers may join */
};

/* Devices hot-plugged for a container (CreateContainer's Device): Kata's
 * type "blk" (virtio-blk), id its PCI path, at container_path in it. */
#define AGENT_MAX_DEVICES 32
struct agent_device {
	char type[8];
	char id[16];
	char container_path[256];
};
/* A file system on a disk for the agent to mount (Kata's Storage{driver
 * "blk"}): the disk's PCI path, its type, options (comma-separated) and
 * mount point in the guest ("": the container's rootfs). */
#define AGENT_MAX_STORAGES 8
struct agent_storage {
	char id[16], fstype[32], options[256], mount_point[256];
};
struct agent_devices {
	struct agent_device v[AGENT_MAX_DEVICES];
	size_t n;
	struct agent_storage st[AGENT_MAX_STORAGES];
	size_t nst;
	bool rootfs_on_disk; /* one of st is the rootfs: the share only makes its directory */
};

/* Container statistics (from the agent's cgroup). */
struct agent_stats {
	uint64_t cpu_total_ns, cpu_user_ns, cpu_kernel_ns;
	uint64_t mem_usage, mem_max_usage, mem_limit, mem_failcnt, mem_cache;
	uint64_t pids_current, pids_limit;
};

/* The network (types.Interface, types.Route, types.ARPNeighbor) in text
 * form; family is AF_INET or AF_INET6. Longer strings from the agent are
 * cut to these sizes. */
#define AGENT_MAX_IPS 8
struct agent_ip {
	int family;
	char address[46], mask[8];
};
struct agent_iface {
	char device[16], name[16], hw_addr[18], pci_path[32], type[16];
	struct agent_ip ips[AGENT_MAX_IPS];
	size_t nips;
	uint64_t mtu;
	uint32_t raw_flags;
};
struct agent_route {
	char dest[54], gateway[46], device[16], source[46];
	uint32_t scope;
};
struct agent_neigh {
	struct agent_ip ip;
	char device[16], lladdr[18];
	int32_t state, flags;
};

struct agent_ops {
	const char *name;
	/* "unix:///path", "/path" or "vsock://CID:PORT". */
	int (*connect)(struct agent *a, const char *url, struct error **err);
	void (*close)(struct agent *a);
	int (*check)(struct agent *a, struct error **err);
	int (*create_sandbox)(struct agent *a, const struct agent_sandbox *sb, struct error **err);
	int (*destroy_sandbox)(struct agent *a, struct error **err);
	/* spec's root.path is replaced by rootfs (the guest's path). A PID
	 * namespace with a path (a host one) asks for the sandbox's
	 * (sandbox_pidns, as Kata's handlePidNamespace). */
	int (*create_container)(struct agent *a, const char *cid, const struct oci_spec *spec,
				const char *rootfs, const struct agent_devices *devs,
				struct error **err);
	int (*start_container)(struct agent *a, const char *cid, struct error **err);
	/* Waits up to timeout_s for the processes to end (0: for ever). */
	int (*remove_container)(struct agent *a, const char *cid, uint32_t timeout_s,
				struct error **err);
	int (*exec_process)(struct agent *a, const char *cid, const char *eid,
			    const struct oci_process *p, struct error **err);
	/* eid "" signals every process of the container. */
	int (*signal_process)(struct agent *a, const char *cid, const char *eid, int sig,
			      struct error **err);
	/* Blocks until the process ends: its status (128+signal if killed). */
	int (*wait_process)(struct agent *a, const char *cid, const char *eid, int *status,
			    struct error **err);
	/* Appends what the process wrote to out (blocks until some comes):
	 * 1 with bytes, 0 at EOF, -1 on error. */
	int (*read_output)(struct agent *a, const char *cid, const char *eid, bool err_stream,
			   struct buf *out, struct error **err);
	/* The reader of that output is gone: the process's writes to it should
	 * fail from now on. 0 when the agent did so, 1 when it cannot (it read
	 * instead: the caller may signal the process), -1 on error. */
	int (*close_output)(struct agent *a, const char *cid, const char *eid, bool err_stream,
			    struct error **err);
	int (*write_stdin)(struct agent *a, const char *cid, const char *eid, const void *data,
			   size_t len, struct error **err);
	int (*close_stdin)(struct agent *a, const char *cid, const char *eid, struct error **err);
	int (*tty_resize)(struct agent *a, const char *cid, const char *eid, uint32_t rows,
			  uint32_t columns, struct error **err);
	int (*pause)(struct agent *a, const char *cid, struct error **err);
	int (*resume)(struct agent *a, const char *cid, struct error **err);
	int (*update)(struct agent *a, const char *cid, const struct oci_resources *r,
		      struct error **err);
	int (*stats)(struct agent *a, const char *cid, struct agent_stats *s, struct error **err);
	/* GetOOMEvent: the next container of the VM the OOM killer killed in,
	 * its id in cid, waiting up to timeout_ms (ETIMEDOUT: none came).
	 * NULL for an agent without them. */
	int (*oom_event)(struct agent *a, char *cid, size_t size, int timeout_ms,
			 struct error **err);
	/* GetMetrics (Kata 2.x's): the guest's figures, Prometheus text,
	 * appended to out within timeout_ms; ENOTSUP from an agent that has
	 * no such call (Kata 1.x's). NULL for an agent without them. */
	int (*metrics)(struct agent *a, struct buf *out, int timeout_ms, struct error **err);
	/* ps: "json" (an array of pids) or "table" (with args), into out. */
	int (*ps)(struct agent *a, const char *cid, const char *format, char *const *args,
		  size_t nargs, struct buf *out, struct error **err);
	/* For a VM booted ahead of time: new entropy (ReseedRandomDev), the
	 * clock (SetGuestDateTime), and hot-added vCPUs and memory online
	 * (OnlineCPUMem, waiting until they are). */
	int (*reseed)(struct agent *a, const void *data, size_t len, struct error **err);
	int (*set_time)(struct agent *a, int64_t sec, int64_t usec, struct error **err);
	int (*online_cpu_mem)(struct agent *a, uint32_t nb_cpus, struct error **err);
	/* Tracing in the agent: StartTracing; StopTracing appends the spans
	 * it recorded (OTLP/JSON lines) to out. */
	int (*start_tracing)(struct agent *a, struct error **err);
	int (*stop_tracing)(struct agent *a, struct buf *out, struct error **err);
	/* The network: UpdateInterface (the NIC found by MAC address, renamed,
	 * addressed, up; out: as the guest has it now), UpdateRoutes (they
	 * replace the guest's; *out what it has after), AddARPNeighbors,
	 * ListInterfaces and ListRoutes. Lists are calloc'd (free()). */
	int (*update_interface)(struct agent *a, const struct agent_iface *in,
				struct agent_iface *out, struct error **err);
	int (*update_routes)(struct agent *a, const struct agent_route *r, size_t n,
			     struct agent_route **out, size_t *nout, struct error **err);
	int (*add_neighbors)(struct agent *a, const struct agent_neigh *v, size_t n,
			     struct error **err);
	int (*list_interfaces)(struct agent *a, struct agent_iface **out, size_t *n,
			       struct error **err);
	int (*list_routes)(struct agent *a, struct agent_route **out, size_t *n,
			   struct error **err);
};

extern const struct agent_ops kata_agent_ops, noop_agent_ops;

/* The noop agent's URL: "noop://" and the sandbox's run directory. The VM
 * runs and nothing is asked of it; what its processes do is kept in that
 * directory, so that each command and shim sees the same: a container's
 * process ends with 0 when it is started (an exec'd one at once), or with
 * 128+N when signalled N first. */
#define AGENT_NOOP_URL "noop://"

/* Connect a to the agent at url with the ops its scheme names:
 * AGENT_NOOP_URL the noop agent, anything else kata's; an agent that is
 * not built in is an error naming its option. a->ops is set then. */
int agent_connect(struct agent *a, const char *url, struct error **err);
/* Until the agent at url answers Health.Check, for up to timeout_ms (a
 * connection refused is tried again), then the connection is closed.
 * With mux the channel is the VM's own (virtio-serial, no proxy on it
 * yet): yamux runs on it for the check and ends with GO_AWAY. 0 at once
 * for the noop agent. */
int agent_wait_ready(const char *url, bool mux, int timeout_ms, struct error **err);
static inline bool agent_url_is_noop(const char *url)
{
	return !strncmp(url, AGENT_NOOP_URL, sizeof(AGENT_NOOP_URL) - 1);
}

#endif
