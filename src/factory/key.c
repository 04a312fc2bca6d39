/* The compatibility key of a VM made ahead of time, derived from the
 * schema: every key marked fixed at boot (.vm: the command line, the
 * kernel's parameters, the agent channel) is in it under Kata's name; CPUs
 * and memory are not (they are hot-added). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "config/schema.h"
#include "factory/factory.h"
#include "json/read.h"
#include "json/writer.h"
#include "util/error.h"

#define FIELD(c, d, T) ((const T *)((const char *)(c) + (d)->off))

static bool static_trace(const struct config *c)
{
	return ENABLE_TRACE && c->agent.enable_tracing && c->agent.trace_mode &&
	       !strcmp(c->agent.trace_mode, "static");
}

/* One key fixed at boot, as the VM is booted with it. */
static void member(struct json_writer *w, const struct config *c, const struct key_desc *d,
		   const char *accel)
{
	json_key(w, d->vm);
	bool off = (d->boot == BOOT_IF_IOTHREADS && !c->qemu.enable_iothreads) ||
		   (d->boot == BOOT_IF_STATIC_TRACE && !static_trace(c));
	switch (d->type) {
	case KEY_STR: {
		const char *v = d->boot == BOOT_ACCEL ? accel : *FIELD(c, d, char *);
		json_str(w, off || !v ? "" : v);
		break;
	}
	case KEY_BOOL: json_bool(w, !off && *FIELD(c, d, bool)); break;
	case KEY_U32: json_uint(w, off ? 0 : *FIELD(c, d, uint32_t)); break;
	case KEY_I32: json_int(w, off ? 0 : *FIELD(c, d, int32_t)); break;
	default: json_str(w, ""); break; /* a list is never fixed at boot */
	}
}

int factory_key_make(const struct config *c, const char *accel, char *key, size_t size,
		     struct error **err)
{
	struct buf b = BUF_INIT(size - 1);
	struct json_writer w;

	json_begin(&w, &b, false);
	json_obj_begin(&w);
	/* The hypervisor is the one its configuration table names. */
	json_key(&w, "HypervisorType");
	json_str(&w, strchr(config_keys[0].table, '.') + 1);
	json_key(&w, "AgentType");
	json_str(&w, c->agent.noop ? "noop" : "kata");
	for (size_t i = 0; i < config_nkeys; i++)
		if (config_keys[i].vm)
			member(&w, c, &config_keys[i], accel);
	json_obj_end(&w);
	if (json_end(&w) < 0) {
		buf_free(&b);
		return error_set(err, E2BIG, "VM compatibility key: longer than %zu bytes", size);
	}
	memcpy(key, b.data, b.len + 1);
	buf_free(&b);
	return 0;
}

/* Every member of a is in b with the same text; the first one that is not
 * named in name. */
static bool covers(const struct json_doc *a, const struct json_doc *b, char *name, size_t size)
{
	int n = json_size(a, 0), k = 1;
	for (int i = 0; i < n; i++, k = json_next(a, k + 1)) {
		size_t kl, al, bl;
		const char *kn = json_raw(a, k, &kl);
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)kl, kn);
		int vb = json_get(b, 0, key);
		const char *av = json_raw(a, k + 1, &al), *bv = vb < 0 ? NULL : json_raw(b, vb, &bl);
		if (!bv || al != bl || memcmp(av, bv, al) ||
		    json_type(a, k + 1) != json_type(b, vb)) {
			snprintf(name, size, "%s", key);
			return false;
		}
	}
	return true;
}

int factory_key_diff(const char *a, const char *b, char *name, size_t size)
{
	struct json_doc da = { 0 }, db = { 0 };
	int r = -1;

	snprintf(name, size, "key");
	if (json_parse(&da, a, strlen(a), NULL) == 0 && json_parse(&db, b, strlen(b), NULL) == 0 &&
	    json_type(&da, 0) == JSON_OBJECT && json_type(&db, 0) == JSON_OBJECT)
		r = covers(&da, &db, name, size) && covers(&db, &da, name, size) ? 0 : 1;
	json_doc_free(&da);
	json_doc_free(&db);
	return r;
}
