/* The VM factory: where a sandbox's VM comes from. Kata's four sources
 * behind one ops table: direct (boot one now), template (a clone of a saved
 * template VM), grpccache (one booted ahead of time by a VMCache server),
 * and the cache the server itself keeps (vmcache/). A VM is handed over as
 * the small explicit struct vm, never as a driver dump; whether a
 * VM made ahead of time fits a request is decided by comparing its
 * compatibility key with the request's, field by field. */
#ifndef FACTORY_FACTORY_H
#define FACTORY_FACTORY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "autoconf.h"
#include "config/config.h"
#include "hypervisor/hypervisor.h"
#include "util/buf.h"

struct error;

#define FACTORY_KEY_MAX VM_KEY_MAX

struct factory;

struct factory_ops {
	const char *name;
	/* A running VM whose run directory is dir (made there, or moved
	 * there): paused when it was made ahead of time. id names a VM made
	 * now. On failure nothing of it is left. */
	int (*get_base_vm)(struct factory *f, const char *id, const char *dir,
			   struct vm *vm, struct error **err);
};

extern const struct factory_ops factory_direct, factory_template, factory_grpccache;

struct factory {
	const struct factory_ops *ops;
	const struct hypervisor_ops *hv;
	const struct config *config;
	char accel[8];			/* resolved ("kvm" or "tcg") */
	char key[FACTORY_KEY_MAX];	/* the request's */
	char endpoint[PATH_MAX];	/* grpccache: the server's socket */
	/* The sandbox's NICs: cold-plugged into a VM booted for it,
	 * hot-plugged into one made ahead (which boots without any). */
	const struct vm_nic *nics;
	unsigned nnics;
	/* Tracing: what the factory does are spans under trace (NULL: not
	 * traced); source says where the VM came from at last ("direct",
	 * "template" or "cache", after any fallback). */
	const struct trace_ctx *trace;
	const char *source;
};

/* The source the configuration asks for: grpccache when endpoint is given
 * or [factory] vm_cache_number > 0 (endpoint then vm_cache_endpoint),
 * template when enable_template, direct otherwise. cache_dir keeps the
 * accelerator verdicts. */
int factory_init(struct factory *f, const struct config *c, const char *cache_dir,
		 const char *endpoint, struct error **err);

/* Kata's GetVM: a VM from f's source for dir; if that fails or its key
 * differs from the request's, a warning and a direct boot (which is never
 * left paused). Then resumed, and vCPUs, memory and f's NICs hot-added up
 * to what the configuration asks; *hot_cpus says how many vCPUs were added (for
 * OnlineCPUMem). The guest side (reseed, clock, online) is the caller's.
 * The VM's monitor stays open (f->hv->detach when done with it). */
int factory_get_vm(struct factory *f, const char *id, const char *dir, struct vm *vm,
		   uint32_t *hot_cpus, bool *hot_mem, struct error **err);

/* A template's asset record (factory/assets.c): file gets the SHA-256
 * and file identity of the kernel, initrd and image q names; check
 * refuses (EPERM, naming the asset and both digests) when one of them
 * changed since, or when a configured *_hash differs from the record.
 * tdir names the template in messages. */
#if ENABLE_ASSET_HASH
int factory_assets_record(const struct config_qemu *q, const char *file, struct error **err);
int factory_assets_check(const struct config_qemu *q, const char *file, const char *tdir,
			 struct error **err);
#else
static inline int factory_assets_record(const struct config_qemu *q, const char *file,
					struct error **err)
{
	(void)q, (void)file, (void)err;
	return 0;
}
static inline int factory_assets_check(const struct config_qemu *q, const char *file,
				       const char *tdir, struct error **err)
{
	(void)q, (void)file, (void)tdir, (void)err;
	return 0;
}
#endif

/* GetBaseVM from the VMCache server at endpoint: the VM it names (still in
 * the server's directory). */
int factory_cache_get(const char *endpoint, const struct trace_ctx *trace,
		      struct vm *vm, struct error **err);

/* Stop a VM and remove its run directory's files (and the directory when
 * rmdir_too). Safe on one that is gone. */
void factory_vm_stop(struct vm *vm, bool rmdir_too);

/* The compatibility key (factory/key.c): every setting that cannot change
 * after boot (not CPUs or memory), as a JSON object named like Kata's
 * HypervisorConfig fields. */
int factory_key_make(const struct config *c, const char *accel, char *key, size_t size,
		     struct error **err);
/* Whether a VM made ahead with compatibility key key fits f's request
 * (the one decision for templates and cached VMs); when not, field names
 * the first setting that differs. */
bool factory_vm_fits(const struct factory *f, const char *key, char *field, size_t size);
/* 0 when a and b are equal field by field; 1 with the first field that
 * differs in name (size bytes); -1 when one does not parse. */
int factory_key_diff(const char *a, const char *b, char *name, size_t size);

/* The VM description (GrpcVM.hypervisor, documented in proto/cache.proto):
 * Kata's qemuGrpc JSON keys, so a Kata client finds its QMP socket, plus
 * "ukata" with everything this struct holds. */
int factory_vm_encode(const struct vm *vm, struct buf *out);
int factory_vm_decode(const char *text, size_t len, struct vm *vm, struct error **err);

/* Move a VM's run files (sockets, pid, logs, share) from vm->dir into dir,
 * which becomes its run directory; the old one is removed. Both must be on
 * one file system (EXDEV otherwise, and nothing moved). */
int factory_vm_move(struct vm *vm, const char *dir, struct error **err);

/* Boot a VM in dir (factory/boot.c) as mode says: a plain VM, a template
 * (guest memory shared in mem_path) or a clone of one (mem_path mapped
 * privately, state_path loaded; left paused) with cpus vCPUs and
 * memory_mib of RAM. A vsock CID is taken when use_vsock. The monitor
 * stays open. */
int factory_boot(const struct factory *f, const char *id, const char *dir, enum vm_mode mode,
		 uint32_t cpus, uint32_t memory_mib,
		 const char *mem_path, const char *state_path, struct vm *vm,
		 struct error **err);


/* The template (factory/template.c): make it at template_path (a tmpfs
 * holding memory, state and the key) unless there is one already. */
int factory_template_make(const struct factory *f, struct error **err);
/* Unmount and remove it; 0 when there was none. */
int factory_template_destroy(const struct config *c, struct error **err);
bool factory_template_exists(const struct config *c);

#endif
