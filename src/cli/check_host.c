/* The host checks of kata-runtime check: Kata's (CPU flags, kernel modules,
 * /dev/kvm and KVM_CREATE_VM as root) with a severity that follows the
 * configured accelerator, and ours (can KVM boot the configured guest,
 * which accelerator the runtime will use, QEMU, the guest assets and their
 * hashes, the agent channel, the shared file system). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoconf.h"
#include "cli/check.h"
#include "cli/host_info.h"
#include "config/config.h"
#include "hypervisor/hypervisor.h"
#include "util/digest.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/proc.h"
#include "util/alloc.h"

#define KVM_CREATE_VM_IOCTL 0xAE01 /* _IO(KVMIO, 0x01) */
#define PROBE_MS 15000
#define DEVICES_MAX (256 * 1024)

/* What the checks share. */
struct host {
	const struct config *c;
	char flags[4096], vendor[64];
	bool intel, amd, kvm_dev;
	enum check_status kvm_sev;	/* of what only KVM needs */
	char *devices;			/* QEMU's -device help */
};

static struct check_item *add(struct check_report *r, enum check_status st, const char *type,
			      const char *msg, const char *name, const char *desc,
			      const char *fmt, ...)
{
	static struct check_item spare;
	struct check_item *it = r->n < CHECK_MAX ? &r->item[r->n++] : &spare;
	va_list ap;

	memset(it, 0, sizeof(*it));
	it->status = st;
	snprintf(it->type, sizeof(it->type), "%s", type);
	snprintf(it->msg, sizeof(it->msg), "%s", msg);
	snprintf(it->name, sizeof(it->name), "%s", name);
	snprintf(it->desc, sizeof(it->desc), "%s", desc);
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
	return it;
}

static void prop(struct check_report *r, bool ok, enum check_status sev, const char *type,
		 const char *name, const char *desc, const char *why)
{
	char found[40], missing[40];
	snprintf(found, sizeof(found), "%s property found", type);
	snprintf(missing, sizeof(missing), "%s property not found", type);
	add(r, ok ? CHECK_PASS : sev, strcmp(type, "CPU") ? "module" : "cpu", ok ? found : missing,
	    name, desc, "%s", ok ? "" : why);
}

static void cpu(struct host *h, struct check_report *r)
{
	static const char need[] = "needed for KVM";
	char *text = NULL;
	if (fs_read_file("/proc/cpuinfo", 1 << 20, &text, NULL, NULL) == 0) {
		cpuinfo_field(text, "vendor_id", h->vendor, sizeof(h->vendor));
		cpuinfo_field(text, "flags", h->flags, sizeof(h->flags));
	}
	free(text);
	h->intel = !strcmp(h->vendor, "GenuineIntel");
	h->amd = !strcmp(h->vendor, "AuthenticAMD");
	if (h->intel || h->amd)
		prop(r, true, CHECK_PASS, "CPU", h->vendor,
		     h->intel ? "Intel Architecture CPU" : "AMD Architecture CPU", "");
	else
		add(r, h->kvm_sev, "cpu", "CPU property not found", "vendor", "CPU vendor",
		    "\"%s\" is neither GenuineIntel nor AuthenticAMD", h->vendor);
	const char *virt = h->amd ? "svm" : "vmx";
	prop(r, cpuinfo_has_flag(h->flags, virt), h->kvm_sev, "CPU", virt,
	     "Virtualization support", need);
	prop(r, cpuinfo_has_flag(h->flags, "lm"), h->kvm_sev, "CPU", "lm", "64Bit CPU", need);
	prop(r, cpuinfo_has_flag(h->flags, "sse4_1"), h->kvm_sev, "CPU", "sse4_1", "SSE4.1", need);
	if (cpuinfo_has_flag(h->flags, "hypervisor"))
		add(r, CHECK_INFO, "cpu", "running on a hypervisor", "hypervisor",
		    "CPU flag hypervisor", "this host is itself a VM: KVM here is nested");
}

