/* kata-monitor (monitor/): Prometheus metrics of every sandbox under its
 * roots, as Kata's kata-monitor serves them. */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <limits.h>
#include <stddef.h>

#include "hypervisor/hypervisor.h"
#include "util/buf.h"

struct error;

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

/* A pod as the CRI knows it (monitor/cri.c): its sandbox id and its
 * labels, `cri_uid="...",cri_name="...",cri_namespace="..."`. */
struct mon_pod {
	char id[VM_ID_MAX + 1];
	struct buf labels;
};
/* ListPodSandbox of the CRI at endpoint (unix:// or a path). */
int mon_cri_pods(const char *endpoint, int timeout_ms, struct mon_pod **out, size_t *n,
		 struct error **err);
void mon_cri_free(struct mon_pod *p, size_t n);

#endif
