#include <errno.h>
#include <string.h>

#include "qmp/qmp.h"
#include "util/error.h"

static void copy_name(struct qmp_msg *m, int tok)
{
	size_t n;
	const char *p = json_raw(&m->doc, tok, &n);
	if (json_type(&m->doc, tok) != JSON_STRING)
		n = 0;
	if (n >= sizeof(m->name))
		n = sizeof(m->name) - 1;
	memcpy(m->name, p, n);
	m->name[n] = 0;
}

int qmp_msg_parse(struct qmp_msg *m, const char *line, size_t len, struct error **err)
{
	int v;

	memset(m, 0, sizeof(*m));
	m->text = (struct buf)BUF_INIT(0);
	m->desc = (struct buf)BUF_INIT(4096);
	m->id = m->value = -1;
	if (len > QMP_MAX_MESSAGE)
		return error_set(err, E2BIG, "QMP: a message of more than %u bytes", QMP_MAX_MESSAGE);
	if (buf_append(&m->text, line, len) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (json_parse(&m->doc, m->text.data, len, err) < 0) {
		qmp_msg_free(m);
		return error_wrap(err, "QMP");
	}
	if (json_type(&m->doc, 0) != JSON_OBJECT) {
		qmp_msg_free(m);
		return error_set(err, EPROTO, "QMP: a message that is not an object");
	}
	m->id = json_get(&m->doc, 0, "id");
	if ((v = json_get(&m->doc, 0, "return")) >= 0) {
		m->kind = QMP_RETURN;
	} else if ((v = json_get(&m->doc, 0, "error")) >= 0) {
		m->kind = QMP_ERROR;
		copy_name(m, json_get(&m->doc, v, "class"));
		int d = json_get(&m->doc, v, "desc");
		if (d >= 0)
			json_text(&m->doc, d, &m->desc);
	} else if ((v = json_get(&m->doc, 0, "event")) >= 0) {
		m->kind = QMP_EVENT;
		copy_name(m, v);
		v = json_get(&m->doc, 0, "data");
	} else if ((v = json_get(&m->doc, 0, "QMP")) >= 0) {
		m->kind = QMP_GREETING;
	} else {
		qmp_msg_free(m);
		return error_set(err, EPROTO, "QMP: a message with no return, error or event");
	}
	m->value = v;
	return 0;
}

void qmp_msg_free(struct qmp_msg *m)
{
	json_doc_free(&m->doc);
	buf_free(&m->text);
	buf_free(&m->desc);
}

bool qmp_msg_has_id(const struct qmp_msg *m, const char *id)
{
	return m->id >= 0 && json_str_is(&m->doc, m->id, id);
}
