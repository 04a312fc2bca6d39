/* The lifecycle: create, start, kill, delete, pause and resume. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "factory/factory.h"
#include "grpc/grpc.h"
#include "sandbox/internal.h"
#include "sandbox/network.h"
#include "transport/transport.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/alloc.h"

#define AGENT_TIMEOUT_MS 30000
#define AGENT_BOOT_MS 120000 /* the first call waits for the guest to boot */
#define REMOVE_TIMEOUT_S 10
#define FORCE_CALL_MS 1500 /* an agent call of a forced delete */

int sb_connect_agent(const struct sb_env *env, const struct sb_state *s, struct agent *a,
		     struct error **err)
{
	memset(a, 0, sizeof(*a));
	a->timeout_ms = AGENT_TIMEOUT_MS;
	if (agent_connect(a, s->agent_url, err) < 0)
		return error_wrap(err, "container %s", s->id);
	a->trace = env->trace;
	return 0;
}

/* e is env with its trace under a new span of the container id. */
static void span_env(const struct sb_env *env, struct sb_env *e, struct trace_span *sp,
		     const char *name, const char *id)
{
	*e = *env;
	trace_begin(sp, env->trace, name);
	trace_attr(sp, "container.id", id);
	trace_attr(sp, "sandbox.id", id);
	e->trace = trace_ctx_of(sp);
}

void sb_agent_spans(const struct sb_env *env, struct agent *a)
{
	struct buf b = BUF_INIT(8u << 20);
	struct error *e = NULL;

	if (!ENABLE_TRACE || !env->config->agent.enable_tracing || !trace_enabled)
		return;
	if (a->ops->stop_tracing(a, &b, &e) < 0)
		log_warn("agent spans: %s", e->msg);
	else
		trace_emit_lines(b.data, b.len);
	error_free(e);
	buf_free(&b);
}

/* Everything the container has on the host goes: shims, VM, proxy,
 * mounts, state. Safe on a half-made container. */
