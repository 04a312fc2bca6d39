/* kata-monitor (monitor/): Prometheus metrics of every sandbox under its
 * roots, as Kata's kata-monitor serves them. */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <limits.h>
#include <stddef.h>

#include "hypervisor/hypervisor.h"

#define MON_MAX_ROOTS 8

struct mon_sandbox {
	char root[PATH_MAX]; /* the --root its state is under */
	char id[VM_ID_MAX + 1];
};

int monitor_main(int argc, char **argv);
/* Discovery (monitor/discover.c): each root is a --root of the CLI (a
 * directory per container) or of the shim v2 (a directory per namespace,
 * then one per container); a sandbox is a container that is no pod's
 * member. A thread watches the roots (inotify) and refreshes the list a
 * moment after a change (and every 5 s). */
int mon_discover_start(char *const *roots, size_t n);
/* The sandboxes now (a copy, the caller frees it). */
size_t mon_sandboxes(struct mon_sandbox **out);

#endif
