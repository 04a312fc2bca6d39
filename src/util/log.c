#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "autoconf.h"
#include "json/writer.h"
#include "util/buf.h"
#include "util/error.h"

#define LOG_LINE_MAX 16384

static struct {
	int fd;
	enum log_format format;
	enum log_level level;
	const char *ident;
	bool syslog;
} L = { .fd = -1, .level = LOGL_WARN, .ident = "kata-runtime" };

static const char *const names[] = { "error", "warning", "info", "debug" };

const char *log_level_name(enum log_level level)
{
	return names[level];
}

int log_parse_format(const char *s, enum log_format *out)
{
	if (!strcmp(s, "text"))
		*out = LOG_FORMAT_TEXT;
	else if (!strcmp(s, "json") && ENABLE_LOG_JSON)
		*out = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

int log_open(const struct log_config *c, struct error **err)
{
	log_close();
	L.format = c->format;
	L.level = c->level;
	L.ident = c->ident ? c->ident : "kata-runtime";
	L.syslog = false;
	if (c->path) {
		L.fd = open(c->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (L.fd < 0)
			return error_set_errno(err, errno, "log file %s", c->path);
	} else if (ENABLE_LOG_SYSLOG && c->syslog) {
		openlog(L.ident, LOG_PID, LOG_USER);
		L.syslog = true;
	}
	return 0;
}

void log_close(void)
{
	if (L.fd >= 0)
		close(L.fd);
	L.fd = -1;
	if (L.syslog)
		closelog();
	L.syslog = false;
}

void log_set_level(enum log_level level)
{
	L.level = level;
}

enum log_level log_get_level(void)
{
	return L.level;
}

/* logrus text values are quoted when they hold anything but a bare word. */
static int text_value(struct buf *b, const char *s)
{
	bool bare = *s != '\0';
	for (const char *p = s; *p && bare; p++)
		bare = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || strchr("-._/@^+", *p);
	if (bare)
		return buf_puts(b, s);
	return json_escape(b, s, strlen(s));
}

void log_time_text(const struct timespec *ts, char out[LOG_TIME_MAX])
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	snprintf(out, LOG_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec);
}

int log_format_line(struct buf *b, enum log_format fmt, enum log_level level, const char *msg,
		    const struct timespec *ts)
{
	char when[LOG_TIME_MAX];

	log_time_text(ts, when);
	if (ENABLE_LOG_JSON && fmt == LOG_FORMAT_JSON) {
		if (buf_puts(b, "{\"level\":\"") < 0 || buf_puts(b, names[level]) < 0 ||
		    buf_puts(b, "\",\"msg\":") < 0 || json_escape(b, msg, strlen(msg)) < 0 ||
		    buf_printf(b, ",\"time\":\"%s\"}\n", when) < 0)
			return -1;
		return 0;
	}
	if (buf_printf(b, "time=\"%s\" level=%s msg=", when, names[level]) < 0 ||
	    text_value(b, msg) < 0 || buf_putc(b, '\n') < 0)
		return -1;
	return 0;
}

static void to_file(enum log_level level, const char *msg)
{
	struct buf b = BUF_INIT(LOG_LINE_MAX);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (log_format_line(&b, L.format, level, msg, &ts) == 0) {
		/* One write per line: O_APPEND keeps concurrent writers' lines whole. */
		ssize_t r = write(L.fd, b.data, b.len);
		(void)r;
	}
	buf_free(&b);
}

static bool quiet_stderr;

void log_no_stderr(void)
{
	quiet_stderr = true;
}

static void to_stderr(enum log_level level, const char *msg)
{
	if (quiet_stderr)
		return;
	if (level == LOGL_ERROR)
		dprintf(2, "%s: %s\n", L.ident, msg);
	else
		dprintf(2, "%s: %s: %s\n", L.ident, names[level], msg);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[4096];
	va_list ap;
	int saved = errno;

	if (level > L.level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (L.fd >= 0) {
		to_file(level, msg);
		if (level == LOGL_ERROR)
			to_stderr(level, msg);
	} else {
		if (ENABLE_LOG_SYSLOG && L.syslog)
			syslog(prio[level], "%s", msg);
		if (level <= LOGL_WARN || L.level == LOGL_DEBUG)
			to_stderr(level, msg);
	}
	errno = saved;
}
