/* Guest asset integrity: the kernel, initrd or image QEMU is about to boot
 * is the one the configuration names by its SHA-256. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hypervisor/qemu/qemu.h"
#include "util/digest.h"
#include "util/error.h"

static int verify(const char *key, const char *path, const char *want, struct error **err)
{
	char got[DIGEST_HEX_LEN + 1];
	if (!want || !*want)
		return 0;
	if (digest_file(path, got, err) < 0)
		return error_wrap(err, "[hypervisor.qemu] %s", key);
	if (!digest_equal(want, got))
		return error_set(err, EPERM, "[hypervisor.qemu] %s: %s has SHA-256 %s, not %s: "
				 "refusing to boot a guest asset that changed", key, path, got, want);
	return 0;
}

int qemu_assets_verify(const struct config_qemu *c, struct error **err)
{
	if (verify("kernel_hash", c->kernel, c->kernel_hash, err) < 0 ||
	    verify("initrd_hash", c->initrd, c->initrd_hash, err) < 0 ||
	    verify("image_hash", c->image, c->image_hash, err) < 0)
		return -1;
	return 0;
}
