#include "util/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "util/buf.h"
#include "util/error.h"

#define CHUNK (256 * 1024)

int digest_file(const char *path, char hex[DIGEST_HEX_LEN + 1], struct error **err)
{
	unsigned char d[DIGEST_LEN], *b = malloc(CHUNK);
	mbedtls_sha256_context c;
	ssize_t n;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !b) {
		int e = fd < 0 ? errno : ENOMEM;
		free(b);
		if (fd >= 0)
			close(fd);
		return error_set_errno(err, e, "%s", path);
	}
	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts_ret(&c, 0);
	while ((n = read(fd, b, CHUNK)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			mbedtls_sha256_update_ret(&c, b, (size_t)n);
	int e = errno;
	mbedtls_sha256_finish_ret(&c, d);
	mbedtls_sha256_free(&c);
	close(fd);
	free(b);
	if (n < 0)
		return error_set_errno(err, e, "reading %s", path);
	for (int i = 0; i < DIGEST_LEN; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	hex[DIGEST_HEX_LEN] = 0;
	return 0;
}

bool digest_hex_valid(const char *s)
{
	size_t i = 0;
	while (s[i] && hex_value(s[i]) >= 0)
		i++;
	return i == DIGEST_HEX_LEN && !s[i];
}

bool digest_equal(const char *want, const char *got)
{
	return digest_hex_valid(want) && !strcasecmp(want, got);
}
