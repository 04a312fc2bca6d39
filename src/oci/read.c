#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/read.h"
#include "util/error.h"

static const char *const type_names[] = { "a value", "an object", "an array", "a string",
					  "a number or boolean" };

static void name(char *out, size_t size, const char *prefix, const char *key)
{
	snprintf(out, size, "%s%s%s", prefix && *prefix ? prefix : "", prefix && *prefix ? "." : "",
		 key);
}

int oci_want(const struct json_doc *d, int tok, enum json_type t, const char *field,
	     struct error **err)
{
	if (json_type(d, tok) == t)
		return 0;
	return error_set(err, EINVAL, "%s: expected %s", field, type_names[t]);
}

char *oci_string(const struct json_doc *d, int tok, const char *field, struct error **err)
{
	struct buf b = BUF_INIT(OCI_MAX_STRING);

	if (oci_want(d, tok, JSON_STRING, field, err) < 0)
		return NULL;
	if (json_text(d, tok, &b) < 0 || buf_putc(&b, 0) < 0) {
		bool big = errno == ENOSPC;
		buf_free(&b);
		error_set(err, EINVAL, "%s: %s", field,
			  big ? "longer than 64 KiB" : "bad escape or out of memory");
		return NULL;
	}
	if (memchr(b.data, 0, b.len - 1)) { /* C strings would end there */
		buf_free(&b);
		error_set(err, EINVAL, "%s: contains a NUL character (\\u0000)", field);
		return NULL;
	}
	return buf_steal(&b);
}

int oci_get(const struct json_doc *d, int obj, const char *prefix, const char *key,
	    enum json_type t, int *tok, struct error **err)
{
	char field[256];

	*tok = json_get(d, obj, key);
	if (*tok < 0)
		return 0;
	name(field, sizeof(field), prefix, key);
	return oci_want(d, *tok, t, field, err);
}

int oci_get_str(const struct json_doc *d, int obj, const char *prefix, const char *key,
		char **out, struct error **err)
{
	char field[256];
	int tok = json_get(d, obj, key);

	if (tok < 0)
		return 0;
	name(field, sizeof(field), prefix, key);
	char *s = oci_string(d, tok, field, err);
	if (!s)
		return -1;
	free(*out);
	*out = s;
	return 0;
}

int oci_get_bool(const struct json_doc *d, int obj, const char *prefix, const char *key,
		 bool *out, struct error **err)
{
	char field[256];
	int tok = json_get(d, obj, key);

	if (tok < 0)
		return 0;
	if (json_type(d, tok) == JSON_PRIMITIVE) {
		size_t n;
		const char *v = json_raw(d, tok, &n);
		if ((n == 4 && !memcmp(v, "true", 4)) || (n == 5 && !memcmp(v, "false", 5))) {
			*out = n == 4;
			return 0;
		}
	}
	name(field, sizeof(field), prefix, key);
	return error_set(err, EINVAL, "%s: expected true or false", field);
}

/* The primitive at tok as a decimal integer; -1 when it is not one. */
static int integer(const struct json_doc *d, int tok, bool *neg, uint64_t *mag)
{
	size_t n;
	const char *v = json_raw(d, tok, &n);
	char tmp[24], *end;

	if (json_type(d, tok) != JSON_PRIMITIVE || n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = 0;
	*neg = tmp[0] == '-';
	if (!(tmp[*neg] >= '0' && tmp[*neg] <= '9'))
		return -1;
	errno = 0;
	*mag = strtoull(tmp + *neg, &end, 10);
	return *end || errno ? -1 : 0;
}

int oci_get_u64(const struct json_doc *d, int obj, const char *prefix, const char *key,
		uint64_t *out, struct error **err)
{
	char field[256];
	int tok = json_get(d, obj, key);
	bool neg;
	uint64_t v;

	if (tok < 0)
		return 0;
	if (integer(d, tok, &neg, &v) == 0 && (!neg || v == 0)) {
		*out = v;
		return 0;
	}
	name(field, sizeof(field), prefix, key);
	return error_set(err, EINVAL, "%s: expected an unsigned integer", field);
}

int oci_get_u32(const struct json_doc *d, int obj, const char *prefix, const char *key,
		uint32_t *out, struct error **err)
{
	char field[256];
	uint64_t v = *out;

	if (oci_get_u64(d, obj, prefix, key, &v, err) < 0)
		return -1;
	if (v > UINT32_MAX) {
		name(field, sizeof(field), prefix, key);
		return error_set(err, EINVAL, "%s: %llu is out of range", field,
				 (unsigned long long)v);
	}
	*out = (uint32_t)v;
	return 0;
}

int oci_get_i64(const struct json_doc *d, int obj, const char *prefix, const char *key,
		int64_t *out, struct error **err)
{
	char field[256];
	int tok = json_get(d, obj, key);
	bool neg;
	uint64_t v;

	if (tok < 0)
		return 0;
	if (integer(d, tok, &neg, &v) == 0 && v <= (uint64_t)INT64_MAX + neg) {
		*out = neg ? (int64_t)(0 - v) : (int64_t)v;
		return 0;
	}
	name(field, sizeof(field), prefix, key);
	return error_set(err, EINVAL, "%s: expected an integer", field);
}


int oci_get_strs(const struct json_doc *d, int obj, const char *prefix, const char *key,
		 struct strv *out, struct error **err)
{
	char field[256], item[300];
	int arr;

	if (oci_get(d, obj, prefix, key, JSON_ARRAY, &arr, err) < 0)
		return -1;
	if (arr < 0)
		return 0;
	name(field, sizeof(field), prefix, key);
	strv_free(out);
	int n = json_size(d, arr);
	if (n > OCI_MAX_ITEMS)
		return error_set(err, E2BIG, "%s: more than %d items", field, OCI_MAX_ITEMS);
	for (int i = 0, t = arr + 1; i < n; i++, t = json_next(d, t)) {
		snprintf(item, sizeof(item), "%s[%d]", field, i);
		char *s = oci_string(d, t, item, err);
		if (!s || strv_push_owned(out, s, OCI_MAX_ITEMS) < 0)
			return s ? error_set(err, ENOMEM, "%s: out of memory", item) : -1;
	}
	return 0;
}

int oci_get_map(const struct json_doc *d, int obj, const char *prefix, const char *key,
		struct strv *keys, struct strv *values, struct error **err)
{
	char field[256], item[400];
	int map;

	if (oci_get(d, obj, prefix, key, JSON_OBJECT, &map, err) < 0)
		return -1;
	if (map < 0)
		return 0;
	name(field, sizeof(field), prefix, key);
	int n = json_size(d, map);
	if (n > OCI_MAX_ITEMS)
		return error_set(err, E2BIG, "%s: more than %d items", field, OCI_MAX_ITEMS);
	for (int i = 0, t = map + 1; i < n; i++, t = json_next(d, t + 1)) {
		char *k = oci_string(d, t, field, err), *v;
		if (!k)
			return -1;
		snprintf(item, sizeof(item), "%s[\"%.100s\"]", field, k);
		if (strv_push_owned(keys, k, OCI_MAX_ITEMS) < 0)
			return error_set(err, ENOMEM, "%s: out of memory", field);
		if (!(v = oci_string(d, t + 1, item, err)))
			return -1;
		if (strv_push_owned(values, v, OCI_MAX_ITEMS) < 0)
			return error_set(err, ENOMEM, "%s: out of memory", field);
	}
	return 0;
}
