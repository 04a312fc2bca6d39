/* The QEMU command line (see argv.h). Device and socket names follow Kata
 * 1.x's (govmm), so what a user knows from Kata is where it was. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "autoconf.h"
#include "hypervisor/qemu/qemu.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/alloc.h"

const char qemu_default_kernel_params[] =
	"tsc=reliable no_timer_check rcupdate.rcu_expedited=1 i8042.direct=1 i8042.dumbkbd=1 "
	"i8042.nopnp=1 i8042.noaux=1 noreplace-smp reboot=k console=hvc0 console=hvc1 "
	"cryptomgr.notests net.ifnames=0 pci=lastbus=0 iommu=off";

struct av {
	struct strv *v;
	bool failed;
};

static void add(struct av *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct av *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_push_owned(a->v, xvasprintf(fmt, ap), 0);
	va_end(ap);
}

/* QEMU binds the VM's sockets itself, from a path that must fit a
 * sockaddr_un: DIR/NAME, or NAME alone when that is too long (QEMU starts
 * in the VM's directory, driver.c). */
static const char *sock(char *out, size_t size, const struct vm *vm, const char *name)
{
	int n = snprintf(out, size, "%s/%s", vm->dir, name);
	return n > 0 && (size_t)n < sizeof(((struct sockaddr_un *)0)->sun_path) ? out : name;
}

static bool set(const char *s)
{
	return s && *s;
}

/* Kata's rule when the host's CPUs are known: default_maxvcpus 0 or above
 * them means them, at most 240; never fewer than the vCPUs booted. */
static uint32_t maxvcpus(const struct config_qemu *c, const struct vm_launch *l)
{
	uint32_t vcpus = (uint32_t)c->default_vcpus;
	uint32_t max = c->default_maxvcpus;
	if (l->host_cpus && (!max || max > l->host_cpus))
		max = l->host_cpus > 240 ? 240 : l->host_cpus;
	return max > vcpus ? max : vcpus;
}

static char *kernel_params(const struct config_qemu *c, const struct vm_launch *l)
{
	struct buf b = BUF_INIT(0);

	buf_printf(&b, "%s panic=1 nr_cpus=%u agent.use_vsock=%s", qemu_default_kernel_params,
		   maxvcpus(c, l), c->use_vsock ? "true" : "false");
	if (l->agent_debug)
		buf_puts(&b, " agent.log=debug");
	if (l->agent_trace)
		buf_printf(&b, " agent.trace=%s", l->agent_trace);
	if (set(c->block_device_driver) && !strcmp(c->block_device_driver, "virtio-scsi"))
		buf_puts(&b, " scsi_mod.scan=none");
	if (set(c->kernel_params)) /* last, so they win */
		buf_printf(&b, " %s", c->kernel_params);
	return buf_steal(&b);
}

static int check(const struct config_qemu *c, const struct vm *vm, const struct vm_launch *l,
		 struct error **err)
{
	if (!set(c->path))
		return error_set(err, EINVAL, "hypervisor.qemu.path: not set");
	if (!set(c->kernel))
		return error_set(err, EINVAL, "hypervisor.qemu.kernel: not set");
	if (set(c->initrd) && set(c->image))
		return error_set(err, EINVAL, "hypervisor.qemu: initrd and image are exclusive");
	if (c->use_vsock && (!l->vsock_cid || l->vhost_fd < 0))
		return error_set(err, EINVAL, "hypervisor.qemu.use_vsock: no vsock CID for the VM");
	if (l->mode != VM_BOOT && !set(l->mem_path))
		return error_set(err, EINVAL, "VM %s: a template or clone needs a memory file", vm->id);
	if (l->nnics && l->mode != VM_BOOT)
		return error_set(err, EINVAL, "VM %s: a template or clone boots without NICs", vm->id);
	for (unsigned i = 0; i < l->nnics; i++)
		if (!l->nics[i].nfds || l->nics[i].nfds > VM_MAX_QUEUES ||
		    (l->nics[i].nvhost && l->nics[i].nvhost != l->nics[i].nfds))
			return error_set(err, EINVAL, "VM %s: NIC %s: no or too many queues", vm->id,
					 l->nics[i].tap);
	if (c->pcie_root_port && strcmp(c->machine_type, "q35"))
		return error_set(err, EINVAL, "hypervisor.qemu.pcie_root_port: needs machine_type q35");
	if (set(c->shared_fs) && strcmp(c->shared_fs, "virtio-9p") && l->shared_dir)
		return error_set(err, ENOTSUP, "hypervisor.qemu.shared_fs = \"%s\": only virtio-9p "
				 "is supported", c->shared_fs);
	return 0;
}

