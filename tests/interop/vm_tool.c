/* Drives the QEMU driver for the tests: vm-tool RUN_DIR TOML STEP...
 * Steps: start, status, pause, resume, check, shutdown (waits for the
 * guest to power off), kill9 (SIGKILL to QEMU, then
 * waits until check sees it gone), stop, cpu+, mem+:MIB, disk+:IMAGE (hotplug),
 * qmp:CMD[=ARGS] (any command on the driver's monitor).
 * Prints one line per step; an error prints "error: ..." and exits 1 after
 * stopping the VM (as a runtime would). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/hypervisor.h"
#include "util/error.h"

static int step(struct vm *vm, const struct config *c, const char *run_dir, const char *s,
		struct error **err)
{
	const struct hypervisor_ops *h = &qemu_ops;
	if (!strcmp(s, "start")) {
		struct qemu_launch l = { "test", run_dir, "tcg", NULL, 0, -1, 1024, QEMU_BOOT,
					 NULL, false };
		return h->start(vm, &c->qemu, &l, err);
	}
	if (!strcmp(s, "status")) {
		struct buf b = BUF_INIT(256);
		int r = h->check(vm, err) < 0 ? -1 : qmp_query_status(&vm->qmp, 10000, &b, err);
		if (r == 0)
			printf("status %s\n", b.data);
		buf_free(&b);
		return r;
	}
	if (!strcmp(s, "shutdown")) { /* wait for the guest to power off */
		struct buf b = BUF_INIT(4096);
		int r = qmp_wait_event(&vm->qmp, "SHUTDOWN", NULL, NULL, 300000, &b, err);
		if (r == 0)
			printf("shutdown %s\n", b.data);
		buf_free(&b);
		return r;
	}
	char id[64];
	if (!strcmp(s, "cpu+") || !strncmp(s, "mem+:", 5) || !strncmp(s, "disk+:", 6)) {
		int r = h->check(vm, err) < 0			? -1
			: !strcmp(s, "cpu+")			? qemu_hotplug_vcpu(vm, id, sizeof(id), err)
			: !strncmp(s, "mem+:", 5)		? qemu_hotplug_memory(vm, (uint32_t)atoi(s + 5), id, sizeof(id), err)
								: qemu_hotplug_disk(vm, s + 6, id, sizeof(id), err);
		if (r == 0)
			printf("added %s\n", id);
		return r;
	}
	if (!strncmp(s, "qmp:", 4)) { /* qmp:CMD or qmp:CMD=ARGS on the driver's monitor */
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "%s", s + 4);
		char *args = strchr(cmd, '=');
		if (args)
			*args++ = 0;
		struct buf b = BUF_INIT(0);
		int r = qmp_execute(&vm->qmp, cmd, args, 10000, &b, err);
		if (r == 0)
			printf("%s %s\n", cmd, b.data ? b.data : "");
		buf_free(&b);
		return r;
	}
	if (!strcmp(s, "kill9")) { /* and wait until it is gone */
		kill(vm->pid, SIGKILL);
		for (int i = 0; i < 500 && h->check(vm, NULL) == 0; i++)
			usleep(10 * 1000);
		printf("killed\n");
		return 0;
	}
	int r = !strcmp(s, "pause")    ? h->pause(vm, err)
		: !strcmp(s, "resume") ? h->resume(vm, err)
		: !strcmp(s, "check")  ? h->check(vm, err)
		: !strcmp(s, "stop")   ? h->stop(vm, err)
				       : error_set(err, EINVAL, "unknown step %s", s);
	if (r == 0)
		printf("%s ok\n", s);
	return r;
}

int main(int argc, char **argv)
{
	struct error *err = NULL;
	struct vm vm = { 0 };

	if (argc < 4)
		return fprintf(stderr, "usage: vm-tool RUN_DIR TOML STEP...\n"), 2;
	struct config *c = config_new_defaults(&err);
	if (!c || config_apply(c, "vm", argv[2], strlen(argv[2]), &err) < 0)
		return fprintf(stderr, "error: %s\n", err->msg), 1;
	for (int i = 3; i < argc; i++) {
		if (step(&vm, c, argv[1], argv[i], &err) < 0) {
			fprintf(stderr, "error: %s\n", err ? err->msg : argv[i]);
			qemu_ops.stop(&vm, NULL);
			config_free(c);
			return 1;
		}
		fflush(stdout);
	}
	config_free(c);
	return 0;
}
