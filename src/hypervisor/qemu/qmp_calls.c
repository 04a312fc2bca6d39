/* Typed QMP calls on top of qmp_execute. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/qemu/qmp.h"
#include "json/writer.h"
#include "transport/transport.h"
#include "util/error.h"

int qmp_query_status(struct qmp *q, int timeout_ms, struct buf *status, struct error **err)
{
	struct buf ret = BUF_INIT(QMP_MAX_MESSAGE);
	struct json_doc d;
	int r = qmp_execute(q, "query-status", NULL, timeout_ms, &ret, err);

	if (r == 0 && json_parse(&d, ret.data, ret.len, err) == 0) {
		if (json_text(&d, json_get(&d, 0, "status"), status) < 0)
			r = error_set(err, EPROTO, "QMP query-status: no status in %s", ret.data);
		json_doc_free(&d);
	} else if (r == 0) {
		r = -1;
	}
	buf_free(&ret);
	return r;
}

int qmp_stop(struct qmp *q, int timeout_ms, struct error **err)
{
	return qmp_execute(q, "stop", NULL, timeout_ms, NULL, err);
}

int qmp_cont(struct qmp *q, int timeout_ms, struct error **err)
{
	return qmp_execute(q, "cont", NULL, timeout_ms, NULL, err);
}

int qmp_quit(struct qmp *q, int timeout_ms, struct error **err)
{
	return qmp_execute(q, "quit", NULL, timeout_ms, NULL, err);
}

int qmp_system_powerdown(struct qmp *q, int timeout_ms, struct error **err)
{
	return qmp_execute(q, "system_powerdown", NULL, timeout_ms, NULL, err);
}

static int id_args(char *out, size_t size, const char *key, const char *id)
{
	/* ids are ours (devices, fds): plain names, no quoting to do */
	for (const char *p = id; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			return -1;
	return snprintf(out, size, "{\"%s\":\"%s\"}", key, id) < (int)size ? 0 : -1;
}

int qmp_device_del(struct qmp *q, const char *id, int timeout_ms, struct error **err)
{
	char args[256];

	if (id_args(args, sizeof(args), "id", id) < 0)
		return error_set(err, EINVAL, "device id %s: not a plain name", id);
	if (qmp_execute(q, "device_del", args, timeout_ms, NULL, err) < 0)
		return -1;
	return qmp_wait_event(q, "DEVICE_DELETED", "device", id, timeout_ms, NULL, err);
}

int qmp_getfd(struct qmp *q, int fd, const char *name, int timeout_ms, struct error **err)
{
	char args[256];

	if (id_args(args, sizeof(args), "fdname", name) < 0)
		return error_set(err, EINVAL, "fd name %s: not a plain name", name);
	return qmp_execute_with_fd(q, "getfd", args, fd, timeout_ms, NULL, err);
}

int qmp_device_add(struct qmp *q, const char *args, int timeout_ms, struct error **err)
{
	return qmp_execute(q, "device_add", args, timeout_ms, NULL, err);
}
int qmp_object_add(struct qmp *q, const char *args, int timeout_ms, struct error **err)
{
	return qmp_execute(q, "object-add", args, timeout_ms, NULL, err);
}
int qmp_blockdev_add(struct qmp *q, const char *args, int timeout_ms, struct error **err)
{
	return qmp_execute(q, "blockdev-add", args, timeout_ms, NULL, err);
}
int qmp_netdev_add(struct qmp *q, const char *args, int timeout_ms, struct error **err)
{
	return qmp_execute(q, "netdev_add", args, timeout_ms, NULL, err);
}

/* cmd with one string argument, quoted and escaped. */
static int one_arg(struct qmp *q, const char *cmd, const char *key, const char *value,
		   int timeout_ms, struct error **err)
{
	struct buf a = BUF_INIT(256);
	int r = buf_printf(&a, "{\"%s\":", key) < 0 || json_escape(&a, value, strlen(value)) < 0 ||
			buf_puts(&a, "}") < 0
		? error_set(err, ENOMEM, "out of memory")
		: qmp_execute(q, cmd, a.data, timeout_ms, NULL, err);
	buf_free(&a);
	return r;
}

int qmp_object_del(struct qmp *q, const char *id, int timeout_ms, struct error **err)
{
	return one_arg(q, "object-del", "id", id, timeout_ms, err);
}
int qmp_blockdev_del(struct qmp *q, const char *node, int timeout_ms, struct error **err)
{
	return one_arg(q, "blockdev-del", "node-name", node, timeout_ms, err);
}
int qmp_netdev_del(struct qmp *q, const char *id, int timeout_ms, struct error **err)
{
	return one_arg(q, "netdev_del", "id", id, timeout_ms, err);
}
int qmp_migrate(struct qmp *q, const char *uri, int timeout_ms, struct error **err)
{
	return one_arg(q, "migrate", "uri", uri, timeout_ms, err);
}
int qmp_migrate_incoming(struct qmp *q, const char *uri, int timeout_ms, struct error **err)
{
	return one_arg(q, "migrate-incoming", "uri", uri, timeout_ms, err);
}

