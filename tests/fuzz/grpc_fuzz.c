// fuzz-srcs: src/grpc/message.c src/grpc/status.c src/util/buf.c
/* libFuzzer target: gRPC message reassembly, percent-decoding and
 * grpc-timeout parsing on bytes from a peer. */
#include <stdint.h>
#include <stdlib.h>

#include "grpc/grpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *ud, const uint8_t *m, size_t len)
{
	size_t *total = ud;
	*total += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grpc_reader r;
	struct buf b = BUF_INIT(0);
	const char *why;
	uint64_t ns;
	size_t total = 0, chunk = size ? 1 + data[0] % 7 : 1;

	grpc_reader_init(&r, 1024);
	for (size_t off = 0; off < size; off += chunk)
		if (grpc_reader_feed(&r, data + off, size - off < chunk ? size - off : chunk, sink,
				     &total, &why) < 0)
			break;
	grpc_reader_free(&r);
	grpc_percent_decode(&b, (const char *)data, size);
	if (b.len > size)
		abort();
	buf_free(&b);
	grpc_timeout_parse((const char *)data, size, &ns);
	grpc_status_parse((const char *)data, size);
	return 0;
}
