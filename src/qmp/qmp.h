/* QMP messages (QEMU Machine Protocol), parse side: one JSON object per
 * line, classified as the greeting, a command's return or error, or an
 * asynchronous event. Sans-I/O; the client is hypervisor/qmp.c. */
#ifndef QMP_QMP_H
#define QMP_QMP_H

#include "json/read.h"
#include "util/buf.h"

#define QMP_MAX_MESSAGE (1u << 20) /* a longer line is an error */

enum qmp_kind { QMP_GREETING, QMP_RETURN, QMP_ERROR, QMP_EVENT };

struct qmp_msg {
	enum qmp_kind kind;
	struct json_doc doc;
	struct buf text; /* the line, which doc points into */
	int id;		 /* token of "id", or -1 */
	int value;	 /* "return" value, event "data", or greeting "QMP" */
	char name[64];	 /* event name, or error class */
	struct buf desc; /* error description */
};

struct error;

/* Parse one line (without its newline). Returns 0, or -1 with *err naming
 * what is wrong (not JSON, not an object, no known member, too long). */
int qmp_msg_parse(struct qmp_msg *m, const char *line, size_t len, struct error **err);
void qmp_msg_free(struct qmp_msg *m);
/* True when the message's id is the string id. */
bool qmp_msg_has_id(const struct qmp_msg *m, const char *id);

/* Query results, parsed into structs. */
struct qmp_cpu_slot { /* query-hotpluggable-cpus */
	char type[64];
	char qom_path[128]; /* "" for a free slot */
	char props[256];    /* the props object, as JSON text */
	int vcpus_count;
};
struct qmp_cpu { /* query-cpus-fast */
	int cpu_index, thread_id;
	char qom_path[128];
};
struct qmp_iothread { /* query-iothreads */
	char id[64];
	int thread_id;
};
struct qmp_memory_device { /* query-memory-devices */
	char type[16];	 /* "dimm", "nvdimm", "virtio-mem", ... */
	char id[64];	 /* "" when added without one */
	char memdev[128]; /* the backend's QOM path */
	int slot;	 /* -1 when the device has none */
	unsigned long long size;
};
enum qmp_query {
	QMP_QUERY_HOTPLUGGABLE_CPUS, /* struct qmp_cpu_slot */
	QMP_QUERY_CPUS_FAST,	     /* struct qmp_cpu */
	QMP_QUERY_IOTHREADS,	     /* struct qmp_iothread */
	QMP_QUERY_MEMORY_DEVICES,    /* struct qmp_memory_device */
};
#define QMP_QUERY_MAX_ENTRIES 1024
/* The command's name ("query-iothreads", ...). */
const char *qmp_query_name(enum qmp_query kind);
/* Parse a query's return value (JSON text) into a calloc'd array of the
 * kind's struct (*n entries; free() it). Every string is bounded by its
 * field; another shape is -1 with *err EPROTO naming the command and the
 * entry. */
int qmp_query_parse(enum qmp_query kind, const char *text, size_t len, void **out, size_t *n,
		    struct error **err);

/* query-pci: every bridge and root port, by its qdev id, with the slots
 * taken on the bus behind it (bit s: a device at slot s). Nested bridges
 * are followed down to 8 levels; at most QMP_QUERY_MAX_ENTRIES. */
struct qmp_pci_bridge {
	char id[64];
	uint32_t slots; /* bit i: a device in its slot i */
	int bus, slot;	/* where the bridge itself is; -1 when not said */
};
int qmp_pci_bridges_parse(const char *text, size_t len, struct qmp_pci_bridge **out, size_t *n,
			  struct error **err);

#endif
