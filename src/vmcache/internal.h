/* Inside vmcache/: the server's files beside its socket. */
#ifndef VMCACHE_INTERNAL_H
#define VMCACHE_INTERNAL_H

#include <stddef.h>

struct error;
struct hypervisor_ops;

/* Take EP.lock (refusing while a live server holds it), write our pid in
 * it, and make EP.vms/ (its path in vms) after stopping every VM a dead
 * server left there. Returns the lock's fd. */
int vmcache_claim(const char *endpoint, const struct hypervisor_ops *hv, char *vms, size_t size,
		  struct error **err);
/* Remove EP.vms/ (what is left in it) and EP.lock. */
void vmcache_release(const char *endpoint, const struct hypervisor_ops *hv, const char *vms,
		     int lock);

#endif
