/* Hypervisors, behind one narrow ops table, and the one VM handle. Nothing
 * here names a hypervisor: what a VM is (its launch), what is plugged into
 * it (a tagged device) and the handle are neutral; each driver keeps its
 * own state behind vm->drv (hypervisor/qemu/ for QEMU, the only one). */
#ifndef HYPERVISOR_HYPERVISOR_H
#define HYPERVISOR_HYPERVISOR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "autoconf.h"
#include "config/config.h"

struct error;
struct trace_ctx;

/* The one id rule for VMs and containers: runc's 100 bytes at most. */
#define VM_ID_MAX 100
#define VM_KEY_MAX 4096
#define VM_MAX_QUEUES 8

enum vm_mode {
	VM_BOOT,     /* a plain VM */
	VM_TEMPLATE, /* guest memory shared in mem_path, to be saved */
	VM_CLONE,    /* mem_path mapped privately, the template's state loaded */
};

/* A NIC on a TAP whose queue fds the caller opened (and the hypervisor
 * inherits when cold-plugged, or receives when hot-plugged). */
struct vm_nic {
	char tap[16];
	char mac[18];
	int fds[VM_MAX_QUEUES], vhostfds[VM_MAX_QUEUES];
	unsigned nfds, nvhost; /* nvhost: 0, or nfds with vhost-net */
};

/* What a VM is, beyond the configuration: how it boots and what it has. */
struct vm_launch {
	enum vm_mode mode;
	const char *accel;	/* "kvm" or "tcg", resolved */
	const char *shared_dir; /* exported to the guest as "kataShared"; NULL: none */
	uint32_t vsock_cid;	/* with use_vsock */
	int vhost_fd;		/* the /dev/vhost-vsock fd holding the CID */
	uint32_t maxmem_mib;	/* hot-plug ceiling */
	uint32_t host_cpus;	/* for default_maxvcpus = 0 (Kata: the host's); 0 unknown */
	const char *mem_path;	/* template and clone memory file */
	const char *state_path; /* clone: the template's device state */
	bool agent_debug;
	const char *agent_trace;     /* agent.trace=TYPE (Kata's static tracing), or NULL */
	const struct vm_nic *nics;   /* cold-plugged */
	unsigned nnics;
	const struct trace_ctx *trace; /* the launch's span */
};

/* A device to hot-plug, or one plugged before (by its id) to unplug. */
enum vm_dev_kind { VM_DEV_VCPU, VM_DEV_MEMORY, VM_DEV_DISK, VM_DEV_NIC };
struct vm_device {
	enum vm_dev_kind kind;
	uint32_t size_mib;	  /* memory */
	const char *image;	  /* disk: a raw image or block device */
	const struct vm_nic *nic; /* NIC (unplug: its tap names it) */
	char id[64];		  /* set by hotplug; given to unplug */
	char pci_path[16];	  /* NIC: Kata's "bridge/slot" (hex), "" for a root port;
				   * disk: "rootport/00", its root port's slot then its own */
};

struct hypervisor_ops;
struct vm_driver; /* the driver's own: its monitor connection, hot-plug slots */

/* One VM from the factory to delete: made by the factory, owned by the
 * sandbox, reopened by later commands from its run directory. */
struct vm {
	const struct hypervisor_ops *hv;
	char id[VM_ID_MAX + 1];
	char dir[PATH_MAX];		/* run directory: sockets, pid file, logs, shared/ */
	pid_t pid;			/* the hypervisor's process; 0 when not running */
	char agent_url[PATH_MAX + 16];	/* DIR/kata.sock or vsock://CID:1024 */
	uint32_t vsock_cid;
	uint32_t cpus, memory_mib;	/* what it runs with now */
	bool paused;
	bool made_ahead;		/* not booted for this request: reseed, set the clock */
	char key[VM_KEY_MAX];		/* what it was booted with (factory_key_make) */
	const struct trace_ctx *trace;	/* monitor calls are spans under it */
	struct vm_driver *drv;		/* while the monitor is open; NULL otherwise */
};

struct hypervisor_ops {
	const char *name;
	/* Launch vm (its id and dir set) and wait until its monitor answers;
	 * a clone also loads the template's state and stays paused until
	 * resumed. On failure nothing of the VM is left (process, sockets,
	 * pid file). The monitor stays open. */
	int (*start)(struct vm *vm, const struct config *c, const struct vm_launch *l,
		     struct error **err);
	/* vm (its id and dir set) as another process started it: its pid
	 * (checked to be that VM's), and with monitor its monitor opened.
	 * ESRCH when the VM is gone. */
	int (*attach)(struct vm *vm, bool monitor, struct error **err);
	/* Leave the monitor; the VM runs on. */
	void (*detach)(struct vm *vm);
	int (*pause)(struct vm *vm, struct error **err);
	int (*resume)(struct vm *vm, struct error **err);
	/* quit, then SIGTERM, then SIGKILL, with bounded waits; removes the
	 * driver's run files. Safe on a VM that died; without a monitor it
	 * never asks one (a hung VM is not waited for). */
	int (*stop)(struct vm *vm, struct error **err);
	/* 0 while running; -1 with *err saying how it ended otherwise. */
	int (*check)(struct vm *vm, struct error **err);
	/* A template (VM_TEMPLATE): pause and save the device state to
	 * state_path; the memory stays in its file. Stop the VM after. */
	int (*save)(struct vm *vm, const char *state_path, struct error **err);
	/* Hot-plug d, filling its id (and a NIC's pci_path); unplug the one
	 * d->id names: the guest must let it go (ACPI for vCPUs and memory,
	 * which must be movable; PCIe hotplug for disks and NICs). */
	int (*hotplug)(struct vm *vm, struct vm_device *d, struct error **err);
	int (*unplug)(struct vm *vm, const struct vm_device *d, struct error **err);
	/* The accelerator: "kvm" or "tcg" as configured; for "auto", "kvm"
	 * only when kvm_dev opens and a probe boot under KVM gets through
	 * (the verdict cached in cache_dir). why says how it was decided. */
	const char *(*accel)(const struct config *c, const char *cache_dir, const char *kvm_dev,
			     char *why, size_t why_size);
	/* Boot the configured kernel under accel, without initrd or root,
	 * until it panics and exits: 0 when it does within timeout_ms. */
	int (*probe_boot)(const struct config *c, const char *accel, int timeout_ms,
			  struct error **err);
	/* The driver's files in a run directory, NULL-terminated: its logs
	 * first, what finds the VM (monitor, start time, pid) last. */
	const char *const *run_files;
};

/* The hypervisor the configuration names (QEMU: the only one). */
const struct hypervisor_ops *hypervisor_of(const struct config *c);

/* hypervisor/vm.c: a handle for the VM with this id in dir (id cut at
 * VM_ID_MAX), nothing open. */
void vm_init(struct vm *vm, const struct hypervisor_ops *hv, const char *id, const char *dir);
/* Reopen it from its run directory (attach). */
int vm_open(struct vm *vm, const struct hypervisor_ops *hv, const char *id, const char *dir,
	    bool monitor, struct error **err);
/* Stop the VM this handle names, its monitor open or not; when not, with
 * ask_monitor it is opened to ask QEMU to quit first, without (a hung or
 * stopped VM never answers) SIGTERM and SIGCONT at once, SIGKILL 2 s later. */
void vm_halt(struct vm *vm, bool ask_monitor);

#endif
