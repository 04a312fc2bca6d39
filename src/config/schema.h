/* The table of configuration keys: table, key, type, field, default, limits. */
#ifndef CONFIG_SCHEMA_H
#define CONFIG_SCHEMA_H

#include <stddef.h>

enum key_type { KEY_STR, KEY_BOOL, KEY_I32, KEY_U32, KEY_STRV };

struct key_desc {
	const char *table;
	const char *key;
	enum key_type type;
	size_t off;
	const char *def_str;
	long long def_int; /* also bool */
	long long min, max;
	const char *const *choices; /* NULL-terminated allowed strings, or NULL */
	/* The feature the key belongs to when the build leaves it out
	 * ("VM templates (CONFIG_FACTORY_TEMPLATE)"), else NULL: the key is
	 * still known, and any value but its default is refused. */
	const char *missing;
};

extern const struct key_desc config_keys[];
extern const size_t config_nkeys;
extern const char *const config_known_tables[];

const struct key_desc *config_key_find(const char *table, const char *key, size_t *index);
int config_table_known(const char *table);

#endif
