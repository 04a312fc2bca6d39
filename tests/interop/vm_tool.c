/* Drives the QEMU driver for the tests: vm-tool RUN_DIR TOML STEP...
 * Steps: share:DIR (the 9p share of the next start), start, template:MEMFILE, clone:MEMFILE:STATEFILE (start a plain VM,
 * a template, a clone, which stays paused), save:STATEFILE (a template's),
 * status, pause, resume, check, shutdown (waits for the guest to power
 * off), kill9 (SIGKILL to QEMU, then waits until check sees it gone), stop,
 * cpu+, mem+:MIB, disk+:IMAGE (hotplug), cpu-:ID, mem-:ID, disk-:ID (unplug),
 * queries (the typed query results), accel:CACHE_DIR:KVM_DEV (resolves
 * the configured accel), probe:ACCEL (a probe boot), guest:TEXT (waits for a console line
 * containing TEXT, after the last one found), qmp:CMD[=ARGS] (any command
 * on the driver's monitor), agent:CALL (tests/interop/agent_calls.c),
 * agent-vsock:CID:PORT (the agent calls go to vsock from now on),
 * agent-disconnect (leaves the agent channel; the next call reconnects).
 * Prints one line per step; an error prints "error: ..." and exits 1 after
 * stopping the VM (as a runtime would). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/qemu/qemu.h"
#include "util/error.h"
#include "util/fs.h"

int agent_step(const char *run_dir, const char *call, struct error **err);
int agent_vsock(const char *where, struct error **err);
void agent_disconnect(void);

/* Wait for a console.log line containing text, after the last match. */
static int guest_wait(struct vm *vm, const char *text, struct error **err)
{
	static size_t from;
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/console.log", vm->dir);
	for (int i = 0; i < 12000; i++) { /* 120 s */
		char *log = NULL;
		size_t n = 0;
		if (qemu_ops.check(vm, err) < 0)
			return -1;
		if (fs_read_file(p, 1 << 24, &log, &n, NULL) == 0 && from <= n) {
			char *m = strstr(log + from, text);
			if (m) {
				char *end = strchr(m, '\n');
				char *start = m;
				while (start > log + from && start[-1] != '\n')
					start--;
				int len = (int)(end ? end - start : (long)strlen(start));
				while (len > 0 && start[len - 1] == '\r') /* the console's CRLF */
					len--;
				printf("guest %.*s\n", len, start);
				from = (size_t)((end ? end : log + n) - log);
				free(log);
				return 0;
			}
		}
		free(log);
		usleep(10 * 1000);
	}
	return error_set(err, ETIMEDOUT, "the guest did not say \"%s\" in 120 s", text);
}

