#include <stdlib.h>
#include "harness.h"
#include "json/read.h"
#include "qmp/qmp.h"
#include "util/error.h"

static int parse(struct qmp_msg *m, const char *s)
{
	struct error *err = NULL;
	int r = qmp_msg_parse(m, s, strlen(s), &err);
	error_free(err);
	return r;
}

TEST(json_read_values)
{
	struct json_doc d;
	struct buf b = BUF_INIT(0);
	long long v;
	const char *t = "{\"a\": [1, {\"x\": 2}], \"s\": \"q\\\"\\u00e9\\ud83d\\ude00\\n\", \"n\": -42}";

	CHECK(json_parse(&d, t, strlen(t), NULL) == 0);
	CHECK(json_type(&d, 0) == JSON_OBJECT && json_size(&d, 0) == 3);
	int a = json_get(&d, 0, "a");
	CHECK(json_type(&d, a) == JSON_ARRAY && json_size(&d, a) == 2);
	CHECK(json_get(&d, 0, "x") == -1); /* only top-level members */
	CHECK(json_text(&d, json_get(&d, 0, "s"), &b) == 0);
	CHECK_STR(b.data, "q\"\xc3\xa9\xf0\x9f\x98\x80\n");
	CHECK(json_number(&d, json_get(&d, 0, "n"), &v) == 0 && v == -42);
	CHECK(json_number(&d, a, &v) < 0);
	CHECK(json_get(&d, a, "x") == -1);
	json_doc_free(&d);
	buf_free(&b);
}

TEST(json_read_rejects)
{
	/* (jsmn lets some malformed separators through: "[1 2]", "[1,]";
	 * what it accepts is still walked safely, see the qmp fuzz target.) */
	static const char *bad[] = { "", "{", "{} x", "{'a':1}", "nul", "01", "-", "{\"a\" 1}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_doc d;
		struct error *err = NULL;
		CHECK(json_parse(&d, bad[i], strlen(bad[i]), &err) < 0);
		CHECK_CONTAINS(err ? err->msg : NULL, "JSON: ");
		error_free(err);
	}
}

TEST(qmp_message_kinds)
{
	struct qmp_msg m;

	CHECK(parse(&m, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}") == 0);
	CHECK(m.kind == QMP_GREETING);
	qmp_msg_free(&m);
	CHECK(parse(&m, "{\"return\": {\"status\": \"running\"}, \"id\": \"ukata-7\"}") == 0);
	CHECK(m.kind == QMP_RETURN && qmp_msg_has_id(&m, "ukata-7") && !qmp_msg_has_id(&m, "ukata-8"));
	CHECK(json_type(&m.doc, m.value) == JSON_OBJECT);
	qmp_msg_free(&m);
	CHECK(parse(&m, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no \\\"x\\\"\"}, "
			"\"id\": \"ukata-1\"}") == 0);
	CHECK(m.kind == QMP_ERROR);
	CHECK_STR(m.name, "GenericError");
	CHECK_STR(m.desc.data, "no \"x\"");
	qmp_msg_free(&m);
	CHECK(parse(&m, "{\"timestamp\": {\"seconds\": 1}, \"event\": \"DEVICE_DELETED\", "
			"\"data\": {\"device\": \"d1\"}}") == 0);
	CHECK(m.kind == QMP_EVENT && m.id == -1);
	CHECK_STR(m.name, "DEVICE_DELETED");
	CHECK(json_str_is(&m.doc, json_get(&m.doc, m.value, "device"), "d1"));
	qmp_msg_free(&m);
}

TEST(qmp_message_errors)
{
	struct qmp_msg m;
	struct error *err = NULL;

	CHECK(qmp_msg_parse(&m, "[1]", 3, &err) < 0);
	CHECK_CONTAINS(err->msg, "not an object");
	error_free(err);
	err = NULL;
	CHECK(qmp_msg_parse(&m, "{\"hello\": 1}", 12, &err) < 0);
	CHECK_CONTAINS(err->msg, "no return, error or event");
	error_free(err);
	err = NULL;
	CHECK(qmp_msg_parse(&m, "{\"return\"", 9, &err) < 0);
	CHECK_CONTAINS(err->msg, "QMP: JSON: truncated");
	error_free(err);
	err = NULL;
	CHECK(qmp_msg_parse(&m, "x", QMP_MAX_MESSAGE + 1, &err) < 0);
	CHECK_CONTAINS(err->msg, "more than");
	error_free(err);
}

/* query-pci: the bridges and root ports with the slots taken behind them. */
TEST(qmp_query_pci_bridges)
{
	static const char text[] =
		"[{\"bus\":0,\"devices\":[{\"bus\":0,\"slot\":0,\"qdev_id\":\"\"},"
		"{\"bus\":0,\"slot\":2,\"qdev_id\":\"pci-bridge-0\",\"pci_bridge\":{\"bus\":"
		"{\"number\":1},\"devices\":[{\"bus\":1,\"slot\":1,\"qdev_id\":\"nic-tap0_kata\"},"
		"{\"bus\":1,\"slot\":3,\"qdev_id\":\"\"}]}},"
		"{\"bus\":0,\"slot\":3,\"qdev_id\":\"rp0\",\"pci_bridge\":{\"bus\":{\"number\":2}}}]}]";
	struct qmp_pci_bridge *v;
	size_t n;
	CHECK(qmp_pci_bridges_parse(text, sizeof(text) - 1, &v, &n, NULL) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(v[0].id, "pci-bridge-0");
		CHECK(v[0].slots == ((1u << 1) | (1u << 3)));
		CHECK(v[0].bus == 0 && v[0].slot == 2);
		CHECK_STR(v[1].id, "rp0");
		CHECK(v[1].slots == 0);
		CHECK(v[1].bus == 0 && v[1].slot == 3);
	}
	free(v);
	CHECK(qmp_pci_bridges_parse("{}", 2, &v, &n, NULL) < 0);
	CHECK(qmp_pci_bridges_parse("[{\"devices\":[{\"pci_bridge\":{\"devices\":[{\"slot\":40}]}}]}]",
				    57, &v, &n, NULL) < 0);
}
