#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "autoconf.h"
#include "harness.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

static const struct timespec T = { 1764000000, 5 }; /* 2025-11-24T16:00:00Z */

TEST(log_format_text_as_logrus)
{
	struct buf b = BUF_INIT(0);
	CHECK(log_format_line(&b, LOG_FORMAT_TEXT, LOGL_ERROR, "container \"web\" does not exist",
			      &T) == 0);
	CHECK_STR(b.data, "time=\"2025-11-24T16:00:00.000000005Z\" level=error "
			  "msg=\"container \\\"web\\\" does not exist\"\n");
	buf_reset(&b);
	log_format_line(&b, LOG_FORMAT_TEXT, LOGL_DEBUG, "bare-word", &T);
	CHECK_CONTAINS(b.data, "level=debug msg=bare-word\n");
	buf_free(&b);
}

#if ENABLE_LOG_JSON
TEST(log_format_json_as_runc)
{
	struct buf b = BUF_INIT(0);
	CHECK(log_format_line(&b, LOG_FORMAT_JSON, LOGL_WARN, "a\nb\t\"c\"\x01", &T) == 0);
	CHECK_STR(b.data, "{\"level\":\"warning\",\"msg\":\"a\\nb\\t\\\"c\\\"\\u0001\","
			  "\"time\":\"2025-11-24T16:00:00.000000005Z\"}\n");
	buf_free(&b);
}

#endif

TEST(log_parse_format)
{
	enum log_format f;
	CHECK(log_parse_format("text", &f) == 0 && f == LOG_FORMAT_TEXT);
	if (ENABLE_LOG_JSON)
		CHECK(log_parse_format("json", &f) == 0 && f == LOG_FORMAT_JSON);
	else
		CHECK(log_parse_format("json", &f) < 0);
	CHECK(log_parse_format("xml", &f) < 0);
}

TEST(log_file_levels)
{
	char path[] = "/tmp/ukata-log-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	struct error *err = NULL;
	struct log_config lc = { .path = path, .format = LOG_FORMAT_TEXT, .level = LOGL_INFO };
	CHECK(log_open(&lc, &err) == 0);
	log_debug("hidden %d", 1);
	log_info("shown %d", 2);
	log_warn("warned");
	log_set_level(LOGL_DEBUG);
	log_debug("now shown");
	log_close();
	char *text = NULL;
	CHECK(fs_read_file(path, 1 << 20, &text, NULL, &err) == 0);
	CHECK(text && !strstr(text, "hidden"));
	CHECK_CONTAINS(text, "level=info msg=\"shown 2\"\n");
	CHECK_CONTAINS(text, "level=warning msg=warned\n");
	if (ENABLE_LOG_DEBUG)
		CHECK_CONTAINS(text, "level=debug msg=\"now shown\"\n");
	else /* compiled out, whatever the level */
		CHECK(text && !strstr(text, "now shown"));
	free(text);
	unlink(path);
	lc.path = "/nonexistent-dir/x.log";
	CHECK(log_open(&lc, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "log file /nonexistent-dir/x.log: No such file or directory");
	error_free(err);
	log_set_level(LOGL_WARN);
}
