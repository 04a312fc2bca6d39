/* Hypervisors, behind one narrow ops table. A VM is the small explicit
 * struct below: its id, run directory, process and monitor. */
#ifndef HYPERVISOR_HYPERVISOR_H
#define HYPERVISOR_HYPERVISOR_H

#include <limits.h>
#include <sys/types.h>

#include "autoconf.h"
#include "config/config.h"
#include "hypervisor/qemu/argv.h"
#include "hypervisor/qmp.h"

struct vm {
	char id[64];
	char run_dir[PATH_MAX]; /* sockets, pid file, console.log, qemu.log */
	pid_t pid;		/* 0 when not running */
	struct qmp qmp;
	bool qmp_open;
	/* For hotplug: what the VM was started with, and what is used. */
	uint32_t iothreads, root_ports;
	uint32_t ports_used; /* bit i: a disk on root port rp<i> */
	uint32_t next_iothread, next_dimm, next_cpu;
};

struct hypervisor_ops {
	const char *name;
	/* Launch and wait until the monitor answers; a clone (QEMU_CLONE)
	 * also loads the template's state and stays paused until resumed. On
	 * failure nothing of the VM is left (process, sockets, pid file). */
	int (*start)(struct vm *vm, const struct config_qemu *c, const struct qemu_launch *l,
		     struct error **err);
	/* A VM that another process started, from its run directory: its
	 * pid (checked to be that VM's QEMU), and with monitor a connection
	 * to its monitor. ESRCH when the VM is gone. */
	int (*attach)(struct vm *vm, const char *id, const char *run_dir, bool monitor,
		      struct error **err);
	/* Leave the monitor; the VM runs on. */
	void (*detach)(struct vm *vm);
	int (*pause)(struct vm *vm, struct error **err);
	int (*resume)(struct vm *vm, struct error **err);
	/* quit, then SIGTERM, then SIGKILL, with bounded waits; removes the
	 * sockets and the pid file. Safe on a VM that died. */
	int (*stop)(struct vm *vm, struct error **err);
	/* 0 while running; -1 with *err saying how it ended otherwise. */
	int (*check)(struct vm *vm, struct error **err);
	/* A template (QEMU_TEMPLATE): pause and save the device state to
	 * state_path; the memory stays in its file. Stop the VM after. */
	int (*save)(struct vm *vm, const char *state_path, struct error **err);
};

extern const struct hypervisor_ops qemu_ops;

/* The accelerator (hypervisor/qemu/accel.c): "kvm" or "tcg" as configured;
 * for "auto", "kvm" only when kvm_dev opens and a probe boot of the
 * configured kernel under KVM gets through (the verdict is cached in
 * cache_dir, keyed by QEMU, kernel, machine and CPU); "tcg" otherwise.
 * why (why_size bytes) says how it was decided. */
const char *qemu_accel(const struct config_qemu *c, const char *cache_dir, const char *kvm_dev,
		       char *why, size_t why_size);
/* Boot the configured kernel under accel, without initrd or root, until it
 * panics and QEMU exits (panic=-1, --no-reboot): 0 when it does within
 * timeout_ms; -1 with *err giving QEMU's message or the timeout. */
int qemu_probe_boot(const struct config_qemu *c, const char *accel, int timeout_ms,
		    struct error **err);

/* The configured asset hashes (hypervisor/qemu/assets.c): each asset
 * whose [hypervisor.qemu] *_hash is set is hashed and compared; -1 with
 * *err naming the key, the file and both digests on a mismatch. Every
 * launch but a clone's (whose memory is the template's) checks first. */
#if ENABLE_ASSET_HASH
int qemu_assets_verify(const struct config_qemu *c, struct error **err);
#else
static inline int qemu_assets_verify(const struct config_qemu *c, struct error **err)
{
	(void)c, (void)err;
	return 0;
}
#endif

/* QEMU templates (hypervisor/qemu/template.c), over the VM's monitor. */
int qemu_save_state(struct vm *vm, const char *state_path, struct error **err);
int qemu_load_state(struct vm *vm, const char *state_path, struct error **err);

/* QEMU hotplug (hypervisor/qemu/hotplug.c). Each puts the new device's id
 * in id (size bytes). */
/* A vCPU in the first free slot query-hotpluggable-cpus lists, with the
 * CPU type and props it gives. */
int qemu_hotplug_vcpu(struct vm *vm, char *id, size_t size, struct error **err);
/* size_mib of RAM: a memory-backend-ram and a pc-dimm on it. */
int qemu_hotplug_memory(struct vm *vm, uint32_t size_mib, char *id, size_t size,
			struct error **err);
/* A raw image as virtio-blk-pci on the next free PCIe root port, on the
 * independent iothreads round-robin when there are some. */
int qemu_hotplug_disk(struct vm *vm, const char *image, char *id, size_t size,
		      struct error **err);
/* Unplug what those added, by its id: device_del, wait until the guest
 * let it go (DEVICE_DELETED), then remove the backend. The guest must
 * cooperate (ACPI for vCPUs and memory, which must be movable; PCIe
 * hotplug for disks, which waits 5 s for the attention button). */
int qemu_unplug_vcpu(struct vm *vm, const char *id, struct error **err);
int qemu_unplug_memory(struct vm *vm, const char *id, struct error **err);
int qemu_unplug_disk(struct vm *vm, const char *id, struct error **err);

/* NICs (hypervisor/qemu/nic.c): n's fds handed to QEMU, a tap netdev on
 * them and a virtio-net-pci on a free slot of a PCI bridge or a free root
 * port. pci_path gets Kata's "bridge/slot" (hex) for a bridge slot, "" for
 * a root port. The caller still closes its own fds. Unplug waits until the
 * guest let the device go, then removes the netdev (QEMU closes the fds). */
int qemu_hotplug_nic(struct vm *vm, const struct qemu_nic *n, char *pci_path, size_t size,
		     struct error **err);
int qemu_unplug_nic(struct vm *vm, const char *tap, struct error **err);

#endif
