// fuzz-srcs: src/https/req.c src/util/buf.c src/util/error.c
/* libFuzzer target: an HTTP/1.1 request head from a client, split
 * anywhere, requests after one another, and the query parameter parser on
 * each target. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "https/req.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1_req r;
	size_t chunk = size ? 1 + data[0] % 17 : 1, off = 0;
	http1_req_init(&r);
	while (off < size) {
		struct error *err = NULL;
		size_t used = 0, n = size - off < chunk ? size - off : chunk;
		int rc = http1_req_feed(&r, (const char *)data + off, n, &used, &err);
		FUZZ_CHECK(used <= n);
		error_free(err);
		if (rc < 0)
			break;
		off += used;
		if (rc == 1) {
			char v[64];
			FUZZ_CHECK(r.target[0] == '/' || r.target[0] == '*');
			if (http1_query(r.target, "sandbox", v, sizeof(v)) == 0)
				FUZZ_CHECK(strlen(v) < sizeof(v));
			http1_req_init(&r);
		}
	}
	return 0;
}
