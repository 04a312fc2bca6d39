#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hypervisor/qemu/qmp.h"
#include "json/writer.h"
#include "transport/transport.h"
#include "util/error.h"

static long deadline_of(int timeout_ms)
{
	return io_now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
}

/* The next message, whatever it is, by the deadline. */
static int next_msg(struct qmp *q, long deadline, struct qmp_msg *m, struct error **err)
{
	char tmp[4096];

	for (;;) {
		char *nl = q->in.len ? memchr(q->in.data, '\n', q->in.len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - q->in.data);
			int r = qmp_msg_parse(m, q->in.data, n, err);
			memmove(q->in.data, nl + 1, q->in.len - n - 1);
			q->in.len -= n + 1;
			return r;
		}
		if (q->in.len > QMP_MAX_MESSAGE)
			return error_set(err, E2BIG, "QMP: a message of more than %u bytes",
					 QMP_MAX_MESSAGE);
		struct error *e = NULL; /* err may be NULL: the caller does not care why */
		ssize_t r = io_read_some(q->fd, tmp, sizeof(tmp), deadline, &e);
		if (r < 0) {
			bool late = e && e->code == ETIMEDOUT;
			if (err)
				*err = e;
			else
				error_free(e);
			return late ? error_wrap(err, "QMP: no reply in time") : error_wrap(err, "QMP");
		}
		if (r == 0)
			return error_set(err, EPIPE, "QMP: the monitor closed the connection%s",
					 q->in.len ? " in the middle of a message" : "");
		if (buf_append(&q->in, tmp, (size_t)r) < 0)
			return error_set(err, ENOMEM, "out of memory");
	}
}

static void queue_event(struct qmp *q, struct qmp_msg *m)
{
	if (q->nevents == QMP_MAX_QUEUED_EVENTS) {
		qmp_msg_free(&q->events[0]);
		memmove(q->events, q->events + 1, (q->nevents - 1) * sizeof(q->events[0]));
		q->nevents--;
		q->dropped++;
	}
	q->events[q->nevents++] = *m;
}

