#include <stdlib.h>

#include "cli/check.h"
#include "harness.h"
#include "util/error.h"

#define REL(tag, url)                                                                 \
	"{\"tag_name\":\"" tag "\",\"assets\":[{\"browser_download_url\":\"" url "\"," \
	"\"name\":\"kata-runtime\",\"created_at\":\"2026-01-0" tag "\"}]}"

TEST(releases_parse_kata_rules)
{
	const char *text = "[" REL("0.2.0", "https://x/0.2.0") ","
			   REL("0.10.0-rc.1", "https://x/rc") ","
			   "{\"tag_name\":\"0.9.0\",\"assets\":[]},"
			   "{\"tag_name\":\"not-semver\",\"assets\":[{}]},"
			   "{\"assets\":[{\"name\":\"a\"}]},"
			   "42,"
			   REL("v0.3.1", "https://x/0.3.1") ","
			   REL("0.1.0", "https://x/0.1.0") "]";
	struct releases rs;
	struct semver cur;
	CHECK(releases_parse(text, strlen(text), false, &rs, NULL) == 0);
	CHECK(rs.n == 3);
	CHECK_STR(rs.r[0].v.text, "0.1.0");
	CHECK_STR(rs.r[2].v.text, "0.3.1");
	CHECK_STR(rs.r[2].url, "https://x/0.3.1");
	semver_parse("0.1.0", &cur);
	const struct release *n = releases_newest(&rs, &cur);
	CHECK(n && !strcmp(n->v.text, "0.3.1"));
	CHECK_STR(release_kind(&cur, &n->v), "minor");
	semver_parse("0.3.1", &cur);
	CHECK(releases_newest(&rs, &cur) == NULL);
	releases_free(&rs);

	CHECK(releases_parse(text, strlen(text), true, &rs, NULL) == 0);
	CHECK(rs.n == 4);
	CHECK_STR(rs.r[3].v.text, "0.10.0-rc.1");
	CHECK_STR(release_kind(&cur, &rs.r[3].v), "minor pre-release");
	releases_free(&rs);
}

TEST(release_kinds_as_kata)
{
	struct semver a, b;
	semver_parse("1.2.3", &a);
	semver_parse("2.0.0", &b);
	CHECK_STR(release_kind(&a, &b), "major");
	semver_parse("1.2.4", &b);
	CHECK_STR(release_kind(&a, &b), "patch");
	semver_parse("1.2.4-rc1", &b);
	CHECK_STR(release_kind(&a, &b), "patch pre-release");
	semver_parse("1.2.3-rc1", &a);
	semver_parse("1.2.3-rc2", &b);
	CHECK_STR(release_kind(&a, &b), "pre-release");
}

TEST(releases_parse_refusals)
{
	struct releases rs;
	struct error *err = NULL;
	static const char *const bad[] = { "", "{}", "[1,", "<html>", "\"x\"" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(releases_parse(bad[i], strlen(bad[i]), false, &rs, &err) < 0);
		CHECK_CONTAINS(err ? err->msg : NULL, "the releases list");
		error_free(err);
		err = NULL;
		releases_free(&rs);
	}
	CHECK(releases_parse("[]", 2, false, &rs, NULL) == 0 && rs.n == 0);
	releases_free(&rs);
}