static int teardown(const struct sb_env *env, const struct sb_state *s, struct error **err)
{
	struct vm vm;

	sb_kill_proc(&s->shim);
	sb_exec_kill_all(s->dir);
	/* No monitor asked: a hung QEMU would keep us waiting. */
	vm_init(&vm, hypervisor_of(env->config), s->id, s->dir);
	vm_halt(&vm, false);
	sb_net_teardown(s->dir); /* the TAPs went with QEMU */
	sb_stop_proxy(s);
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

/* The VM, from the factory, running in s->dir. With vsock, its CID and the
 * agent's address in s. */
static int get_vm(const struct sb_env *env, struct sb_state *s, struct sb_net *net,
		  struct vm *vm, uint32_t *hot_cpus, bool *hot_mem, struct error **err)
{
	struct factory f;
	char cache[PATH_MAX + 16];
	struct trace_span sp;

	trace_begin(&sp, env->trace, "vm.get");
	snprintf(cache, sizeof(cache), "%s/.cache", env->root);
	if (factory_init(&f, env->config, cache, env->cache_endpoint, err) < 0)
		return trace_end_err(&sp, -1, err);
	sb_net_nics(net, f.accel, env->config);
	f.nics = net->nics;
	f.nnics = net->nnics;
	f.trace = trace_ctx_of(&sp);
	int r = factory_get_vm(&f, s->id, s->dir, vm, hot_cpus, hot_mem, err);
	if (r == 0)
		vm->hv->detach(vm); /* the sandbox reopens it when it needs it */
	trace_attr(&sp, "vm.source", r < 0 ? f.ops->name : f.source);
	trace_attr(&sp, "vm.accel", f.accel);
	trace_end_err(&sp, r, err);
	sb_net_close(net); /* QEMU has them */
	if (r < 0)
		return -1;
	s->vsock_cid = vm->vsock_cid;
	if (vm->vsock_cid || agent_url_is_noop(vm->agent_url))
		snprintf(s->agent_url, sizeof(s->agent_url), "%.*s", PATH_MAX - 1, vm->agent_url);
	return 0;
}

/* A VM booted for someone else: its own entropy (clones share their
 * template's pool), the clock now, and what was hot-added online. */
static int vm_ready(struct agent *a, const struct vm *vm, uint32_t cpus, bool mem,
		    struct error **err)
{
	uint8_t seed[512];
	struct timespec now;

	if (!vm->made_ahead)
		return 0;
	if (fs_random(seed, sizeof(seed)) < 0)
		return error_set_errno(err, errno, "/dev/urandom");
	clock_gettime(CLOCK_REALTIME, &now);
	if (a->ops->reseed(a, seed, sizeof(seed), err) < 0 ||
	    a->ops->set_time(a, now.tv_sec, now.tv_nsec / 1000, err) < 0)
		return -1;
	if ((cpus || mem) && a->ops->online_cpu_mem(a, cpus, err) < 0)
		return -1;
	return 0;
}

/* The agent never answered: say that the guest did not start, and where
 * its console's last words are. */
static void guest_not_started(const struct sb_state *s, struct error **err)
{
	char path[PATH_MAX + 16], *text = NULL, last[160] = "";
	struct sb_proc qemu = { sb_vm_pid(s), 0 };

	snprintf(path, sizeof(path), "%s/console.log", s->dir);
	if (fs_read_file(path, 1 << 20, &text, NULL, NULL) == 0) {
		char *end = text + strlen(text);
		while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
			*--end = 0;
		char *nl = strrchr(text, '\n');
		snprintf(last, sizeof(last), "%s", nl ? nl + 1 : text);
	}
	free(text);
	error_wrap(err, "the guest did not start (%s); its console, %s, ends: %s",
		   sb_proc_alive(&qemu) ? "its agent never answered" : "QEMU exited", path,
		   *last ? last : "(nothing)");
}

int sb_agent_create_container(struct agent *a, const char *id, const struct oci_spec *spec,
			      const char *rootfs, const struct agent_devices *devs,
			      struct error **err)
{
	struct oci_resources none = { 0 };

	if (a->ops->create_container(a, id, spec, rootfs, devs, err) < 0)
		return -1;
	/* The agent applies linux.resources on update only. */
	if (memcmp(&spec->resources, &none, sizeof(none)))
		return a->ops->update(a, id, &spec->resources, err);
	return 0;
}

/* CreateSandbox and CreateContainer (and its resources). */
static int agent_create(const struct sb_env *env, const struct sb_state *s,
			struct oci_spec *spec, const char *rootfs, const struct agent_devices *devs,
			const struct vm *vm, const struct sb_net *net, uint32_t hot_cpus,
			bool hot_mem, struct error **err)
{
	struct agent a;
	struct agent_sandbox sb = { s->id, spec->hostname ? spec->hostname : s->id,
				    &env->config->agent.kernel_modules,
				    env->config->qemu.msize_9p, true };
	int r = -1;

	if (sb_connect_agent(env, s, &a, err) < 0)
		return -1;
	a.timeout_ms = AGENT_BOOT_MS;
	struct trace_span ready;
	trace_begin(&ready, env->trace, "agent.ready");
	a.trace = trace_ctx_of(&ready);
	r = trace_end_err(&ready, a.ops->check(&a, err), err);
	a.trace = env->trace;
	if (r < 0) {
		guest_not_started(s, err);
		goto out;
	}
	r = -1;
	a.timeout_ms = AGENT_TIMEOUT_MS;
	/* Kata's dynamic mode starts after CreateSandbox; here before, so
	 * that CreateSandbox has its span in the agent too. */
	struct error *e = NULL; /* an agent that cannot trace still runs containers */
	if (ENABLE_TRACE && env->config->agent.enable_tracing &&
	    !strcmp(env->config->agent.trace_mode, "dynamic") && a.ops->start_tracing(&a, &e) < 0)
		log_warn("container %s: no spans from the agent: %s", s->id, e->msg);
	error_free(e);
	if (vm_ready(&a, vm, hot_cpus, hot_mem, err) < 0 || sb_net_agent(&a, net, err) < 0 ||
	    a.ops->create_sandbox(&a, &sb, err) < 0 ||
	    sb_agent_create_container(&a, s->id, spec, rootfs, devs, err) < 0)
		goto out;
	r = 0;
out:
	a.ops->close(&a);
	return r < 0 ? error_wrap(err, "container %s", s->id) : 0;
}

static int create_steps(const struct sb_env *env, struct sb_state *s, struct oci_spec *spec,
			const struct sb_create_opts *o, pid_t *shim, struct error **err)
{
	char rootfs[PATH_MAX];
	pid_t pid;
	struct vm vm;
	uint32_t hot_cpus = 0;
	bool hot_mem = false;
	cleanup_free struct sb_net *net = xcalloc(1, sizeof(*net));
	cleanup_free struct agent_devices *devs = xcalloc(1, sizeof(*devs));

	/* The network, then the VM with its NICs (one made ahead brings its
	 * share directory along). */
	if (sb_state_write(s, err) < 0 ||
	    SB_STEP(env->trace, "network.setup", err, sb_net_setup(env, s->dir, spec, net, err)) < 0 ||
	    get_vm(env, s, net, &vm, &hot_cpus, &hot_mem, err) < 0 || sb_state_write(s, err) < 0 ||
	    SB_STEP(env->trace, "devices.plug", err,
		    sb_devices_plug(env, s->id, s->dir, s->dir, s->id, spec, devs, err)) < 0 ||
	    SB_STEP(env->trace, "share.setup", err,
		    sb_share_setup(s->dir, s->id, spec, devs->rootfs_on_disk, rootfs, sizeof(rootfs),
				   err)) < 0) {
		sb_net_close(net);
		return -1;
	}
	/* virtio-serial takes one client: the proxy shares it. A vsock takes
	 * a connection per client, and no proxy runs. */
	if (ENABLE_TRANSPORT_SERIAL && !env->config->qemu.use_vsock &&
	    !agent_url_is_noop(s->agent_url)) {
		if (sb_spawn_proxy(env, s->dir, &pid, err) < 0)
			return -1;
		sb_proc_set(&s->proxy, pid);
	}
	/* The shim's pid is the one reported: it lives in the container's
	 * network namespace, which a pod's containers find through it. */
	struct sb_stdio io = o->io;
	io.netns = net->netns;
	if (sb_state_write(s, err) < 0 || agent_create(env, s, spec, rootfs, devs, &vm, net, hot_cpus, hot_mem, err) < 0 ||
	    sb_spawn_shim(env, s->agent_url, s->id, s->id, s->terminal, &io, &pid, err) < 0)
		return -1;
	sb_proc_set(&s->shim, pid);
	*shim = pid;
	s->status = SB_CREATED;
	return sb_state_write(s, err);
}

static int create(const struct sb_env *env, const char *id, const struct sb_create_opts *o,
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
	const char *key = NULL;
	int r = -1;
	if (sb_pod_role(&spec, id, s.sandbox, &key, err) < 0) {
		error_wrap(err, "%s/config.json", bundle);
		goto out;
	}
	if (sb_dir(env->root, id, s.dir, sizeof(s.dir), err) < 0)
		goto out;
	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.bundle, sizeof(s.bundle), "%s", bundle);
	snprintf(s.rootfs, sizeof(s.rootfs), "%s", spec.root_path);
	if (snprintf(s.agent_url, sizeof(s.agent_url), "%s/proxy.sock", s.dir) < 0)
		s.agent_url[0] = 0;
	sb_now_rfc3339(s.created, sizeof(s.created));
	s.terminal = spec.process.terminal;
	copy_annotations(&s, &spec);
	if (s.sandbox[0]) { /* a container of a pod: the sandbox's VM */
		r = ENABLE_PODS ? sb_join(env, &s, key, &spec, o, shim, err)
				: error_set(err, ENOTSUP, "annotation %s: pods are not built in "
					    "(CONFIG_PODS)", key);
		goto out;
	}
	if (sb_state_create(env->root, id, &lock, err) < 0)
		goto out;
	r = create_steps(env, &s, &spec, o, shim, err);
	if (r < 0)
		teardown(env, &s, NULL);
out:
	if (r < 0)
		error_wrap(err, "create %s", id);
	oci_spec_free(&spec);
	return r;
}

