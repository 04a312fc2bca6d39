#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "util/digest.h"
#include "util/error.h"

TEST(digest_file_sha256)
{
	char path[] = "/tmp/ukata-digest-XXXXXX", hex[DIGEST_HEX_LEN + 1];
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, "abc", 3) == 3);
	close(fd);
	CHECK(digest_file(path, hex, NULL) == 0);
	/* FIPS 180-2's example */
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(digest_equal("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", hex));
	CHECK(!digest_equal("ba7816bf", hex));
	CHECK(digest_hex_valid(hex));
	CHECK(!digest_hex_valid("xyz"));
	unlink(path);
	struct error *err = NULL;
	CHECK(digest_file(path, hex, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, path);
	error_free(err);
}
