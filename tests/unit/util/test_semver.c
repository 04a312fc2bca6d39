#include "harness.h"
#include "util/semver.h"

static int cmp(const char *a, const char *b)
{
	struct semver x, y;
	CHECK(semver_parse(a, &x) == 0);
	CHECK(semver_parse(b, &y) == 0);
	return semver_cmp(&x, &y);
}

TEST(semver_parse_forms)
{
	struct semver v;
	CHECK(semver_parse("1.13.0", &v) == 0 && v.major == 1 && v.minor == 13 && !*v.pre);
	CHECK(semver_parse("v2.0.0-rc.1+build.5", &v) == 0);
	CHECK_STR(v.pre, "rc.1");
	CHECK_STR(v.text, "2.0.0-rc.1+build.5");
	static const char *const bad[] = { "", "1", "1.2", "1.2.3.4", "01.2.3", "1.2.3-",
					   "1.2.3-01", "1.2.3-a..b", "1.2.3+", "1.2.x", "a.b.c",
					   "1.2.3 ", "-1.2.3", "1.2.3-é" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(semver_parse(bad[i], &v) < 0);
}

TEST(semver_precedence)
{
	/* semver.org's example order */
	static const char *const order[] = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
					     "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
					     "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0",
					     "10.0.0" };
	for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
		CHECK(cmp(order[i], order[i + 1]) < 0);
		CHECK(cmp(order[i + 1], order[i]) > 0);
	}
	CHECK(cmp("1.0.0+a", "1.0.0+b") == 0);
	CHECK(cmp("v1.2.3", "1.2.3") == 0);
}
