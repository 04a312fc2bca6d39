/* The VMCache server. One filler thread per cached VM (as Kata's cache
 * factory has one goroutine each): it makes a VM, waits until it is taken,
 * and makes the next. The handlers take ready VMs; the main thread waits
 * for a signal or Quit and then takes everything down. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "autoconf.h"
#include "cache.pb.h"
#include "factory/factory.h"
#include "grpc/grpc.h"
#include "hypervisor/hypervisor.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "vmcache/internal.h"
#include "vmcache/vmcache.h"
#include "util/alloc.h"

#define MAX_VMS 64
#define AGENT_READY_MS 120000
#define GET_WAIT_MS 50000   /* a GetBaseVM waits this long for a VM */
#define RETRY_MAX_MS 10000
#define FILLER_STACK (1024 * 1024)  /* between failed boots, doubling from 500 ms */

/* HANDED: in a GetBaseVM answer not yet delivered; back to READY when the
 * client did not get it (it gave up or went away), EMPTY when it did. */
enum slot_state { SLOT_EMPTY, SLOT_MAKING, SLOT_READY, SLOT_HANDED };

struct slot {
	enum slot_state state;
	struct vm vm;
	pthread_t thread;
	unsigned index;
	unsigned ready; /* when it became ready: the oldest is handed out first */
	struct server *srv;
};

struct server {
	struct factory f;
	char vms[PATH_MAX];
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool quit;
	unsigned seq, ready;
	unsigned count;
	struct slot slots[MAX_VMS];
	struct buf config_data, agent_config;
};

/* A VM for slot s, in its own directory: made, its agent checked, paused. */
static int make_vm(struct server *srv, struct vm *vm, struct error **err)
{
	char id[64], dir[PATH_MAX + 80];

	pthread_mutex_lock(&srv->lock);
	unsigned n = ++srv->seq;
	pthread_mutex_unlock(&srv->lock);
	/* Unique for good: a QEMU handed out long ago may still unlink its
	 * old paths when it exits. */
	snprintf(id, sizeof(id), "vmc-%d-%lld-%u", (int)getpid(), (long long)time(NULL), n);
	snprintf(dir, sizeof(dir), "%s/%s", srv->vms, id);
	if (srv->f.ops->get_base_vm(&srv->f, id, dir, vm, err) < 0)
		return -1;
	vm->made_ahead = true;
	if (!vm->paused) { /* booted: ready once the agent answers, then paused */
		if (agent_wait_ready(vm->agent_url, !vm->vsock_cid, AGENT_READY_MS, err) < 0) {
			error_wrap(err, "VM %s", vm->id);
			goto fail;
		}
		if (vm->hv->pause(vm, err) < 0) /* booted here: its monitor is open */
			goto fail;
		vm->paused = true;
	}
	vm->hv->detach(vm);
	return 0;
fail:
	factory_vm_stop(vm, true);
	return -1;
}

