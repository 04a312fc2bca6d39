/* Typed QMP calls on top of qmp_execute. */
#include <errno.h>
#include <stdio.h>

#include "hypervisor/qmp.h"
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
