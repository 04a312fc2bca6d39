/* The QMP client: one connection to a QEMU's monitor socket, used by one
 * thread. Every wait has a deadline; events that arrive while a command
 * waits for its reply are queued for qmp_wait_event. */
#ifndef HYPERVISOR_QEMU_QMP_H
#define HYPERVISOR_QEMU_QMP_H

#include "qmp/qmp.h"
#include "trace/trace.h"

#define QMP_MAX_QUEUED_EVENTS 64

struct qmp {
	int fd;
	struct buf in; /* received, not yet a whole line */
	unsigned next_id;
	struct qmp_msg events[QMP_MAX_QUEUED_EVENTS];
	size_t nevents;
	size_t dropped; /* events dropped from a full queue, oldest first */
	/* Commands are spans under this context (NULL: not traced). */
	const struct trace_ctx *trace;
};

struct error;

/* Connect (retrying until the socket accepts or timeout_ms passes), read
 * the greeting and leave capabilities negotiation. */
int qmp_connect(struct qmp *q, const char *path, int timeout_ms, struct error **err);
void qmp_close(struct qmp *q);

/* Run cmd with args (the text of a JSON object, or NULL) and wait for its
 * reply. ret, when not NULL, gets the return value as JSON text. An error
 * reply is -1 with *err "QMP cmd: Class: description" (code EIO); a reply
 * that does not come by the deadline is ETIMEDOUT; a monitor that closes
 * or sends garbage is EPIPE or EPROTO. */
int qmp_execute(struct qmp *q, const char *cmd, const char *args, int timeout_ms,
		struct buf *ret, struct error **err);
/* The same, passing fd along with the command (SCM_RIGHTS), for getfd. */
int qmp_execute_with_fd(struct qmp *q, const char *cmd, const char *args, int fd,
			int timeout_ms, struct buf *ret, struct error **err);

/* Wait for event name whose data has key equal to the string value (key
 * NULL: any). Queued events are looked at first. data, when not NULL, gets
 * the event's data as JSON text. */
int qmp_wait_event(struct qmp *q, const char *name, const char *key, const char *value,
		   int timeout_ms, struct buf *data, struct error **err);

/* Typed calls. */
int qmp_query_status(struct qmp *q, int timeout_ms, struct buf *status, struct error **err);
int qmp_stop(struct qmp *q, int timeout_ms, struct error **err);
int qmp_cont(struct qmp *q, int timeout_ms, struct error **err);
int qmp_quit(struct qmp *q, int timeout_ms, struct error **err);
int qmp_system_powerdown(struct qmp *q, int timeout_ms, struct error **err);
/* device_del, then wait for its DEVICE_DELETED. */
int qmp_device_del(struct qmp *q, const char *id, int timeout_ms, struct error **err);
/* query-migrate's status, "none" before any migration. */
int qmp_query_migrate(struct qmp *q, int timeout_ms, struct buf *status, struct error **err);
/* Poll query-migrate until "completed" (0), or "failed", "cancelled" or the
 * deadline (-1). Before an incoming migration starts QEMU says nothing
 * ("none"): that is waited out too. */
int qmp_migrate_wait(struct qmp *q, int timeout_ms, struct error **err);
/* getfd: hand fd to QEMU under name. */
int qmp_getfd(struct qmp *q, int fd, const char *name, int timeout_ms, struct error **err);
int qmp_closefd(struct qmp *q, const char *name, int timeout_ms, struct error **err);
/* Commands taking the text of a JSON object as they are documented in
 * QEMU's schema (device_add, object-add, blockdev-add, netdev_add). */
int qmp_device_add(struct qmp *q, const char *args, int timeout_ms, struct error **err);
int qmp_object_add(struct qmp *q, const char *args, int timeout_ms, struct error **err);
int qmp_blockdev_add(struct qmp *q, const char *args, int timeout_ms, struct error **err);
int qmp_netdev_add(struct qmp *q, const char *args, int timeout_ms, struct error **err);
/* Deleting what those added, by id (the node name for blockdev-del). */
int qmp_object_del(struct qmp *q, const char *id, int timeout_ms, struct error **err);
int qmp_blockdev_del(struct qmp *q, const char *node, int timeout_ms, struct error **err);
int qmp_netdev_del(struct qmp *q, const char *id, int timeout_ms, struct error **err);
/* Migration: one capability on or off; migrate to / incoming from uri
 * ("fd:NAME" after getfd, "exec:...", "unix:..."). */
int qmp_migrate_set_capability(struct qmp *q, const char *name, bool on, int timeout_ms,
			       struct error **err);
int qmp_migrate(struct qmp *q, const char *uri, int timeout_ms, struct error **err);
int qmp_migrate_incoming(struct qmp *q, const char *uri, int timeout_ms, struct error **err);

/* Queries with typed results (structs in qmp/qmp.h): each fills a calloc'd
 * array (*n entries; free() it). A result of another shape is EPROTO. */
int qmp_query_hotpluggable_cpus(struct qmp *q, int timeout_ms, struct qmp_cpu_slot **slots,
				size_t *n, struct error **err);
int qmp_query_cpus_fast(struct qmp *q, int timeout_ms, struct qmp_cpu **cpus, size_t *n,
			struct error **err);
int qmp_query_iothreads(struct qmp *q, int timeout_ms, struct qmp_iothread **threads, size_t *n,
			struct error **err);
int qmp_query_memory_devices(struct qmp *q, int timeout_ms, struct qmp_memory_device **devs,
			     size_t *n, struct error **err);
int qmp_query_pci_bridges(struct qmp *q, int timeout_ms, struct qmp_pci_bridge **v, size_t *n,
			  struct error **err);

#endif
