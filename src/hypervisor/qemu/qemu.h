/* The QEMU command line, built from the configuration as an argv array
 * (never a shell string). Pure: no file is opened, nothing is probed; the
 * caller resolves the accelerator, the run directory, the vsock CID. */
#ifndef HYPERVISOR_QEMU_ARGV_H
#define HYPERVISOR_QEMU_ARGV_H

#include <stdint.h>

#include "config/config.h"

enum qemu_mode {
	QEMU_BOOT,     /* a plain VM */
	QEMU_TEMPLATE, /* guest memory shared in mem_path, to be saved */
	QEMU_CLONE,    /* mem_path mapped privately; waits for migrate-incoming */
};

/* A NIC on a TAP whose queue fds the caller opened (and QEMU inherits,
 * or receives over the monitor when hot-plugged). netdev id: the TAP's
 * name; device id: "nic-" and that name. */
#define QEMU_MAX_QUEUES 8
struct qemu_nic {
	char tap[16];
	char mac[18];
	int fds[QEMU_MAX_QUEUES], vhostfds[QEMU_MAX_QUEUES];
	unsigned nfds, nvhost; /* nvhost: 0, or nfds with vhost-net */
};

struct qemu_launch {
	const char *id;	     /* names the VM */
	const char *run_dir; /* qmp.sock, console.log, kata.sock, pid live here */
	const char *accel;   /* "kvm" or "tcg", resolved */
	const char *shared_dir; /* exported as 9p "kataShared"; NULL: none */
	uint32_t vsock_cid;	/* with use_vsock */
	int vhost_fd;		/* the /dev/vhost-vsock fd holding the CID */
	uint32_t maxmem_mib;	/* hotplug ceiling */
	enum qemu_mode mode;
	const char *mem_path; /* template and clone memory file */
	bool agent_debug;
	const char *state_path; /* clone: the template's device state, loaded at start */
	uint32_t host_cpus;	/* for default_maxvcpus = 0 (Kata: the host's); 0 unknown */
	const struct qemu_nic *nics; /* cold-plugged */
	unsigned nnics;
	const char *agent_trace; /* agent.trace=TYPE (Kata's static tracing), or NULL */
	const struct trace_ctx *trace; /* the launch's span */
};

/* The root bus slot of the first PCI bridge (pci-bridge-0). */
#define QEMU_BRIDGE_SLOT 2

/* Kata 1.x's kernel parameters (amd64) before the generated and the
 * configured ones. */
extern const char qemu_default_kernel_params[];

/* Fill argv (free with strv_free). Returns 0, or -1 with *err naming the
 * configuration key that cannot work. */
int qemu_argv(const struct config_qemu *c, const struct qemu_launch *l, struct strv *argv,
	      struct error **err);
void strv_free(struct strv *v);

#endif
