#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "harness.h"
#include "util/error.h"

/* Kata's noop agent: processes end as start, exec and signals say, seen by
 * any connection to the same directory. */
TEST(noop_agent_process_ends)
{
	char dir[] = "/tmp/ukata-noop.XXXXXX", url[64];
	struct agent a = { 0 }, b = { 0 };
	struct error *err = NULL;
	int st = -1;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(url, sizeof(url), "noop://%s", dir);
	CHECK(agent_connect(&a, url, &err) == 0);
	CHECK(a.ops == &noop_agent_ops);
	CHECK(agent_connect(&b, url, &err) == 0);
	CHECK(a.ops->start_container(&a, "c1", &err) == 0);
	CHECK(b.ops->wait_process(&b, "c1", "c1", &st, &err) == 0 && st == 0);
	CHECK(a.ops->signal_process(&a, "c2", "", 9, &err) == 0);
	CHECK(a.ops->start_container(&a, "c2", &err) == 0); /* it ended already */
	CHECK(b.ops->wait_process(&b, "c2", "c2", &st, &err) == 0 && st == 137);
	CHECK(a.ops->exec_process(&a, "c1", "e1", NULL, &err) == 0);
	CHECK(b.ops->wait_process(&b, "c1", "e1", &st, &err) == 0 && st == 0);
	struct buf out = BUF_INIT(0);
	CHECK(a.ops->read_output(&a, "c1", "c1", false, &out, &err) == 0 && out.len == 0);
	buf_free(&out);
	CHECK(a.ops->remove_container(&a, "c1", 0, &err) == 0);
	CHECK(a.ops->remove_container(&a, "c2", 0, &err) == 0);
	unlink(strcat(strcpy(url, dir), "/noop-e1.exit"));
	CHECK(rmdir(dir) == 0); /* nothing else was left */
	/* its directory gone, a wait ends instead of waiting for ever */
	CHECK(b.ops->wait_process(&b, "c3", "c3", &st, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "is gone");
	error_free(err);
	err = NULL;
	a.ops->close(&a);
	b.ops->close(&b);
	CHECK(agent_connect(&a, "noop://relative", &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "not noop:// and a directory");
	error_free(err);
}
