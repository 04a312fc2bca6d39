#include "config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "config/schema.h"
#include "config/toml.h"
#include "util/error.h"
#include "util/alloc.h"

#define FIELD(c, d, T) ((T *)((char *)(c) + (d)->off))


void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct key_desc *d = &config_keys[i];
		if (d->type == KEY_STR)
			free(*FIELD(c, d, char *));
		else if (d->type == KEY_STRV)
			strv_free(FIELD(c, d, struct strv));
	}
	free(c->path);
	strv_free(&c->dropins);
	strv_free(&c->warnings);
	free(c->origin_line);
	free(c->origin_file);
	free(c);
}

struct config *config_new_defaults(struct error **err)
{
	struct config *c = xcalloc(1, sizeof(*c));

	(void)err;
	c->origin_line = xcalloc(config_nkeys, sizeof(int));
	c->origin_file = xcalloc(config_nkeys, sizeof(char *));
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct key_desc *d = &config_keys[i];
		switch (d->type) {
		case KEY_STR:
			*FIELD(c, d, char *) = xstrdup(d->def_str);
			break;
		case KEY_BOOL:
			*FIELD(c, d, bool) = d->def_int != 0;
			break;
		case KEY_I32:
			*FIELD(c, d, int32_t) = (int32_t)d->def_int;
			break;
		case KEY_U32:
			*FIELD(c, d, uint32_t) = (uint32_t)d->def_int;
			break;
		case KEY_STRV:
			break;
		}
	}
	return c;
}

static const char *type_name(enum key_type t)
{
	switch (t) {
	case KEY_STR: return "a string";
	case KEY_BOOL: return "true or false";
	case KEY_I32:
	case KEY_U32: return "an integer";
	default: return "an array of strings";
	}
}

static int set_choice(const struct key_desc *d, char **slot, struct toml_value *v,
		      const char *where, struct error **err)
{
	if (d->choices) {
		const char *const *ch = d->choices;
		while (*ch && strcmp(*ch, v->str))
			ch++;
		if (!*ch) {
			char list[256] = "";
			for (ch = d->choices; *ch; ch++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 ch == d->choices ? "" : ", ", *ch);
			return error_set(err, EINVAL, "%s: %s: \"%s\" is not one of %s", where,
					 d->key, v->str, list);
		}
	}
	free(*slot);
	*slot = v->str;
	v->str = NULL;
	return 0;
}

/* Store one value into its field after checking its type and range. */
static int set_value(struct config *c, const struct key_desc *d, struct toml_value *v,
		     const char *where, struct error **err)
{
	static const enum toml_type want[] = { TOML_STRING, TOML_BOOL, TOML_INT, TOML_INT,
					       TOML_STRV };
	struct strv *sv;

	if (v->type != want[d->type])
		return error_set(err, EINVAL, "%s: %s: expected %s", where, d->key,
				 type_name(d->type));
	switch (d->type) {
	case KEY_STR:
		return set_choice(d, FIELD(c, d, char *), v, where, err);
	case KEY_BOOL:
		*FIELD(c, d, bool) = v->b;
		return 0;
	case KEY_I32:
	case KEY_U32:
		if (v->i < d->min || v->i > d->max)
			return error_set(err, ERANGE, "%s: %s: %lld is out of range (%lld to %lld)",
					 where, d->key, v->i, (long long)d->min, (long long)d->max);
		if (d->type == KEY_I32)
			*FIELD(c, d, int32_t) = (int32_t)v->i;
		else
			*FIELD(c, d, uint32_t) = (uint32_t)v->i;
		return 0;
	case KEY_STRV:
		sv = FIELD(c, d, struct strv);
		strv_free(sv);
		sv->v = v->strv;
		sv->n = v->n;
		v->strv = NULL;
		return 0;
	}
	return 0;
}

/* Whether d's field holds its default (what a left-out feature allows). */
static bool is_default(struct config *c, const struct key_desc *d)
{
	switch (d->type) {
	case KEY_STR: return !strcmp(*FIELD(c, d, char *), d->def_str);
	case KEY_BOOL: return *FIELD(c, d, bool) == (d->def_int != 0);
	case KEY_I32: return *FIELD(c, d, int32_t) == d->def_int;
	case KEY_U32: return *FIELD(c, d, uint32_t) == (uint32_t)d->def_int;
	case KEY_STRV: return FIELD(c, d, struct strv)->n == 0;
	}
	return true;
}

struct apply_ctx {
	struct config *c;
	const char *name; /* interned in c->dropins or c->path lifetime */
	char last_unknown_table[TOML_MAX_TABLE + 1];
};

static void warn(struct config *c, const char *name, int line, const char *key,
		 const char *table)
{
	char *s;

	if (!key)
		s = xasprintf("%s:%d: unknown table [%s]", name, line, table);
	else if (!*table)
		s = xasprintf("%s:%d: unknown key \"%s\" outside any table", name, line, key);
	else
		s = xasprintf("%s:%d: unknown key \"%s\" in [%s]", name, line, key, table);
	strv_push_owned(&c->warnings, s, 0);
}

static int on_key(void *ud, const char *table, const char *key, struct toml_value *v, int line,
		  struct error **err)
{
	struct apply_ctx *a = ud;
	char where[4096 + 16];
	size_t idx;
	const struct key_desc *d;

