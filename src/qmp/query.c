/* QMP query results parsed into arrays of structs (sans-I/O). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qmp/qmp.h"
#include "util/error.h"

/* Copy the string member key of obj into out; -1 when it is missing, not a
 * string or longer than size - 1. */
static int field(const struct json_doc *d, int obj, const char *key, char *out, size_t size)
{
	return json_copy(d, json_get(d, obj, key), out, size);
}
static int number(const struct json_doc *d, int obj, const char *key, long long *v)
{
	return json_number(d, json_get(d, obj, key), v);
}

static int cpu_slot(const struct json_doc *d, int tok, void *entry)
{
	struct qmp_cpu_slot *s = entry;
	size_t len;
	int props = json_get(d, tok, "props");
	const char *p = json_raw(d, props, &len);
	long long vcpus;

	if (json_get(d, tok, "qom-path") >= 0 &&
	    field(d, tok, "qom-path", s->qom_path, sizeof(s->qom_path)) < 0)
		return -1;
	if (field(d, tok, "type", s->type, sizeof(s->type)) < 0 || number(d, tok, "vcpus-count", &vcpus) < 0 ||
	    json_type(d, props) != JSON_OBJECT || len >= sizeof(s->props))
		return -1;
	memcpy(s->props, p, len);
	s->props[len] = 0;
	s->vcpus_count = (int)vcpus;
	return 0;
}

static int cpu(const struct json_doc *d, int tok, void *entry)
{
	struct qmp_cpu *c = entry;
	long long index, thread;

	if (number(d, tok, "cpu-index", &index) < 0 || number(d, tok, "thread-id", &thread) < 0 ||
	    field(d, tok, "qom-path", c->qom_path, sizeof(c->qom_path)) < 0)
		return -1;
	c->cpu_index = (int)index;
	c->thread_id = (int)thread;
	return 0;
}

static int iothread(const struct json_doc *d, int tok, void *entry)
{
	struct qmp_iothread *t = entry;
	long long thread;

	if (field(d, tok, "id", t->id, sizeof(t->id)) < 0 || number(d, tok, "thread-id", &thread) < 0)
		return -1;
	t->thread_id = (int)thread;
	return 0;
}

/* {"type": "dimm", "data": {"id", "memdev", "slot", "size", ...}} */
static int memory_device(const struct json_doc *d, int tok, void *entry)
{
	struct qmp_memory_device *m = entry;
	int data = json_get(d, tok, "data");
	long long slot, size;

	if (field(d, tok, "type", m->type, sizeof(m->type)) < 0 || json_type(d, data) != JSON_OBJECT ||
	    field(d, data, "memdev", m->memdev, sizeof(m->memdev)) < 0 ||
	    number(d, data, "size", &size) < 0 || size < 0)
		return -1;
	/* a dimm added without an id has none; virtio-mem has no slot */
	if (json_get(d, data, "id") >= 0 && field(d, data, "id", m->id, sizeof(m->id)) < 0)
		return -1;
	m->slot = number(d, data, "slot", &slot) < 0 ? -1 : (int)slot;
	m->size = (unsigned long long)size;
	return 0;
}

typedef int (*entry_fn)(const struct json_doc *d, int tok, void *entry);
static const struct {
	const char *name;
	size_t size;
	entry_fn fn;
} kinds[] = {
	[QMP_QUERY_HOTPLUGGABLE_CPUS] = { "query-hotpluggable-cpus", sizeof(struct qmp_cpu_slot), cpu_slot },
	[QMP_QUERY_CPUS_FAST] = { "query-cpus-fast", sizeof(struct qmp_cpu), cpu },
	[QMP_QUERY_IOTHREADS] = { "query-iothreads", sizeof(struct qmp_iothread), iothread },
	[QMP_QUERY_MEMORY_DEVICES] = { "query-memory-devices", sizeof(struct qmp_memory_device),
				       memory_device },
};

const char *qmp_query_name(enum qmp_query kind)
{
	return kinds[kind].name;
}

int qmp_query_parse(enum qmp_query kind, const char *text, size_t len, void **out, size_t *n,
		    struct error **err)
{
	const char *cmd = kinds[kind].name;
	size_t size = kinds[kind].size;
	struct json_doc d;
	int r = -1;

