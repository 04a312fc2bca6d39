#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/proc.h"

TEST(error_wrap_chain)
{
	struct error *err = NULL;
	CHECK(error_set(&err, ENOENT, "container \"%s\" does not exist", "web") == -1);
	error_wrap(&err, "kill");
	CHECK_STR(err->msg, "kill: container \"web\" does not exist");
	CHECK(err->code == ENOENT);
	error_set_errno(&err, EACCES, "open %s", "/x");
	CHECK_STR(err->msg, "open /x: Permission denied");
	error_free(err);
	CHECK(error_set(NULL, 1, "ignored") == -1);
}

TEST(buf_bounded)
{
	struct buf b = BUF_INIT(8);
	CHECK(buf_puts(&b, "12345678") == 0);
	CHECK(buf_putc(&b, '9') < 0 && errno == ENOSPC);
	CHECK_STR(b.data, "12345678");
	buf_free(&b);
	struct buf u = BUF_INIT(0);
	for (int i = 0; i < 1000; i++)
		buf_printf(&u, "%d,", i);
	CHECK(u.len == 3890);
	char *s = buf_steal(&u);
	CHECK(!strncmp(s, "0,1,2,", 6));
	free(s);
}

TEST(fs_read_bounded)
{
	struct error *err = NULL;
	char *text = NULL;
	size_t len = 0;
	CHECK(fs_read_file("/proc/self/status", 1 << 20, &text, &len, &err) == 0);
	CHECK(len > 0 && text[len] == '\0');
	free(text);
	CHECK(fs_read_file("/proc/self/status", 16, &text, &len, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "/proc/self/status: larger than 16 bytes");
	error_free(err);
	err = NULL;
	CHECK(fs_read_file("/", 16, &text, &len, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "/: is a directory");
	error_free(err);
}

TEST(fs_list_missing_dir_is_empty)
{
	struct error *err = NULL;
	char **names;
	size_t n = 7;
	CHECK(fs_list_files("/nonexistent/config.d", 8, &names, &n, &err) == 0);
	CHECK(n == 0 && names == NULL);
}

TEST(proc_capture_runs_argv)
{
	struct error *err = NULL;
	char out[64];
	char *argv[] = { "/bin/echo", "a;b $(x)", NULL };
	CHECK(proc_capture(argv, out, sizeof(out), 5000, &err) == 0);
	CHECK_STR(out, "a;b $(x)\n");
	char *argv2[] = { "/bin/sh", "-c", "exit 3", NULL };
	CHECK(proc_capture(argv2, out, sizeof(out), 5000, &err) == 3);
	char *argv3[] = { "/bin/sleep", "5", NULL };
	CHECK(proc_capture(argv3, out, sizeof(out), 100, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "no answer within 100 ms");
	error_free(err);
	err = NULL;
	char *argv4[] = { "/nonexistent", NULL };
	CHECK(proc_capture(argv4, out, sizeof(out), 100, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "/nonexistent: No such file or directory");
	error_free(err);
	char *argv5[] = { "/bin/sh", "-c", "yes | head -c 100000", NULL };
	err = NULL;
	CHECK(proc_capture(argv5, out, 8, 5000, &err) == 0);
	CHECK_STR(out, "y\ny\ny\ny");
}

/* stderr too, kept when the program is killed by a signal or times out */
TEST(proc_capture_all_has_stderr)
{
	struct error *err = NULL;
	char out[64];
	char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2", NULL };
	CHECK(proc_capture(argv, out, sizeof(out), 5000, &err) == 0);
	CHECK_STR(out, "out\n");
	CHECK(proc_capture_all(argv, out, sizeof(out), 5000, &err) == 0);
	CHECK_STR(out, "out\nerr\n");
	char *argv2[] = { "/bin/sh", "-c", "echo why >&2; kill -ABRT $$", NULL };
	CHECK(proc_capture_all(argv2, out, sizeof(out), 5000, &err) < 0);
	CHECK_STR(out, "why\n");
	CHECK_CONTAINS(err ? err->msg : NULL, "killed by signal 6");
	error_free(err);
	err = NULL;
	char *argv3[] = { "/bin/sh", "-c", "echo before >&2; exec sleep 5", NULL };
	CHECK(proc_capture_all(argv3, out, sizeof(out), 300, &err) < 0);
	CHECK_STR(out, "before\n");
	error_free(err);
}

TEST(proc_capture_first_output_deadline)
{
	char out[64];
	struct error *err = NULL;
	char *silent[] = { "/bin/sh", "-c", "sleep 5", NULL };
	CHECK(proc_capture_first(silent, out, sizeof(out), 200, 5000, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "no output within 200 ms");
	error_free(err);
	err = NULL;
	/* once it spoke, the whole timeout applies */
	char *talks[] = { "/bin/sh", "-c", "echo hi; sleep 0.4; echo done", NULL };
	CHECK(proc_capture_first(talks, out, sizeof(out), 200, 5000, &err) == 0);
	CHECK_STR(out, "hi\ndone\n");
	error_free(err);
}

TEST(fs_path_clean_is_lexical)
{
	static const char *const cases[][2] = {
		{ "/", "/" },		{ "//a//b/", "/a/b" },	{ "/a/./b/.", "/a/b" },
		{ "/a/b/../c", "/a/c" }, { "/../a", "/a" },	{ "/a/..", "/" },
		{ "/a/b/../../..", "/" }, { "/ab/../c/./d", "/c/d" },
	};
	char out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(fs_path_clean(cases[i][0], out, sizeof(out)) == 0);
		CHECK_STR(out, cases[i][1]);
	}
	CHECK(fs_path_clean("a/b", out, sizeof(out)) < 0);
	CHECK(fs_path_clean("/abcdef", out, 4) < 0);
}

TEST(fs_mkdir_p_makes_parents)
{
	char dir[] = "/tmp/ukata-mkdir.XXXXXX", path[256];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	CHECK(fs_mkdir_p(path, 0750, true) == 0);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	CHECK(fs_exists(path));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	CHECK(!fs_exists(path));
	CHECK(fs_mkdir_p(path, 0750, false) == 0);
	CHECK(fs_exists(path));
	CHECK(fs_mkdir_p(path, 0750, false) == 0); /* there already */
	CHECK(fs_mkdir_p("/proc/ukata-no/x", 0750, false) < 0);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}
