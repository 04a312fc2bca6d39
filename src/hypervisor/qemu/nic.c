/* NICs hot-plugged over QMP: the TAP's queue fds handed over with getfd,
 * a tap netdev on them, and virtio-net-pci on a free slot of a PCI bridge
 * (Kata's default_bridges) or a free PCIe root port. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/qemu/qemu.h"
#include "json/writer.h"
#include "util/error.h"

#define NIC_TIMEOUT_MS 10000
#define NIC_UNPLUG_TIMEOUT_MS 60000

static void fd_name(char *out, size_t size, const char *kind, const char *tap, unsigned q)
{
	snprintf(out, size, "%s-%s-%u", kind, tap, q);
}

/* "fd-tap0_kata-0:fd-tap0_kata-1" */
static void fd_names(char *out, size_t size, const char *kind, const char *tap, unsigned n)
{
	size_t off = 0;
	out[0] = 0;
	for (unsigned q = 0; q < n && off < size; q++) {
		char one[48];
		fd_name(one, sizeof(one), kind, tap, q);
		off += (size_t)snprintf(out + off, size - off, q ? ":%s" : "%s", one);
	}
}

static void close_fds(struct vm *vm, const struct vm_nic *n, unsigned fds, unsigned vhost)
{
	char name[48];
	for (unsigned q = 0; q < fds; q++) {
		fd_name(name, sizeof(name), "fd", n->tap, q);
		qmp_closefd(&vm->drv->qmp, name, NIC_TIMEOUT_MS, NULL);
	}
	for (unsigned q = 0; q < vhost; q++) {
		fd_name(name, sizeof(name), "vhostfd", n->tap, q);
		qmp_closefd(&vm->drv->qmp, name, NIC_TIMEOUT_MS, NULL);
	}
}

static int send_fds(struct vm *vm, const struct vm_nic *n, struct error **err)
{
	char name[48];
	unsigned q = 0, v = 0;
	for (; q < n->nfds; q++) {
		fd_name(name, sizeof(name), "fd", n->tap, q);
		if (qmp_getfd(&vm->drv->qmp, n->fds[q], name, NIC_TIMEOUT_MS, err) < 0)
			goto fail;
	}
	for (; v < n->nvhost; v++) {
		fd_name(name, sizeof(name), "vhostfd", n->tap, v);
		if (qmp_getfd(&vm->drv->qmp, n->vhostfds[v], name, NIC_TIMEOUT_MS, err) < 0)
			goto fail;
	}
	return 0;
fail:
	close_fds(vm, n, q, v);
	return -1;
}

static int netdev_add(struct vm *vm, const struct vm_nic *n, struct error **err)
{
	char fds[512], vfds[512], args[1200];
	fd_names(fds, sizeof(fds), "fd", n->tap, n->nfds);
	fd_names(vfds, sizeof(vfds), "vhostfd", n->tap, n->nvhost);
	snprintf(args, sizeof(args), "{\"type\":\"tap\",\"id\":\"%s\",\"fds\":\"%s\"%s%s%s}", n->tap,
		 fds, n->nvhost ? ",\"vhost\":true,\"vhostfds\":\"" : "", n->nvhost ? vfds : "",
		 n->nvhost ? "\"" : "");
	return qmp_netdev_add(&vm->drv->qmp, args, NIC_TIMEOUT_MS, err);
}

/* A free place: a slot (1 to 31) of a pci-bridge-N first, as Kata, then an
 * empty root port. */
