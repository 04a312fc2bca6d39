// fuzz-srcs: src/https/resp.c src/cli/check_release.c src/util/semver.c src/json/read.c src/util/buf.c src/util/error.c src/util/alloc.c
/* libFuzzer target: an HTTPS response as the release check reads it. The
 * first byte chooses where the bytes are split between two feeds (and
 * whether the peer then closes); a complete body goes to the releases
 * parser, which also gets the raw input. Nothing may crash or leak. */
#include <stdint.h>
#include <stdlib.h>

#include "cli/check.h"
#include "https/resp.h"
#include "util/error.h"

static void releases(const char *text, size_t n)
{
	struct releases rs;
	struct error *err = NULL;
	struct semver cur;
	semver_parse("0.1.0", &cur);
	if (releases_parse(text, n, n & 1, &rs, &err) == 0) {
		const struct release *r = releases_newest(&rs, &cur);
		if (r)
			release_kind(&cur, &r->v);
	}
	releases_free(&rs);
	error_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf body = BUF_INIT(0);
	struct http1_resp r;
	struct error *err = NULL;

	if (size < 1)
		return 0;
	size_t cut = data[0] % (size);
	const char *d = (const char *)data + 1;
	size--;
	http1_resp_init(&r, &body, 2048);
	int rc = http1_resp_feed(&r, d, cut < size ? cut : size, &err);
	if (rc == 0 && cut < size)
		rc = http1_resp_feed(&r, d + cut, size - cut, &err);
	if (rc == 0 && (data[0] & 0x80))
		rc = http1_resp_eof(&r, &err) == 0 ? 1 : -1;
	if (rc == 1)
		releases(body.data ? body.data : "", body.len);
	error_free(err);
	buf_free(&body);
	releases((const char *)data, size + 1);
	return 0;
}
