/* Inside the QEMU driver: its state behind vm->drv, the command line
 * builder, and the monitor-driven parts. Nothing outside hypervisor/
 * includes this. */
#ifndef HYPERVISOR_QEMU_QEMU_H
#define HYPERVISOR_QEMU_QEMU_H

#include <stdint.h>

#include "autoconf.h"
#include "config/config.h"
#include "hypervisor/hypervisor.h"
#include "hypervisor/qemu/qmp.h"

/* vm->drv for QEMU: the open monitor and what hot-plug has used. */
struct vm_driver {
	struct qmp qmp;
	uint32_t next_dimm, next_cpu;
};

extern const struct hypervisor_ops qemu_ops;

/* The root bus slot of the first PCI bridge (pci-bridge-0). */
#define QEMU_BRIDGE_SLOT 2

/* Kata 1.x's kernel parameters (amd64) before the generated and the
 * configured ones. */
extern const char qemu_default_kernel_params[];

/* The QEMU command line for vm (its id and run directory) as l says,
 * built from the configuration as an argv array (never a shell string).
 * Pure: no file is opened, nothing is probed. Fill argv (free with
 * strv_free). Returns 0, or -1 with *err naming the configuration key that
 * cannot work. NIC netdev ids are the TAP's name; device ids "nic-" and
 * that name. */
int qemu_argv(const struct config_qemu *c, const struct vm *vm, const struct vm_launch *l,
	      struct strv *argv, struct error **err);

/* hypervisor/qemu/accel.c */
const char *qemu_accel(const struct config *c, const char *cache_dir, const char *kvm_dev,
		       char *why, size_t why_size);
int qemu_probe_boot(const struct config *c, const char *accel, int timeout_ms,
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

/* Templates (hypervisor/qemu/template.c), over the VM's monitor. */
int qemu_save_state(struct vm *vm, const char *state_path, struct error **err);
int qemu_load_state(struct vm *vm, const char *state_path, struct error **err);

/* Hot-plug (hypervisor/qemu/hotplug.c, nic.c), dispatched on d->kind:
 * a vCPU in the first free slot query-hotpluggable-cpus lists; memory as a
 * memory-backend-ram and a pc-dimm on it; a disk as virtio-blk-pci on the
 * next free PCIe root port (on the independent iothreads round-robin); a
 * NIC's fds handed over, a tap netdev on them and a virtio-net-pci on a
 * free slot of a PCI bridge or a free root port. Unplug: device_del, wait
 * for DEVICE_DELETED, then remove the backend. */
int qemu_hotplug(struct vm *vm, struct vm_device *d, struct error **err);
int qemu_unplug(struct vm *vm, const struct vm_device *d, struct error **err);
int qemu_hotplug_nic(struct vm *vm, struct vm_device *d, struct error **err);
int qemu_unplug_nic(struct vm *vm, const struct vm_device *d, struct error **err);

#endif
