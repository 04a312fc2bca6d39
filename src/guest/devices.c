/* A container's device nodes (linux.devices): character devices and
 * FIFOs as the spec gives them; block devices hot-plugged by the runtime,
 * each named by a request's Device (Kata's "blk": its id the PCI path
 * "SS/DD", the root port's slot then the disk's), found in the guest by
 * that path and given the guest's major and minor. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "guest/plan.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

#define PCI_WAIT_MS 10000

/* The first entry of dir (not a dot file) whose name starts with prefix (and ends with
 * suffix), into out; -1 when there is none yet. */
static int entry(const char *dir, const char *prefix, const char *suffix, char *out, size_t size)
{
	DIR *d = opendir(dir);
	int r = -1;
	size_t np = strlen(prefix), ns = strlen(suffix);
	for (struct dirent *e; d && r < 0 && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] != '.' && n >= np + ns && !strncmp(e->d_name, prefix, np) && !strcmp(e->d_name + n - ns, suffix))
			r = snprintf(out, size, "%s", e->d_name) < (int)size ? 0 : -1;
	}
	if (d)
		closedir(d);
	return r;
}

/* The block device at PCI path "SS/DD" (hex) as the guest has it now. */
static int pci_block(unsigned ss, unsigned dd, char *name, size_t size, dev_t *rdev)
{
	char dir[512], sub[256], suffix[16], *text = NULL;
	unsigned maj, min;
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/0000:00:%02x.0", ss);
	snprintf(suffix, sizeof(suffix), ":%02x.0", dd);
	if (entry(dir, "0000:", suffix, sub, sizeof(sub)) < 0)
		return -1;
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", sub);
	if (entry(dir, "virtio", "", sub, sizeof(sub)) < 0)
		return -1;
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s/block", sub);
	if (entry(dir, "", "", sub, sizeof(sub)) < 0)
		return -1;
	snprintf(name, size, "%s", sub);
	snprintf(dir, sizeof(dir), "/sys/block/%s/dev", sub);
	if (fs_read_file(dir, 64, &text, NULL, NULL) < 0)
		return -1;
	char *colon = strchr(text, ':');
	maj = (unsigned)strtoul(text, NULL, 10);
	min = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
	free(text);
	if (!colon)
		return -1;
	*rdev = makedev(maj, min);
	return 0;
}

int guest_block_by_pci(const char *pci_path, char *name, size_t size, dev_t *rdev,
		       struct error **err)
{
	char *end;
	unsigned long ss = strtoul(pci_path ? pci_path : "", &end, 16), dd;
	if (!pci_path || end == pci_path || *end != '/' || ss > 31 ||
	    (dd = strtoul(end + 1, &end, 16)) > 31 || *end || end[-1] == '/')
		return error_set(err, EINVAL, "PCI path \"%s\": not SS/DD", pci_path ? pci_path : "");
	for (int waited = 0;; waited += 10) {
		if (pci_block((unsigned)ss, (unsigned)dd, name, size, rdev) == 0)
			return 0;
		if (waited >= PCI_WAIT_MS)
			return error_set(err, ETIMEDOUT, "no block device at PCI path %s after %d s",
					 pci_path, PCI_WAIT_MS / 1000);
		nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
}

/* The guest's numbers for the spec's block device at path, from the
 * request's Devices (each found by its PCI path). */
static int block_rdev(const char *path, const grpc_Device *devs, size_t n, dev_t *rdev,
		      struct error **err)
{
	for (size_t i = 0; i < n; i++) {
		char name[64];
		if (!devs[i].container_path || strcmp(devs[i].container_path, path))
			continue;
		if (!devs[i].type || strcmp(devs[i].type, "blk"))
			return error_set(err, EINVAL, "device %s: type \"%s\" is not blk", path,
					 devs[i].type ? devs[i].type : "");
		if (guest_block_by_pci(devs[i].id, name, sizeof(name), rdev, err) < 0)
			return error_wrap(err, "device %s", path);
		return 0;
	}
	return error_set(err, EINVAL, "linux.devices: %s is a block device the runtime did not "
			 "hot-plug (no Device names it)", path);
}

static int device(struct spawn_device *d, const grpc_LinuxDevice *l, const grpc_Device *devs,
		  size_t n, struct error **err)
{
	const char *t = l->Type ? l->Type : "";
	if (!guest_path_is_clean(l->Path) || strlen(l->Path) >= sizeof(d->path))
		return error_set(err, EINVAL, "linux.devices: \"%s\" is not an absolute path without "
				 ". or ..", l->Path ? l->Path : "");
	snprintf(d->path, sizeof(d->path), "%s", l->Path + 1); /* under the rootfs */
	d->uid = l->UID;
	d->gid = l->GID;
	d->mode = l->FileMode & 07777;
	if (!strcmp(t, "p")) {
		d->mode |= S_IFIFO;
		return 0;
	}
	if ((strcmp(t, "c") && strcmp(t, "u") && strcmp(t, "b")) || l->Major < 0 ||
	    l->Major > 4095 || l->Minor < 0 || l->Minor > 0xfffff)
		return error_set(err, EINVAL, "linux.devices: %s: type \"%s\" %lld:%lld is not a "
				 "device", l->Path, t, (long long)l->Major, (long long)l->Minor);
	d->rdev = makedev((unsigned)l->Major, (unsigned)l->Minor);
	if (t[0] == 'b') {
		d->mode |= S_IFBLK;
		return block_rdev(l->Path, devs, n, &d->rdev, err);
	}
	d->mode |= S_IFCHR;
	char sys[64];
	snprintf(sys, sizeof(sys), "/sys/dev/char/%lld:%lld", (long long)l->Major, (long long)l->Minor);
	if (access(sys, F_OK) < 0) /* made as runc makes it; opening it will fail */
		log_warn("linux.devices: %s: the VM has no character device %lld:%lld", l->Path,
			 (long long)l->Major, (long long)l->Minor);
	return 0;
}

int guest_plan_devices(struct spawn_plan *p, const grpc_Linux *l, const grpc_Device *devs,
		       size_t n, struct error **err)
{
	if (!l->Devices_count)
		return 0;
	if (!(p->devices = calloc(l->Devices_count, sizeof(*p->devices))))
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < l->Devices_count; i++) {
		if (device(&p->devices[i], &l->Devices[i], devs, n, err) < 0)
			return -1;
		p->ndevices++;
	}
	return 0;
}
