/* QEMU hotplug over QMP: vCPUs, memory, disks, and their unplug; NICs are
 * in nic.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "autoconf.h"
#include "hypervisor/qemu/qemu.h"
#include "json/writer.h"
#include "util/error.h"

#define HOTPLUG_TIMEOUT_MS 10000
/* The guest must answer: PCIe hotplug alone waits 5 s (attention button). */
#define UNPLUG_TIMEOUT_MS 60000

/* The text of a JSON object built with the writer, or NULL. */
static char *object(struct buf *b, struct json_writer *w)
{
	json_obj_end(w);
	return json_end(w) == 0 ? b->data : NULL;
}

static int add_vcpu(struct vm *vm, char *id, size_t size, struct error **err)
{
	struct qmp_cpu_slot *slots, *slot = NULL;
	size_t n;
	int r = -1;

	if (qmp_query_hotpluggable_cpus(&vm->drv->qmp, HOTPLUG_TIMEOUT_MS, &slots, &n, err) < 0)
		return error_wrap(err, "hot-adding a vCPU");
	for (size_t i = 0; i < n; i++) {
		/* ids go on from those in use: another process (a VM reopened
		 * from its run directory) may have plugged some */
		const char *used = strstr(slots[i].qom_path, "/cpu-");
		unsigned k = used ? (unsigned)strtoul(used + 5, NULL, 10) : 0;
		if (k > vm->drv->next_cpu)
			vm->drv->next_cpu = k;
		if (!slots[i].qom_path[0] && !slot) /* no CPU there yet */
			slot = &slots[i];
	}
	if (!slot) {
		error_set(err, ENOSPC, "VM %s: no free vCPU slot (maxcpus reached)", vm->id);
	} else {
		/* {"driver": type, "id": id, <the props as QEMU gave them>} */
		struct buf args = BUF_INIT(512);
		struct json_writer w;
		size_t plen = strlen(slot->props);
		snprintf(id, size, "cpu-%u", ++vm->drv->next_cpu);
		json_begin(&w, &args, false);
		json_obj_begin(&w);
		json_key(&w, "driver");
		json_str(&w, slot->type);
		json_key(&w, "id");
		json_str(&w, id);
		if (object(&args, &w) && plen > 2) {
			args.len--;
			buf_printf(&args, ",%.*s}", (int)(plen - 2), slot->props + 1);
		}
		r = qmp_device_add(&vm->drv->qmp, args.data, HOTPLUG_TIMEOUT_MS, err);
		buf_free(&args);
	}
	free(slots);
	return r < 0 ? error_wrap(err, "hot-adding a vCPU") : 0;
}

static int del_vcpu(struct vm *vm, const char *id, struct error **err)
{
	if (qmp_device_del(&vm->drv->qmp, id, UNPLUG_TIMEOUT_MS, err) < 0)
		return error_wrap(err, "unplugging vCPU %s", id);
	return 0;
}

static int add_memory(struct vm *vm, uint32_t size_mib, char *id, size_t size,
			struct error **err)
{
	char mem[64], args[256];
	struct qmp_memory_device *devs;
	size_t ndevs;

	/* past the dimms plugged so far, by this process or another */
	if (qmp_query_memory_devices(&vm->drv->qmp, HOTPLUG_TIMEOUT_MS, &devs, &ndevs, err) < 0)
		return error_wrap(err, "hot-adding %u MiB", size_mib);
	for (size_t i = 0; i < ndevs; i++)
		if (!strncmp(devs[i].id, "dimm", 4) && strtoul(devs[i].id + 4, NULL, 10) >= vm->drv->next_dimm)
			vm->drv->next_dimm = (unsigned)strtoul(devs[i].id + 4, NULL, 10) + 1;
	free(devs);
	unsigned n = vm->drv->next_dimm++;

	snprintf(mem, sizeof(mem), "mem-dimm%u", n);
	snprintf(id, size, "dimm%u", n);
	snprintf(args, sizeof(args), "{\"qom-type\":\"memory-backend-ram\",\"id\":\"%s\",\"size\":%llu}",
		 mem, (unsigned long long)size_mib << 20);
	if (qmp_object_add(&vm->drv->qmp, args, HOTPLUG_TIMEOUT_MS, err) < 0)
		return error_wrap(err, "hot-adding %u MiB", size_mib);
	snprintf(args, sizeof(args), "{\"driver\":\"pc-dimm\",\"id\":\"%s\",\"memdev\":\"%s\"}", id,
		 mem);
	if (qmp_device_add(&vm->drv->qmp, args, HOTPLUG_TIMEOUT_MS, err) < 0) {
		qmp_object_del(&vm->drv->qmp, mem, HOTPLUG_TIMEOUT_MS, NULL);
		return error_wrap(err, "hot-adding %u MiB", size_mib);
	}
	return 0;
}

