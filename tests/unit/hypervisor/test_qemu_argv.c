#include <stdlib.h>

#include "autoconf.h"
#include "config/config.h"
#include "harness.h"
#include "hypervisor/qemu/qemu.h"
#include "util/buf.h"
#include "util/error.h"

/* The argv as one string, arguments separated by " | ". */
static char *joined(const struct config *c, const struct vm_launch *l, struct error **err)
{
	struct strv v;
	struct buf b = BUF_INIT(0);
	static struct vm vm;

	vm_init(&vm, &qemu_ops, "vm1", "/run/vc/vm/vm1");
	if (qemu_argv(&c->qemu, &vm, l, &v, err) < 0)
		return NULL;
	for (size_t i = 0; i < v.n; i++)
		buf_printf(&b, "%s%s", i ? " | " : "", v.v[i]);
	strv_free(&v);
	return buf_steal(&b);
}

static struct config *base(void)
{
	struct config *c = config_new_defaults(NULL);
	free(c->qemu.kernel);
	c->qemu.kernel = strdup("/k/vmlinux");
	free(c->qemu.initrd);
	c->qemu.initrd = strdup("/k/initrd");
	free(c->qemu.image);
	c->qemu.image = strdup("");
	return c;
}

static const struct vm_launch boot_l = { .mode = VM_BOOT, .accel = "tcg", .vhost_fd = -1,
					 .maxmem_mib = 4096 };

/* default_maxvcpus 0, or above the host's CPUs, means the host's (Kata). */
TEST(qemu_argv_maxvcpus_from_host)
{
	struct config *c = base();
	struct vm_launch l = boot_l;
	l.host_cpus = 8;
	char *s = joined(c, &l, NULL);
	CHECK_CONTAINS(s, "1,cores=1,threads=1,sockets=8,maxcpus=8");
	CHECK_CONTAINS(s, " nr_cpus=8 ");
	free(s);
	c->qemu.default_maxvcpus = 3;
	s = joined(c, &l, NULL);
	CHECK_CONTAINS(s, "maxcpus=3");
	free(s);
	c->qemu.default_maxvcpus = 64;
	l.host_cpus = 500;
	s = joined(c, &l, NULL);
	CHECK_CONTAINS(s, "maxcpus=64");
	free(s);
	c->qemu.default_maxvcpus = 0;
	s = joined(c, &l, NULL);
	CHECK_CONTAINS(s, "maxcpus=240");
	free(s);
	config_free(c);
}

TEST(qemu_argv_defaults)
{
	struct config *c = base();
	char *s = joined(c, &boot_l, NULL);

	CHECK(s != NULL);
	CHECK_CONTAINS(s, "/usr/bin/qemu-system-x86_64 | -name | sandbox-vm1 | -machine | q35,accel=tcg");
	/* Kata's defaults: cpu_features "pmu=off", block driver virtio-scsi */
	CHECK_CONTAINS(s, "-cpu | max,pmu=off | -smp | 1,cores=1,threads=1,sockets=1,maxcpus=1");
	CHECK_CONTAINS(s, "-m | 2048M,slots=10,maxmem=4096M");
	CHECK_CONTAINS(s, "-kernel | /k/vmlinux | -initrd | /k/initrd | -append | tsc=reliable ");
	CHECK_CONTAINS(s, " iommu=off panic=1 nr_cpus=");
	CHECK_CONTAINS(s, " agent.use_vsock=false scsi_mod.scan=none | -no-user-config | -nodefaults | "
			  "-nographic | --no-reboot");
	CHECK_CONTAINS(s, "file,id=charconsole0,path=/run/vc/vm/vm1/console.log");
	if (ENABLE_TRANSPORT_SERIAL) {
		CHECK_CONTAINS(s, "socket,id=charch0,path=/run/vc/vm/vm1/kata.sock,server=on,wait=off");
		CHECK_CONTAINS(s, "virtserialport,bus=serial0.0,chardev=charch0,id=channel0,name=agent.channel.0");
	} else {
		CHECK(!strstr(s, "agent.channel.0"));
	}
	CHECK_CONTAINS(s, "rng-random,id=rng0,filename=/dev/urandom | -device | virtio-rng-pci,rng=rng0");
	CHECK_CONTAINS(s, "-qmp | unix:/run/vc/vm/vm1/qmp.sock,server=on,wait=off | -pidfile | "
			  "/run/vc/vm/vm1/pid | -daemonize");
	CHECK(!strstr(s, "-incoming") && !strstr(s, "memory-backend") && !strstr(s, "9p") &&
	      !strstr(s, "iothread") && !strstr(s, "agent.log"));
	free(s);
	config_free(c);
}