static void machine(struct av *a, const struct config_qemu *c, const struct vm_launch *l)
{
	uint32_t vcpus = (uint32_t)c->default_vcpus, max = maxvcpus(c, l), mem = c->default_memory;
	uint32_t maxmem = l->maxmem_mib > mem ? l->maxmem_mib : mem;
	bool file = l->mode != VM_BOOT;

	add(a, "-machine");
	add(a, "%s,accel=%s%s%s%s", c->machine_type, l->accel, file ? ",memory-backend=mem0" : "",
	    set(c->machine_accelerators) ? "," : "",
	    set(c->machine_accelerators) ? c->machine_accelerators : "");
	add(a, "-cpu");
	add(a, "%s%s%s", strcmp(l->accel, "kvm") ? "max" : "host",
	    set(c->cpu_features) ? "," : "", set(c->cpu_features) ? c->cpu_features : "");
	add(a, "-smp");
	add(a, "%u,cores=1,threads=1,sockets=%u,maxcpus=%u", vcpus, max, max);
	add(a, "-m");
	if (c->memory_slots && maxmem > mem) /* QEMU refuses slots without room */
		add(a, "%uM,slots=%u,maxmem=%uM", mem, c->memory_slots, maxmem);
	else
		add(a, "%uM", mem);
	if (file) {
		add(a, "-object");
		add(a, "memory-backend-file,id=mem0,size=%uM,mem-path=%s,share=%s", mem, l->mem_path,
		    l->mode == VM_TEMPLATE ? "on" : "off");
	}
}

static void boot(struct av *a, const struct config_qemu *c, const struct vm_launch *l)
{
	add(a, "-kernel");
	add(a, "%s", c->kernel);
	if (set(c->initrd)) {
		add(a, "-initrd");
		add(a, "%s", c->initrd);
	} else if (set(c->image)) { /* the root filesystem image, read-only */
		add(a, "-drive");
		add(a, "file=%s,format=raw,if=none,id=image0,readonly=on", c->image);
		add(a, "-device");
		add(a, "virtio-blk-pci,drive=image0");
	}
	char *p = kernel_params(c, l);
	add(a, "-append");
	add(a, "%s", p ? p : "");
	if (!p)
		a->failed = true;
	free(p);
}

/* Kata's PCI bridges, where devices are hot-plugged (NICs among them):
 * first, so that their fixed slots on the root bus are still free. */
static void bridges(struct av *a, const struct config_qemu *c)
{
	bool q35 = !strcmp(c->machine_type, "q35");
	if (!q35 && strcmp(c->machine_type, "pc")) /* microvm: no PCI */
		return;
	for (uint32_t i = 0; i < c->default_bridges; i++) {
		add(a, "-device");
		add(a, "pci-bridge,bus=%s,id=pci-bridge-%u,chassis_nr=%u,shpc=on,addr=%x",
		    q35 ? "pcie.0" : "pci.0", i, i + 1, QEMU_BRIDGE_SLOT + i);
	}
}

