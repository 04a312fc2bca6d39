/* SHA-256 of files (mbedtls), for the guest asset hashes. */
#ifndef UTIL_DIGEST_H
#define UTIL_DIGEST_H

#include <stdbool.h>

#define DIGEST_LEN 32
#define DIGEST_HEX_LEN 64

struct error;

/* The SHA-256 of the file at path, as 64 lowercase hex digits in hex
 * (65 bytes). -1 with *err naming the file when it cannot be read. */
int digest_file(const char *path, char hex[DIGEST_HEX_LEN + 1], struct error **err);
/* 64 hex digits (either case), nothing else. */
bool digest_hex_valid(const char *s);
/* want (hex, either case) equals the file's digest got. */
bool digest_equal(const char *want, const char *got);

#endif
