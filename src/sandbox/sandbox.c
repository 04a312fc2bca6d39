/* The lifecycle: create, start, kill, delete, pause and resume. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hypervisor/hypervisor.h"
#include "sandbox/internal.h"
#include "transport/transport.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#define AGENT_TIMEOUT_MS 30000
#define AGENT_BOOT_MS 120000 /* the first call waits for the guest to boot */
#define REMOVE_TIMEOUT_S 10

static int connect_agent(const struct sb_state *s, struct agent *a, struct error **err)
{
	memset(a, 0, sizeof(*a));
	a->timeout_ms = AGENT_TIMEOUT_MS;
	if (kata_agent_ops.connect(a, s->agent_url, err) < 0)
		return error_wrap(err, "container %s", s->id);
	return 0;
}

/* Everything the container has on the host goes: shims, VM, proxy,
 * mounts, state. Safe on a half-made container. */
static int teardown(const struct sb_state *s, struct error **err)
{
	struct vm vm;
	cleanup_error struct error *e = NULL;

	sb_kill_proc(&s->shim);
	sb_exec_kill_all(s->dir);
	if (qemu_ops.attach(&vm, s->id, s->dir, true, &e) == 0 ||
	    (e && e->code != ESRCH && qemu_ops.attach(&vm, s->id, s->dir, false, NULL) == 0))
		qemu_ops.stop(&vm, NULL);
	if (sb_proc_alive(&s->proxy))
		kill(s->proxy.pid, SIGTERM);
	for (int i = 0; i < 100 && sb_proc_alive(&s->proxy); i++)
		usleep(10 * 1000);
	sb_kill_proc(&s->proxy);
	sb_kill_strays(s->dir);
	if (sb_share_teardown(s->dir, err) < 0 || sb_remove_dir(s->dir, err) < 0)
		return error_wrap(err, "container %s", s->id);
	return 0;
}

static void copy_annotations(struct sb_state *s, const struct oci_spec *spec)
{
	s->ann_keys = spec->ann_keys.v;
	s->ann_values = spec->ann_values.v;
	s->nann = spec->ann_keys.n < spec->ann_values.n ? spec->ann_keys.n : spec->ann_values.n;
}

/* A vsock CID for the VM: /dev/vhost-vsock holds it for as long as the fd
 * (QEMU's, after launch) is open. The first free one from 3. */
#define VHOST_VSOCK_SET_GUEST_CID _IOW(0xAF, 0x60, uint64_t)
static int vsock_cid(uint32_t *cid, struct error **err)
{
	int fd = open("/dev/vhost-vsock", O_RDWR); /* QEMU inherits it */
	if (fd < 0)
		return error_set_errno(err, errno, "hypervisor.qemu.use_vsock: /dev/vhost-vsock");
	for (uint64_t c = 3; c < 65536; c++)
		if (ioctl(fd, VHOST_VSOCK_SET_GUEST_CID, &c) == 0) {
			*cid = (uint32_t)c;
			return fd;
		} else if (errno != EADDRINUSE) {
			break;
		}
	int e = errno;
	close(fd);
	return error_set_errno(err, e, "hypervisor.qemu.use_vsock: no free vsock CID");
}

/* The VM: booted with the share, its monitor left (every later command
 * attaches again). With vsock, its CID in s and the agent's address. */
static int boot(const struct sb_env *env, struct sb_state *s, struct error **err)
{
	const struct config *c = env->config;
	char share[PATH_MAX + 16], cache[PATH_MAX + 16], why[256];
	struct vm vm;
	int vhost = -1;

	if (c->qemu.use_vsock) {
		if ((vhost = vsock_cid(&s->vsock_cid, err)) < 0)
			return -1;
		snprintf(s->agent_url, sizeof(s->agent_url), "vsock://%u:%u", s->vsock_cid,
			 VSOCK_AGENT_PORT);
	}
	snprintf(share, sizeof(share), "%s/shared", s->dir);
	snprintf(cache, sizeof(cache), "%s/.cache", env->root);
	const char *accel = qemu_accel(&c->qemu, cache, "/dev/kvm", why, sizeof(why));
	log_debug("container %s: accel %s (%s)", s->id, accel, why);
	struct qemu_launch l = { .id = s->id, .run_dir = s->dir, .accel = accel,
				 .shared_dir = share, .vsock_cid = s->vsock_cid, .vhost_fd = vhost,
				 .mode = QEMU_BOOT, .agent_debug = c->agent.enable_debug };
	int r = qemu_ops.start(&vm, &c->qemu, &l, err);
	if (vhost >= 0)
		close(vhost);
	if (r < 0)
		return -1;
	qemu_ops.detach(&vm);
	return 0;
}