int qmp_migrate_set_capability(struct qmp *q, const char *name, bool on, int timeout_ms,
			       struct error **err)
{
	char args[256];

	if (id_args(args, sizeof(args), "capability", name) < 0)
		return error_set(err, EINVAL, "capability %s: not a plain name", name);
	struct buf a = BUF_INIT(320);
	int r = buf_printf(&a, "{\"capabilities\":[%.*s,\"state\":%s}]}", (int)strlen(args) - 1, args,
			   on ? "true" : "false") < 0
		? error_set(err, ENOMEM, "out of memory")
		: qmp_execute(q, "migrate-set-capabilities", a.data, timeout_ms, NULL, err);
	buf_free(&a);
	return r;
}

/* query-migrate's status ("active", "completed", "failed", ...). */
int qmp_query_migrate(struct qmp *q, int timeout_ms, struct buf *status, struct error **err)
{
	struct buf ret = BUF_INIT(QMP_MAX_MESSAGE);
	struct json_doc d;
	int r = qmp_execute(q, "query-migrate", NULL, timeout_ms, &ret, err);

	if (r == 0 && json_parse(&d, ret.data, ret.len, err) == 0) {
		int s = json_get(&d, 0, "status");
		if (s < 0) /* no migration yet: QEMU answers {} */
			r = buf_puts(status, "none");
		else
			r = json_text(&d, s, status);
		json_doc_free(&d);
	} else if (r == 0) {
		r = -1;
	}
	buf_free(&ret);
	return r;
}

int qmp_migrate_wait(struct qmp *q, int timeout_ms, struct error **err)
{
	long deadline = io_now_ms() + timeout_ms;

	for (;;) {
		struct buf st = BUF_INIT(256);
		long left = deadline - io_now_ms();
		if (qmp_query_migrate(q, left > 0 ? (int)left : 1, &st, err) < 0) {
			buf_free(&st);
			return -1;
		}
		bool done = !strcmp(st.data, "completed");
		/* "none": an incoming migration that has not started yet */
		bool bad = !strcmp(st.data, "failed") || !strcmp(st.data, "cancelled");
		if (bad)
			error_set(err, EIO, "migration %s", st.data);
		buf_free(&st);
		if (done)
			return 0;
		if (bad)
			return -1;
		if (io_now_ms() >= deadline)
			return error_set(err, ETIMEDOUT, "migration did not complete in %d ms",
					 timeout_ms);
		usleep(20 * 1000);
	}
}

static int query(struct qmp *q, enum qmp_query kind, int timeout_ms, void **out, size_t *n,
		 struct error **err)
{
	struct buf ret = BUF_INIT(QMP_MAX_MESSAGE);
	int r = qmp_execute(q, qmp_query_name(kind), NULL, timeout_ms, &ret, err);
	if (r == 0)
		r = qmp_query_parse(kind, ret.data, ret.len, out, n, err);
	buf_free(&ret);
	return r;
}

int qmp_query_hotpluggable_cpus(struct qmp *q, int timeout_ms, struct qmp_cpu_slot **slots,
				size_t *n, struct error **err)
{
	return query(q, QMP_QUERY_HOTPLUGGABLE_CPUS, timeout_ms, (void **)slots, n, err);
}

int qmp_query_cpus_fast(struct qmp *q, int timeout_ms, struct qmp_cpu **cpus, size_t *n,
			struct error **err)
{
	return query(q, QMP_QUERY_CPUS_FAST, timeout_ms, (void **)cpus, n, err);
}

int qmp_query_iothreads(struct qmp *q, int timeout_ms, struct qmp_iothread **threads, size_t *n,
			struct error **err)
{
	return query(q, QMP_QUERY_IOTHREADS, timeout_ms, (void **)threads, n, err);
}

int qmp_query_memory_devices(struct qmp *q, int timeout_ms, struct qmp_memory_device **devs,
			     size_t *n, struct error **err)
{
	return query(q, QMP_QUERY_MEMORY_DEVICES, timeout_ms, (void **)devs, n, err);
}

int qmp_query_pci_bridges(struct qmp *q, int timeout_ms, struct qmp_pci_bridge **v, size_t *n,
			  struct error **err)
{
	struct buf ret = BUF_INIT(QMP_MAX_MESSAGE);
	int r = qmp_execute(q, "query-pci", NULL, timeout_ms, &ret, err);
	if (r == 0)
		r = qmp_pci_bridges_parse(ret.data, ret.len, v, n, err);
	buf_free(&ret);
	return r;
}

int qmp_closefd(struct qmp *q, const char *name, int timeout_ms, struct error **err)
{
	char args[256];

	if (id_args(args, sizeof(args), "fdname", name) < 0)
		return error_set(err, EINVAL, "fd name %s: not a plain name", name);
	return qmp_execute(q, "closefd", args, timeout_ms, NULL, err);
}
