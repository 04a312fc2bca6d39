/* A small unit-test harness. A test file defines
 *   TEST(name) { CHECK(cond); CHECK_STR(a, b); ... }
 * and the runner (harness.c) runs every test, or those whose name contains
 * argv[1], and ends with "N passed, N failed". */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdio.h>
#include <string.h>

struct test {
	const char *name;
	void (*fn)(void);
	struct test *next;
};

void test_register(struct test *t);
extern int test_failed_checks;

#define TEST(n)                                                                       \
	static void test_##n(void);                                                   \
	static struct test test_rec_##n = { #n, test_##n, NULL };                     \
	__attribute__((constructor)) static void test_reg_##n(void)                   \
	{                                                                             \
		test_register(&test_rec_##n);                                         \
	}                                                                             \
	static void test_##n(void)

#define CHECK(c)                                                                      \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); \
			test_failed_checks++;                                         \
		}                                                                     \
	} while (0)

#define CHECK_STR(a, b)                                                               \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                   \
			fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");              \
			test_failed_checks++;                                         \
		}                                                                     \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                   \
	do {                                                                          \
		const char *h_ = (hay), *n_ = (needle);                               \
		if (!h_ || !strstr(h_, n_)) {                                         \
			fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n",  \
				__FILE__, __LINE__, h_ ? h_ : "(null)", n_);          \
			test_failed_checks++;                                         \
		}                                                                     \
	} while (0)

#endif
