// fuzz-srcs: src/config/toml.c src/config/value.c src/config/config.c src/config/schema.c src/util/buf.c src/util/error.c src/util/strv.c src/util/alloc.c
/* libFuzzer target: configuration.toml text through the TOML subset reader,
 * the schema and the cross-key checks. Nothing may crash, overread or leak. */
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error *err = NULL;
	struct config *c = config_new_defaults(&err);

	if (c && config_apply(c, "fuzz.toml", (const char *)data, size, &err) == 0)
		config_validate(c, &err);
	error_free(err);
	config_free(c);
	return 0;
}