/* No hotplug room (maxmem not above the memory): no slots, or QEMU refuses. */
TEST(qemu_argv_memory_without_room)
{
	struct config *c = base();
	struct vm_launch l = boot_l;
	l.maxmem_mib = 1024;
	char *s = joined(c, &l, NULL);

	CHECK(s != NULL);
	CHECK_CONTAINS(s, "-m | 2048M | -kernel");
	free(s);
	config_free(c);
}

TEST(qemu_argv_features)
{
	struct config *c = base();
	struct vm_launch l = boot_l;

	c->qemu.use_vsock = true;
	c->qemu.enable_iothreads = true;
	c->qemu.indep_iothreads = 2;
	c->qemu.pcie_root_port = 2;
	c->qemu.default_vcpus = 2;
	c->qemu.default_maxvcpus = 4;
	free(c->qemu.kernel_params);
	c->qemu.kernel_params = strdup("quiet agent.log=info");
	free(c->qemu.cpu_features);
	c->qemu.cpu_features = strdup("pmu=off");
	free(c->qemu.block_device_driver);
	c->qemu.block_device_driver = strdup("virtio-scsi");
	l.accel = "kvm";
	l.vsock_cid = 7;
	l.vhost_fd = 5;
	l.shared_dir = "/run/kata-containers/shared/sandboxes/vm1";
	l.agent_debug = true;
	char *s = joined(c, &l, NULL);
	CHECK(s != NULL);
	CHECK_CONTAINS(s, "q35,accel=kvm | -cpu | host,pmu=off | -smp | 2,cores=1,threads=1,sockets=4,maxcpus=4");
	CHECK_CONTAINS(s, "nr_cpus=4 agent.use_vsock=true agent.log=debug scsi_mod.scan=none quiet agent.log=info");
	CHECK_CONTAINS(s, "vhost-vsock-pci,disable-modern=false,vhostfd=5,id=vsock-7,guest-cid=7");
	CHECK(!strstr(s, "agent.channel.0"));
	CHECK_CONTAINS(s, "-fsdev | local,id=extra-9p-kataShared,path=/run/kata-containers/shared/sandboxes/vm1,security_model=none");
	CHECK_CONTAINS(s, "virtio-9p-pci,fsdev=extra-9p-kataShared,mount_tag=kataShared");
	CHECK_CONTAINS(s, "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,slot=1 | -device | pcie-root-port,id=rp1");
	if (ENABLE_IOTHREADS)
		CHECK_CONTAINS(s, "-object | iothread,id=indep_iothread_0 | -object | iothread,id=indep_iothread_1");
	else /* not built in: the keys are refused when read */
		CHECK(!strstr(s, "iothread"));
	free(s);
	config_free(c);
}

TEST(qemu_argv_template_and_clone)
{
	struct config *c = base();
	struct vm_launch l = boot_l;

	l.mode = VM_TEMPLATE;
	l.mem_path = "/run/vc/vm/template/memory";
	char *s = joined(c, &l, NULL);
	CHECK_CONTAINS(s, "q35,accel=tcg,memory-backend=mem0");
	CHECK_CONTAINS(s, "memory-backend-file,id=mem0,size=2048M,mem-path=/run/vc/vm/template/memory,share=on");
	CHECK(!strstr(s, "-incoming"));
	free(s);
	l.mode = VM_CLONE;
	s = joined(c, &l, NULL);
	CHECK_CONTAINS(s, "mem-path=/run/vc/vm/template/memory,share=off");
	CHECK_CONTAINS(s, "| -S | -incoming | defer |");
	free(s);
	config_free(c);
}

