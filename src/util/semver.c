#include "util/semver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool digits(const char *s, size_t n)
{
	return n && strspn(s, "0123456789") >= n;
}

/* A number without leading zeros, ending at one of stop (or the end). */
static const char *number(const char *s, const char *stop, unsigned long long *out)
{
	size_t n = strspn(s, "0123456789");
	if (!n || n > 18 || (n > 1 && s[0] == '0') || (s[n] && !strchr(stop, s[n])))
		return NULL;
	*out = strtoull(s, NULL, 10);
	return s + n;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; numeric ones
 * without leading zeros (unless check_zeros is false: build metadata). */
static bool identifiers(const char *s, size_t n, bool check_zeros)
{
	static const char ok[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
	for (size_t i = 0; i <= n;) {
		size_t len = 0;
		while (i + len < n && s[i + len] != '.')
			len++;
		if (!len || strspn(s + i, ok) < len)
			return false;
		if (check_zeros && digits(s + i, len) && len > 1 && s[i] == '0')
			return false;
		i += len + 1;
	}
	return true;
}

int semver_parse(const char *s, struct semver *v)
{
	memset(v, 0, sizeof(*v));
	if (*s == 'v')
		s++;
	if (strlen(s) >= sizeof(v->text))
		return -1;
	const char *p = number(s, ".", &v->major);
	if (!p || !(p = number(p + 1, ".", &v->minor)) || !(p = number(p + 1, "-+", &v->patch)))
		return -1;
	if (*p == '-') {
		size_t n = strcspn(p + 1, "+");
		if (n >= sizeof(v->pre) || !identifiers(p + 1, n, true))
			return -1;
		memcpy(v->pre, p + 1, n);
		p += 1 + n;
	}
	if (*p == '+' && !identifiers(p + 1, strlen(p + 1), false))
		return -1;
	snprintf(v->text, sizeof(v->text), "%s", s);
	return 0;
}

static int cmp_u(unsigned long long a, unsigned long long b)
{
	return a < b ? -1 : a > b;
}

/* One pre-release identifier each (length-delimited). */
static int cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
	bool na = digits(a, an), nb = digits(b, bn);
	if (na && nb)
		return an != bn ? cmp_u(an, bn) : memcmp(a, b, an) < 0 ? -1 : memcmp(a, b, an) > 0;
	if (na != nb)
		return na ? -1 : 1;
	int r = memcmp(a, b, an < bn ? an : bn);
	return r ? (r < 0 ? -1 : 1) : cmp_u(an, bn);
}

int semver_cmp(const struct semver *a, const struct semver *b)
{
	int r = cmp_u(a->major, b->major);
	if (!r)
		r = cmp_u(a->minor, b->minor);
	if (!r)
		r = cmp_u(a->patch, b->patch);
	if (r || (!*a->pre && !*b->pre))
		return r;
	if (!*a->pre || !*b->pre) /* a release is newer than its pre-releases */
		return *a->pre ? -1 : 1;
	const char *x = a->pre, *y = b->pre;
	for (;;) {
		size_t xn = strcspn(x, "."), yn = strcspn(y, ".");
		if ((r = cmp_ident(x, xn, y, yn)))
			return r;
		x += xn, y += yn;
		if (!*x || !*y)
			return *x ? 1 : *y ? -1 : 0;
		x++, y++;
	}
}
