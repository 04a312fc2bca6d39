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
/* A storage of CreateSandbox/CreateContainer as the mount to make (source,
 * target, type, flags, data): "9p" (the shared directory), "ephemeral"
 * (tmpfs), or anything mount(2) takes as it is. No system call. */
int guest_plan_storage(const grpc_Storage *s, struct spawn_mount *m, struct error **err);
void guest_strv_free(char **v);
/* "CAP_SYS_ADMIN" -> 21; "RLIMIT_NOFILE" -> 7; -1 when unknown. */
int guest_cap_number(const char *name);
int guest_rlimit_number(const char *name);

#endif
