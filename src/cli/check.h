/* kata-runtime check: the host checks (check_host.c), the release check
 * (check_release.c) and the command that prints them (cmd_check.c). */
#ifndef CLI_CHECK_H
#define CLI_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/semver.h"

struct config;
struct error;

enum check_status { CHECK_PASS, CHECK_INFO, CHECK_WARN, CHECK_FAIL };

#define CHECK_MAX 48

struct check_item {
	enum check_status status;
	char type[16];	  /* cpu, module, kvm, accel, hypervisor, asset, channel, sharedfs */
	char msg[40];	  /* Kata's wording where Kata has the check */
	char name[64];
	char desc[96];
	char detail[700];
};

struct check_report {
	struct check_item item[CHECK_MAX];
	unsigned n;
	char accel[8];		/* what the runtime will use: kvm or tcg */
	char accel_why[600];
	bool root;
	bool kvm_create;	/* root and KVM_CREATE_VM worked */
};

/* Every host check for configuration c (cache_dir holds the KVM probe's
 * verdict, shared with the runtime). Never fails: a check that cannot be
 * made is an item saying so. */
void check_host(const struct config *c, const char *cache_dir, struct check_report *r);
/* No failure (and with strict, no warning either). */
bool check_capable(const struct check_report *r, bool strict);

/* Releases, as Kata's release check reads GitHub's releases API: objects
 * with tag_name (a semantic version, "v" allowed) and a first asset with
 * browser_download_url, name and created_at. Others are skipped. */
struct release {
	struct semver v;
	char date[40];
	char url[512];
};

struct releases {
	struct release *r;	/* oldest first */
	size_t n;
};

#define RELEASES_MAX 1024

/* The releases in text (a JSON array), pre-releases left out unless
 * include_all, sorted oldest first. -1 with *err when text is not a JSON
 * array. */
int releases_parse(const char *text, size_t len, bool include_all, struct releases *out,
		   struct error **err);
void releases_free(struct releases *rs);
/* The newest release newer than cur, or NULL. */
const struct release *releases_newest(const struct releases *rs, const struct semver *cur);
/* Kata's words for how latest is newer than cur: "major", "minor",
 * "patch", "minor pre-release", ... */
const char *release_kind(const struct semver *cur, const struct semver *latest);

#endif
