// fuzz-srcs: src/qmp/message.c src/qmp/query.c src/json/read.c src/util/buf.c src/util/error.c
/* libFuzzer target: a line from a QMP monitor, classified, then every
 * member walked and every string unescaped, as the client does; and the
 * same bytes as the result of each typed query. */
#include <stdint.h>
#include <stdlib.h>

#include "qmp/qmp.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp_msg m;
	struct error *err = NULL;

	for (int k = QMP_QUERY_HOTPLUGGABLE_CPUS; k <= QMP_QUERY_MEMORY_DEVICES; k++) {
		void *v;
		size_t n;
		if (qmp_query_parse((enum qmp_query)k, (const char *)data, size, &v, &n, &err) < 0)
			error_free(err);
		else
			free(v);
		err = NULL;
	}
	struct qmp_pci_bridge *br;
	size_t nbr;
	if (qmp_pci_bridges_parse((const char *)data, size, &br, &nbr, &err) < 0)
		error_free(err);
	else
		free(br);
	err = NULL;
	if (qmp_msg_parse(&m, (const char *)data, size, &err) < 0) {
		error_free(err);
		return 0;
	}
	struct buf b = BUF_INIT(1 << 20);
	for (int i = 0; i < m.doc.n; i = json_next(&m.doc, i) > i + 1 ? i + 1 : i + 1) {
		long long v;
		json_text(&m.doc, i, &b);
		json_number(&m.doc, i, &v);
		json_get(&m.doc, i, "device");
		json_size(&m.doc, i);
	}
	qmp_msg_has_id(&m, "ukata-1");
	buf_free(&b);
	qmp_msg_free(&m);
	return 0;
}
