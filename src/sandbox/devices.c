/* A container's block devices (linux.devices of type b) and its rootfs
 * when that is a block device's file system mounted at root.path (a
 * loop device, containerd's devmapper snapshot): each found on the host
 * by its major:minor (/sys/dev/block/M:m, as Kata's runtime finds it),
 * hot-plugged into its VM as a virtio-blk disk, named to the agent by its
 * PCI path (a Device, or the rootfs's Storage{driver "blk"}), and recorded
 * in the container's directory (disks: a disk id a line) for its unplug
 * when the container goes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "util/alloc.h"
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

/* The rootfs is a whole block device's file system mounted at root
 * (the last mount there, from its root "/"): that device as linux.devices
 * would name it, its type and whether it is read-only. */
static bool rootfs_block(const char *root, struct oci_device *d, char *fstype, size_t size,
			 bool *ro)
{
	char real[PATH_MAX], *text = NULL, *save = NULL;
	bool found = false;
	if (!realpath(root, real) || fs_read_file("/proc/self/mountinfo", 4 << 20, &text, NULL, NULL) < 0)
		return false;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[6], *fs = strstr(l, " - "), *save2 = NULL;
		int k = 0;
		if (!fs)
			continue;
		*fs = 0;
		for (char *t = strtok_r(l, " ", &save2); t && k < 6; t = strtok_r(NULL, " ", &save2))
			f[k++] = t;
		if (k < 6)
			continue;
		sb_mountinfo_unescape(f[4]);
		if (strcmp(f[4], real))
			continue;
		unsigned maj, min;
		char *colon = strchr(f[2], ':'), *type = fs + 3, *end = type + strcspn(type, " ");
		found = false; /* a later mount there hides this one */
		if (!colon || strcmp(f[3], "/"))
			continue;
		maj = (unsigned)strtoul(f[2], NULL, 10);
		min = (unsigned)strtoul(colon + 1, NULL, 10);
		char sys[64];
		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", maj, min);
		if (access(sys, F_OK) < 0 || (size_t)(end - type) >= size)
			continue;
		snprintf(fstype, size, "%.*s", (int)(end - type), type);
		d->major = maj;
		d->minor = min;
		d->type = 'b';
		*ro = !strncmp(f[5], "ro", 2) && (f[5][2] == ',' || !f[5][2]);
		found = true;
	}
	free(text);
	return found;
}

/* A bind mount (no type, type bind, or a bind option), and read-only. */
static bool is_bind(const struct oci_mount *m, bool *ro)
{
	bool bind = !m->type || !strcmp(m->type, "bind");
	*ro = false;
	for (size_t k = 0; k < m->options.n; k++) {
		bind = bind || !strcmp(m->options.v[k], "bind") || !strcmp(m->options.v[k], "rbind");
		*ro = *ro || !strcmp(m->options.v[k], "ro");
	}
	return bind;
}

/* Mounts whose source is a block device: a file system (type ext4, ...)
 * plugged and mounted by the agent in the container's part of the share,
 * the mount then a bind of that; a bind of the device itself (a raw block
 * volume) becomes a linux.devices entry at its destination. */
static int block_mounts(struct vm *vm, struct oci_spec *spec, const char *cid, struct strv *ids,
			struct agent_devices *out, struct error **err)
{
	for (size_t i = 0; i < spec->nmounts; i++) {
		struct oci_mount *m = &spec->mounts[i];
		struct stat st;
		if (!m->source || m->source[0] != '/' || stat(m->source, &st) < 0 || !S_ISBLK(st.st_mode))
			continue;
		bool ro;
		if (is_bind(m, &ro)) /* a raw block volume: a device (raw_block_volumes) */
			continue;
		if (out->nst == AGENT_MAX_STORAGES)
			return error_set(err, E2BIG, "mounts[%zu]: more than %d block devices mounted",
					 i, AGENT_MAX_STORAGES);
		struct vm_device disk = { .kind = VM_DEV_DISK, .image = m->source };
		if (vm->hv->hotplug(vm, &disk, err) < 0)
			return error_wrap(err, "mounts[%zu] %s", i, m->source);
		strv_push(ids, disk.id);
		struct agent_storage *g = &out->st[out->nst++];
		snprintf(g->id, sizeof(g->id), "%s", disk.pci_path);
		snprintf(g->fstype, sizeof(g->fstype), "%s", m->type);
		snprintf(g->options, sizeof(g->options), "%s", ro ? "ro" : "");
		snprintf(g->mount_point, sizeof(g->mount_point), "%s/%s/blk%zu", AGENT_SHARED_DIR, cid, i);
		free(m->source);
		free(m->type);
		m->source = xstrdup(g->mount_point);
		m->type = xstrdup("bind");
		strv_push(&m->options, "rbind");
	}
	return 0;
}

