/* OCI spec and process (agent protocol structs) to spawn plans. */
#ifndef GUEST_PLAN_H
#define GUEST_PLAN_H

#include "guest/spawn.h"
#include "agent.pb.h"
#include "oci.pb.h"

/* A container's first process: rootfs, mounts, paths, sysctls, process. */
int guest_plan_container(struct spawn_plan *p, const grpc_Spec *spec, struct error **err);
/* The process part (args, env, cwd, user, rlimits, capabilities, tty). */
int guest_plan_process(struct spawn_plan *p, const grpc_Process *proc, struct error **err);
void guest_plan_free(struct spawn_plan *p);
/* linux.devices as nodes to make (guest/devices.c): a block device must be
 * named by one of the n devs (type "blk", id its PCI path), found in the
 * guest (waiting for it to appear) and made with the guest's numbers. */
int guest_plan_devices(struct spawn_plan *p, const grpc_Linux *l, const grpc_Device *devs,
		       size_t n, struct error **err);
/* The block device at PCI path "SS/DD" once the guest has it: its name
 * (vda) and numbers; ETIMEDOUT after 10 s. */
int guest_block_by_pci(const char *pci_path, char *name, size_t size, dev_t *rdev,
		       struct error **err);
/* A storage of CreateSandbox/CreateContainer as the mount to make (source,
 * target, type, flags, data): "9p" (the shared directory), "ephemeral"
 * (tmpfs), or anything mount(2) takes as it is. No system call. */
int guest_plan_storage(const grpc_Storage *s, struct spawn_mount *m, struct error **err);
/* Mount storage s (guest/container.c; "blk": its source the disk's PCI
 * path, waited for), its mount point into *path (malloc'ed); 0 or a gRPC
 * status with *err. */
int guest_storage_mount(const grpc_Storage *s, char **path, struct error **err);
void guest_strv_free(char **v);
/* "CAP_SYS_ADMIN" -> 21; "RLIMIT_NOFILE" -> 7; -1 when unknown. */
int guest_cap_number(const char *name);
int guest_rlimit_number(const char *name);

#endif
