#include "harness.h"
#include "json/writer.h"

TEST(json_compact_and_pretty)
{
	struct buf b = BUF_INIT(0);
	struct json_writer w;
	json_begin(&w, &b, false);
	json_obj_begin(&w);
	json_key(&w, "id");
	json_str(&w, "a\"b");
	json_key(&w, "pids");
	json_arr_begin(&w);
	json_int(&w, 1);
	json_int(&w, -2);
	json_arr_end(&w);
	json_key(&w, "e");
	json_obj_begin(&w);
	json_obj_end(&w);
	json_key(&w, "ok");
	json_bool(&w, true);
	json_key(&w, "n");
	json_null(&w);
	json_obj_end(&w);
	CHECK(json_end(&w) == 0);
	CHECK_STR(b.data, "{\"id\":\"a\\\"b\",\"pids\":[1,-2],\"e\":{},\"ok\":true,\"n\":null}");
	buf_reset(&b);
	json_begin(&w, &b, true);
	json_obj_begin(&w);
	json_key(&w, "a");
	json_uint(&w, 3);
	json_key(&w, "l");
	json_arr_begin(&w);
	json_str(&w, "x");
	json_arr_end(&w);
	json_obj_end(&w);
	CHECK(json_end(&w) == 0);
	CHECK_STR(b.data, "{\n  \"a\": 3,\n  \"l\": [\n    \"x\"\n  ]\n}");
	buf_free(&b);
}

TEST(json_unbalanced_and_bounded)
{
	struct buf b = BUF_INIT(0);
	struct json_writer w;
	json_begin(&w, &b, false);
	json_obj_begin(&w);
	CHECK(json_end(&w) < 0);
	json_obj_end(&w);
	json_obj_end(&w);
	CHECK(json_end(&w) < 0);
	buf_free(&b);
	struct buf small = BUF_INIT(4);
	json_begin(&w, &small, false);
	json_str(&w, "too long");
	CHECK(json_end(&w) < 0);
	buf_free(&small);
	struct buf deep = BUF_INIT(0);
	json_begin(&w, &deep, false);
	for (int i = 0; i < JSON_MAX_DEPTH + 2; i++)
		json_arr_begin(&w);
	CHECK(json_end(&w) < 0);
	buf_free(&deep);
}
