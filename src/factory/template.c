/* The template factory: one VM booted with its memory in a shared file on
 * a tmpfs at template_path, its device state saved, then stopped; every
 * later VM maps that memory privately and loads the state. The template's
 * own description (vm.json: key, vCPUs, memory) sits beside them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "factory/factory.h"
#include "hypervisor/hypervisor.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

#define STATE_ROOM_MIB 8	/* Kata's templateDeviceStateSize on amd64 */
#define AGENT_READY_MS 120000
#define AGENT_SETTLE_US 300000 /* the agent takes the host's goodbye before the pause */

static const char *tpath(const struct config *c)
{
	return c->factory.template_path && *c->factory.template_path ? c->factory.template_path
								      : "/run/vc/vm/template";
}

static void file(char *out, size_t size, const struct config *c, const char *name)
{
	snprintf(out, size, "%s/%s", tpath(c), name);
}

bool factory_template_exists(const struct config *c)
{
	char p[PATH_MAX + 16];
	static const char *const names[] = { "memory", "state", "vm.json" };
	for (size_t i = 0; i < 3; i++) {
		file(p, sizeof(p), c, names[i]);
		if (!fs_exists(p))
			return false;
	}
	return true;
}

/* Configurations a template cannot work with (Kata's checks). */
static int check(const struct config *c, struct error **err)
{
	const struct config_qemu *q = &c->qemu;
	if (!q->initrd || !*q->initrd)
		return error_set(err, EINVAL, "factory.enable_template: needs an initrd image "
				 "(hypervisor.qemu.initrd), not a disk image");
	if (q->shared_fs && !strcmp(q->shared_fs, "virtio-fs"))
		return error_set(err, EINVAL, "factory.enable_template: does not work with "
				 "hypervisor.qemu.shared_fs = \"virtio-fs\"");
	if (q->file_mem_backend && *q->file_mem_backend)
		return error_set(err, EINVAL, "factory.enable_template: does not work with "
				 "hypervisor.qemu.file_mem_backend");
	return 0;
}

/* Held while the template is made or removed: PATH.lock beside it. */
static int lock_template(const struct config *c, struct error **err)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s.lock", tpath(c));
	if (fs_mkdir_p(p, 0700, true) < 0)
		return error_set_errno(err, errno, "factory.template_path: %s", p);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return error_set_errno(err, e, "factory.template_path: %s", p);
	}
	return fd;
}