/* A bind of a block device (a raw block volume) as the device node it is:
 * an entry of linux.devices at its destination, the mount dropped. */
static void raw_block_volumes(struct oci_spec *spec)
{
	for (size_t i = 0; i < spec->nmounts;) {
		struct oci_mount *m = &spec->mounts[i];
		struct stat st;
		bool ro;
		if (!is_bind(m, &ro) || !m->source || m->source[0] != '/' || stat(m->source, &st) < 0 ||
		    !S_ISBLK(st.st_mode)) {
			i++;
			continue;
		}
		spec->devices = xrealloc(spec->devices, (spec->ndevices + 1) * sizeof(*spec->devices));
		spec->devices[spec->ndevices++] = (struct oci_device){
			.path = xstrdup(m->destination), .type = 'b', .major = major(st.st_rdev),
			.minor = minor(st.st_rdev), .file_mode = 0660 };
		free(m->destination);
		free(m->source);
		free(m->type);
		strv_free(&m->options);
		memmove(m, m + 1, (spec->nmounts - i - 1) * sizeof(*m));
		spec->nmounts--;
	}
}

/* The rootfs's disk d (rootfs_block's): plugged, and told to the agent as
 * a Storage. */
static int plug_rootfs(struct vm *vm, const struct oci_spec *spec, const struct oci_device *d,
		       const char *fstype, bool ro, struct strv *ids, struct agent_devices *out,
		       struct error **err)
{
	char host[PATH_MAX];
	struct vm_device disk = { .kind = VM_DEV_DISK, .image = host };
	struct error *e = NULL;
	if (host_path(d, host, sizeof(host), err) < 0)
		return error_wrap(err, "root.path %s", spec->root_path);
	if (vm->hv->hotplug(vm, &disk, &e) < 0) {
		if (e->code != ENOSPC) {
			error_set(err, e->code, "root.path %s (on %s): %s", spec->root_path, host, e->msg);
			error_free(e);
			return -1;
		}
		/* no root port (pcie_root_port = 0, as by default): the share, as before */
		log_warn("root.path %s is on %s: shared over 9p, not plugged as a disk (%s)",
			 spec->root_path, host, e->msg);
		error_free(e);
		return 0;
	}
	strv_push(ids, disk.id);
	struct agent_storage *g = &out->st[out->nst++];
	snprintf(g->id, sizeof(g->id), "%s", disk.pci_path);
	snprintf(g->fstype, sizeof(g->fstype), "%s", fstype);
	snprintf(g->options, sizeof(g->options), "%s", ro ? "ro" : "");
	g->mount_point[0] = 0;
	out->rootfs_on_disk = true;
	log_debug("root.path %s: %s (%s) is disk %s at PCI %s", spec->root_path, host, fstype,
		  disk.id, disk.pci_path);
	return 0;
}

int sb_devices_plug(const struct sb_env *env, const char *vm_id, const char *vm_dir,
		    const char *dir, const char *cid, struct oci_spec *spec,
		    struct agent_devices *out, struct error **err)
{
	struct vm vm;
	struct strv ids = { 0 };
	struct oci_device root = { .path = "rootfs" };
	char fstype[32];
	bool ro = false;
	size_t n = 0;
	out->n = out->nst = 0;
	out->rootfs_on_disk = false;
	raw_block_volumes(spec);
	for (size_t i = 0; i < spec->ndevices; i++)
		n += spec->devices[i].type == 'b';
	for (size_t i = 0; i < spec->nmounts; i++) {
		struct stat st;
		const char *src = spec->mounts[i].source;
		n += src && src[0] == '/' && stat(src, &st) == 0 && S_ISBLK(st.st_mode);
	}
	bool on_disk = !env->config->qemu.disable_block_device_use &&
		       rootfs_block(spec->root_path, &root, fstype, sizeof(fstype), &ro);
	if (!n && !on_disk)
		return 0;

	if (vm_open(&vm, hypervisor_of(env->config), vm_id, vm_dir, true, err) < 0)
		return error_wrap(err, "container %s", cid);
	vm.trace = env->trace;
	int r = on_disk ? plug_rootfs(&vm, spec, &root, fstype, ro, &ids, out, err) : 0;
	if (r == 0)
		r = block_mounts(&vm, spec, cid, &ids, out, err);
	for (size_t i = 0; r == 0 && i < spec->ndevices; i++)
		if (spec->devices[i].type == 'b')
			r = plug_one(&vm, &spec->devices[i], &ids, out, err);
	if (r == 0)
		r = record(dir, &ids, err);
	if (r < 0) { /* nothing half-plugged is left */
		unplug_all(&vm, &ids, cid);
		out->n = out->nst = 0;
		out->rootfs_on_disk = false;
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