static int send_line(struct qmp *q, const char *cmd, const char *args, const char *id, int fd,
		     long deadline, struct error **err)
{
	struct buf b = BUF_INIT(QMP_MAX_MESSAGE);
	struct json_writer w;

	json_begin(&w, &b, false);
	json_obj_begin(&w);
	json_key(&w, "execute");
	json_str(&w, cmd);
	json_key(&w, "id");
	json_str(&w, id);
	json_obj_end(&w);
	if (json_end(&w) < 0 || b.len < 2) {
		buf_free(&b);
		return error_set(err, ENOMEM, "QMP %s: cannot build the command", cmd);
	}
	if (args) { /* splice the arguments in before the closing brace */
		b.len--;
		if (buf_printf(&b, ",\"arguments\":%s}", args) < 0) {
			buf_free(&b);
			return error_set(err, E2BIG, "QMP %s: arguments too long", cmd);
		}
	}
	buf_putc(&b, '\n');
	int r;
	if (fd >= 0) {
		char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
		struct iovec iov = { b.data, b.len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		ssize_t n = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
		r = n < 0 ? error_set_errno(err, errno, "QMP %s: sendmsg", cmd)
			  : io_write_all(q->fd, b.data + n, b.len - (size_t)n, deadline, err);
	} else {
		r = io_write_all(q->fd, b.data, b.len, deadline, err);
	}
	buf_free(&b);
	return r < 0 ? error_wrap(err, "QMP %s", cmd) : 0;
}

static int execute(struct qmp *q, const char *cmd, const char *args, int fd, int timeout_ms,
		   struct buf *ret, struct error **err)
{
	long deadline = deadline_of(timeout_ms);
	char id[32];
	struct qmp_msg m;

	snprintf(id, sizeof(id), "ukata-%u", ++q->next_id);
	if (send_line(q, cmd, args, id, fd, deadline, err) < 0)
		return -1;
	for (;;) {
		if (next_msg(q, deadline, &m, err) < 0)
			return error_wrap(err, "QMP %s", cmd);
		if (m.kind == QMP_EVENT) {
			queue_event(q, &m);
			continue;
		}
		/* A reply with another id answers a command that timed out. An
		 * error without one is QEMU refusing a line it could not parse:
		 * ours, since one command is outstanding at a time. */
		if (!qmp_msg_has_id(&m, id) && !(m.kind == QMP_ERROR && m.id < 0)) {
			qmp_msg_free(&m);
			continue;
		}
		int r = 0;
		if (m.kind == QMP_ERROR) {
			r = error_set(err, EIO, "QMP %s: %s: %s", cmd, m.name,
				      m.desc.data ? m.desc.data : "");
		} else if (ret) {
			size_t n;
			const char *p = json_raw(&m.doc, m.value, &n);
			bool quoted = json_type(&m.doc, m.value) == JSON_STRING;
			if ((quoted && buf_putc(ret, '"') < 0) || buf_append(ret, p, n) < 0 ||
			    (quoted && buf_putc(ret, '"') < 0))
				r = error_set(err, ENOMEM, "out of memory");
		}
		qmp_msg_free(&m);
		return r;
	}
}

static int traced(struct qmp *q, const char *cmd, const char *args, int fd, int timeout_ms,
		  struct buf *ret, struct error **err)
{
	struct trace_span s;
	struct error *e = NULL;

	if (!q->trace)
		return execute(q, cmd, args, fd, timeout_ms, ret, err);
	char name[TRACE_NAME_MAX];
	snprintf(name, sizeof(name), "qmp %s", cmd);
	trace_begin(&s, q->trace, name);
	trace_attr(&s, "qmp.command", cmd);
	int r = execute(q, cmd, args, fd, timeout_ms, ret, err ? err : &e);
	trace_end_err(&s, r, err ? err : &e);
	error_free(e);
	return r;
}

int qmp_execute(struct qmp *q, const char *cmd, const char *args, int timeout_ms,
		struct buf *ret, struct error **err)
{
	return traced(q, cmd, args, -1, timeout_ms, ret, err);
}

int qmp_execute_with_fd(struct qmp *q, const char *cmd, const char *args, int fd,
			int timeout_ms, struct buf *ret, struct error **err)
{
	return traced(q, cmd, args, fd, timeout_ms, ret, err);
}

static bool event_matches(const struct qmp_msg *m, const char *name, const char *key,
			  const char *value)
{
	if (strcmp(m->name, name))
		return false;
	return !key || json_str_is(&m->doc, json_get(&m->doc, m->value, key), value);
}

static int take_event(struct qmp_msg *m, struct buf *data)
{
	int r = 0;
	if (data && m->value >= 0) {
		size_t n;
		const char *p = json_raw(&m->doc, m->value, &n);
		r = buf_append(data, p, n);
	}
	qmp_msg_free(m);
	return r;
}

int qmp_wait_event(struct qmp *q, const char *name, const char *key, const char *value,
		   int timeout_ms, struct buf *data, struct error **err)
{
	long deadline = deadline_of(timeout_ms);
	struct qmp_msg m;

	for (size_t i = 0; i < q->nevents; i++) {
		if (event_matches(&q->events[i], name, key, value)) {
			m = q->events[i];
			memmove(q->events + i, q->events + i + 1,
				(q->nevents - i - 1) * sizeof(q->events[0]));
			q->nevents--;
			return take_event(&m, data);
		}
	}
	for (;;) {
		if (next_msg(q, deadline, &m, err) < 0)
			return error_wrap(err, "waiting for %s", name);
		if (m.kind == QMP_EVENT && event_matches(&m, name, key, value))
			return take_event(&m, data);
		if (m.kind == QMP_EVENT)
			queue_event(q, &m);
		else
			qmp_msg_free(&m);
	}
}

int qmp_connect(struct qmp *q, const char *path, int timeout_ms, struct error **err)
{
	long deadline = deadline_of(timeout_ms);
	struct qmp_msg m;

	memset(q, 0, sizeof(*q));
	q->in = (struct buf)BUF_INIT(QMP_MAX_MESSAGE + 4096);
	for (;;) {
		struct error *e = NULL;
		q->fd = unix_connect(path, &e);
		if (q->fd >= 0) {
			error_free(e);
			break;
		}
		if (io_now_ms() >= deadline) {
			*err = e;
			return error_wrap(err, "QMP socket");
		}
		error_free(e);
		usleep(10 * 1000);
	}
	if (next_msg(q, deadline, &m, err) < 0)
		goto fail;
	bool greeting = m.kind == QMP_GREETING;
	qmp_msg_free(&m);
	if (!greeting) {
		error_set(err, EPROTO, "QMP %s: no greeting", path);
		goto fail;
	}
	if (qmp_execute(q, "qmp_capabilities", NULL, (int)(deadline - io_now_ms()), NULL, err) < 0)
		goto fail;
	return 0;
fail:
	qmp_close(q);
	return -1;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	for (size_t i = 0; i < q->nevents; i++)
		qmp_msg_free(&q->events[i]);
	q->nevents = 0;
	buf_free(&q->in);
}
