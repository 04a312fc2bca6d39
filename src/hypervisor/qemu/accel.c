/* The accelerator. "kvm" and "tcg" are taken as configured. "auto" is KVM
 * only when the KVM device opens and a probe boot of the configured kernel
 * under KVM gets through in time: some hosts have a /dev/kvm (nested) on
 * which QEMU aborts or a stock guest kernel hangs. The verdict is cached,
 * keyed by what it depends on, so the probe runs once per host boot. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hypervisor/qemu/qemu.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/proc.h"

#define PROBE_TIMEOUT_MS 15000
#define PROBE_FIRST_MS 800 /* to the kernel's first line under KVM */

static bool set(const char *s)
{
	return s && *s;
}

int qemu_probe_boot(const struct config *cfg, const char *accel, int timeout_ms,
		    struct error **err)
{
	const struct config_qemu *c = &cfg->qemu;
	char machine[512], cpu[512], out[4096];
	/* no initrd, no root: the kernel panics for want of a root file system
	 * and, with panic=-1 and --no-reboot, QEMU exits 0 */
	snprintf(machine, sizeof(machine), "%s,accel=%s%s%s", c->machine_type, accel,
		 set(c->machine_accelerators) ? "," : "",
		 set(c->machine_accelerators) ? c->machine_accelerators : "");
	snprintf(cpu, sizeof(cpu), "%s%s%s", strcmp(accel, "kvm") ? "max" : "host",
		 set(c->cpu_features) ? "," : "", set(c->cpu_features) ? c->cpu_features : "");
	/* The kernel's first lines on the serial port come within a few ms
	 * of QEMU's start under KVM: a guest that prints nothing within
	 * PROBE_FIRST_MS is hung (as a stock kernel is on some nested KVM),
	 * and the verdict is TCG without waiting out the whole boot. */
	char *argv[] = { c->path, "-machine", machine, "-cpu", cpu, "-m", "256M", "-kernel",
			 c->kernel, "-append", "panic=-1 init=/nonexistent console=ttyS0 "
			 "earlyprintk=serial,ttyS0", "-display", "none", "-nodefaults",
			 "-no-user-config", "--no-reboot", "-serial", "stdio", NULL };
	struct error *e = NULL;
	int st = proc_capture_first(argv, out, sizeof(out), PROBE_FIRST_MS, timeout_ms, &e);
	if (st == 0)
		return 0;
	char *nl; /* QEMU's last line says why */
	while ((nl = strrchr(out, '\n')) && !nl[1])
		*nl = 0;
	nl = strrchr(out, '\n');
	const char *why = *out ? (nl ? nl + 1 : out) : "no message";
	if (st > 0)
		error_set(err, EIO, "QEMU (%s) exited with status %d: %s", accel, st, why);
	else if (e && e->code == ETIME)
		error_set(err, ETIMEDOUT, "the guest kernel (%s) printed nothing in %d ms: it hangs "
			  "under this KVM", accel, PROBE_FIRST_MS);
	else if (e && e->code == ETIMEDOUT)
		error_set(err, ETIMEDOUT, "the guest kernel (%s) did not get through boot in %d ms",
			  accel, timeout_ms);
	else
		error_set(err, EIO, "QEMU (%s): %s: %s", accel, e ? e->msg : "failed", why);
	error_free(e);
	return -1;
}

/* FNV-1a over the strings the verdict depends on, and the kernel's size
 * and mtime (a new kernel is probed again). */
static uint64_t key(const struct config_qemu *c)
{
	const char *parts[] = { c->path, c->kernel, c->machine_type, c->machine_accelerators,
				c->cpu_features };
	uint64_t h = 1469598103934665603ull;
	struct stat st = { 0 };
	stat(c->kernel, &st);
	char extra[64];
	snprintf(extra, sizeof(extra), "%lld:%lld", (long long)st.st_size, (long long)st.st_mtime);
	for (size_t i = 0; i <= sizeof(parts) / sizeof(parts[0]); i++) {
		const char *p = i < sizeof(parts) / sizeof(parts[0]) ? parts[i] : extra;
		for (; p && *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull; /* separator */
	}
	return h;
}

const char *qemu_accel(const struct config *cfg, const char *cache_dir, const char *kvm_dev,
		       char *why, size_t why_size)
{
	const struct config_qemu *c = &cfg->qemu;
	char path[PATH_MAX], *cached = NULL, text[1024];
	struct error *e = NULL;

	snprintf(why, why_size, "configured");
	if (!strcmp(c->accel, "kvm") || !strcmp(c->accel, "tcg"))
		return c->accel;
	int fd = open(kvm_dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_size, "%s: %s", kvm_dev, strerror(errno));
		return "tcg";
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/accel-%016" PRIx64, cache_dir, key(c));
	if (fs_read_file(path, sizeof(text) - 1, &cached, NULL, NULL) == 0 &&
	    (!strncmp(cached, "kvm", 3) || !strncmp(cached, "tcg", 3))) {
		snprintf(text, sizeof(text), "%s", cached);
		free(cached);
		snprintf(why, why_size, "%s (cached in %s)", text[3] == ' ' ? text + 4 : "KVM probe boot succeeded", path);
		return strncmp(text, "kvm", 3) ? "tcg" : "kvm";
	}
	free(cached);
	if (qemu_probe_boot(cfg, "kvm", PROBE_TIMEOUT_MS, &e) == 0) {
		snprintf(text, sizeof(text), "kvm");
	} else {
		snprintf(text, sizeof(text), "tcg KVM probe: %s", e->msg);
		error_free(e);
	}
	snprintf(why, why_size, "%s", text[3] ? text + 4 : "KVM probe boot succeeded");
	if (fs_mkdir_p(cache_dir, 0755, false) == 0)
		fs_write_file(path, text, strlen(text), 0644, NULL); /* else: probed again */
	return strncmp(text, "kvm", 3) ? "tcg" : "kvm";
}