static void expect_error(struct config *c, const struct vm_launch *l, const char *msg)
{
	struct error *err = NULL;
	char *s = joined(c, l, &err);
	CHECK(s == NULL);
	CHECK_CONTAINS(err ? err->msg : NULL, msg);
	error_free(err);
	free(s);
	config_free(c);
}

TEST(qemu_argv_errors_name_the_key)
{
	struct config *c = base();
	struct vm_launch l = boot_l;

	free(c->qemu.kernel);
	c->qemu.kernel = strdup("");
	expect_error(c, &l, "hypervisor.qemu.kernel: not set");
	c = base();
	c->qemu.use_vsock = true;
	expect_error(c, &l, "hypervisor.qemu.use_vsock: no vsock CID");
	c = base();
	c->qemu.pcie_root_port = 1;
	free(c->qemu.machine_type);
	c->qemu.machine_type = strdup("pc");
	expect_error(c, &l, "hypervisor.qemu.pcie_root_port: needs machine_type q35");
	c = base();
	free(c->qemu.image);
	c->qemu.image = strdup("/k/image");
	expect_error(c, &l, "initrd and image are exclusive");
	c = base();
	l.mode = VM_CLONE;
	expect_error(c, &l, "VM vm1: a template or clone needs a memory file");
}

/* Kata's PCI bridge first (slot 2 of the root bus), for hot-plugging; none
 * on microvm or with default_bridges = 0. */
TEST(qemu_argv_bridges)
{
	struct config *c = base();
	char *s = joined(c, &boot_l, NULL);
	CHECK_CONTAINS(s, "-nographic | --no-reboot | -device | pci-bridge,bus=pcie.0,"
			  "id=pci-bridge-0,chassis_nr=1,shpc=on,addr=2 | ");
	free(s);
	c->qemu.default_bridges = 2;
	s = joined(c, &boot_l, NULL);
	CHECK_CONTAINS(s, "id=pci-bridge-1,chassis_nr=2,shpc=on,addr=3");
	free(s);
	c->qemu.default_bridges = 0;
	s = joined(c, &boot_l, NULL);
	CHECK(s && !strstr(s, "pci-bridge"));
	free(s);
	config_free(c);
}

/* Cold-plugged NICs: the TAP's fds to a tap netdev (vhost-net fds when
 * given), virtio-net-pci with the MAC, multi-queue with several fds; a
 * template or clone takes none. */
TEST(qemu_argv_nics)
{
	struct config *c = base();
	struct vm_nic nics[2] = {
		{ "tap0_kata", "02:00:00:00:00:02", { 5 }, { 0 }, 1, 0 },
		{ "tap1_kata", "02:00:00:00:00:03", { 6, 7 }, { 8, 9 }, 2, 2 },
	};
	struct vm_launch l = boot_l;
	l.nics = nics;
	l.nnics = 2;
	char *s = joined(c, &l, NULL);
	CHECK_CONTAINS(s, "-netdev | tap,id=tap0_kata,fds=5 | -device | virtio-net-pci,"
			  "netdev=tap0_kata,id=nic-tap0_kata,mac=02:00:00:00:00:02,romfile= | ");
	CHECK_CONTAINS(s, "-netdev | tap,id=tap1_kata,fds=6:7,vhost=on,vhostfds=8:9 | -device | "
			  "virtio-net-pci,netdev=tap1_kata,id=nic-tap1_kata,mac=02:00:00:00:00:03,"
			  "romfile=,mq=on,vectors=6 | ");
	free(s);
	nics[1].nvhost = 1;
	struct error *err = NULL;
	CHECK(joined(c, &l, &err) == NULL);
	CHECK(err && strstr(err->msg, "NIC tap1_kata: no or too many queues"));
	error_free(err);
	err = NULL;
	nics[1].nvhost = 0;
	l.mode = VM_TEMPLATE;
	l.mem_path = "/t/memory";
	CHECK(joined(c, &l, &err) == NULL);
	CHECK(err && strstr(err->msg, "boots without NICs"));
	error_free(err);
	config_free(c);
}
