/* QEMU hotplug over QMP: vCPUs, memory, disks, and their unplug; NICs are
 * in nic.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int blockdev_add(struct vm *vm, const char *node, const char *image, struct error **err)
{
	struct buf args = BUF_INIT(512);
	struct json_writer w;

	json_begin(&w, &args, false); /* the path is quoted by the writer */
	json_obj_begin(&w);
	json_key(&w, "driver");
	json_str(&w, "raw");
	json_key(&w, "node-name");
	json_str(&w, node);
	json_key(&w, "file");
	json_obj_begin(&w);
	json_key(&w, "driver");
	json_str(&w, "file");
	json_key(&w, "filename");
	json_str(&w, image);
	json_obj_end(&w);
	int r = object(&args, &w) ? qmp_blockdev_add(&vm->drv->qmp, args.data, HOTPLUG_TIMEOUT_MS, err)
				   : error_set(err, ENOMEM, "out of memory");
	buf_free(&args);
	return r;
}

static int blk_device_add(struct vm *vm, const char *id, const char *node, unsigned port,
			  struct error **err)
{
	struct buf args = BUF_INIT(512);
	struct json_writer w;
	char bus[32], iothread[48];

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
	if (ENABLE_IOTHREADS && vm->drv->iothreads) { /* round-robin over indep_iothread_<i> */
		snprintf(iothread, sizeof(iothread), "indep_iothread_%u",
			 vm->drv->next_iothread++ % vm->drv->iothreads);
		json_key(&w, "iothread");
		json_str(&w, iothread);
	}
	int r = object(&args, &w) ? qmp_device_add(&vm->drv->qmp, args.data, HOTPLUG_TIMEOUT_MS, err)
				   : error_set(err, ENOMEM, "out of memory");
	buf_free(&args);
	return r;
}

/* The disk on root port rp<N> is virtio-disk<N>, its node drive-virtio-disk<N>. */
static int add_disk(struct vm *vm, const char *image, char *id, size_t size,
		      struct error **err)
{
	char node[80];
	unsigned port = 0;

	while (port < vm->drv->root_ports && (vm->drv->ports_used & (1u << port)))
		port++;
	if (port >= vm->drv->root_ports)
		return error_set(err, ENOSPC, "VM %s: no free PCIe root port for a disk "
				 "(hypervisor.qemu.pcie_root_port = %u)", vm->id, vm->drv->root_ports);
	snprintf(id, size, "virtio-disk%u", port);
	snprintf(node, sizeof(node), "drive-%s", id);
	if (blockdev_add(vm, node, image, err) < 0)
		return error_wrap(err, "hot-adding disk %s", image);
	if (blk_device_add(vm, id, node, port, err) < 0) {
		qmp_blockdev_del(&vm->drv->qmp, node, HOTPLUG_TIMEOUT_MS, NULL);
		return error_wrap(err, "hot-adding disk %s", image);
	}
	vm->drv->ports_used |= 1u << port;
	return 0;
}

static int del_disk(struct vm *vm, const char *id, struct error **err)
{
	char node[80];
	char *end;
	unsigned long port = strncmp(id, "virtio-disk", 11) ? 32 : strtoul(id + 11, &end, 10);

	if (port >= 32 || end == id + 11 || *end || !(vm->drv->ports_used & (1u << port)))
		return error_set(err, ENOENT, "VM %s: no disk %s", vm->id, id);
	snprintf(node, sizeof(node), "drive-%s", id);
	if (qmp_device_del(&vm->drv->qmp, id, UNPLUG_TIMEOUT_MS, err) < 0)
		return error_wrap(err, "unplugging disk %s", id);
	vm->drv->ports_used &= ~(1u << port);
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
		return add ? add_disk(vm, d->image, d->id, sizeof(d->id), err) : del_disk(vm, d->id, err);
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