/* CreateSandbox and CreateContainer (and its resources). */
static int agent_create(const struct sb_env *env, const struct sb_state *s,
			struct oci_spec *spec, const char *rootfs, struct error **err)
{
	struct agent a;
	struct agent_sandbox sb = { s->id, spec->hostname ? spec->hostname : s->id,
				    (const struct oci_strs *)&env->config->agent.kernel_modules,
				    env->config->qemu.msize_9p };
	struct oci_resources none = { 0 };
	int r = -1;

	if (connect_agent(s, &a, err) < 0)
		return -1;
	a.timeout_ms = AGENT_BOOT_MS;
	if (kata_agent_ops.check(&a, err) < 0)
		goto out;
	a.timeout_ms = AGENT_TIMEOUT_MS;
	if (kata_agent_ops.create_sandbox(&a, &sb, err) < 0 ||
	    kata_agent_ops.create_container(&a, s->id, spec, rootfs, err) < 0)
		goto out;
	/* The agent applies linux.resources on update only. */
	if (memcmp(&spec->resources, &none, sizeof(none)) &&
	    kata_agent_ops.update(&a, s->id, &spec->resources, err) < 0)
		goto out;
	r = 0;
out:
	kata_agent_ops.close(&a);
	return r < 0 ? error_wrap(err, "container %s", s->id) : 0;
}

static int create_steps(const struct sb_env *env, struct sb_state *s, struct oci_spec *spec,
			const struct sb_create_opts *o, pid_t *shim, struct error **err)
{
	char rootfs[PATH_MAX];
	pid_t pid;

	if (sb_state_write(s, err) < 0 ||
	    sb_share_setup(s->dir, s->id, spec, rootfs, sizeof(rootfs), err) < 0 ||
	    boot(env, s, err) < 0)
		return -1;
	/* virtio-serial takes one client: the proxy shares it. A vsock takes
	 * a connection per client, and no proxy runs. */
	if (!env->config->qemu.use_vsock) {
		if (sb_spawn_proxy(env, s->dir, &pid, err) < 0)
			return -1;
		sb_proc_set(&s->proxy, pid);
	}
	if (sb_state_write(s, err) < 0 || agent_create(env, s, spec, rootfs, err) < 0 ||
	    sb_spawn_shim(env, s->agent_url, s->id, s->id, s->terminal, &o->io, &pid, err) < 0)
		return -1;
	sb_proc_set(&s->shim, pid);
	*shim = pid;
	s->status = SB_CREATED;
	return sb_state_write(s, err);
}

int sb_create(const struct sb_env *env, const char *id, const struct sb_create_opts *o,
	      pid_t *shim, struct error **err)
{
	struct sb_state s = { 0 };
	struct oci_spec spec;
	cleanup_close int lock = -1;
	char bundle[PATH_MAX];

	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return error_set_errno(err, errno, "bundle %s", o->bundle ? o->bundle : ".");
	if (sb_check_id(id, err) < 0 || oci_spec_load(bundle, &spec, err) < 0)
		return -1;
	if (spec.process.terminal && o->io.detach && !o->io.console_socket) {
		oci_spec_free(&spec);
		return error_set(err, EINVAL, "%s/config.json: process.terminal is true: a detached "
				 "container needs --console-socket", bundle);
	}
	if (sb_state_create(env->root, id, &lock, err) < 0) {
		oci_spec_free(&spec);
		return -1;
	}
	snprintf(s.id, sizeof(s.id), "%s", id);
	sb_dir(env->root, id, s.dir, sizeof(s.dir), NULL);
	snprintf(s.bundle, sizeof(s.bundle), "%s", bundle);
	snprintf(s.rootfs, sizeof(s.rootfs), "%s", spec.root_path);
	if (snprintf(s.agent_url, sizeof(s.agent_url), "%s/proxy.sock", s.dir) < 0)
		s.agent_url[0] = 0;
	sb_now_rfc3339(s.created, sizeof(s.created));
	s.terminal = spec.process.terminal;
	copy_annotations(&s, &spec);
	int r = create_steps(env, &s, &spec, o, shim, err);
	if (r < 0) {
		error_wrap(err, "create %s", id);
		teardown(&s, NULL);
	}
	oci_spec_free(&spec);
	return r;
}