int sb_create(const struct sb_env *env, const char *id, const struct sb_create_opts *o,
	      pid_t *shim, struct error **err)
{
	struct sb_env e;
	struct trace_span sp;
	span_env(env, &e, &sp, "sandbox.create", id);
	return trace_end_err(&sp, create(&e, id, o, shim, err), err);
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
	pid_t stopped = 0;
	const char *what = NULL;

	if (open_state(env, id, s, lock, &st, err) < 0)
		return -1;
	if (sb_proc_stopped(s->proxy.pid))
		stopped = s->proxy.pid, what = "proxy";
	else if (sb_proc_stopped(sb_vm_pid(s)))
		stopped = sb_vm_pid(s), what = "VM's QEMU";
	if (!(allowed & SB_MASK(st)))
		error_set(err, ESRCH, "container %s is %s: %s", id, sb_status_names[st], why);
	else if (stopped) /* nothing would answer before the call's deadline */
		error_set(err, EAGAIN, "container %s: its %s (pid %d) is stopped (SIGSTOP): it "
			  "cannot answer", id, what, (int)stopped);
	else if (sb_connect_agent(env, s, a, err) == 0)
		return 0;
	close_state(s, *lock);
	return -1;
}

void sb_agent_release(struct sb_state *s, int lock)
{
	close_state(s, lock);
}

void sb_agent_done(struct sb_state *s, int lock, struct agent *a)
{
	a->ops->close(a);
	close_state(s, lock);
}

