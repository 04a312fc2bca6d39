/* Logging. With a log file (--log) every message at or above the level is
 * appended to it, one line a message (text as logrus/runc write it, or JSON
 * {"level","msg","time"}), and errors are also printed on stderr. Without a
 * log file, messages go to syslog, and errors and warnings (everything with
 * --debug) to stderr. */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdbool.h>
#include <time.h>

#include "autoconf.h"

struct buf;
struct error;

enum log_level { LOGL_ERROR = 0, LOGL_WARN, LOGL_INFO, LOGL_DEBUG };
enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON };

struct log_config {
	const char *path; /* NULL: syslog and stderr */
	enum log_format format;
	enum log_level level;
	const char *ident; /* program name used on stderr and in syslog */
	bool syslog;
};

int log_open(const struct log_config *c, struct error **err);
void log_close(void);
void log_set_level(enum log_level level);
/* Never write to stderr (a shim's stderr is the container's): the log file
 * or syslog only. */
void log_no_stderr(void);
enum log_level log_get_level(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOGL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOGL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
/* Without CONFIG_LOG_DEBUG the call and its text are compiled out. */
#define log_debug(...)                                   \
	do {                                             \
		if (ENABLE_LOG_DEBUG)                    \
			log_msg(LOGL_DEBUG, __VA_ARGS__); \
	} while (0)

/* ts as RFC 3339 in UTC with nanoseconds: 2006-01-02T15:04:05.999999999Z
 * (strftime would link the time-zone code; this does not). */
#define LOG_TIME_MAX 96
void log_time_text(const struct timespec *ts, char out[LOG_TIME_MAX]);

/* One formatted line, with its trailing newline. */
int log_format_line(struct buf *b, enum log_format fmt, enum log_level level, const char *msg,
		    const struct timespec *ts);
int log_parse_format(const char *s, enum log_format *out);
const char *log_level_name(enum log_level level);

#endif
