/* QEMU hotplug over QMP: vCPUs, memory, disks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hypervisor/hypervisor.h"
#include "json/writer.h"
#include "util/error.h"

#define HOTPLUG_TIMEOUT_MS 10000

/* The text of a JSON object built with the writer, or NULL. */
static char *object(struct buf *b, struct json_writer *w)
{
	json_obj_end(w);
	return json_end(w) == 0 ? b->data : NULL;
}

int qemu_hotplug_vcpu(struct vm *vm, char *id, size_t size, struct error **err)
{
	struct buf ret = BUF_INIT(QMP_MAX_MESSAGE), args = BUF_INIT(4096);
	struct json_doc d;
	int r = -1;

	if (qmp_execute(&vm->qmp, "query-hotpluggable-cpus", NULL, HOTPLUG_TIMEOUT_MS, &ret, err) < 0)
		goto out;
	if (json_parse(&d, ret.data, ret.len, err) < 0)
		goto out;
	int slot = -1;
	for (int i = 1, k = 0; k < json_size(&d, 0); k++, i = json_next(&d, i))
		if (slot < 0 && json_get(&d, i, "qom-path") < 0) /* no CPU there yet */
			slot = i;
	if (slot < 0) {
		error_set(err, ENOSPC, "VM %s: no free vCPU slot (maxcpus reached)", vm->id);
		goto free_doc;
	}
	struct buf type = BUF_INIT(256);
	size_t plen;
	int props = json_get(&d, slot, "props");
	const char *p = json_raw(&d, props, &plen);
	snprintf(id, size, "cpu-%u", ++vm->next_cpu);
	if (json_text(&d, json_get(&d, slot, "type"), &type) < 0 ||
	    json_type(&d, props) != JSON_OBJECT || plen < 2) {
		error_set(err, EPROTO, "VM %s: query-hotpluggable-cpus without type or props", vm->id);
	} else {
		/* {"driver": type, "id": id, <the props as QEMU gave them>} */
		struct json_writer w;
		json_begin(&w, &args, false);
		json_obj_begin(&w);
		json_key(&w, "driver");
		json_str(&w, type.data);
		json_key(&w, "id");
		json_str(&w, id);
		if (object(&args, &w) && plen > 2) {
			args.len--;
			buf_printf(&args, ",%.*s}", (int)(plen - 2), p + 1);
		}
		r = qmp_execute(&vm->qmp, "device_add", args.data, HOTPLUG_TIMEOUT_MS, NULL, err);
	}
	buf_free(&type);
free_doc:
	json_doc_free(&d);
out:
	buf_free(&ret);
	buf_free(&args);
	return r < 0 ? error_wrap(err, "hot-adding a vCPU") : 0;
}

int qemu_hotplug_memory(struct vm *vm, uint32_t size_mib, char *id, size_t size,
			struct error **err)
{
	char mem[64], args[256];
	unsigned n = vm->next_dimm++;

	snprintf(mem, sizeof(mem), "mem-dimm%u", n);
	snprintf(id, size, "dimm%u", n);
	snprintf(args, sizeof(args), "{\"qom-type\":\"memory-backend-ram\",\"id\":\"%s\",\"size\":%llu}",
		 mem, (unsigned long long)size_mib << 20);
	if (qmp_execute(&vm->qmp, "object-add", args, HOTPLUG_TIMEOUT_MS, NULL, err) < 0)
		return error_wrap(err, "hot-adding %u MiB", size_mib);
	snprintf(args, sizeof(args), "{\"driver\":\"pc-dimm\",\"id\":\"%s\",\"memdev\":\"%s\"}", id,
		 mem);
	if (qmp_execute(&vm->qmp, "device_add", args, HOTPLUG_TIMEOUT_MS, NULL, err) < 0) {
		snprintf(args, sizeof(args), "{\"id\":\"%s\"}", mem);
		qmp_execute(&vm->qmp, "object-del", args, HOTPLUG_TIMEOUT_MS, NULL, NULL);
		return error_wrap(err, "hot-adding %u MiB", size_mib);
	}
	return 0;
}

int qemu_hotplug_disk(struct vm *vm, const char *image, char *id, size_t size,
		      struct error **err)
{
	struct buf args = BUF_INIT(8192);
	struct json_writer w;
	char node[80], bus[32], iothread[48];
	unsigned n = vm->next_port;

	if (n >= vm->root_ports)
		return error_set(err, ENOSPC, "VM %s: no free PCIe root port for a disk "
				 "(hypervisor.qemu.pcie_root_port = %u)", vm->id, vm->root_ports);
	snprintf(id, size, "virtio-disk%u", n);
	snprintf(node, sizeof(node), "drive-%s", id);
	snprintf(bus, sizeof(bus), "rp%u", n);
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
	int r = object(&args, &w) ? qmp_execute(&vm->qmp, "blockdev-add", args.data,
						 HOTPLUG_TIMEOUT_MS, NULL, err)
				   : error_set(err, ENOMEM, "out of memory");
	buf_reset(&args);
	if (r == 0) {
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
		if (vm->iothreads) { /* round-robin over indep_iothread_<i> */
			snprintf(iothread, sizeof(iothread), "indep_iothread_%u",
				 vm->next_iothread++ % vm->iothreads);
			json_key(&w, "iothread");
			json_str(&w, iothread);
		}
		r = object(&args, &w) ? qmp_execute(&vm->qmp, "device_add", args.data,
						     HOTPLUG_TIMEOUT_MS, NULL, err)
				      : error_set(err, ENOMEM, "out of memory");
		if (r < 0) {
			char del[128];
			snprintf(del, sizeof(del), "{\"node-name\":\"%s\"}", node);
			qmp_execute(&vm->qmp, "blockdev-del", del, HOTPLUG_TIMEOUT_MS, NULL, NULL);
		}
	}
	buf_free(&args);
	if (r < 0)
		return error_wrap(err, "hot-adding disk %s", image);
	vm->next_port++;
	return 0;
}