static bool module_present(const char *m, bool root)
{
	char p[128];
	static const char *const modprobe[] = { "/sbin/modprobe", "/usr/sbin/modprobe" };
	snprintf(p, sizeof(p), "/sys/module/%s", m);
	bool present = fs_exists(p);
	if (present || !root)
		return present;
	for (size_t i = 0; i < 2; i++) { /* as Kata: load it when root */
		char *argv[] = { (char *)modprobe[i], (char *)"-q", (char *)m, NULL }, out[256];
		struct error *e = NULL;
		if (access(modprobe[i], X_OK) == 0) {
			proc_capture(argv, out, sizeof(out), 10000, &e);
			error_free(e);
			break;
		}
	}
	return fs_exists(p);
}

static void module(struct check_report *r, const char *m, const char *desc,
		   enum check_status sev, const char *why)
{
	bool ok = module_present(m, r->root);
	prop(r, ok, sev, "kernel", m, desc, why);
	char p[160], *v = NULL;
	snprintf(p, sizeof(p), "/sys/module/%s/parameters/nested", m);
	if (ok && fs_read_file(p, 64, &v, NULL, NULL) == 0) {
		v[strcspn(v, "\n")] = 0;
		snprintf(r->item[r->n - 1].detail, sizeof(r->item[0].detail), "nested=%s", v);
	}
	free(v);
}

static void modules(struct host *h, struct check_report *r)
{
	const struct config_qemu *q = &h->c->qemu;
	bool kvm = !strcmp(r->accel, "kvm");
	/* vhost-net is opened with KVM only; under TCG it is not used */
	enum check_status vhost = kvm && !q->disable_vhost_net ? CHECK_FAIL
				  : !strcmp(q->accel, "tcg")	 ? CHECK_INFO
								 : CHECK_WARN;

	module(r, "kvm", "Kernel-based Virtual Machine", h->kvm_sev, "needed for KVM");
	if (h->amd)
		module(r, "kvm_amd", "AMD KVM", h->kvm_sev, "needed for KVM");
	else
		module(r, "kvm_intel", "Intel KVM", h->kvm_sev, "needed for KVM");
	module(r, "vhost", "Host kernel accelerator for virtio", vhost,
	       kvm ? "needed for vhost-net (or set disable_vhost_net)"
		   : "used with KVM only; under TCG the runtime does without it");
	module(r, "vhost_net", "Host kernel accelerator for virtio network", vhost,
	       kvm ? "needed for vhost-net (or set disable_vhost_net)"
		   : "used with KVM only; under TCG the runtime does without it");
	module(r, "vhost_vsock", "Host Support for Linux VM Sockets",
	       q->use_vsock ? CHECK_FAIL : CHECK_INFO,
	       q->use_vsock ? "needed: use_vsock = true"
			    : "optional: the agent channel is virtio-serial");
}

/* /dev/kvm; as root KVM_CREATE_VM (Kata's check). */
static void kvm_device(struct host *h, struct check_report *r)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		add(r, h->kvm_sev, "kvm", "cannot open", "/dev/kvm", "KVM device", "%s",
		    strerror(errno));
		return;
	}
	h->kvm_dev = true;
	if (!r->root) {
		add(r, CHECK_PASS, "kvm", "opened", "/dev/kvm", "KVM device", "");
	} else {
		int vm = ioctl(fd, KVM_CREATE_VM_IOCTL, 0);
		if (vm >= 0) {
			close(vm);
			r->kvm_create = true;
			add(r, CHECK_PASS, "kvm", "KVM_CREATE_VM works", "/dev/kvm", "KVM device", "");
		} else {
			add(r, h->kvm_sev, "kvm", "KVM_CREATE_VM failed", "/dev/kvm", "KVM device",
			    "%s", errno == EBUSY ? "another hypervisor is running"
						 : strerror(errno));
		}
	}
	close(fd);
}

/* Beyond Kata: can KVM boot the configured guest here, and so which
 * accelerator the runtime will use. */
