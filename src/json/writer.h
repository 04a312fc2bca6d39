/* A small streaming JSON writer into a struct buf. Errors (out of memory,
 * bound reached, nesting too deep) are sticky and reported by json_end(). */
#ifndef JSON_WRITER_H
#define JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define JSON_MAX_DEPTH 32

struct json_writer {
	struct buf *b;
	int depth;
	bool pretty;
	bool after_key;
	bool failed;
	bool has_items[JSON_MAX_DEPTH];
};

void json_begin(struct json_writer *w, struct buf *b, bool pretty);
/* 0 when everything was written, -1 otherwise. */
int json_end(struct json_writer *w);

void json_obj_begin(struct json_writer *w);
void json_obj_end(struct json_writer *w);
void json_arr_begin(struct json_writer *w);
void json_arr_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_str(struct json_writer *w, const char *s); /* NULL writes "" */
void json_int(struct json_writer *w, long long v);
void json_uint(struct json_writer *w, unsigned long long v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* Append s (n bytes) as a quoted JSON string. */
int json_escape(struct buf *b, const char *s, size_t n);

#endif
