/* Hypervisors, behind one narrow ops table. A VM is the small explicit
 * struct below: its id, run directory, process and monitor. */
#ifndef HYPERVISOR_HYPERVISOR_H
#define HYPERVISOR_HYPERVISOR_H

#include <limits.h>
#include <sys/types.h>

#include "config/config.h"
#include "hypervisor/qemu/argv.h"
#include "hypervisor/qmp.h"

struct vm {
	char id[64];
	char run_dir[PATH_MAX]; /* sockets, pid file, console.log, qemu.log */
	pid_t pid;		/* 0 when not running */
	struct qmp qmp;
	bool qmp_open;
};

struct hypervisor_ops {
	const char *name;
	/* Launch and wait until the monitor answers. On failure nothing of
	 * the VM is left (process, sockets, pid file). */
	int (*start)(struct vm *vm, const struct config_qemu *c, const struct qemu_launch *l,
		     struct error **err);
	int (*pause)(struct vm *vm, struct error **err);
	int (*resume)(struct vm *vm, struct error **err);
	/* quit, then SIGTERM, then SIGKILL, with bounded waits; removes the
	 * sockets and the pid file. Safe on a VM that died. */
	int (*stop)(struct vm *vm, struct error **err);
	/* 0 while running; -1 with *err saying how it ended otherwise. */
	int (*check)(struct vm *vm, struct error **err);
};

extern const struct hypervisor_ops qemu_ops;

#endif