static void devices(struct av *a, const struct config_qemu *c, const struct vm *vm,
		    const struct vm_launch *l)
{
	bridges(a, c);
	for (uint32_t i = 0; i < c->pcie_root_port; i++) {
		add(a, "-device");
		add(a, "pcie-root-port,id=rp%u,bus=pcie.0,chassis=%u,slot=%u", i, i + 1, i + 1);
	}
	/* Console to a log file, on hvc0. */
	add(a, "-device");
	add(a, "virtio-serial-pci,id=serial0");
	add(a, "-chardev");
	add(a, "file,id=charconsole0,path=%s/console.log", vm->dir);
	add(a, "-device");
	add(a, "virtconsole,chardev=charconsole0,id=console0");
	if (c->use_vsock) {
		add(a, "-device");
		add(a, "vhost-vsock-pci,disable-modern=false,vhostfd=%d,id=vsock-%u,guest-cid=%u",
		    l->vhost_fd, l->vsock_cid, l->vsock_cid);
	} else if (ENABLE_TRANSPORT_SERIAL) {
		add(a, "-chardev");
		char p[PATH_MAX + 16];
		add(a, "socket,id=charch0,path=%s,server=on,wait=off",
		    sock(p, sizeof(p), vm, "kata.sock"));
		add(a, "-device");
		add(a, "virtserialport,bus=serial0.0,chardev=charch0,id=channel0,name=agent.channel.0");
	}
	if (l->shared_dir) {
		add(a, "-fsdev");
		add(a, "local,id=extra-9p-kataShared,path=%s,security_model=none,multidevs=remap",
		    l->shared_dir);
		add(a, "-device");
		add(a, "virtio-9p-pci,fsdev=extra-9p-kataShared,mount_tag=kataShared");
	}
	add(a, "-object");
	add(a, "rng-random,id=rng0,filename=%s",
	    set(c->entropy_source) ? c->entropy_source : "/dev/urandom");
	add(a, "-device");
	add(a, "virtio-rng-pci,rng=rng0");
	for (uint32_t i = 0; ENABLE_IOTHREADS && c->enable_iothreads && i < c->indep_iothreads; i++) {
		add(a, "-object");
		add(a, "iothread,id=indep_iothread_%u", i);
	}
}

/* "a:b:c" of n fds. */
static void fd_list(char *out, size_t size, const int *fds, unsigned n)
{
	size_t off = 0;
	out[0] = 0;
	for (unsigned i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(out + off, size - off, i ? ":%d" : "%d", fds[i]);
}

/* Kata's tap NetDevice: -netdev tap,fds=...[,vhost=on,vhostfds=...] and
 * virtio-net-pci with the endpoint's MAC, multi-queue with a queue per
 * fd, no option ROM. */
static void nics(struct av *a, const struct vm_launch *l)
{
	char fds[128], vfds[128];
	for (unsigned i = 0; i < l->nnics; i++) {
		const struct vm_nic *n = &l->nics[i];
		fd_list(fds, sizeof(fds), n->fds, n->nfds);
		fd_list(vfds, sizeof(vfds), n->vhostfds, n->nvhost);
		add(a, "-netdev");
		add(a, "tap,id=%s,fds=%s%s%s", n->tap, fds, n->nvhost ? ",vhost=on,vhostfds=" : "",
		    n->nvhost ? vfds : "");
		add(a, "-device");
		if (n->nfds > 1)
			add(a, "virtio-net-pci,netdev=%s,id=nic-%s,mac=%s,romfile=,mq=on,vectors=%u",
			    n->tap, n->tap, n->mac, 2 * n->nfds + 2);
		else
			add(a, "virtio-net-pci,netdev=%s,id=nic-%s,mac=%s,romfile=", n->tap, n->tap,
			    n->mac);
	}
}

int qemu_argv(const struct config_qemu *c, const struct vm *vm, const struct vm_launch *l,
	      struct strv *argv, struct error **err)
{
	struct av a = { argv, false };

	memset(argv, 0, sizeof(*argv));
	if (check(c, vm, l, err) < 0)
		return -1;
	add(&a, "%s", c->path);
	add(&a, "-name");
	add(&a, "sandbox-%s", vm->id);
	machine(&a, c, l);
	boot(&a, c, l);
	for (const char *s = "-no-user-config\0-nodefaults\0-nographic\0--no-reboot\0"; *s;
	     s += strlen(s) + 1)
		add(&a, "%s", s);
	devices(&a, c, vm, l);
	nics(&a, l);
	if (l->mode == VM_CLONE) {
		add(&a, "-S");
		add(&a, "-incoming");
		add(&a, "defer");
	}
	add(&a, "-qmp");
	char qmp[PATH_MAX + 16];
	add(&a, "unix:%s,server=on,wait=off", sock(qmp, sizeof(qmp), vm, "qmp.sock"));
	add(&a, "-pidfile");
	add(&a, "%s/pid", vm->dir);
	add(&a, "-daemonize");
	if (a.failed) {
		strv_free(argv);
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}
