/* containerd's binary:// stdio URI (its logging contract) as an argv:
 * bounded (PATH_MAX for the path, 64 arguments), percent-decoded, with no
 * NUL let through. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shimv2/binuri.h"
#include "util/error.h"

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* s[0..n) percent-decoded ('+' is a space in a query), or NULL. */
static char *decode(const char *s, size_t n, bool query)
{
	char *out = malloc(n + 1), *o = out;
	for (size_t i = 0; out && i < n; i++) {
		if (s[i] == '%') {
			int h = i + 2 < n ? unhex(s[i + 1]) : -1;
			int l = i + 2 < n ? unhex(s[i + 2]) : -1;
			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else {
			*o++ = query && s[i] == '+' ? ' ' : s[i];
		}
	}
	if (out)
		*o = 0;
	return out;
}

int shimv2_binary_uri(const char *uri, struct strv *argv, struct error **err)
{
	bool ours = !strncmp(uri, "binary://", 9);
	const char *p = ours ? uri + 9 : "", *q = strchr(p, '?');
	size_t plen = q ? (size_t)(q - p) : strlen(p);
	char *path = !ours || plen >= PATH_MAX ? NULL : decode(p, plen, false);
	memset(argv, 0, sizeof(*argv));
	if (!path || path[0] != '/') {
		free(path);
		return error_set(err, EINVAL, "stdio %s: not binary:///ABSOLUTE/PATH[?ARGS]", uri);
	}
	strv_push_owned(argv, path, 0);
	for (const char *a = q ? q + 1 : NULL; a && *a;) {
		const char *end = strchr(a, '&'), *eq;
		size_t n = end ? (size_t)(end - a) : strlen(a);
		eq = memchr(a, '=', n);
		char *k = decode(a, eq ? (size_t)(eq - a) : n, true);
		char *v = eq ? decode(eq + 1, n - (size_t)(eq - a) - 1, true) : NULL;
		if (!k || (eq && !v) || argv->n > 64) {
			free(k);
			free(v);
			strv_free(argv);
			return error_set(err, EINVAL, "stdio %s: a malformed argument", uri);
		}
		if (*k)
			strv_push_owned(argv, k, 0);
		else
			free(k);
		if (v && *v)
			strv_push_owned(argv, v, 0);
		else
			free(v);
		a = end ? end + 1 : NULL;
	}
	return 0;
}

