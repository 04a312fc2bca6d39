/* Choosing the source, and Kata's GetVM on top of any of them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "factory/factory.h"
#include "hypervisor/hypervisor.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

static int direct_get(struct factory *f, const char *id, const char *dir, struct vm *vm,
		      struct error **err)
{
	const struct config_qemu *q = &f->config->qemu;
	return factory_boot(f, id, dir, VM_BOOT, (uint32_t)q->default_vcpus, q->default_memory,
			    NULL, NULL, vm, err);
}

const struct factory_ops factory_direct = { "direct", direct_get };

int factory_init(struct factory *f, const struct config *c, const char *cache_dir,
		 const char *endpoint, struct error **err)
{
	char why[256];

	memset(f, 0, sizeof(*f));
	f->config = c;
	f->hv = hypervisor_of(c);
	snprintf(f->accel, sizeof(f->accel), "%s", f->hv->accel(c, cache_dir, "/dev/kvm", why,
								sizeof(why)));
	log_debug("accel %s (%s)", f->accel, why);
	if (factory_key_make(c, f->accel, f->key, sizeof(f->key), err) < 0)
		return -1;
	if (!endpoint && c->factory.vm_cache_number > 0)
		endpoint = c->factory.vm_cache_endpoint;
	if (endpoint && *endpoint) {
		if (!ENABLE_FACTORY_GRPCCACHE)
			return error_set(err, ENOTSUP, "factory.vm_cache_number: taking VMs from a "
					 "VMCache server is not built in (CONFIG_FACTORY_GRPCCACHE)");
		f->ops = &factory_grpccache;
		snprintf(f->endpoint, sizeof(f->endpoint), "%s", endpoint);
	} else if (c->factory.enable_template) {
		if (!ENABLE_FACTORY_TEMPLATE)
			return error_set(err, ENOTSUP, "factory.enable_template: templates are not "
					 "built in (CONFIG_FACTORY_TEMPLATE)");
		f->ops = &factory_template;
	} else {
		f->ops = &factory_direct;
	}
	return 0;
}

bool factory_vm_fits(const struct factory *f, const char *key, char *field, size_t size)
{
	return factory_key_diff(key, f->key, field, size) == 0;
}

/* A VM from the configured source, or a direct boot when there is none that
 * fits. */
static int base_vm(struct factory *f, const char *id, const char *dir, struct vm *vm,
		   struct error **err)
{
	cleanup_error struct error *e = NULL;
	char field[128];

	f->source = "direct";
	if (f->ops == &factory_direct)
		return direct_get(f, id, dir, vm, err);
	int r = f->ops->get_base_vm(f, id, dir, vm, &e);
	vm->hv = f->hv;
	if (r < 0) {
		log_warn("VM factory %s: %s; booting the VM directly", f->ops->name, e->msg);
	} else if (!factory_vm_fits(f, vm->key, field, sizeof(field))) {
		log_warn("VM factory %s: VM %s does not fit this configuration (%s differs); "
			 "booting the VM directly", f->ops->name, vm->id, field);
		factory_vm_stop(vm, false); /* Kata leaves it running, paused */
	} else {
		vm->made_ahead = true;
		f->source = !strcmp(f->ops->name, "grpccache") ? "cache" : f->ops->name;
		return 0;
	}
	return direct_get(f, id, dir, vm, err);
}

/* vCPUs and memory up to what the configuration asks, and the NICs of a
 * VM made ahead (one booted now has them already). */
static int hot_add(struct factory *f, struct vm *vm, uint32_t *cpus, bool *mem,
		   struct error **err)
{
	const struct config_qemu *c = &f->config->qemu;
	uint32_t want = (uint32_t)c->default_vcpus, want_mem = c->default_memory;
	struct vm_device d = { .kind = VM_DEV_VCPU };

	for (; vm->cpus < want; vm->cpus++, ++*cpus)
		if (f->hv->hotplug(vm, &d, err) < 0)
			return -1;
	if (vm->memory_mib < want_mem) {
		d = (struct vm_device){ .kind = VM_DEV_MEMORY, .size_mib = want_mem - vm->memory_mib };
		if (f->hv->hotplug(vm, &d, err) < 0)
			return -1;
		vm->memory_mib = want_mem;
		*mem = true;
	}
	for (unsigned i = 0; vm->made_ahead && i < f->nnics; i++) {
		d = (struct vm_device){ .kind = VM_DEV_NIC, .nic = &f->nics[i] };
		if (f->hv->hotplug(vm, &d, err) < 0)
			return -1;
	}
	return 0;
}

int factory_get_vm(struct factory *f, const char *id, const char *dir, struct vm *vm,
		   uint32_t *hot_cpus, bool *hot_mem, struct error **err)
{
	*hot_cpus = 0;
	*hot_mem = false;
	if (base_vm(f, id, dir, vm, err) < 0)
		return -1;
	vm->hv = f->hv;
	vm->trace = f->trace;
	if (!vm->drv && f->hv->attach(vm, true, err) < 0)
		goto fail;
	if ((vm->paused && f->hv->resume(vm, err) < 0) || hot_add(f, vm, hot_cpus, hot_mem, err) < 0)
		goto fail;
	vm->paused = false;
	return 0;
fail:
	factory_vm_stop(vm, false);
	return error_wrap(err, "VM for %s", id);
}