/* The typed query results, one line each. */
static int queries(struct vm *vm, struct error **err)
{
	struct qmp_cpu_slot *slots;
	struct qmp_cpu *cpus;
	struct qmp_iothread *threads;
	struct qmp_memory_device *mems;
	size_t n;
	int t = 10000;

	if (qmp_query_hotpluggable_cpus(&vm->drv->qmp, t, &slots, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("slot %s %s %s\n", slots[i].type, slots[i].qom_path[0] ? slots[i].qom_path : "free", slots[i].props);
	free(slots);
	if (qmp_query_cpus_fast(&vm->drv->qmp, t, &cpus, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("cpu %d %s thread %s\n", cpus[i].cpu_index, cpus[i].qom_path, cpus[i].thread_id > 0 ? "yes" : "no");
	free(cpus);
	if (qmp_query_iothreads(&vm->drv->qmp, t, &threads, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("iothread %s thread %s\n", threads[i].id, threads[i].thread_id > 0 ? "yes" : "no");
	free(threads);
	if (qmp_query_memory_devices(&vm->drv->qmp, t, &mems, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("memory %s %s slot %d size %llu %s\n", mems[i].type, mems[i].id, mems[i].slot, mems[i].size, mems[i].memdev);
	free(mems);
	return 0;
}

static int step(struct vm *vm, const struct config *c, const char *run_dir, const char *s,
		struct error **err)
{
	const struct hypervisor_ops *h = &qemu_ops;
	static char share[4096];
	if (!strncmp(s, "share:", 6)) {
		snprintf(share, sizeof(share), "%s", s + 6);
		return 0;
	}
	if (!strcmp(s, "start") || !strncmp(s, "template:", 9) || !strncmp(s, "clone:", 6)) {
		char mem[4096] = "", *state = NULL;
		struct vm_launch l = { .mode = VM_BOOT, .accel = "tcg",
				       .shared_dir = share[0] ? share : NULL, .vhost_fd = -1,
				       .maxmem_mib = 1024 };
		if (strcmp(s, "start")) {
			snprintf(mem, sizeof(mem), "%s", strchr(s, ':') + 1);
			l.mode = s[0] == 't' ? VM_TEMPLATE : VM_CLONE;
			l.mem_path = mem;
			if (l.mode == VM_CLONE && (state = strchr(mem, ':')))
				*state++ = 0;
			l.state_path = state;
		}
		return h->start(vm, c, &l, err);
	}
	if (!strncmp(s, "save:", 5)) {
		int r = h->save(vm, s + 5, err);
		if (r == 0)
			printf("saved\n");
		return r;
	}
	if (!strncmp(s, "guest:", 6))
		return guest_wait(vm, s + 6, err);
	if (!strcmp(s, "queries"))
		return queries(vm, err);
	if (!strncmp(s, "agent:", 6))
		return agent_step(run_dir, s + 6, err);
	if (!strncmp(s, "agent-vsock:", 12)) {
		int r = agent_vsock(s + 12, err);
		if (r == 0)
			printf("agent on vsock://%s\n", s + 12);
		return r;
	}
	if (!strcmp(s, "agent-disconnect")) {
		agent_disconnect();
		printf("agent disconnected\n");
		return 0;
	}
	if (!strncmp(s, "accel:", 6)) {
		char dir[4096], why[1024], *dev;
		snprintf(dir, sizeof(dir), "%s", s + 6);
		if (!(dev = strchr(dir, ':')))
			return error_set(err, EINVAL, "accel:CACHE_DIR:KVM_DEV");
		*dev++ = 0;
		const char *a = h->accel(c, dir, dev, why, sizeof(why));
		printf("accel %s (%s)\n", a, why);
		return 0;
	}
	if (!strncmp(s, "probe:", 6)) {
		int r = h->probe_boot(c, s + 6, 60000, err);
		if (r == 0)
			printf("probe %s ok\n", s + 6);
		return r;
	}
	if (!strcmp(s, "status")) {
		struct buf b = BUF_INIT(256);
		int r = h->check(vm, err) < 0 ? -1 : qmp_query_status(&vm->drv->qmp, 10000, &b, err);
		if (r == 0)
			printf("status %s\n", b.data);
		buf_free(&b);
		return r;
	}
	if (!strcmp(s, "shutdown")) { /* wait for the guest to power off */
		struct buf b = BUF_INIT(4096);
		int r = qmp_wait_event(&vm->drv->qmp, "SHUTDOWN", NULL, NULL, 300000, &b, err);
		if (r == 0)
			printf("shutdown %s\n", b.data);
		buf_free(&b);
		return r;
	}
	struct vm_device d = { .kind = s[0] == 'c' ? VM_DEV_VCPU
				       : s[0] == 'm' ? VM_DEV_MEMORY
						     : VM_DEV_DISK };
	if (!strcmp(s, "cpu+") || !strncmp(s, "mem+:", 5) || !strncmp(s, "disk+:", 6)) {
		d.size_mib = s[0] == 'm' ? (uint32_t)atoi(s + 5) : 0;
		d.image = s[0] == 'd' ? s + 6 : NULL;
		int r = h->check(vm, err) < 0 ? -1 : h->hotplug(vm, &d, err);
		if (r == 0)
			printf("added %s\n", d.id);
		return r;
	}
	if (!strncmp(s, "cpu-:", 5) || !strncmp(s, "mem-:", 5) || !strncmp(s, "disk-:", 6)) {
		const char *dev = strchr(s, ':') + 1;
		snprintf(d.id, sizeof(d.id), "%s", dev);
		int r = h->check(vm, err) < 0 ? -1 : h->unplug(vm, &d, err);
		if (r == 0)
			printf("removed %s\n", dev);
		return r;
	}
	if (!strncmp(s, "qmp:", 4)) { /* qmp:CMD or qmp:CMD=ARGS on the driver's monitor */
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "%s", s + 4);
		char *args = strchr(cmd, '=');
		if (args)
			*args++ = 0;
		struct buf b = BUF_INIT(0);
		int r = qmp_execute(&vm->drv->qmp, cmd, args, 10000, &b, err);
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
	static struct vm vm;

	if (argc < 4)
		return fprintf(stderr, "usage: vm-tool RUN_DIR TOML STEP...\n"), 2;
	struct config *c = config_new_defaults(&err);
	if (!c || config_apply(c, "vm", argv[2], strlen(argv[2]), &err) < 0)
		return fprintf(stderr, "error: %s\n", err->msg), 1;
	vm_init(&vm, &qemu_ops, "test", argv[1]);
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