static void *filler(void *arg)
{
	struct slot *s = arg;
	struct server *srv = s->srv;
	int backoff = 500;

	pthread_mutex_lock(&srv->lock);
	while (!srv->quit) {
		if (s->state != SLOT_EMPTY) {
			pthread_cond_wait(&srv->changed, &srv->lock);
			continue;
		}
		s->state = SLOT_MAKING;
		pthread_mutex_unlock(&srv->lock);
		struct vm vm;
		cleanup_error struct error *e = NULL;
		int r = make_vm(srv, &vm, &e);
		if (r < 0) {
			log_error("VMCache: making a VM: %s (again in %d ms)", e->msg, backoff);
			usleep((useconds_t)backoff * 1000);
			backoff = backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : backoff * 2;
		} else {
			backoff = 500;
			log_info("VMCache: VM %s ready (QEMU pid %d)", vm.id, (int)vm.pid);
		}
		pthread_mutex_lock(&srv->lock);
		if (r == 0) {
			s->vm = vm;
			s->ready = ++srv->ready;
		}
		s->state = r == 0 ? SLOT_READY : SLOT_EMPTY;
		pthread_cond_broadcast(&srv->changed);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

/* Root or our own user only. */
static int allowed(struct rpc_ctx *ctx, struct error **err)
{
	if (ctx->has_cred && (ctx->uid == 0 || ctx->uid == geteuid()))
		return 0;
	error_set(err, EPERM, "VMCache: uid %d may not use this server", (int)ctx->uid);
	return GRPC_PERMISSION_DENIED;
}

/* A cached VM whose QEMU died is never handed out: dropped (its files
 * removed) and made again. Called with the lock held. */
static bool slot_alive(struct slot *s)
{
	struct vm q;
	if (vm_open(&q, s->vm.hv, s->vm.id, s->vm.dir, false, NULL) == 0)
		return true;
	log_warn("VMCache: VM %s: its QEMU (pid %d) is gone: dropped", s->vm.id, (int)s->vm.pid);
	factory_vm_stop(&s->vm, true);
	s->state = SLOT_EMPTY;
	pthread_cond_broadcast(&s->srv->changed);
	return false;
}

/* The GetBaseVM answer carrying slot token's VM was delivered or dropped. */
static void handed(void *user, uint64_t token, bool delivered)
{
	struct server *srv = user;
	struct slot *s = &srv->slots[token];

	pthread_mutex_lock(&srv->lock);
	if (s->state == SLOT_HANDED) {
		if (delivered) {
			s->state = SLOT_EMPTY; /* the client owns it now */
		} else {
			log_warn("VMCache: VM %s: the client did not take it: back in the cache",
				 s->vm.id);
			s->state = SLOT_READY;
			if (srv->quit) { /* nobody will ask for it again */
				factory_vm_stop(&s->vm, true);
				s->state = SLOT_EMPTY;
			} else {
				slot_alive(s);
			}
		}
		pthread_cond_broadcast(&srv->changed);
	}
	pthread_mutex_unlock(&srv->lock);
}

static int h_get(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		 struct error **err)
{
	struct server *srv = ctx->user;
	cache_GrpcVM *r = resp;
	struct vm vm;
	struct timespec until;
	int code = allowed(ctx, err);
	struct slot *s = NULL;

	if (code)
		return code;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += GET_WAIT_MS / 1000;
	pthread_mutex_lock(&srv->lock);
	for (;;) {
		/* First in, first out, as Kata's cache channel */
		for (unsigned i = 0; i < srv->count; i++)
			if (srv->slots[i].state == SLOT_READY && slot_alive(&srv->slots[i]) &&
			    (!s || srv->slots[i].ready < s->ready))
				s = &srv->slots[i];
		if (s) {
			vm = s->vm;
			s->state = SLOT_HANDED; /* until the answer is delivered */
			break;
		}
		if (srv->quit || pthread_cond_timedwait(&srv->changed, &srv->lock, &until)) {
			pthread_mutex_unlock(&srv->lock);
			error_set(err, EAGAIN, "VMCache: no VM ready");
			return GRPC_UNAVAILABLE;
		}
	}
	pthread_mutex_unlock(&srv->lock);
	ctx->done = handed;
	ctx->token = (uint64_t)(s - srv->slots);
	log_info("VMCache: VM %s handed out (QEMU pid %d)", vm.id, (int)vm.pid);
	if (factory_vm_encode(&vm, ctx->scratch) < 0) { /* not delivered: back in the cache */
		error_set(err, E2BIG, "VM %s: description too long", vm.id);
		return GRPC_INTERNAL;
	}
	r->id = xstrdup(vm.id);
	r->proxyURL = xasprintf("%s%s", vm.vsock_cid || agent_url_is_noop(vm.agent_url) ? "" : "unix://",
				vm.agent_url);
	pb_bytes_out_buf(&r->hypervisor, ctx->scratch);
	r->cpu = vm.cpus;
	r->memory = vm.memory_mib;
	return 0;
}

static int h_config(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		    void *resp, struct error **err)
{
	struct server *srv = ctx->user;
	cache_GrpcVMConfig *r = resp;
	int code = allowed(ctx, err);

	if (code)
		return code;
	pb_bytes_out_buf(&r->Data, &srv->config_data);
	pb_bytes_out_buf(&r->AgentConfig, &srv->agent_config);
	return 0;
}

static int h_status(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		    void *resp, struct error **err)
{
	struct server *srv = ctx->user;
	cache_GrpcStatus *r = resp;
	int code = allowed(ctx, err);

	if (code)
		return code;
	r->pid = getpid();
	r->vmstatus = xcalloc(srv->count, sizeof(*r->vmstatus));
	pthread_mutex_lock(&srv->lock);
	for (unsigned i = 0; i < srv->count; i++) {
		struct slot *s = &srv->slots[i];
		if (s->state != SLOT_READY || !slot_alive(s))
			continue;
		cache_GrpcVMStatus *v = &r->vmstatus[r->vmstatus_count++];
		v->pid = s->vm.pid;
		v->cpu = s->vm.cpus;
		v->memory = s->vm.memory_mib;
	}
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

static int h_quit(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		  void *resp, struct error **err)
{
	struct server *srv = ctx->user;
	int code = allowed(ctx, err);

	if (code)
		return code;
	log_info("VMCache: Quit from pid %d", (int)ctx->pid);
	pthread_mutex_lock(&srv->lock);
	srv->quit = true;
	pthread_cond_broadcast(&srv->changed);
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

static const struct rpc_handler handlers[] = {
	{ RPC_CACHE(Config), h_config, NULL, true },
	{ RPC_CACHE(GetBaseVM), h_get, NULL, false },
	{ RPC_CACHE(Status), h_status, NULL, false },
	{ RPC_CACHE(Quit), h_quit, NULL, true },
};

/* Kata's GrpcVMConfig: the VMConfig and the agent's configuration as JSON;
 * ours carry the compatibility key as the hypervisor's configuration. */
static int make_config(struct server *srv)
{
	const struct config *c = srv->f.config;
	return buf_printf(&srv->config_data,
			  "{\"HypervisorType\":\"qemu\",\"HypervisorConfig\":%s,\"AgentType\":"
			  "\"kata\",\"AgentConfig\":{\"UseVSock\":%s,\"Debug\":%s},\"ProxyType\":"
			  "\"%s\"}",
			  srv->f.key, c->qemu.use_vsock ? "true" : "false",
			  c->agent.enable_debug ? "true" : "false",
			  c->qemu.use_vsock ? "noProxy" : "kataProxy") < 0 ||
			       buf_printf(&srv->agent_config, "{\"UseVSock\":%s,\"Debug\":%s}",
					  c->qemu.use_vsock ? "true" : "false",
					  c->agent.enable_debug ? "true" : "false") < 0
		       ? -1
		       : 0;
}

/* Wait for SIGTERM, SIGINT or Quit. */
static void wait_for_end(struct server *srv)
{
	sigset_t set;
	struct timespec tick = { 0, 100 * 1000 * 1000 };

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	for (;;) {
		int sig = sigtimedwait(&set, NULL, &tick);
		pthread_mutex_lock(&srv->lock);
		if (sig > 0)
			srv->quit = true;
		bool q = srv->quit;
		pthread_cond_broadcast(&srv->changed);
		pthread_mutex_unlock(&srv->lock);
		if (q) {
			if (sig > 0)
				log_info("VMCache: %s: stopping", strsignal(sig));
			else
				usleep(200 * 1000); /* let Quit's answer go out */
			return;
		}
	}
}

static void stop_all(struct server *srv, unsigned started)
{
	for (unsigned i = 0; i < started; i++)
		pthread_join(srv->slots[i].thread, NULL);
	for (unsigned i = 0; i < srv->count; i++)
		if (srv->slots[i].state == SLOT_READY || srv->slots[i].state == SLOT_HANDED) {
			log_info("VMCache: stopping VM %s", srv->slots[i].vm.id);
			factory_vm_stop(&srv->slots[i].vm, true);
		}
}

static int serve(struct server *srv, const char *endpoint, struct error **err)
{
	unsigned started = 0;
	struct rpc_server *rs = rpc_server_start_unix(endpoint, handlers, 4, srv, err);

	if (!rs)
		return error_wrap(err, "VMCache server");
	log_info("VMCache server: %u VMs, on %s (pid %d)", srv->count, endpoint, (int)getpid());
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	/* Booting a VM takes more than musl's 128 KiB default. */
	pthread_attr_setstacksize(&attr, FILLER_STACK);
	for (; started < srv->count; started++) {
		struct slot *s = &srv->slots[started];
		s->srv = srv;
		s->index = started;
		if (pthread_create(&s->thread, &attr, filler, s) != 0)
			break;
	}
	pthread_attr_destroy(&attr);
	if (started == srv->count)
		wait_for_end(srv);
	else
		error_set(err, EAGAIN, "VMCache server: cannot start a thread");
	pthread_mutex_lock(&srv->lock);
	srv->quit = true;
	pthread_cond_broadcast(&srv->changed);
	pthread_mutex_unlock(&srv->lock);
	rpc_server_stop(rs);
	stop_all(srv, started);
	return started == srv->count ? 0 : -1;
}

int vmcache_serve(const struct vmcache_opts *o, struct error **err)
{
	struct server *srv = xcalloc(1, sizeof(*srv));
	sigset_t set;
	int r = -1;

	if (o->count == 0 || o->count > MAX_VMS) {
		free(srv);
		return error_set(err, EINVAL, "factory.vm_cache_number: %u is not 1 to %d",
				 o->count, MAX_VMS);
	}
	/* Signals are taken by wait_for_end alone: blocked before any thread
	 * starts, so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->changed, NULL);
	srv->count = o->count;
	const struct hypervisor_ops *hv = hypervisor_of(o->config);
	int lock = vmcache_claim(o->endpoint, hv, srv->vms, sizeof(srv->vms), err);
	if (lock < 0)
		goto out;
	if (factory_init(&srv->f, o->config, o->cache_dir, NULL, err) == 0) {
		/* The server makes its VMs: never from another server. */
		srv->f.ops = ENABLE_FACTORY_TEMPLATE && o->config->factory.enable_template
				  ? &factory_template
				  : &factory_direct;
		if (make_config(srv) < 0)
			error_set(err, ENOMEM, "out of memory");
		else
			r = serve(srv, o->endpoint, err);
	}
	vmcache_release(o->endpoint, hv, srv->vms, lock);
out:
	buf_free(&srv->config_data);
	buf_free(&srv->agent_config);
	free(srv);
	return r;
}
