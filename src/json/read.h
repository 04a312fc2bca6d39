/* Reading JSON with jsmn: a document is the text and its tokens; values are
 * token indexes. Bounded: at most JSON_MAX_TOKENS tokens and the length the
 * caller allows. Strings stay views into the text until json_text()
 * unescapes one. jsmn (strict mode) rejects bad tokens, unbalanced and
 * truncated text, but lets some misplaced separators through ("[1 2]",
 * "[1,]"); every accessor stays in bounds whatever it accepted. */
#ifndef JSON_READ_H
#define JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define JSON_MAX_TOKENS 65536

struct json_tok;
struct json_doc {
	const char *text;
	size_t len;
	struct json_tok *t;
	int n; /* tokens */
};

enum json_type { JSON_UNDEFINED, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_PRIMITIVE };

struct error;

/* Parse one complete JSON value. Returns 0, or -1 with *err (EINVAL for
 * bad or truncated JSON, E2BIG past JSON_MAX_TOKENS). */
int json_parse(struct json_doc *d, const char *text, size_t len, struct error **err);
void json_doc_free(struct json_doc *d);

enum json_type json_type(const struct json_doc *d, int tok);
/* The value of key in the object at tok, or -1. */
int json_get(const struct json_doc *d, int obj, const char *key);
/* The token after tok and everything inside it. */
int json_next(const struct json_doc *d, int tok);
/* The number of members of an object or elements of an array. */
int json_size(const struct json_doc *d, int tok);
/* The raw text of a value (a string without its quotes). */
const char *json_raw(const struct json_doc *d, int tok, size_t *len);
/* True when tok is a string equal to s (s without escapes). */
bool json_str_is(const struct json_doc *d, int tok, const char *s);
/* Append tok's string value, unescaped (\uXXXX as UTF-8). -1 when it is
 * not a string or is badly escaped. */
int json_text(const struct json_doc *d, int tok, struct buf *out);
/* tok's string value, unescaped, into out (size bytes, NUL-terminated);
 * -1 when it is not a string, is badly escaped or does not fit. */
int json_copy(const struct json_doc *d, int tok, char *out, size_t size);
/* A primitive as an integer; -1 when it is not one. */
int json_number(const struct json_doc *d, int tok, long long *v);

#endif