/* Lock and read the state; status is the status now. */
static int open_state(const struct sb_env *env, const char *id, struct sb_state *s, int *lock,
		      enum sb_status *status, struct error **err)
{
	if (sb_state_open(env->root, id, s, lock, err) < 0)
		return -1;
	*status = sb_state_status(s);
	return 0;
}

static void close_state(struct sb_state *s, int lock)
{
	sb_state_free(s);
	if (lock >= 0)
		close(lock);
}

int sb_with_agent(const struct sb_env *env, const char *id, unsigned allowed, const char *why,
		  struct sb_state *s, int *lock, struct agent *a, struct error **err)
{
	enum sb_status st;

	if (open_state(env, id, s, lock, &st, err) < 0)
		return -1;
	if (!(allowed & SB_MASK(st)))
		error_set(err, ESRCH, "container %s is %s: %s", id, sb_status_names[st], why);
	else if (connect_agent(s, a, err) == 0)
		return 0;
	close_state(s, *lock);
	return -1;
}

void sb_agent_done(struct sb_state *s, int lock, struct agent *a)
{
	kata_agent_ops.close(a);
	close_state(s, lock);
}

/* One agent call that moves the container to status to. */
static int transition(struct sb_state *s, int r, enum sb_status to, struct error **err)
{
	s->status = to;
	return r < 0 ? -1 : sb_state_write(s, err);
}

int sb_start(const struct sb_env *env, const char *id, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, SB_MASK(SB_CREATED), "only a created container can start", &s,
			  &lock, &a, err) < 0)
		return -1;
	int r = transition(&s, kata_agent_ops.start_container(&a, id, err), SB_RUNNING, err);
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_kill(const struct sb_env *env, const char *id, int sig, bool all, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, SB_LIVE, "container not running", &s, &lock, &a, err) < 0)
		return -1;
	int r = kata_agent_ops.signal_process(&a, id, all ? "" : id, sig, err);
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_delete(const struct sb_env *env, const char *id, bool force, struct error **err)
{
	struct sb_state s;
	struct agent a;
	enum sb_status st;
	int lock, r = -1;

	if (open_state(env, id, &s, &lock, &st, err) < 0)
		return -1;
	if (!force && (st == SB_RUNNING || st == SB_PAUSED)) {
		error_set(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
			  sb_status_names[st]);
		goto out;
	}
	/* A stopped or created container: tell the agent, then take it all down. */
	if (st != SB_CREATING && (s.vsock_cid || sb_proc_alive(&s.proxy)) &&
	    connect_agent(&s, &a, NULL) == 0) {
		if ((force || st == SB_CREATED) &&
		    kata_agent_ops.signal_process(&a, id, "", SIGKILL, NULL) == 0)
			/* Let the shim see the status before its process goes. */
			for (int i = 0; i < 300 && sb_proc_alive(&s.shim); i++)
				usleep(10 * 1000);
		kata_agent_ops.remove_container(&a, id, REMOVE_TIMEOUT_S, NULL);
		kata_agent_ops.destroy_sandbox(&a, NULL);
		kata_agent_ops.close(&a);
	}
	r = teardown(&s, err);
out:
	close_state(&s, lock);
	return r;
}

int sb_pause(const struct sb_env *env, const char *id, bool pause, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, SB_MASK(pause ? SB_RUNNING : SB_PAUSED),
			  pause ? "not running" : "not paused", &s, &lock, &a, err) < 0)
		return -1;
	int r = pause ? kata_agent_ops.pause(&a, id, err) : kata_agent_ops.resume(&a, id, err);
	r = transition(&s, r, pause ? SB_PAUSED : SB_RUNNING, err);
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_state_get(const struct sb_env *env, const char *id, struct sb_state *s,
		 struct error **err)
{
	int lock;
	enum sb_status st;

	if (open_state(env, id, s, &lock, &st, err) < 0)
		return -1;
	s->status = st;
	close(lock);
	return 0;
}
