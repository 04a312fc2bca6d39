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

#endif
