/* The VM handle, whichever hypervisor runs it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hypervisor/hypervisor.h"
#include "hypervisor/qemu/qemu.h"
#include "util/cleanup.h"
#include "util/error.h"

const struct hypervisor_ops *hypervisor_of(const struct config *c)
{
	(void)c; /* [hypervisor.qemu] is the only hypervisor section */
	return &qemu_ops;
}

void vm_init(struct vm *vm, const struct hypervisor_ops *hv, const char *id, const char *dir)
{
	memset(vm, 0, sizeof(*vm));
	vm->hv = hv;
	snprintf(vm->id, sizeof(vm->id), "%.*s", VM_ID_MAX, id);
	snprintf(vm->dir, sizeof(vm->dir), "%s", dir);
}

int vm_open(struct vm *vm, const struct hypervisor_ops *hv, const char *id, const char *dir,
	    bool monitor, struct error **err)
{
	vm_init(vm, hv, id, dir);
	return hv->attach(vm, monitor, err);
}

void vm_halt(struct vm *vm, bool ask_monitor)
{
	cleanup_error struct error *e = NULL;

	/* A monitor that does not answer still leaves the pid to signal. */
	if (vm->drv || vm->hv->attach(vm, ask_monitor, &e) == 0 ||
	    (e && e->code != ESRCH && vm->hv->attach(vm, false, NULL) == 0))
		vm->hv->stop(vm, NULL);
}
