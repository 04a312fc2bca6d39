// fuzz-srcs: src/prom/prom.c src/util/buf.c src/util/error.c
/* libFuzzer target: Prometheus text from a shim's or an agent's /metrics
 * (a peer's), merged with a label added, twice, and written out. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "prom/prom.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_set s;
	struct buf out = BUF_INIT(1 << 22);
	prom_init(&s, 1 << 20);
	for (int i = 0; i < 2; i++) {
		struct error *err = NULL;
		prom_add(&s, (const char *)data, size, i ? "sandbox_id" : NULL, "sandbox_id=\"s1\"", &err);
		error_free(err);
	}
	FUZZ_CHECK(s.n <= PROM_MAX_FAMILIES);
	prom_write(&s, &out);
	buf_free(&out);
	prom_free(&s);
	return 0;
}