static int del_memory(struct vm *vm, const char *id, struct error **err)
{
	char mem[80];

	snprintf(mem, sizeof(mem), "mem-%s", id);
	if (qmp_device_del(&vm->drv->qmp, id, UNPLUG_TIMEOUT_MS, err) < 0 ||
	    qmp_object_del(&vm->drv->qmp, mem, HOTPLUG_TIMEOUT_MS, err) < 0)
		return error_wrap(err, "unplugging memory %s", id);
	return 0;
}

/* A raw image, or a block device (QEMU's host_device driver). */
static int blockdev_add(struct vm *vm, const char *node, const char *image, struct error **err)
{
	struct buf args = BUF_INIT(512);
	struct json_writer w;
	struct stat st;

	if (stat(image, &st) < 0)
		return error_set_errno(err, errno, "%s", image);
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "%s: not a block device or a file", image);
	json_begin(&w, &args, false); /* the path is quoted by the writer */
	json_obj_begin(&w);
	json_key(&w, "driver");
	json_str(&w, "raw");
	json_key(&w, "node-name");
	json_str(&w, node);
	json_key(&w, "file");
	json_obj_begin(&w);
	json_key(&w, "driver");
	json_str(&w, S_ISBLK(st.st_mode) ? "host_device" : "file");
	json_key(&w, "filename");
	json_str(&w, image);
	json_obj_end(&w);
	int r = object(&args, &w) ? qmp_blockdev_add(&vm->drv->qmp, args.data, HOTPLUG_TIMEOUT_MS, err)
				   : error_set(err, ENOMEM, "out of memory");
	buf_free(&args);
	return r;
}

/* The independent IOThreads the VM was started with (indep_iothread_<i>,
 * there with enable_iothreads and indep_iothreads > 0), as QEMU has them. */
static int indep_iothreads(struct vm *vm, unsigned *n, struct error **err)
{
	struct qmp_iothread *t;
	size_t nt;
	*n = 0;
	if (!ENABLE_IOTHREADS)
		return 0;
	if (qmp_query_iothreads(&vm->drv->qmp, HOTPLUG_TIMEOUT_MS, &t, &nt, err) < 0)
		return -1;
	for (size_t i = 0; i < nt; i++)
		*n += !strncmp(t[i].id, "indep_iothread_", 15);
	free(t);
	return 0;
}

/* A disk on root port rp<port>; with IOThreads, on indep_iothread_<port
 * mod their number>: the disks take them in turn, as they take ports. */
static int blk_device_add(struct vm *vm, const char *id, const char *node, unsigned port,
			  struct error **err)
{
	struct buf args = BUF_INIT(512);
	struct json_writer w;
	char bus[32], iothread[48];
	unsigned n;

	if (indep_iothreads(vm, &n, err) < 0)
		return -1;
	snprintf(bus, sizeof(bus), "rp%u", port);
	json_begin(&w, &args, false);
	json_obj_begin(&w);
	json_key(&w, "driver");
	json_str(&w, "virtio-blk-pci");
	json_key(&w, "id");
	json_str(&w, id);
	json_key(&w, "drive");
	json_str(&w, node);
	json_key(&w, "bus");
	json_str(&w, bus);
	if (n) {
		snprintf(iothread, sizeof(iothread), "indep_iothread_%u", port % n);
		json_key(&w, "iothread");
		json_str(&w, iothread);
	}
	int r = object(&args, &w) ? qmp_device_add(&vm->drv->qmp, args.data, HOTPLUG_TIMEOUT_MS, err)
				   : error_set(err, ENOMEM, "out of memory");
	buf_free(&args);
	return r;
}

/* Whether virtio-disk<port> is plugged: a disk just added is not in
 * query-pci until the guest has powered its slot on. */
static bool disk_there(struct vm *vm, unsigned port)
{
	char args[160];
	snprintf(args, sizeof(args), "{\"path\":\"/machine/peripheral/virtio-disk%u\","
		 "\"property\":\"type\"}", port);
	return qmp_execute(&vm->drv->qmp, "qom-get", args, HOTPLUG_TIMEOUT_MS, NULL, NULL) == 0;
}

/* The first empty root port rp<N> as QEMU has it now (another process may
 * have plugged some), and its PCI path for the guest: "SS/00", its slot on
 * the root bus then the disk's on its own. */