static void accelerator(struct host *h, struct check_report *r, const char *cache_dir)
{
	const struct config_qemu *q = &h->c->qemu;
	const struct hypervisor_ops *hv = hypervisor_of(h->c);
	struct error *e = NULL;

	if (!strcmp(q->accel, "tcg")) {
		snprintf(r->accel, sizeof(r->accel), "tcg");
		snprintf(r->accel_why, sizeof(r->accel_why), "configured (accel = \"tcg\")");
	} else if (!strcmp(q->accel, "kvm")) {
		snprintf(r->accel, sizeof(r->accel), "kvm");
		snprintf(r->accel_why, sizeof(r->accel_why), "configured (accel = \"kvm\")");
		if (h->kvm_dev && hv->probe_boot(h->c, "kvm", PROBE_MS, &e) < 0)
			add(r, CHECK_FAIL, "kvm", "cannot boot the configured guest", "/dev/kvm",
			    "KVM", "%s", e->msg);
		else if (h->kvm_dev)
			add(r, CHECK_PASS, "kvm", "boots the configured guest", "/dev/kvm", "KVM", "");
	} else {
		snprintf(r->accel, sizeof(r->accel), "%s",
			 hv->accel(h->c, cache_dir, "/dev/kvm", r->accel_why, sizeof(r->accel_why)));
		bool kvm = !strcmp(r->accel, "kvm");
		if (h->kvm_dev)
			add(r, kvm ? CHECK_PASS : CHECK_WARN, "kvm",
			    kvm ? "boots the configured guest" : "cannot boot the configured guest",
			    "/dev/kvm", "KVM", "%s", kvm ? "" : r->accel_why);
	}
	error_free(e);
}

static void accel_item(struct check_report *r)
{
	bool kvm = !strcmp(r->accel, "kvm");
	add(r, kvm ? CHECK_PASS : CHECK_INFO, "accel", "the runtime will use", r->accel,
	    kvm ? "KVM (hardware virtualisation)" : "TCG (software emulation, slower)", "%s",
	    r->accel_why);
}

static void hypervisor(struct host *h, struct check_report *r)
{
	const char *path = h->c->qemu.path;
	char *v[] = { (char *)path, (char *)"--version", NULL }, out[512] = "";
	char *d[] = { (char *)path, (char *)"-machine", (char *)"none", (char *)"-nodefaults",
		      (char *)"-display", (char *)"none", (char *)"-device", (char *)"help", NULL };
	struct error *e = NULL;

	if (proc_capture(v, out, sizeof(out), 5000, &e) != 0) {
		add(r, CHECK_FAIL, "hypervisor", "does not run", path, "QEMU", "%s",
		    e ? e->msg : "exited with an error");
		error_free(e);
		return;
	}
	out[strcspn(out, "\n")] = 0;
	add(r, CHECK_PASS, "hypervisor", "runs", path, "QEMU", "%s", out);
	h->devices = xmalloc(DEVICES_MAX);
	if (proc_capture(d, h->devices, DEVICES_MAX, 5000, &e) != 0) {
		add(r, CHECK_WARN, "hypervisor", "cannot list its devices", path, "QEMU", "%s",
		    e ? e->msg : "-device help failed");
		error_free(e);
		free(h->devices);
		h->devices = NULL;
	}
}

static bool has_device(const struct host *h, const char *dev)
{
	char q[80];
	snprintf(q, sizeof(q), "name \"%s\"", dev);
	return h->devices && strstr(h->devices, q);
}

static void device(struct host *h, struct check_report *r, const char *type, const char *dev,
		   const char *desc, const char *why)
{
	if (!h->devices)
		return; /* QEMU does not run, or cannot list them: said already */
	bool ok = has_device(h, dev);
	add(r, ok ? CHECK_PASS : CHECK_FAIL, type, ok ? "QEMU has" : "QEMU lacks", dev, desc,
	    "%s", ok ? "" : why);
}

