// fuzz-srcs: src/shimv2/binuri.c src/util/strv.c src/util/alloc.c src/util/error.c
/* libFuzzer target: a binary:// stdio URI from containerd, as the logging
 * binary's argv. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shimv2/binuri.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *uri = malloc(size + 10);
	struct error *err = NULL;
	struct strv v;
	if (!uri)
		return 0;
	/* most inputs as a binary:// URI, the rest as they are */
	size_t off = size && data[0] & 1 ? 0 : 9;
	memcpy(uri, "binary://", off);
	memcpy(uri + off, data, size);
	uri[off + size] = 0;
	if (shimv2_binary_uri(uri, &v, &err) == 0) {
		FUZZ_CHECK(v.n >= 1 && v.v[0][0] == '/' && v.v[v.n] == NULL);
		FUZZ_CHECK(v.n <= 2 * 65 + 1);
		strv_free(&v);
	} else {
		FUZZ_CHECK(err != NULL);
	}
	error_free(err);
	free(uri);
	return 0;
}
