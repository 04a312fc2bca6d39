// fuzz-srcs: src/factory/vm.c src/factory/key.c src/config/schema.c src/json/read.c src/json/writer.c src/util/buf.c src/util/error.c
/* libFuzzer target: a VM description as a VMCache server sends it
 * (GrpcVM.hypervisor), and a compatibility key against a fixed one.
 * Nothing may crash, overread or leak; what decodes must encode again. */
#include <stdint.h>
#include <string.h>

#include "factory/factory.h"
#include "fuzz.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	struct error *err = NULL;
	char field[64], key[FACTORY_KEY_MAX];

	if (factory_vm_decode((const char *)data, size, &vm, &err) == 0) {
		struct buf b = BUF_INIT(0);
		FUZZ_CHECK(factory_vm_encode(&vm, &b) == 0);
		buf_free(&b);
	}
	error_free(err);
	size_t n = size < sizeof(key) - 1 ? size : sizeof(key) - 1;
	memcpy(key, data, n);
	key[n] = 0;
	factory_key_diff(key, "{\"Accel\":\"tcg\",\"UseVSock\":false}", field, sizeof(field));
	return 0;
}
