/* The TOML subset of configuration.toml, sans I/O: [tables] and [dotted.tables],
 * key = value with basic and literal strings, integers, booleans and arrays of
 * strings (on one line or several), and comments. Anything else (floats,
 * dates, inline tables, arrays of tables, multi-line strings, dotted or
 * quoted keys, duplicate keys or tables) is an error with name:line. */
#ifndef CONFIG_TOML_H
#define CONFIG_TOML_H

#include <stdbool.h>
#include <stddef.h>

struct error;

#define TOML_MAX_STRING 65536
#define TOML_MAX_ARRAY 1024
#define TOML_MAX_KEY 64
#define TOML_MAX_TABLE 128

enum toml_type { TOML_STRING, TOML_INT, TOML_BOOL, TOML_STRV };

struct toml_value {
	enum toml_type type;
	char *str;
	long long i;
	bool b;
	char **strv; /* NULL-terminated */
	size_t n;
};

/* Called once per key, and once per table header with key and v NULL;
 * table is "" for keys before any table. The callback
 * may take ownership of v->str or v->strv (setting them to NULL). A negative
 * return stops parsing with *err as set by the callback. */
typedef int (*toml_cb)(void *ud, const char *table, const char *key, struct toml_value *v,
		       int line, struct error **err);

int toml_parse(const char *name, const char *data, size_t len, toml_cb cb, void *ud,
	       struct error **err);

void toml_value_clear(struct toml_value *v);
void toml_strv_free(char **v);

/* Value lexer used by toml_parse (exposed for tests): parses one value at
 * *pp (not past end), advancing *pp and *line over newlines inside arrays.
 * On error returns -1 with a static reason in *why. */
int toml_value_parse(const char **pp, const char *end, int *line, struct toml_value *v,
		     const char **why);

#endif
