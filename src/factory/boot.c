/* Booting a VM for the factory, and stopping one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "factory/factory.h"
#include "agent/agent.h"
#include "hypervisor/hypervisor.h"
#include "transport/transport.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

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

/* Room to hot-add memory up to the host's, as Kata does. */
static uint32_t maxmem_mib(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return 0;
	unsigned long long mib = (unsigned long long)si.totalram * si.mem_unit >> 20;
	return mib > UINT32_MAX ? UINT32_MAX : (uint32_t)mib;
}

int factory_boot(const struct factory *f, const char *id, const char *dir, int mode,
		 const char *mem_path, const char *state_path, struct factory_vm *vm,
		 struct error **err)
{
	const struct config *c = f->config;
	char share[PATH_MAX + 16];
	struct vm q;
	int vhost = -1;

	memset(vm, 0, sizeof(*vm));
	if (!ENABLE_TRANSPORT_SERIAL && !c->qemu.use_vsock)
		return error_set(err, ENOTSUP, "[hypervisor.qemu] use_vsock is false but the "
				 "virtio-serial agent channel is not built in "
				 "(CONFIG_TRANSPORT_SERIAL): set use_vsock = true");
	if (!ENABLE_AGENT_KATA && !c->agent.noop)
		return error_set(err, ENOTSUP, "the kata agent is not built in (CONFIG_AGENT_KATA): "
				 "only [agent.noop] can run");
	snprintf(vm->id, sizeof(vm->id), "%s", id);
	snprintf(vm->dir, sizeof(vm->dir), "%s", dir);
	snprintf(vm->key, sizeof(vm->key), "%s", f->key);
	snprintf(vm->agent_url, sizeof(vm->agent_url), "%s/kata.sock", dir);
	if (ENABLE_TRANSPORT_VSOCK && c->qemu.use_vsock) {
		if ((vhost = vsock_cid(&vm->vsock_cid, err)) < 0)
			return -1;
		snprintf(vm->agent_url, sizeof(vm->agent_url), "vsock://%u:%u", vm->vsock_cid,
			 VSOCK_AGENT_PORT);
	}
	if (c->agent.noop) /* the VM's channel is there; nobody uses it */
		snprintf(vm->agent_url, sizeof(vm->agent_url), "%s%s", AGENT_NOOP_URL, dir);
	snprintf(share, sizeof(share), "%s/shared", dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, errno, "VM %s: %s", id, dir);
	if (mkdir(share, 0755) < 0 && errno != EEXIST)
		return error_set_errno(err, errno, "VM %s: %s", id, share);
	struct qemu_launch l = { .id = id, .run_dir = dir, .accel = f->accel, .shared_dir = share,
				 .vsock_cid = vm->vsock_cid, .vhost_fd = vhost,
				 .maxmem_mib = maxmem_mib(), .host_cpus = (uint32_t)get_nprocs_conf(), .agent_debug = c->agent.enable_debug,
				 .mode = (enum qemu_mode)mode, .mem_path = mem_path,
				 .state_path = state_path,
				 .nics = mode == QEMU_BOOT ? f->nics : NULL,
				 .nnics = mode == QEMU_BOOT ? f->nnics : 0 };
	static const char *const modes[] = { "boot", "template", "clone" };
	struct trace_span sp;
	trace_begin(&sp, f->trace, "qemu.launch");
	trace_attr(&sp, "qemu.mode", modes[mode % 3]);
	trace_attr(&sp, "vm.id", id);
	l.trace = trace_ctx_of(&sp);
	if (ENABLE_TRACE && c->agent.enable_tracing && !strcmp(c->agent.trace_mode, "static"))
		l.agent_trace = c->agent.trace_type;
	int r = qemu_ops.start(&q, &c->qemu, &l, err);
	if (r == 0 && ENABLE_TRACE) /* the monitor outlives the span */
		q.qmp.trace = f->trace;
	trace_end_err(&sp, r, err);
	if (vhost >= 0)
		close(vhost);
	if (r < 0)
		return -1;
	vm->pid = q.pid;
	vm->paused = mode == QEMU_CLONE; /* a clone waits to be resumed */
	vm->cpus = c->qemu.default_vcpus > 0 ? (uint32_t)c->qemu.default_vcpus : 1;
	vm->memory_mib = c->qemu.default_memory ? c->qemu.default_memory : 2048;
	qemu_ops.detach(&q);
	log_debug("VM %s: QEMU pid %d in %s", id, (int)vm->pid, dir);
	return 0;
}

static void vm_stop(const struct factory_vm *vm, bool rmdir_too, bool monitor)
{
	struct vm q;
	cleanup_error struct error *e = NULL;
	char p[PATH_MAX + 16];

	if (qemu_ops.attach(&q, vm->id, vm->dir, monitor, &e) == 0 ||
	    (e && e->code != ESRCH && qemu_ops.attach(&q, vm->id, vm->dir, false, NULL) == 0))
		qemu_ops.stop(&q, NULL);
	if (!rmdir_too)
		return;
	static const char *const files[] = { "console.log", "qemu.log", "started", "pid",
					      "qmp.sock", "kata.sock" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", vm->dir, files[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/shared", vm->dir);
	rmdir(p);
	rmdir(vm->dir);
}

void factory_vm_stop(const struct factory_vm *vm, bool rmdir_too)
{
	vm_stop(vm, rmdir_too, true);
}

void factory_vm_kill(const struct factory_vm *vm, bool rmdir_too)
{
	vm_stop(vm, rmdir_too, false);
}

/* Health.Check on a connected stream to the agent. */
static int check_on(int fd, int timeout_ms, struct error **err)
{
	struct agent a = { .timeout_ms = timeout_ms };

	if (!ENABLE_AGENT_KATA)
		return error_set(err, ENOTSUP, "the kata agent is not built in (CONFIG_AGENT_KATA)");
	if (rpc_client_connect_fd(&a.rpc, fd, err) < 0)
		return -1;
	a.open = true;
	int r = kata_agent_ops.check(&a, err);
	kata_agent_ops.close(&a);
	return r;
}

/* With virtio-serial the channel carries yamux (no proxy runs yet): one
 * session for the check, ended with GO_AWAY. */
int factory_vm_wait_agent(const struct factory_vm *vm, int timeout_ms, struct error **err)
{
	struct yamux_mux *mux = NULL;
	int fd, r = -1;

	if (agent_url_is_noop(vm->agent_url))
		return 0;
	if (vm->vsock_cid) {
		uint32_t cid, port;
		fd = vsock_parse(vm->agent_url, &cid, &port, err) < 0 ? -1 : vsock_connect(cid, port, err);
	} else {
		fd = unix_connect(vm->agent_url, err);
		if (fd >= 0 && !(mux = yamux_mux_start(fd, true, NULL, NULL, err)))
			fd = -1;
		else if (fd >= 0)
			fd = yamux_mux_open(mux, err);
	}
	if (fd >= 0)
		r = check_on(fd, timeout_ms, err);
	if (mux)
		yamux_mux_stop(mux);
	return r < 0 ? error_wrap(err, "VM %s: agent", vm->id) : 0;
}