	*out = NULL;
	*n = 0;
	if (json_parse(&d, text, len, err) < 0)
		return error_wrap(err, "QMP %s", cmd);
	int count = json_size(&d, 0);
	if (json_type(&d, 0) != JSON_ARRAY || count > QMP_QUERY_MAX_ENTRIES) {
		error_set(err, EPROTO, "QMP %s: not an array of at most %d entries", cmd,
			  QMP_QUERY_MAX_ENTRIES);
		goto out;
	}
	char *v = calloc(count ? (size_t)count : 1, size);
	if (!v) {
		error_set(err, ENOMEM, "QMP %s: out of memory", cmd);
		goto out;
	}
	for (int k = 0, i = 1; k < count; k++, i = json_next(&d, i)) {
		if (json_type(&d, i) != JSON_OBJECT || kinds[kind].fn(&d, i, v + (size_t)k * size) < 0) {
			error_set(err, EPROTO, "QMP %s: entry %d is not as documented", cmd, k);
			free(v);
			goto out;
		}
	}
	*out = v;
	*n = (size_t)count;
	r = 0;
out:
	json_doc_free(&d);
	return r;
}

/* The devices array at tok: each bridge among them, then its own. */
static int pci_walk(const struct json_doc *d, int devs, int depth, struct qmp_pci_bridge *v,
		    size_t *n)
{
	int count = json_size(d, devs);
	if (json_type(d, devs) != JSON_ARRAY || depth > 8)
		return -1;
	for (int k = 0, i = devs + 1; k < count; k++, i = json_next(d, i)) {
		int br = json_get(d, i, "pci_bridge"), sub, items;
		if (json_type(d, i) != JSON_OBJECT)
			return -1;
		if (br < 0)
			continue;
		if (json_type(d, br) != JSON_OBJECT || *n == QMP_QUERY_MAX_ENTRIES)
			return -1;
		struct qmp_pci_bridge *b = &v[(*n)++];
		long long own = -1, bus = -1;
		memset(b, 0, sizeof(*b));
		if (json_get(d, i, "qdev_id") >= 0 && field(d, i, "qdev_id", b->id, sizeof(b->id)) < 0)
			return -1;
		if ((json_get(d, i, "slot") >= 0 && number(d, i, "slot", &own) < 0) ||
		    (json_get(d, i, "bus") >= 0 && number(d, i, "bus", &bus) < 0) || own > 31 ||
		    bus > 255)
			return -1;
		b->slot = (int)own;
		b->bus = (int)bus;
		if ((sub = json_get(d, br, "devices")) < 0)
			continue;
		items = json_size(d, sub);
		for (int m = 0, j = sub + 1; json_type(d, sub) == JSON_ARRAY && m < items;
		     m++, j = json_next(d, j)) {
			long long slot;
			if (json_type(d, j) != JSON_OBJECT || number(d, j, "slot", &slot) < 0 ||
			    slot < 0 || slot > 31)
				return -1;
			b->slots |= 1u << slot;
		}
		if (pci_walk(d, sub, depth + 1, v, n) < 0)
			return -1;
	}
	return 0;
}

int qmp_pci_bridges_parse(const char *text, size_t len, struct qmp_pci_bridge **out, size_t *n,
			  struct error **err)
{
	struct json_doc d;
	struct qmp_pci_bridge *v = NULL;
	int r = -1;

	*out = NULL;
	*n = 0;
	if (json_parse(&d, text, len, err) < 0)
		return error_wrap(err, "QMP query-pci");
	if (json_type(&d, 0) != JSON_ARRAY ||
	    !(v = calloc(QMP_QUERY_MAX_ENTRIES, sizeof(*v)))) {
		error_set(err, EPROTO, "QMP query-pci: not an array");
		goto out;
	}
	int count = json_size(&d, 0);
	for (int k = 0, i = 1; k < count; k++, i = json_next(&d, i)) {
		int devs = json_type(&d, i) == JSON_OBJECT ? json_get(&d, i, "devices") : -1;
		if (devs < 0 || pci_walk(&d, devs, 0, v, n) < 0) {
			error_set(err, EPROTO, "QMP query-pci: bus %d is not as documented", k);
			goto out;
		}
	}
	*out = v;
	v = NULL;
	r = 0;
out:
	free(v);
	if (r < 0)
		*n = 0;
	json_doc_free(&d);
	return r;
}