static bool is_mount_point(const char *path)
{
	struct stat a, b;
	char parent[PATH_MAX + 4];
	snprintf(parent, sizeof(parent), "%s/..", path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static int mount_tmpfs(const struct config *c, struct error **err)
{
	const char *p = tpath(c);
	char opts[64];
	uint32_t mem = c->qemu.default_memory;

	if (fs_mkdir_p(p, 0700, false) < 0)
		return error_set_errno(err, errno, "factory.template_path: %s", p);
	if (is_mount_point(p))
		return 0;
	snprintf(opts, sizeof(opts), "size=%uM", mem + STATE_ROOM_MIB);
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return error_set_errno(err, errno, "factory.template_path: mounting a tmpfs on %s",
				       p);
	return 0;
}

/* Boot, wait for the agent, let it settle, save, stop. */
static int make_steps(const struct factory *f, struct vm *vm, struct error **err)
{
	const struct config *c = f->config;
	char run[PATH_MAX + 16], mem[PATH_MAX + 16], state[PATH_MAX + 16], desc[PATH_MAX + 16];
	char assets[PATH_MAX + 16];
	struct buf b = BUF_INIT(0);

	file(run, sizeof(run), c, "run");
	file(mem, sizeof(mem), c, "memory");
	file(state, sizeof(state), c, "state");
	file(desc, sizeof(desc), c, "vm.json");
	file(assets, sizeof(assets), c, "assets.json");
	if (factory_assets_record(&c->qemu, assets, err) < 0)
		return -1;
	if (factory_boot(f, "template", run, VM_TEMPLATE, (uint32_t)c->qemu.default_vcpus,
			 c->qemu.default_memory, mem, NULL, vm, err) < 0)
		return -1;
	if (agent_wait_ready(vm->agent_url, !vm->vsock_cid, AGENT_READY_MS, err) < 0)
		return error_wrap(err, "VM %s", vm->id);
	usleep(AGENT_SETTLE_US);
	int r = vm->hv->save(vm, state, err);
	if (r == 0 && (r = factory_vm_encode(vm, &b)) < 0) /* while it has a pid */
		error_set(err, E2BIG, "template %s: description too long", desc);
	vm->hv->stop(vm, NULL);
	if (r == 0)
		r = fs_write_file(desc, b.data, b.len, 0600, err);
	buf_free(&b);
	return r;
}

int factory_template_make(const struct factory *f, struct error **err)
{
	const struct config *c = f->config;
	struct vm vm = { 0 };

	if (check(c, err) < 0)
		return -1;
	int lock = lock_template(c, err);
	if (lock < 0)
		return -1;
	int r = 0;
	if (!factory_template_exists(c)) {
		log_info("making the VM template at %s", tpath(c));
		r = mount_tmpfs(c, err);
		if (r == 0 && (r = make_steps(f, &vm, err)) < 0) {
			factory_vm_stop(&vm, true);
			close(lock);
			cleanup_error struct error *e = NULL;
			factory_template_destroy(c, &e);
			return error_wrap(err, "making the VM template at %s", tpath(c));
		}
		if (vm.dir[0])
			factory_vm_stop(&vm, true);
	}
	close(lock);
	return r;
}

int factory_template_destroy(const struct config *c, struct error **err)
{
	const char *p = tpath(c);
	char f[PATH_MAX + 16];
	static const char *const names[] = { "memory", "state", "vm.json", "assets.json" };

	if (!fs_exists(p))
		return 0;
	for (size_t i = 0; i < 4; i++) {
		file(f, sizeof(f), c, names[i]);
		unlink(f);
	}
	if (is_mount_point(p) && umount2(p, MNT_DETACH) < 0)
		return error_set_errno(err, errno, "factory.template_path: unmounting %s", p);
	if (rmdir(p) < 0 && errno != ENOENT)
		return error_set_errno(err, errno, "factory.template_path: %s", p);
	snprintf(f, sizeof(f), "%s.lock", p);
	unlink(f);
	return 0;
}

/* The template's description: its key, vCPUs and memory. */
static int read_desc(const struct config *c, struct vm *t, struct error **err)
{
	char p[PATH_MAX + 16], *text = NULL;
	size_t n = 0;

	file(p, sizeof(p), c, "vm.json");
	if (fs_read_file(p, 64 * 1024, &text, &n, err) < 0)
		return -1;
	int r = factory_vm_decode(text, n, t, err);
	free(text);
	return r < 0 ? error_wrap(err, "template %s", p) : 0;
}

static int clone_get(struct factory *f, const char *id, const char *dir, struct vm *vm,
		     struct error **err)
{
	const struct config *c = f->config;
	struct vm t;
	char mem[PATH_MAX + 16], state[PATH_MAX + 16], field[128];

	if (factory_template_make(f, err) < 0 || read_desc(c, &t, err) < 0)
		return -1;
	if (!factory_vm_fits(f, t.key, field, sizeof(field)))
		return error_set(err, EINVAL, "the template at %s was made with another "
				 "configuration (%s differs)", tpath(c), field);
	file(mem, sizeof(mem), c, "assets.json");
	if (factory_assets_check(&c->qemu, mem, tpath(c), err) < 0)
		return -1;
	/* The clone runs with the template's vCPUs and memory. */
	file(mem, sizeof(mem), c, "memory");
	file(state, sizeof(state), c, "state");
	return factory_boot(f, id, dir, VM_CLONE, t.cpus, t.memory_mib, mem, state, vm, err);
}

const struct factory_ops factory_template = { "template", clone_get };