static int free_place(struct vm *vm, char *bus, size_t size, int *slot, struct error **err)
{
	struct qmp_pci_bridge *v;
	size_t n;
	int r = -1;

	if (qmp_query_pci_bridges(&vm->drv->qmp, NIC_TIMEOUT_MS, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && r < 0; i++)
		if (!strncmp(v[i].id, "pci-bridge-", 11))
			for (int s = 1; s < 32 && r < 0; s++)
				if (!(v[i].slots & (1u << s))) {
					snprintf(bus, size, "%s", v[i].id);
					*slot = s;
					r = 0;
				}
	for (size_t i = 0; i < n && r < 0; i++)
		if (!strncmp(v[i].id, "rp", 2) && !v[i].slots) {
			snprintf(bus, size, "%s", v[i].id);
			*slot = -1;
			r = 0;
		}
	free(v);
	if (r < 0)
		error_set(err, ENOSPC, "VM %s: no free slot to hot-plug a NIC (hypervisor.qemu."
			  "default_bridges and pcie_root_port are both used up or 0)", vm->id);
	return r;
}

static int device_add(struct vm *vm, const struct vm_nic *n, const char *bus, int slot,
		      struct error **err)
{
	struct buf args = BUF_INIT(512);
	struct json_writer w;
	char id[32], text[16];

	snprintf(id, sizeof(id), "nic-%s", n->tap);
	json_begin(&w, &args, false);
	json_obj_begin(&w);
	json_key(&w, "driver");
	json_str(&w, "virtio-net-pci");
	json_key(&w, "id");
	json_str(&w, id);
	json_key(&w, "netdev");
	json_str(&w, n->tap);
	json_key(&w, "mac");
	json_str(&w, n->mac);
	json_key(&w, "bus");
	json_str(&w, bus);
	if (slot >= 0) {
		snprintf(text, sizeof(text), "%x", slot);
		json_key(&w, "addr");
		json_str(&w, text);
	}
	json_key(&w, "romfile");
	json_str(&w, "");
	if (n->nfds > 1) {
		snprintf(text, sizeof(text), "%u", 2 * n->nfds + 2);
		json_key(&w, "mq");
		json_str(&w, "on");
		json_key(&w, "vectors");
		json_str(&w, text);
	}
	json_obj_end(&w);
	int r = json_end(&w) == 0 ? qmp_device_add(&vm->drv->qmp, args.data, NIC_TIMEOUT_MS, err)
				  : error_set(err, ENOMEM, "out of memory");
	buf_free(&args);
	return r;
}

int qemu_hotplug_nic(struct vm *vm, struct vm_device *d, struct error **err)
{
	const struct vm_nic *n = d->nic;
	char *pci_path = d->pci_path;
	size_t size = sizeof(d->pci_path);
	char bus[64];
	int slot = -1;

	if (!n->nfds || n->nfds > VM_MAX_QUEUES || (n->nvhost && n->nvhost != n->nfds))
		return error_set(err, EINVAL, "NIC %s: no or too many queues", n->tap);
	if (free_place(vm, bus, sizeof(bus), &slot, err) < 0 || send_fds(vm, n, err) < 0)
		return error_wrap(err, "hot-adding NIC %s", n->tap);
	if (netdev_add(vm, n, err) < 0) {
		close_fds(vm, n, n->nfds, n->nvhost);
		return error_wrap(err, "hot-adding NIC %s", n->tap);
	}
	if (device_add(vm, n, bus, slot, err) < 0) {
		qmp_netdev_del(&vm->drv->qmp, n->tap, NIC_TIMEOUT_MS, NULL);
		return error_wrap(err, "hot-adding NIC %s", n->tap);
	}
	snprintf(d->id, sizeof(d->id), "nic-%s", n->tap);
	pci_path[0] = 0;
	if (slot >= 0 && !strncmp(bus, "pci-bridge-", 11))
		snprintf(pci_path, size, "%02lx/%02x", QEMU_BRIDGE_SLOT + strtoul(bus + 11, NULL, 10),
			 slot);
	return 0;
}

int qemu_unplug_nic(struct vm *vm, const struct vm_device *d, struct error **err)
{
	const char *tap = d->nic->tap;
	char id[32];

	snprintf(id, sizeof(id), "nic-%s", tap);
	if (qmp_device_del(&vm->drv->qmp, id, NIC_UNPLUG_TIMEOUT_MS, err) < 0 ||
	    qmp_netdev_del(&vm->drv->qmp, tap, NIC_TIMEOUT_MS, err) < 0)
		return error_wrap(err, "unplugging NIC %s", tap);
	return 0;
}
