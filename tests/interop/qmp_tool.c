/* Drives our QMP client for the tests: qmp-tool SOCKET TIMEOUT_MS STEP...
 * Steps: a command name, optionally followed by '=' and its JSON arguments
 * ("device_add={...}"); "status" (query-status); "wait:EVENT" or
 * "wait:EVENT:key=value"; "del:ID" (device_del and DEVICE_DELETED);
 * "getfd:NAME" (passes /dev/null); "migrated" (waits for query-migrate to
 * say completed); "slots", "cpus", "iothreads", "memdevs" (the typed
 * query-hotpluggable-cpus, query-cpus-fast, query-iothreads,
 * query-memory-devices, one entry a line); "quiet:CMD" (CMD with no error
 * asked for: prints "failed" when it fails). Prints one line per step; on an error
 * prints "error: ..." on stderr and exits 1. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/qemu/qmp.h"
#include "util/error.h"

static int typed(struct qmp *q, const char *s, int t, struct buf *out, struct error **err)
{
	size_t n;
	void *v;
	int r = !strcmp(s, "slots")	? qmp_query_hotpluggable_cpus(q, t, (struct qmp_cpu_slot **)&v, &n, err)
		: !strcmp(s, "cpus")	? qmp_query_cpus_fast(q, t, (struct qmp_cpu **)&v, &n, err)
		: !strcmp(s, "iothreads") ? qmp_query_iothreads(q, t, (struct qmp_iothread **)&v, &n, err)
					  : qmp_query_memory_devices(q, t, (struct qmp_memory_device **)&v, &n, err);
	if (r < 0)
		return -1;
	buf_printf(out, "%s %zu", s, n);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, "slots")) {
			struct qmp_cpu_slot *e = (struct qmp_cpu_slot *)v + i;
			buf_printf(out, "\n%s [%s] %s %d", e->type, e->qom_path, e->props, e->vcpus_count);
		} else if (!strcmp(s, "cpus")) {
			struct qmp_cpu *e = (struct qmp_cpu *)v + i;
			buf_printf(out, "\n%d %s %d", e->cpu_index, e->qom_path, e->thread_id);
		} else if (!strcmp(s, "iothreads")) {
			struct qmp_iothread *e = (struct qmp_iothread *)v + i;
			buf_printf(out, "\n%s %d", e->id, e->thread_id);
		} else {
			struct qmp_memory_device *e = (struct qmp_memory_device *)v + i;
			buf_printf(out, "\n%s [%s] %s %d %llu", e->type, e->id, e->memdev, e->slot, e->size);
		}
	}
	free(v);
	return 0;
}

static int step(struct qmp *q, char *s, int t, struct buf *out, struct error **err)
{
	if (!strcmp(s, "status")) {
		buf_puts(out, "status ");
		return qmp_query_status(q, t, out, err);
	}
	if (!strncmp(s, "wait:", 5)) {
		char *name = s + 5, *key = strchr(name, ':'), *val = NULL;
		if (key) {
			*key++ = 0;
			val = strchr(key, '=');
			if (val)
				*val++ = 0;
		}
		buf_printf(out, "event %s ", name);
		return qmp_wait_event(q, name, key, val ? val : "", t, out, err);
	}
	if (!strncmp(s, "del:", 4)) {
		buf_printf(out, "deleted %s", s + 4);
		return qmp_device_del(q, s + 4, t, err);
	}
	if (!strcmp(s, "slots") || !strcmp(s, "cpus") || !strcmp(s, "iothreads") ||
	    !strcmp(s, "memdevs"))
		return typed(q, s, t, out, err);
	if (!strncmp(s, "quiet:", 6)) {
		buf_puts(out, qmp_execute(q, s + 6, NULL, t, NULL, NULL) < 0 ? "failed" : "ok");
		return 0;
	}
	if (!strcmp(s, "migrated")) {
		buf_puts(out, "migrated");
		return qmp_migrate_wait(q, t, err);
	}
	if (!strncmp(s, "getfd:", 6)) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		buf_printf(out, "getfd %s", s + 6);
		int r = qmp_getfd(q, fd, s + 6, t, err);
		close(fd);
		return r;
	}
	char *args = strchr(s, '=');
	if (args)
		*args++ = 0;
	buf_printf(out, "ok %s ", s);
	return qmp_execute(q, s, args, t, out, err);
}

int main(int argc, char **argv)
{
	struct qmp q;
	struct error *err = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: qmp-tool SOCKET TIMEOUT_MS STEP...\n");
		return 2;
	}
	int t = atoi(argv[2]);
	if (qmp_connect(&q, argv[1], t, &err) < 0) {
		fprintf(stderr, "error: %s\n", err->msg);
		return 1;
	}
	for (int i = 3; i < argc; i++) {
		struct buf out = BUF_INIT(0);
		if (step(&q, argv[i], t, &out, &err) < 0) {
			fprintf(stderr, "error: %s\n", err->msg);
			error_free(err);
			buf_free(&out);
			qmp_close(&q);
			return 1;
		}
		printf("%s\n", out.data ? out.data : "");
		fflush(stdout);
		buf_free(&out);
	}
	qmp_close(&q);
	return 0;
}
