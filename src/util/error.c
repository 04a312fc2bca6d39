#include "util/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static int install(struct error **err, int code, char *msg)
{
	struct error *e;

	if (!err) {
		free(msg);
		return -1;
	}
	error_free(*err);
	*err = NULL;
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(msg);
		return -1;
	}
	e->code = code;
	e->msg = msg ? msg : strdup("out of memory");
	*err = e;
	return -1;
}

int error_set(struct error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!err)
		return -1;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	return install(err, code, msg);
}

int error_set_errno(struct error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *head, *msg = NULL;

	if (!err)
		return -1;
	va_start(ap, fmt);
	head = vformat(fmt, ap);
	va_end(ap);
	if (head && asprintf(&msg, "%s: %s", head, strerror(code)) < 0)
		msg = NULL;
	free(head);
	return install(err, code, msg);
}

int error_wrap(struct error **err, const char *fmt, ...)
{
	va_list ap;
	char *ctx, *msg = NULL;

	if (!err || !*err)
		return -1;
	va_start(ap, fmt);
	ctx = vformat(fmt, ap);
	va_end(ap);
	if (ctx && asprintf(&msg, "%s: %s", ctx, (*err)->msg) >= 0) {
		free((*err)->msg);
		(*err)->msg = msg;
	}
	free(ctx);
	return -1;
}

void error_free(struct error *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}

void error_freep(struct error **e)
{
	error_free(*e);
	*e = NULL;
}
