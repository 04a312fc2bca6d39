/* Pods: the sandbox container (a pod's pause container) owns the VM; a
 * container of type "container" joins it. Its rootfs and mounts go into the
 * sandbox's share, CreateContainer goes to the sandbox's agent, its limits
 * are hot-added to the sandbox's VM, and it gets a shim of its own in the
 * pod's network namespace. Lock order: the sandbox, then the container.
 * What was hot-added stays when the container goes: the guest does not
 * eject a vCPU QEMU unplugs (device_del waits in vain), and its memory
 * cannot be relied on to be movable. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#define MEMORY_BLOCK_MIB 128 /* the guest onlines hot-added memory in blocks */

static uint32_t want_cpus(const struct oci_resources *r)
{
	if (r->cpu_quota <= 0 || !r->cpu_period)
		return 0;
	return (uint32_t)(((uint64_t)r->cpu_quota + r->cpu_period - 1) / r->cpu_period);
}

static uint32_t want_mib(const struct oci_resources *r)
{
	if (r->memory_limit <= 0)
		return 0;
	uint64_t mib = ((uint64_t)r->memory_limit + (1u << 20) - 1) >> 20;
	mib = (mib + MEMORY_BLOCK_MIB - 1) / MEMORY_BLOCK_MIB * MEMORY_BLOCK_MIB;
	return mib > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)mib;
}

/* vCPUs and memory for r's limits hot-added to the pod's VM (Kata 1.x):
 * what the VM has no room for is a warning, the container runs within
 * what there is. *cpus: the vCPUs added; *mem: memory was. */
static int grow(const struct sb_env *env, const struct sb_state *pod, const char *id,
		const struct oci_resources *r, uint32_t *cpus, bool *mem, struct error **err)
{
	uint32_t n = want_cpus(r), mib = want_mib(r);
	struct vm vm;
	struct error *e = NULL;

	*cpus = 0;
	*mem = false;
	if (!n && !mib)
		return 0;
	if (vm_open(&vm, hypervisor_of(env->config), pod->id, pod->dir, true, err) < 0)
		return -1;
	vm.trace = env->trace;
	for (uint32_t i = 0; i < n; i++, ++*cpus) {
		struct vm_device d = { .kind = VM_DEV_VCPU };
		if (vm.hv->hotplug(&vm, &d, &e) < 0)
			break;
	}
	if (e)
		log_warn("container %s: %u of the %u vCPUs of its limit added to pod %s: %s", id,
			 *cpus, n, pod->id, e->msg);
	error_free(e);
	e = NULL;
	struct vm_device d = { .kind = VM_DEV_MEMORY, .size_mib = mib };
	if (mib && vm.hv->hotplug(&vm, &d, &e) < 0)
		log_warn("container %s: its %u MiB not added to pod %s: %s", id, mib, pod->id,
			 e->msg);
	else
		*mem = mib != 0;
	error_free(e);
	vm.hv->detach(&vm);
	return 0;
}

/* The container out of the agent: its processes killed, RemoveContainer. */
static void agent_remove(const struct sb_env *env, const struct sb_state *s, bool force)
{
	struct agent a;

	if (sb_connect_agent(env, s, &a, NULL) < 0)
		return;
	sb_agent_goodbye(env, &a, s, SB_CREATED, force, false);
	a.ops->close(&a);
}

int sb_member_teardown(const struct sb_env *env, const struct sb_state *pod,
		       const struct sb_state *s, bool pod_lives, bool force, struct error **err)
{
	if (pod_lives && sb_proc_alive(&pod->shim)) {
		agent_remove(env, s, force);
		sb_devices_unplug(env, pod->id, pod->dir, s->dir, s->id);
	}
	sb_kill_proc(&s->shim);
	sb_exec_kill_all(s->dir);
	sb_kill_strays(s->dir);
	if (sb_share_teardown_id(pod->dir, s->id, err) < 0)
		return error_wrap(err, "container %s", s->id);
	if (sb_remove_dir(s->dir, err) < 0)
		return error_wrap(err, "container %s", s->id);
	return 0;
}

/* CreateContainer in the pod's VM (after onlining what was added). */
static int agent_join(const struct sb_env *env, const struct sb_state *s, struct oci_spec *spec,
		      const char *rootfs, const struct agent_devices *devs, uint32_t cpus, bool mem,
		      struct error **err)
{
	struct agent a;

	if (sb_connect_agent(env, s, &a, err) < 0)
		return -1;
	int r = ((cpus || mem) && a.ops->online_cpu_mem(&a, cpus, err) < 0) ||
			sb_agent_create_container(&a, s->id, spec, rootfs, devs, err) < 0 ? -1 : 0;
	a.ops->close(&a);
	return r;
}

static int join_steps(const struct sb_env *env, const struct sb_state *pod, struct sb_state *s,
		      struct oci_spec *spec, const struct sb_create_opts *o, pid_t *shim,
		      struct error **err)
{
	char rootfs[PATH_MAX], netns[64];
	cleanup_free struct agent_devices *devs = xcalloc(1, sizeof(*devs));
	uint32_t cpus = 0;
	bool mem = false;
	pid_t pid;
	struct sb_stdio io = o->io;

