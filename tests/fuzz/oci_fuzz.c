// fuzz-srcs: src/oci/spec.c src/oci/read.c src/oci/default.c src/oci/devices.c src/json/read.c src/util/buf.c src/util/error.c src/util/fs.c src/util/strv.c src/util/alloc.c
/* libFuzzer target: config.json text (and a process and a resources object)
 * through the OCI spec reader. Nothing may crash, overread or leak. */
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error *err = NULL;
	struct oci_spec s;
	struct oci_process p;
	struct oci_resources r;

	if (oci_spec_parse((const char *)data, size, &s, &err) == 0)
		oci_spec_free(&s);
	error_free(err);
	err = NULL;
	if (oci_process_parse((const char *)data, size, &p, &err) == 0)
		oci_process_free(&p);
	error_free(err);
	err = NULL;
	if (oci_resources_parse((const char *)data, size, &r, &err) == 0)
		oci_resources_free(&r);
	error_free(err);
	return 0;
}
