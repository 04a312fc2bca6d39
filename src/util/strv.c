#include "util/strv.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

int strv_push_owned(struct strv *s, char *item, size_t max)
{
	if (max && s->n >= max) {
		free(item);
		return -1;
	}
	s->v = xrealloc(s->v, (s->n + 2) * sizeof(char *));
	s->v[s->n++] = item;
	s->v[s->n] = NULL;
	return 0;
}

void strv_push(struct strv *s, const char *str)
{
	strv_push_owned(s, xstrdup(str), 0);
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
