/* Errors as in crun: a fallible function returns < 0 and fills a trailing
 * struct error **err; callers add context with error_wrap(). */
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

struct error {
	int code; /* errno-style cause, 0 when there is none */
	char *msg;
};

/* Set *err (replacing any previous error) and return -1. err may be NULL. */
int error_set(struct error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As error_set, appending ": strerror(code)". */
int error_set_errno(struct error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the message of *err with "context: "; returns -1. */
int error_wrap(struct error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void error_free(struct error *e);
void error_freep(struct error **e);

#define cleanup_error __attribute__((cleanup(error_freep)))

#endif