static void asset(struct check_report *r, const char *name, const char *path,
		  const char *key, const char *want)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		add(r, CHECK_FAIL, "asset", "cannot be read", name, path, "%s",
		    fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	add(r, CHECK_PASS, "asset", "readable", name, path, "%lld bytes", (long long)st.st_size);
	if (!want || !*want) {
		add(r, CHECK_INFO, "asset", "not verified", key, path, "no %s configured", key);
		return;
	}
#if ENABLE_ASSET_HASH
	char got[DIGEST_HEX_LEN + 1];
	struct error *e = NULL;
	if (digest_file(path, got, &e) < 0)
		add(r, CHECK_FAIL, "asset", "cannot be hashed", key, path, "%s", e->msg);
	else if (!digest_equal(want, got))
		add(r, CHECK_FAIL, "asset", "SHA-256 mismatch", key, path,
		    "the file has SHA-256 %s, %s wants %s", got, key, want);
	else
		add(r, CHECK_PASS, "asset", "SHA-256 matches", key, path, "%s", got);
	error_free(e);
#endif
}

static void guest(struct host *h, struct check_report *r)
{
	const struct config_qemu *q = &h->c->qemu;

	asset(r, "kernel", q->kernel, "kernel_hash", q->kernel_hash);
	if (*q->initrd)
		asset(r, "initrd", q->initrd, "initrd_hash", q->initrd_hash);
	if (*q->image)
		asset(r, "image", q->image, "image_hash", q->image_hash);
	if (q->use_vsock) {
		bool ok = fs_exists("/dev/vhost-vsock");
		add(r, ok ? CHECK_PASS : CHECK_FAIL, "channel", ok ? "available" : "missing",
		    "/dev/vhost-vsock", "agent channel (use_vsock = true)", "%s",
		    ok ? "" : "load vhost_vsock, or set use_vsock = false for virtio-serial");
		device(h, r, "channel", "vhost-vsock-pci", "agent channel (vsock)", "");
	} else {
		device(h, r, "channel", "virtserialport", "agent channel (virtio-serial)",
		       "the agent channel needs virtio-serial");
	}
	if (!strcmp(q->shared_fs, "virtio-fs")) {
		device(h, r, "sharedfs", "vhost-user-fs-pci", "shared file system (virtio-fs)",
		       "shared_fs = \"virtio-fs\" needs it");
		bool ok = access(q->virtio_fs_daemon, X_OK) == 0;
		add(r, ok ? CHECK_PASS : CHECK_FAIL, "sharedfs", ok ? "runs" : "missing",
		    q->virtio_fs_daemon, "virtio-fs daemon", "%s", ok ? "" : strerror(errno));
	} else {
		device(h, r, "sharedfs", "virtio-9p-pci", "shared file system (9p)",
		       "shared_fs = \"virtio-9p\" needs it");
	}
}

void check_host(const struct config *c, const char *cache_dir, struct check_report *r)
{
	struct host h = { .c = c };

	memset(r, 0, sizeof(*r));
	r->root = geteuid() == 0;
	h.kvm_sev = !strcmp(c->qemu.accel, "kvm")   ? CHECK_FAIL
		    : !strcmp(c->qemu.accel, "auto") ? CHECK_WARN
						     : CHECK_INFO;
	cpu(&h, r);
	/* the modules' severity depends on the accelerator: find it first */
	struct check_report later;
	memset(&later, 0, sizeof(later));
	later.root = r->root;
	kvm_device(&h, &later);
	accelerator(&h, &later, cache_dir);
	snprintf(r->accel, sizeof(r->accel), "%s", later.accel);
	snprintf(r->accel_why, sizeof(r->accel_why), "%s", later.accel_why);
	r->kvm_create = later.kvm_create;
	modules(&h, r);
	for (unsigned i = 0; i < later.n && r->n < CHECK_MAX; i++)
		r->item[r->n++] = later.item[i];
	accel_item(r);
	hypervisor(&h, r);
	guest(&h, r);
	free(h.devices);
}

bool check_capable(const struct check_report *r, bool strict)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->item[i].status == CHECK_FAIL || (strict && r->item[i].status == CHECK_WARN))
			return false;
	return true;
}