	if (sb_state_write(s, err) < 0 ||
	    SB_STEP(env->trace, "vm.grow", err,
		    grow(env, pod, s->id, &spec->resources, &cpus, &mem, err)) < 0 ||
	    SB_STEP(env->trace, "devices.plug", err,
		    sb_devices_plug(env, pod->id, pod->dir, s->dir, s->id, spec, devs, err)) < 0)
		return -1;
	if (SB_STEP(env->trace, "share.setup", err,
		    sb_share_setup(pod->dir, s->id, spec, devs->rootfs_on_disk, rootfs, sizeof(rootfs),
				   err)) < 0) {
		sb_devices_unplug(env, pod->id, pod->dir, s->dir, s->id);
		return -1;
	}
	if (agent_join(env, s, spec, rootfs, devs, cpus, mem, err) < 0) {
		sb_devices_unplug(env, pod->id, pod->dir, s->dir, s->id);
		return error_wrap(err, "container %s", s->id);
	}
	/* The pod's network namespace is where its sandbox's shim lives. */
	snprintf(netns, sizeof(netns), "/proc/%d/ns/net", (int)pod->shim.pid);
	io.netns = netns;
	if (sb_spawn_shim(env, s->agent_url, s->id, s->id, s->terminal, &io, &pid, err) < 0)
		return -1;
	sb_proc_set(&s->shim, pid);
	*shim = pid;
	s->status = SB_CREATED;
	return sb_state_write(s, err);
}

/* The sandbox, locked, if it is one that is live. */
static int open_pod(const struct sb_env *env, const char *sandbox, const char *key,
		    struct sb_state *pod, int *lock, struct error **err)
{
	if (sb_state_open(env->root, sandbox, pod, lock, err) < 0)
		return error_wrap(err, "annotation %s: sandbox %s", key, sandbox);
	enum sb_status st = sb_state_status(pod);
	if (pod->sandbox[0])
		error_set(err, EINVAL, "annotation %s: %s is a container of sandbox %s, not a "
			  "sandbox", key, sandbox, pod->sandbox);
	else if (!(SB_LIVE & SB_MASK(st)))
		error_set(err, ESRCH, "annotation %s: sandbox %s is %s", key, sandbox,
			  sb_status_names[st]);
	else
		return 0;
	sb_state_free(pod);
	close(*lock);
	return -1;
}

int sb_join(const struct sb_env *env, struct sb_state *s, const char *key,
	    struct oci_spec *spec, const struct sb_create_opts *o, pid_t *shim,
	    struct error **err)
{
	struct sb_state pod;
	cleanup_close int plock = -1;
	cleanup_close int lock = -1;

	if (open_pod(env, s->sandbox, key, &pod, &plock, err) < 0)
		return -1;
	int r = sb_state_create(env->root, s->id, &lock, err);
	if (r == 0) {
		snprintf(s->agent_url, sizeof(s->agent_url), "%s", pod.agent_url);
		s->vsock_cid = pod.vsock_cid;
		r = join_steps(env, &pod, s, spec, o, shim, err);
		if (r < 0) /* the pod stays as it was */
			sb_member_teardown(env, &pod, s, true, true, NULL);
	}
	sb_state_free(&pod);
	return r;
}

static bool live(enum sb_status st)
{
	return st == SB_RUNNING || st == SB_PAUSED;
}

int sb_delete_member(const struct sb_env *env, const char *id, const char *sandbox, bool force,
		     struct error **err)
{
	struct sb_state pod = { 0 }, s;
	cleanup_close int plock = -1;
	cleanup_close int lock = -1;

	/* The sandbox first (lock order); one already gone took the VM and
	 * the share along. */
	bool have_pod = (force ? sb_state_salvage(env->root, sandbox, &pod, &plock, NULL)
			       : sb_state_open(env->root, sandbox, &pod, &plock, NULL)) == 0;
	if (!have_pod) {
		snprintf(pod.id, sizeof(pod.id), "%s", sandbox);
		sb_dir(env->root, sandbox, pod.dir, sizeof(pod.dir), NULL);
	}
	int r = (force ? sb_state_salvage(env->root, id, &s, &lock, err)
		       : sb_state_open(env->root, id, &s, &lock, err));
	if (r == 0) {
		enum sb_status st = sb_state_status(&s);
		if (!force && live(st))
			r = error_set(err, EBUSY, "cannot delete container %s that is not stopped: %s",
				      id, sb_status_names[st]);
		else
			r = sb_member_teardown(env, &pod, &s, have_pod, force, err);
		sb_state_free(&s);
	}
	sb_state_free(&pod);
	return r;
}

int sb_delete_members(const struct sb_env *env, const struct sb_state *pod, bool force,
		      struct error **err)
{
	struct strv ids;
	struct sb_state s;
	int lock, r = 0;

	if (sb_pod_members(env->root, pod->id, &ids, err) < 0)
		return -1;
	for (size_t i = 0; i < ids.n && !force && r == 0; i++)
		if (sb_state_peek(env->root, ids.v[i], &s, NULL) == 0) {
			if (live(sb_state_status(&s)))
				r = error_set(err, EBUSY, "cannot delete sandbox %s: its container %s is "
					      "%s (delete it first, or use --force)", pod->id,
					      ids.v[i], sb_status_names[sb_state_status(&s)]);
			sb_state_free(&s);
		}
	/* The VM goes with the sandbox: nothing is asked of it. */
	for (size_t i = 0; i < ids.n && r == 0; i++)
		if (sb_state_salvage(env->root, ids.v[i], &s, &lock, NULL) == 0) {
			r = sb_member_teardown(env, pod, &s, false, true, err);
			sb_state_free(&s);
			close(lock);
		}
	strv_free(&ids);
	return r;
}
