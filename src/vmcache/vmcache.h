/* The VMCache server (Kata's `factory init` with vm_cache_number > 0, and
 * our `kata-runtime --cache-server`): keeps count VMs booted and paused
 * (direct boots, or template clones), and hands one to each GetBaseVM over
 * cache.CacheService on a unix socket. Its files sit beside the socket:
 * EP.lock (held while it runs, with its pid) and EP.vms/ (one run
 * directory per VM, moved out by the client that takes it). */
#ifndef VMCACHE_VMCACHE_H
#define VMCACHE_VMCACHE_H

#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"

struct error;

struct vmcache_opts {
	const struct config *config;
	const char *endpoint;
	const char *cache_dir; /* accelerator verdicts */
	unsigned count;
};

/* Serve until SIGTERM, SIGINT or Quit; then every cached VM is stopped and
 * the socket and files removed. Refuses to start while another server
 * holds the endpoint; replaces a stale socket, and stops the VMs a server
 * that died left behind. */
int vmcache_serve(const struct vmcache_opts *o, struct error **err);

/* The client side of Status and Quit (factory status and destroy). */
struct vmcache_vm_status {
	pid_t pid;
	uint32_t cpus, memory_mib;
};
struct vmcache_status {
	pid_t pid;
	size_t n;
	struct vmcache_vm_status vms[64];
};
int vmcache_status(const char *endpoint, struct vmcache_status *st, struct error **err);
int vmcache_quit(const char *endpoint, struct error **err);

#endif