/* One agent call that moves the container to status to. */
static int transition(struct sb_state *s, int r, enum sb_status to, struct error **err)
{
	s->status = to;
	return r < 0 ? -1 : sb_state_write(s, err);
}

static int start(const struct sb_env *env, const char *id, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, SB_MASK(SB_CREATED), "only a created container can start", &s,
			  &lock, &a, err) < 0)
		return -1;
	int r = transition(&s, a.ops->start_container(&a, id, err), SB_RUNNING, err);
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_start(const struct sb_env *env, const char *id, struct error **err)
{
	struct sb_env e;
	struct trace_span sp;
	span_env(env, &e, &sp, "sandbox.start", id);
	return trace_end_err(&sp, start(&e, id, err), err);
}

int sb_kill(const struct sb_env *env, const char *id, int sig, bool all, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, SB_LIVE, "container not running", &s, &lock, &a, err) < 0)
		return -1;
	int r = a.ops->signal_process(&a, id, all ? "" : id, sig, err);
	sb_agent_done(&s, lock, &a);
	return r;
}

/* What the agent is told before the VM goes. Forced, the VM is killed
 * anyway: each call has FORCE_CALL_MS, and one that gets no answer ends the
 * talk, so that a hung VM or proxy costs one such wait. */
void sb_agent_goodbye(const struct sb_env *env, struct agent *a, const struct sb_state *s,
		      enum sb_status st, bool force, bool destroy)
{
	const char *id = s->id;
	struct error *e = NULL;

	if (force)
		a->timeout_ms = FORCE_CALL_MS;
	int r = force || st == SB_CREATED ? a->ops->signal_process(a, id, "", SIGKILL, &e) : 0;
	if (r == 0 && (force || st == SB_CREATED))
		/* Let the shim see the status before its process goes (one
		 * of ours sees it when it can). */
		for (int i = 0; i < 300 && s->shim.pid != getpid() && sb_proc_alive(&s->shim); i++)
			usleep(10 * 1000);
	bool hung = r < 0 && e && e->code == GRPC_DEADLINE_EXCEEDED;
	error_free(e);
	e = NULL;
	if (force && hung) {
		log_warn("container %s: the agent does not answer: taking the VM down", id);
		return;
	}
	if (a->ops->remove_container(a, id, REMOVE_TIMEOUT_S, &e) < 0 && force && e &&
	    e->code == GRPC_DEADLINE_EXCEEDED) {
		error_free(e);
		return;
	}
	error_free(e);
	if (!destroy)
		return;
	sb_agent_spans(env, a);
	a->ops->destroy_sandbox(a, NULL);
}

static int delete(const struct sb_env *env, const char *id, bool force, struct error **err)
{
	struct sb_state s;
	struct agent a;
	enum sb_status st;
	int lock, r = -1;

	if (ENABLE_PODS && sb_state_peek(env->root, id, &s, NULL) == 0) {
		char sandbox[sizeof(s.sandbox)];
		memcpy(sandbox, s.sandbox, sizeof(sandbox));
		sb_state_free(&s);
		if (sandbox[0])
			return sb_delete_member(env, id, sandbox, force, err);
	}
	if ((force ? sb_state_salvage(env->root, id, &s, &lock, err)
		   : sb_state_open(env->root, id, &s, &lock, err)) < 0)
		return -1;
	st = sb_state_status(&s);
	if (!force && (st == SB_RUNNING || st == SB_PAUSED)) {
		error_set(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
			  sb_status_names[st]);
		goto out;
	}
	if (ENABLE_PODS && sb_delete_members(env, &s, force, err) < 0)
		goto out;
	/* A stopped or created container: tell the agent, then take it all down. */
	if (st != SB_CREATING && (s.vsock_cid || sb_proc_alive(&s.proxy)) &&
	    sb_connect_agent(env, &s, &a, NULL) == 0) {
		sb_agent_goodbye(env, &a, &s, st, force, true);
		a.ops->close(&a);
	}
	r = SB_STEP(env->trace, "teardown", err, teardown(env, &s, err));
out:
	close_state(&s, lock);
	return r;
}

int sb_delete(const struct sb_env *env, const char *id, bool force, struct error **err)
{
	struct sb_env e;
	struct trace_span sp;
	span_env(env, &e, &sp, "sandbox.delete", id);
	return trace_end_err(&sp, delete(&e, id, force, err), err);
}

int sb_pause(const struct sb_env *env, const char *id, bool pause, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, SB_MASK(pause ? SB_RUNNING : SB_PAUSED),
			  pause ? "not running" : "not paused", &s, &lock, &a, err) < 0)
		return -1;
	int r = pause ? a.ops->pause(&a, id, err) : a.ops->resume(&a, id, err);
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
