/* gRPC status codes, grpc-message percent-encoding and grpc-timeout. */
#include "grpc/grpc.h"

#include <stdio.h>
#include <string.h>

const char *grpc_status_name(int code)
{
	static const char *const names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
		"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
		"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
		"UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
	};
	return code >= 0 && code <= 16 ? names[code] : "UNKNOWN";
}

int grpc_status_parse(const char *s, size_t n)
{
	int v = 0;
	if (n == 0 || n > 2)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 16 ? v : -1;
}

int grpc_percent_encode(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c <= 0x7e && c != '%') {
			if (buf_putc(out, (char)c) < 0)
				return -1;
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			if (buf_append(out, e, 3) < 0)
				return -1;
		}
	}
	return 0;
}

int grpc_percent_decode(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n &&
		    (h = hex_value(s[i + 1])) >= 0 && (l = hex_value(s[i + 2])) >= 0) {
			if (buf_putc(out, (char)(h << 4 | l)) < 0)
				return -1;
			i += 2;
		} else if (buf_putc(out, s[i]) < 0) {
			return -1;
		}
	}
	return 0;
}

static const struct {
	char unit;
	uint64_t ns;
} units[] = { { 'n', 1 }, { 'u', 1000 }, { 'm', 1000000 }, { 'S', 1000000000ull },
	      { 'M', 60000000000ull }, { 'H', 3600000000000ull } };

int grpc_timeout_encode(char out[16], uint64_t ns)
{
	/* The finest unit whose value fits in 8 digits, rounding up. */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t v = (ns + units[i].ns - 1) / units[i].ns;
		if (v <= 99999999) {
			snprintf(out, 16, "%llu%c", (unsigned long long)v, units[i].unit);
			return 0;
		}
	}
	snprintf(out, 16, "99999999H");
	return 0;
}

int grpc_timeout_parse(const char *s, size_t n, uint64_t *ns)
{
	uint64_t v = 0;
	if (n < 2 || n > 9)
		return -1;
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit == s[n - 1]) {
			/* Saturate instead of overflowing: 99999999H is ~11000 years. */
			*ns = v > UINT64_MAX / units[i].ns ? UINT64_MAX : v * units[i].ns;
			return 0;
		}
	}
	return -1;
}
