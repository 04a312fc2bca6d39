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

int factory_boot(const struct factory *f, const char *id, const char *dir, enum vm_mode mode,
		 uint32_t cpus, uint32_t memory_mib, const char *mem_path, const char *state_path,
		 struct vm *vm, struct error **err)
{
	const struct config *c = f->config;
	char share[PATH_MAX + 16];
	int vhost = -1;

	vm_init(vm, f->hv, id, dir);
	if (!ENABLE_TRANSPORT_SERIAL && !c->qemu.use_vsock)
		return error_set(err, ENOTSUP, "[hypervisor.qemu] use_vsock is false but the "
				 "virtio-serial agent channel is not built in "
				 "(CONFIG_TRANSPORT_SERIAL): set use_vsock = true");
	if (!ENABLE_AGENT_KATA && !c->agent.noop)
		return error_set(err, ENOTSUP, "the kata agent is not built in (CONFIG_AGENT_KATA): "
				 "only [agent.noop] can run");
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
	vm->cpus = cpus;
	vm->memory_mib = memory_mib;
	struct vm_launch l = { .mode = mode, .accel = f->accel, .shared_dir = share,
			       .vsock_cid = vm->vsock_cid, .vhost_fd = vhost,
			       .maxmem_mib = maxmem_mib(), .host_cpus = (uint32_t)get_nprocs_conf(),
			       .agent_debug = c->agent.enable_debug, .mem_path = mem_path,
			       .state_path = state_path, .nics = mode == VM_BOOT ? f->nics : NULL,
			       .nnics = mode == VM_BOOT ? f->nnics : 0 };
	static const char *const modes[] = { "boot", "template", "clone" };
	struct trace_span sp;
	trace_begin(&sp, f->trace, "qemu.launch");
	trace_attr(&sp, "qemu.mode", modes[mode % 3]);
	trace_attr(&sp, "vm.id", id);
	l.trace = trace_ctx_of(&sp);
	if (ENABLE_TRACE && c->agent.enable_tracing && !strcmp(c->agent.trace_mode, "static"))
		l.agent_trace = c->agent.trace_type;
	vm->trace = f->trace; /* the monitor outlives the span */
	int r = f->hv->start(vm, c, &l, err);
	trace_end_err(&sp, r, err);
	if (vhost >= 0)
		close(vhost);
	if (r < 0)
		return -1;
	vm->paused = mode == VM_CLONE; /* a clone waits to be resumed */
	log_debug("VM %s: pid %d in %s", id, (int)vm->pid, dir);
	return 0;
}

void factory_vm_stop(struct vm *vm, bool rmdir_too)
{
	char p[PATH_MAX + 16];

	vm_halt(vm, true);
	if (!rmdir_too)
		return;
	for (const char *const *f = vm->hv->run_files; *f; f++) {
		snprintf(p, sizeof(p), "%s/%s", vm->dir, *f);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/kata.sock", vm->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/shared", vm->dir);
	rmdir(p);
	rmdir(vm->dir);
}