static int free_root_port(struct vm *vm, unsigned *port, char *pci_path, size_t size,
			  struct error **err)
{
	struct qmp_pci_bridge *v;
	size_t n;
	int r = -1;
	if (qmp_query_pci_bridges(&vm->drv->qmp, HOTPLUG_TIMEOUT_MS, &v, &n, err) < 0)
		return -1;
	unsigned best = 32, ports = 0;
	for (size_t i = 0; i < n; i++) {
		char *end;
		unsigned long k = strncmp(v[i].id, "rp", 2) ? 32 : strtoul(v[i].id + 2, &end, 10);
		ports += k < 32;
		if (k < best && end != v[i].id + 2 && !*end && !v[i].slots && v[i].bus == 0 &&
		    v[i].slot >= 0 && !disk_there(vm, (unsigned)k)) {
			best = (unsigned)k;
			snprintf(pci_path, size, "%02x/00", (unsigned)v[i].slot);
			r = 0;
		}
	}
	free(v);
	*port = best;
	if (r < 0)
		error_set(err, ENOSPC, "VM %s: no free PCIe root port for a disk (hypervisor.qemu."
			  "pcie_root_port = %u)", vm->id, ports);
	return r;
}

/* The disk on root port rp<N> is virtio-disk<N>, its node drive-virtio-disk<N>. */
static int add_disk(struct vm *vm, struct vm_device *d, struct error **err)
{
	char node[80];
	unsigned port;

	if (free_root_port(vm, &port, d->pci_path, sizeof(d->pci_path), err) < 0)
		return error_wrap(err, "hot-adding disk %s", d->image);
	snprintf(d->id, sizeof(d->id), "virtio-disk%u", port);
	snprintf(node, sizeof(node), "drive-%s", d->id);
	if (blockdev_add(vm, node, d->image, err) < 0)
		return error_wrap(err, "hot-adding disk %s", d->image);
	if (blk_device_add(vm, d->id, node, port, err) < 0) {
		qmp_blockdev_del(&vm->drv->qmp, node, HOTPLUG_TIMEOUT_MS, NULL);
		return error_wrap(err, "hot-adding disk %s", d->image);
	}
	return 0;
}

static int del_disk(struct vm *vm, const char *id, struct error **err)
{
	char node[80];

	size_t digits = strncmp(id, "virtio-disk", 11) ? 0 : strspn(id + 11, "0123456789");
	if (!digits || digits > 2 || id[11 + digits])
		return error_set(err, ENOENT, "VM %s: no disk %s", vm->id, id);
	snprintf(node, sizeof(node), "drive-%s", id);
	if (qmp_device_del(&vm->drv->qmp, id, UNPLUG_TIMEOUT_MS, err) < 0) {
		if (err && *err && strstr((*err)->msg, "DeviceNotFound")) {
			error_free(*err);
			*err = NULL;
			return error_set(err, ENOENT, "VM %s: no disk %s", vm->id, id);
		}
		return error_wrap(err, "unplugging disk %s", id);
	}
	if (qmp_blockdev_del(&vm->drv->qmp, node, HOTPLUG_TIMEOUT_MS, err) < 0)
		return error_wrap(err, "unplugging disk %s", id);
	return 0;
}

static int plug(struct vm *vm, struct vm_device *d, bool add, struct error **err)
{
	if (!vm->drv)
		return error_set(err, EPIPE, "VM %s: no monitor connection", vm->id);
	switch (d->kind) {
	case VM_DEV_VCPU: return add ? add_vcpu(vm, d->id, sizeof(d->id), err) : del_vcpu(vm, d->id, err);
	case VM_DEV_MEMORY:
		return add ? add_memory(vm, d->size_mib, d->id, sizeof(d->id), err)
			   : del_memory(vm, d->id, err);
	case VM_DEV_DISK:
		if (!ENABLE_BLOCK_DEVICES)
			return error_set(err, ENOTSUP, "VM %s: disks are not built in "
					 "(CONFIG_BLOCK_DEVICES)", vm->id);
		return add ? add_disk(vm, d, err) : del_disk(vm, d->id, err);
	case VM_DEV_NIC: return add ? qemu_hotplug_nic(vm, d, err) : qemu_unplug_nic(vm, d, err);
	}
	return error_set(err, EINVAL, "VM %s: unknown device kind %d", vm->id, (int)d->kind);
}

int qemu_hotplug(struct vm *vm, struct vm_device *d, struct error **err)
{
	return plug(vm, d, true, err);
}

int qemu_unplug(struct vm *vm, const struct vm_device *d, struct error **err)
{
	return plug(vm, (struct vm_device *)d, false, err); /* unplug only reads it */
}
