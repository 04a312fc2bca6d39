/* Memory the caller cannot do without. In the host's commands and drivers
 * nothing sensible can be done when such an allocation fails (and a
 * command cut short is taken down by `delete --force`), so these never
 * return NULL: they say "out of memory" on stderr and end with SIGABRT. The codecs,
 * which take their sizes from peers, bound those sizes and keep returning
 * errors (each fuzzed). */
#ifndef UTIL_ALLOC_H
#define UTIL_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

/* Says so and ends the process with SIGABRT (a core to look at). */
_Noreturn void alloc_failed(size_t n);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