	if (!key) { /* a table header: [agent.noop] chooses that agent */
		if (strcmp(table, "agent.noop"))
			return 0;
		if (!ENABLE_AGENT_NOOP)
			return error_set(err, ENOTSUP, "[agent.noop] (%s:%d): the noop agent "
					 "(CONFIG_AGENT_NOOP) is not built in", a->name, line);
		a->c->agent.noop = true;
		a->c->agent.noop_file = a->name;
		a->c->agent.noop_line = line;
		return 0;
	}
	d = config_key_find(table, key, &idx);
	if (!d) {
		/* An unknown table is named once, not once per key. */
		if (config_table_known(table) || !*table) {
			warn(a->c, a->name, line, key, table);
		} else if (strcmp(a->last_unknown_table, table)) {
			snprintf(a->last_unknown_table, sizeof(a->last_unknown_table), "%s", table);
			warn(a->c, a->name, line, NULL, table);
		}
		return 0;
	}
	snprintf(where, sizeof(where), "%s:%d", a->name, line);
	if (set_value(a->c, d, v, where, err) < 0)
		return -1;
	if (d->missing && !is_default(a->c, d))
		return error_set(err, ENOTSUP, "[%s] %s (%s): %s is not built in", table, key, where,
				 d->missing);
	a->c->origin_line[idx] = line;
	a->c->origin_file[idx] = a->name;
	return 0;
}

int config_apply(struct config *c, const char *name, const char *data, size_t len,
		 struct error **err)
{
	struct apply_ctx a = { .c = c, .name = name };
	return toml_parse(name, data, len, on_key, &a, err);
}

static const char *origin(const struct config *c, const char *table, const char *key,
			  char *buf, size_t size)
{
	size_t i;
	if (!config_key_find(table, key, &i) || !c->origin_line[i])
		snprintf(buf, size, "default");
	else
		snprintf(buf, size, "%s:%d", c->origin_file[i], c->origin_line[i]);
	return buf;
}

/* An asset hash: 64 hex digits, for an asset that is configured (a build
 * without hashing refused the key when it was read). */
static int check_hash(const struct config *c, const char *key, const char *hash,
		      const char *asset, struct error **err)
{
	char o[4200];
	size_t n = strspn(hash, "0123456789abcdefABCDEF");
	if (!*hash)
		return 0;
	origin(c, "hypervisor.qemu", key, o, sizeof(o));
	if (n != 64 || hash[n])
		return error_set(err, EINVAL, "[hypervisor.qemu] %s (%s): \"%.80s\" is not a "
				 "SHA-256 (64 hexadecimal digits)", key, o, hash);
	if (!*asset)
		return error_set(err, EINVAL, "[hypervisor.qemu] %s (%s) is set but %.*s is not",
				 key, o, (int)(strlen(key) - 5), key);
	return 0;
}

void config_resolve(struct config *c)
{
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct key_desc *d = &config_keys[i];
		if (!d->zero_default)
			continue;
		if (d->type == KEY_I32 && *FIELD(c, d, int32_t) <= 0)
			*FIELD(c, d, int32_t) = (int32_t)d->def_int;
		else if (d->type == KEY_U32 && !*FIELD(c, d, uint32_t))
			*FIELD(c, d, uint32_t) = (uint32_t)d->def_int;
	}
}

int config_validate(const struct config *c, struct error **err)
{
	char o1[4200], o2[4200];
	const struct config_qemu *q = &c->qemu;

	for (size_t i = 0; c->agent.noop && i < config_nkeys; i++)
		if (!strcmp(config_keys[i].table, "agent.kata") && c->origin_line[i])
			return error_set(err, EINVAL, "[agent.noop] (%s:%d) and [agent.kata] %s (%s:%d) "
					 "are both set: choose one agent", c->agent.noop_file,
					 c->agent.noop_line, config_keys[i].key, c->origin_file[i],
					 c->origin_line[i]);
	if (*q->initrd && *q->image)
		return error_set(err, EINVAL,
				 "[hypervisor.qemu] initrd (%s) and image (%s) are both set: "
				 "set only one",
				 origin(c, "hypervisor.qemu", "initrd", o1, sizeof(o1)),
				 origin(c, "hypervisor.qemu", "image", o2, sizeof(o2)));
	if (!*q->initrd && !*q->image)
		return error_set(err, EINVAL,
				 "[hypervisor.qemu]: either image or initrd must be set");
	if (c->runtime.disable_new_netns && strcmp(c->runtime.internetworking_model, "none"))
		return error_set(err, EINVAL,
				 "[runtime] disable_new_netns (%s) requires "
				 "internetworking_model = \"none\"",
				 origin(c, "runtime", "disable_new_netns", o1, sizeof(o1)));
	if (c->factory.enable_template && !*q->initrd)
		return error_set(err, EINVAL,
				 "[factory] enable_template (%s) requires an initrd image",
				 origin(c, "factory", "enable_template", o1, sizeof(o1)));
	if (check_hash(c, "kernel_hash", q->kernel_hash, q->kernel, err) < 0 ||
	    check_hash(c, "initrd_hash", q->initrd_hash, q->initrd, err) < 0 ||
	    check_hash(c, "image_hash", q->image_hash, q->image, err) < 0)
		return -1;
	return 0;
}
