/* A container's block devices (linux.devices of type b): each found on
 * the host by its major:minor (/sys/dev/block/M:m, as Kata's runtime
 * finds it), hot-plugged into its VM as a virtio-blk disk, named to the
 * agent by its PCI path, and recorded in the container's directory
 * (disks: a disk id a line) for its unplug when the container goes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

/* /dev/NAME of block device maj:min on the host. */
static int host_path(const struct oci_device *d, char *out, size_t size, struct error **err)
{
	char sys[96], *text = NULL;
	struct stat st;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%lld:%lld/uevent", (long long)d->major,
		 (long long)d->minor);
	const char *name = fs_read_file(sys, 4096, &text, NULL, NULL) == 0 ? strstr(text, "DEVNAME=") : NULL;
	int r = 0;
	if (!name) {
		r = error_set(err, ENODEV, "linux.devices: %s: the host has no block device %lld:%lld",
			      d->path, (long long)d->major, (long long)d->minor);
	} else {
		name += 8;
		snprintf(out, size, "/dev/%.*s", (int)strcspn(name, "\n"), name);
		if (stat(out, &st) < 0 || !S_ISBLK(st.st_mode) ||
		    st.st_rdev != makedev((unsigned)d->major, (unsigned)d->minor))
			r = error_set(err, ENODEV, "linux.devices: %s: %s is not block device "
				      "%lld:%lld", d->path, out, (long long)d->major, (long long)d->minor);
	}
	free(text);
	return r;
}

static int record(const char *dir, const struct strv *ids, struct error **err)
{
	char path[PATH_MAX + 8];
	struct buf b = BUF_INIT(0);
	snprintf(path, sizeof(path), "%s/disks", dir);
	for (size_t i = 0; i < ids->n; i++)
		buf_printf(&b, "%s\n", ids->v[i]);
	int r = ids->n ? fs_write_file(path, b.data, b.len, 0600, err) : 0;
	if (!ids->n)
		unlink(path);
	buf_free(&b);
	return r;
}

static void unplug_all(struct vm *vm, const struct strv *ids, const char *cid)
{
	for (size_t i = ids->n; i-- > 0;) {
		struct vm_device d = { .kind = VM_DEV_DISK };
		struct error *e = NULL;
		snprintf(d.id, sizeof(d.id), "%s", ids->v[i]);
		if (vm->hv->unplug(vm, &d, &e) < 0)
			log_warn("container %s: %s", cid, e->msg);
		error_free(e);
	}
}

static int plug_one(struct vm *vm, const struct oci_device *od, struct strv *ids,
		    struct agent_devices *out, struct error **err)
{
	char host[PATH_MAX];
	struct vm_device d = { .kind = VM_DEV_DISK, .image = host };
	if (strlen(od->path) >= sizeof(out->v[0].container_path))
		return error_set(err, ENAMETOOLONG, "linux.devices: %s: a path that long", od->path);
	if (out->n == AGENT_MAX_DEVICES)
		return error_set(err, E2BIG, "linux.devices: more than %d block devices",
				 AGENT_MAX_DEVICES);
	if (host_path(od, host, sizeof(host), err) < 0 || vm->hv->hotplug(vm, &d, err) < 0)
		return -1;
	strv_push(ids, d.id);
	struct agent_device *a = &out->v[out->n++];
	snprintf(a->type, sizeof(a->type), "blk");
	snprintf(a->id, sizeof(a->id), "%s", d.pci_path);
	snprintf(a->container_path, sizeof(a->container_path), "%s", od->path);
	log_debug("container: %s (%s) is disk %s at PCI %s", od->path, host, d.id, d.pci_path);
	return 0;
}

int sb_devices_plug(const struct sb_env *env, const char *vm_id, const char *vm_dir,
		    const char *dir, const char *cid, const struct oci_spec *spec,
		    struct agent_devices *out, struct error **err)
{
	struct vm vm;
	struct strv ids = { 0 };
	size_t n = 0;
	out->n = 0;
	for (size_t i = 0; i < spec->ndevices; i++)
		n += spec->devices[i].type == 'b';
	if (!n)
		return 0;

	if (vm_open(&vm, hypervisor_of(env->config), vm_id, vm_dir, true, err) < 0)
		return error_wrap(err, "container %s", cid);
	vm.trace = env->trace;
	int r = 0;
	for (size_t i = 0; r == 0 && i < spec->ndevices; i++)
		if (spec->devices[i].type == 'b')
			r = plug_one(&vm, &spec->devices[i], &ids, out, err);
	if (r == 0)
		r = record(dir, &ids, err);
	if (r < 0) { /* nothing half-plugged is left */
		unplug_all(&vm, &ids, cid);
		out->n = 0;
	}
	vm.hv->detach(&vm);
	strv_free(&ids);
	return r < 0 ? error_wrap(err, "container %s", cid) : 0;
}

int sb_devices_unplug(const struct sb_env *env, const char *vm_id, const char *vm_dir,
		      const char *dir, const char *cid)
{
	char path[PATH_MAX + 8], *text = NULL, *save = NULL;
	struct strv ids = { 0 };
	struct vm vm;
	struct error *e = NULL;
	snprintf(path, sizeof(path), "%s/disks", dir);
	if (fs_read_file(path, 4096, &text, NULL, NULL) < 0)
		return 0; /* none */
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		strv_push(&ids, l);
	free(text);
	if (vm_open(&vm, hypervisor_of(env->config), vm_id, vm_dir, true, &e) == 0) {
		vm.trace = env->trace;
		unplug_all(&vm, &ids, cid);
		vm.hv->detach(&vm);
	} else {
		log_warn("container %s: its disks stay in the VM: %s", cid, e->msg);
	}
	error_free(e);
	strv_free(&ids);
	unlink(path);
	return 0;
}
