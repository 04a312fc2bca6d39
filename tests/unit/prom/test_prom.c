#include <errno.h>
#include <stdlib.h>

#include "harness.h"
#include "prom/hist.h"
#include "prom/prom.h"
#include "util/error.h"

static int add(struct prom_set *s, const char *text, const char *id, int *code)
{
	struct error *err = NULL;
	char label[64];
	snprintf(label, sizeof(label), "sandbox_id=\"%s\"", id ? id : "");
	int r = prom_add(s, text, strlen(text), id ? "sandbox_id" : NULL, label, &err);
	*code = err ? err->code : 0;
	error_free(err);
	return r;
}

TEST(prom_merges_families_and_labels_samples)
{
	struct prom_set s;
	struct buf out = BUF_INIT(0);
	int code;
	prom_init(&s, 1 << 20);
	CHECK(add(&s, "# HELP a_threads Threads.\n# TYPE a_threads gauge\na_threads 3\n"
		      "b_load{item=\"load1\"} 0.5\n", "s1", &code) == 0);
	CHECK(add(&s, "# HELP a_threads Other help.\n# TYPE a_threads gauge\na_threads 4\n"
		      "b_load{} 1\nc{sandbox_id=\"mine\",x=\"a}b\\\"c\"} 7 1234\n# a comment\n\n", "s2",
		  &code) == 0);
	CHECK(prom_write(&s, &out) == 0);
	CHECK_STR(out.data, "# HELP a_threads Threads.\n# TYPE a_threads gauge\n"
			    "a_threads{sandbox_id=\"s1\"} 3\na_threads{sandbox_id=\"s2\"} 4\n"
			    "b_load{sandbox_id=\"s1\",item=\"load1\"} 0.5\nb_load{sandbox_id=\"s2\"} 1\n"
			    "c{sandbox_id=\"mine\",x=\"a}b\\\"c\"} 7 1234\n");
	buf_free(&out);
	prom_free(&s);
}

TEST(prom_quotes_label_values)
{
	struct buf b = BUF_INIT(0);
	CHECK(prom_quote(&b, "a\\b\"c\nd") == 0);
	CHECK_STR(b.data, "a\\\\b\\\"c\\nd");
	buf_free(&b);
}

TEST(prom_keeps_a_histogram_together)
{
	struct prom_set s;
	struct buf out = BUF_INIT(0);
	int code;
	prom_init(&s, 1 << 20);
	CHECK(add(&s, "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 2\nh_count 1\nh_total 5\n",
		  NULL, &code) == 0);
	CHECK(add(&s, "h_bucket{le=\"1\"} 3\n", "s", &code) == 0);
	CHECK(prom_write(&s, &out) == 0);
	CHECK_STR(out.data, "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 2\nh_count 1\n"
			    "h_bucket{sandbox_id=\"s\",le=\"1\"} 3\nh_total 5\n");
	buf_free(&out);
	prom_free(&s);
}

TEST(prom_refuses_what_is_not_exposition)
{
	struct prom_set s;
	int code;
	const char *bad[] = { "9x 1\n", "a{b=\"c\" 1\n", "a\n", "a \n", "a{b=\"c\"}1\n",
			      "# TYPE a\n", "# TYPE a gauge extra\n", "# HELP 9 x\n", "a{\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		prom_init(&s, 1 << 20);
		CHECK(add(&s, bad[i], "s", &code) < 0 && code == EPROTO);
		prom_free(&s);
	}
	prom_init(&s, 16);
	CHECK(add(&s, "a 1\nb 2\nc 3\nd 4\ne 5\nf 6\ng 7\nh 8\ni 9\nj 10\nk 11\nl 12\n", NULL, &code) < 0 &&
	      code == E2BIG);
	prom_free(&s);
	prom_init(&s, 1 << 20);
	char *line = malloc(PROM_MAX_LINE + 10);
	memset(line, 'a', PROM_MAX_LINE + 5);
	strcpy(line + PROM_MAX_LINE + 5, " 1\n");
	CHECK(add(&s, line, NULL, &code) < 0 && code == E2BIG);
	free(line);
	prom_free(&s);
}

TEST(prom_hist_buckets_durations_by_label)
{
	static struct prom_hist h = PROM_HIST_INIT("x_ms", "Durations.", "action");
	struct buf out = BUF_INIT(0);
	CHECK(prom_hist_write(&h, &out) == 0);
	CHECK(out.len == 0); /* nothing observed: no family */
	prom_hist_observe(&h, "create", 1000);	 /* le 1 */
	prom_hist_observe(&h, "create", 1001);	 /* le 2 */
	prom_hist_observe(&h, "create", 600000); /* past 512: +Inf alone */
	prom_hist_observe(&h, "a\"b", 3500);	 /* le 4, its label quoted */
	CHECK(prom_hist_write(&h, &out) == 0);
	CHECK_STR(out.data,
		  "# HELP x_ms Durations.\n# TYPE x_ms histogram\n"
		  "x_ms_bucket{action=\"create\",le=\"1\"} 1\nx_ms_bucket{action=\"create\",le=\"2\"} 2\n"
		  "x_ms_bucket{action=\"create\",le=\"4\"} 2\nx_ms_bucket{action=\"create\",le=\"8\"} 2\n"
		  "x_ms_bucket{action=\"create\",le=\"16\"} 2\nx_ms_bucket{action=\"create\",le=\"32\"} 2\n"
		  "x_ms_bucket{action=\"create\",le=\"64\"} 2\nx_ms_bucket{action=\"create\",le=\"128\"} 2\n"
		  "x_ms_bucket{action=\"create\",le=\"256\"} 2\nx_ms_bucket{action=\"create\",le=\"512\"} 2\n"
		  "x_ms_bucket{action=\"create\",le=\"+Inf\"} 3\nx_ms_sum{action=\"create\"} 602.001\n"
		  "x_ms_count{action=\"create\"} 3\n"
		  "x_ms_bucket{action=\"a\\\"b\",le=\"1\"} 0\nx_ms_bucket{action=\"a\\\"b\",le=\"2\"} 0\n"
		  "x_ms_bucket{action=\"a\\\"b\",le=\"4\"} 1\nx_ms_bucket{action=\"a\\\"b\",le=\"8\"} 1\n"
		  "x_ms_bucket{action=\"a\\\"b\",le=\"16\"} 1\nx_ms_bucket{action=\"a\\\"b\",le=\"32\"} 1\n"
		  "x_ms_bucket{action=\"a\\\"b\",le=\"64\"} 1\nx_ms_bucket{action=\"a\\\"b\",le=\"128\"} 1\n"
		  "x_ms_bucket{action=\"a\\\"b\",le=\"256\"} 1\nx_ms_bucket{action=\"a\\\"b\",le=\"512\"} 1\n"
		  "x_ms_bucket{action=\"a\\\"b\",le=\"+Inf\"} 1\nx_ms_sum{action=\"a\\\"b\"} 3.500\n"
		  "x_ms_count{action=\"a\\\"b\"} 1\n");
	buf_free(&out);
	/* past PROM_HIST_ROWS values, new ones are not counted */
	for (int i = 0; i < PROM_HIST_ROWS + 4; i++) {
		char v[16];
		snprintf(v, sizeof(v), "v%d", i);
		prom_hist_observe(&h, v, 1);
	}
	CHECK(h.n == PROM_HIST_ROWS);
}
