/* For the fuzz targets. FUZZ_CHECK(cond): an invariant that needs every
 * allocation to succeed (a round trip): broken, the target aborts, unless
 * the failmalloc sweep (tests/failmalloc) made one fail in this run; then
 * only memory safety and leaks are checked. Under libFuzzer the flag does
 * not exist (weak, unresolved). */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdlib.h>

extern int fuzz_allocs_failed __attribute__((weak));

#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond) && !(&fuzz_allocs_failed && fuzz_allocs_failed)) \
			abort();                                             \
	} while (0)

#endif
