/* The one string vector: n strings, NULL-terminated (v is NULL when
 * empty), each owned by the vector. */
#ifndef UTIL_STRV_H
#define UTIL_STRV_H

#include <stddef.h>

struct strv {
	char **v;
	size_t n;
};

/* Append item, which the vector owns from now on: -1 (and item freed)
 * when it holds max items already (max 0: no bound). Out of memory aborts
 * (util/alloc.h). */
int strv_push_owned(struct strv *s, char *item, size_t max);
/* Append a copy of str. */
void strv_push(struct strv *s, const char *str);
void strv_free(struct strv *s);

#endif
