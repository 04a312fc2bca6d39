/* Nested key/value output as TOML (indented as BurntSushi's encoder writes
 * kata-env) or as JSON. Within a table, write scalar keys before subtables. */
#ifndef CLI_ENV_EMIT_H
#define CLI_ENV_EMIT_H

#include <stdbool.h>

#include "json/writer.h"
#include "util/buf.h"

#define EMIT_MAX_DEPTH 4

struct emit {
	bool json;
	struct buf *b;
	struct json_writer jw;
	int depth;
	const char *path[EMIT_MAX_DEPTH];
};

void emit_begin(struct emit *e, struct buf *b, bool json);
int emit_end(struct emit *e);
void emit_table(struct emit *e, const char *name);
void emit_table_end(struct emit *e);
void emit_str(struct emit *e, const char *key, const char *v);
void emit_bool(struct emit *e, const char *key, bool v);
void emit_int(struct emit *e, const char *key, long long v);
void emit_strv(struct emit *e, const char *key, char *const *v, size_t n);

/* Append s as a TOML basic string. */
int toml_quote(struct buf *b, const char *s);

#endif
