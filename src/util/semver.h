/* Semantic versions (semver.org 2.0.0): parsed, compared, and told apart
 * as releases and pre-releases. A leading "v" is accepted (GitHub tags). */
#ifndef UTIL_SEMVER_H
#define UTIL_SEMVER_H

#include <stdbool.h>

struct semver {
	unsigned long long major, minor, patch;
	char pre[64];	/* after '-', "" for a release */
	char text[96];	/* as given, without the "v" */
};

/* 0, or -1 when s is not a semantic version (or too long). */
int semver_parse(const char *s, struct semver *v);
/* <0, 0, >0 as a is older than, equal to (build metadata ignored), newer than b. */
int semver_cmp(const struct semver *a, const struct semver *b);

#endif
