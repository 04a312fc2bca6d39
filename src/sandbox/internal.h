/* Shared inside sandbox/: acting on a live container through its agent. */
#ifndef SANDBOX_INTERNAL_H
#define SANDBOX_INTERNAL_H

#include <errno.h>
#include <sys/stat.h>

#include "autoconf.h"
#include "sandbox/sandbox.h"
#include "util/error.h"

#define SB_MASK(st) (1u << (st))
#define SB_LIVE (SB_MASK(SB_CREATED) | SB_MASK(SB_RUNNING) | SB_MASK(SB_PAUSED))

/* Lock container id and read its state; unless its status now is one of
 * allowed (SB_MASK bits), fail with "container ID is STATUS: why"; then
 * connect to its agent. Release with sb_agent_done. */
int sb_with_agent(const struct sb_env *env, const char *id, unsigned allowed, const char *why,
		  struct sb_state *s, int *lock, struct agent *a, struct error **err);
void sb_agent_done(struct sb_state *s, int lock, struct agent *a);
/* The state and lock of sb_with_agent released, its agent kept. */
void sb_agent_release(struct sb_state *s, int lock);
/* CreateContainer, then UpdateContainer with the spec's resources (the
 * agent applies linux.resources on update only). */
int sb_agent_create_container(struct agent *a, const char *id, const struct oci_spec *spec,
			      const char *rootfs, const struct agent_devices *devs,
			      struct error **err);
/* Undo mountinfo's \040-style octal escapes in place (sandbox/share.c). */
void sb_mountinfo_unescape(char *s);
/* Block devices (sandbox/devices.c): spec's linux.devices of type b
 * hot-plugged into the VM vm_id in vm_dir for container cid (its directory
 * dir records them), with its rootfs when that is on a block device and
 * its mounts of block devices (spec rewritten: a file system's mount made
 * a bind of where the agent mounts it, a device's bind a linux.devices
 * entry), described for CreateContainer in out; on failure none is left
 * plugged. Unplug takes out what dir records (best effort: a VM
 * that is gone has none). */
#if ENABLE_BLOCK_DEVICES
int sb_devices_plug(const struct sb_env *env, const char *vm_id, const char *vm_dir,
		    const char *dir, const char *cid, struct oci_spec *spec,
		    struct agent_devices *out, struct error **err);
int sb_devices_unplug(const struct sb_env *env, const char *vm_id, const char *vm_dir,
		      const char *dir, const char *cid);
#else
static inline int sb_devices_plug(const struct sb_env *env, const char *vm_id,
				  const char *vm_dir, const char *dir, const char *cid,
				  struct oci_spec *spec, struct agent_devices *out,
				  struct error **err)
{
	(void)env, (void)vm_id, (void)vm_dir, (void)dir;
	out->n = out->nst = 0;
	out->rootfs_on_disk = false;
	struct stat st;
	for (size_t i = 0; i < spec->ndevices; i++)
		if (spec->devices[i].type == 'b')
			return error_set(err, ENOTSUP, "container %s: linux.devices: %s: block "
					 "devices are not built in (CONFIG_BLOCK_DEVICES)", cid,
					 spec->devices[i].path);
	for (size_t i = 0; i < spec->nmounts; i++)
		if (spec->mounts[i].source && stat(spec->mounts[i].source, &st) == 0 &&
		    S_ISBLK(st.st_mode))
			return error_set(err, ENOTSUP, "container %s: mounts[%zu]: %s: block devices "
					 "are not built in (CONFIG_BLOCK_DEVICES)", cid, i,
					 spec->mounts[i].source);
	return 0;
}
static inline int sb_devices_unplug(const struct sb_env *env, const char *vm_id,
				    const char *vm_dir, const char *dir, const char *cid)
{
	(void)env, (void)vm_id, (void)vm_dir, (void)dir, (void)cid;
	return 0;
}
#endif
/* What the agent is told before container s (status st) goes: SIGKILL to
 * its processes when created or forced, RemoveContainer, and with destroy
 * (the VM goes too) the agent's spans and DestroySandbox. */
void sb_agent_goodbye(const struct sb_env *env, struct agent *a, const struct sb_state *s,
		      enum sb_status st, bool force, bool destroy);
/* A connection to the container's agent (its sandbox's). */
int sb_connect_agent(const struct sb_env *env, const struct sb_state *s, struct agent *a,
		     struct error **err);

/* Pods (sandbox/pod.c). The sandbox a spec's annotations put the
 * container in: "" for its own (no annotation, or type sandbox), else the
 * sandbox's id with *key the annotation naming it; an unknown type, or a
 * container with no sandbox id, is an error naming the annotation. */
int sb_pod_role(const struct oci_spec *spec, const char *id, char *sandbox, const char **key,
		struct error **err);
/* create of s (id, dir, bundle, ... and s->sandbox filled) in its pod:
 * the sandbox is locked for all of it; on failure the pod is as it was. */
int sb_join(const struct sb_env *env, struct sb_state *s, const char *key,
	    struct oci_spec *spec, const struct sb_create_opts *o, pid_t *shim,
	    struct error **err);
/* Everything container s of pod has: with pod_lives, the agent asked to
 * remove it first (force: without waiting on one that does not answer);
 * its shims, its part of the share, its state. */
int sb_member_teardown(const struct sb_env *env, const struct sb_state *pod,
		       const struct sb_state *s, bool pod_lives, bool force, struct error **err);
/* delete of container id of sandbox (locking the sandbox first). */
int sb_delete_member(const struct sb_env *env, const char *id, const char *sandbox, bool force,
		     struct error **err);
/* The containers of pod (locked) go before it; without force, none may be
 * running or paused. */
int sb_delete_members(const struct sb_env *env, const struct sb_state *pod, bool force,
		      struct error **err);

/* One step of the sandbox as a span under parent: expr's result, the
 * span ending with *err's message when it failed. */
#define SB_STEP(parent, name, err, expr)                                          \
	({                                                                         \
		struct trace_span sp_;                                             \
		trace_begin(&sp_, (parent), (name));                               \
		int r_ = (expr);                                                   \
		trace_end_err(&sp_, r_, (err));                                    \
	})

/* The agent's spans (StopTracing) into this process's trace sink, when
 * [agent.kata] enable_tracing. */
void sb_agent_spans(const struct sb_env *env, struct agent *a);

#endif
