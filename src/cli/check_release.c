/* The releases list as GitHub's releases API gives it (or a server
 * answering the same JSON), read and compared by Kata's rules. Sans-I/O:
 * cmd_check.c fetches it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check.h"
#include "json/read.h"
#include "util/error.h"
#include "util/alloc.h"

/* One release object, by Kata's makeRelease rules; -1 to skip it. */
static int one(const struct json_doc *d, int obj, struct release *r)
{
	char tag[96];
	int assets = json_get(d, obj, "assets"), first = assets + 1;
	if (json_type(d, obj) != JSON_OBJECT ||
	    json_copy(d, json_get(d, obj, "tag_name"), tag, sizeof(tag)) < 0 ||
	    semver_parse(tag, &r->v) < 0 || json_type(d, assets) != JSON_ARRAY ||
	    json_size(d, assets) < 1 || json_type(d, first) != JSON_OBJECT)
		return -1;
	char name[256];
	if (json_copy(d, json_get(d, first, "browser_download_url"), r->url, sizeof(r->url)) < 0 ||
	    json_copy(d, json_get(d, first, "name"), name, sizeof(name)) < 0 || !*name ||
	    json_copy(d, json_get(d, first, "created_at"), r->date, sizeof(r->date)) < 0 ||
	    !*r->date || !*r->url)
		return -1;
	return 0;
}

static int by_version(const void *a, const void *b)
{
	return semver_cmp(&((const struct release *)a)->v, &((const struct release *)b)->v);
}

int releases_parse(const char *text, size_t len, bool include_all, struct releases *out,
		   struct error **err)
{
	struct json_doc d = { 0 };

	out->r = NULL;
	out->n = 0;
	if (json_parse(&d, text, len, err) < 0)
		return error_wrap(err, "the releases list");
	if (json_type(&d, 0) != JSON_ARRAY) {
		json_doc_free(&d);
		return error_set(err, EINVAL, "the releases list: not a JSON array");
	}
	int n = json_size(&d, 0);
	if (n > RELEASES_MAX)
		n = RELEASES_MAX;
	out->r = xcalloc((size_t)n + 1, sizeof(*out->r));
	for (int i = 0, t = 1; i < n; i++, t = json_next(&d, t))
		if (one(&d, t, &out->r[out->n]) == 0 && (include_all || !*out->r[out->n].v.pre))
			out->n++;
	json_doc_free(&d);
	qsort(out->r, out->n, sizeof(*out->r), by_version);
	return 0;
}

void releases_free(struct releases *rs)
{
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

const struct release *releases_newest(const struct releases *rs, const struct semver *cur)
{
	return rs->n && semver_cmp(&rs->r[rs->n - 1].v, cur) > 0 ? &rs->r[rs->n - 1] : NULL;
}

const char *release_kind(const struct semver *cur, const struct semver *l)
{
	bool pre = *l->pre;
	if (l->major > cur->major)
		return pre ? "major pre-release" : "major";
	if (l->minor > cur->minor)
		return pre ? "minor pre-release" : "minor";
	if (l->patch > cur->patch)
		return pre ? "patch pre-release" : "patch";
	if (pre)
		return "pre-release";
	return "major"; /* a release of the pre-release running (Kata's words) */
}
