// fuzz-srcs: src/http2/conn.c src/http2/conn_stream.c src/http2/frame.c src/http2/hpack.c src/http2/hpack_huffman.c src/util/buf.c
/* libFuzzer target: bytes from a peer into an HTTP/2 connection. The first
 * byte picks the role and how the input is split into reads; a server gets
 * the client preface first. The callbacks answer and send data the way the
 * gRPC layer will, so sending paths run on fuzzed state too. */
#include <stdint.h>
#include <string.h>

#include "http2/conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_headers(void *ud, uint32_t id, const struct hpack_field *f, size_t n, bool end)
{
	struct h2_conn *c = ud;
	struct hpack_field h[] = { { ":status", 7, "200", 3 } };
	if (c->role == H2_SERVER && !end)
		h2_send_headers(c, id, h, 1, false);
	return n > 5 ? H2_CANCEL : 0;
}

static int on_data(void *ud, uint32_t id, const uint8_t *d, size_t len, bool end)
{
	struct h2_conn *c = ud;
	h2_consume(c, id, len);
	h2_send_data(c, id, d, len, end);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h2_conn c;
	struct h2_callbacks cb = { on_headers, on_data, NULL, NULL, NULL };

	if (size < 1)
		return 0;
	enum h2_role role = data[0] & 1 ? H2_CLIENT : H2_SERVER;
	size_t chunk = 1 + (data[0] >> 1);
	if (h2_conn_init(&c, role, NULL, &cb, &c) < 0)
		return 0;
	if (role == H2_CLIENT) {
		struct hpack_field req[] = { { ":method", 7, "POST", 4 }, { ":path", 5, "/x", 2 } };
		h2_send_headers(&c, 0, req, 2, false);
	} else {
		h2_conn_recv(&c, (const uint8_t *)H2_PREFACE, H2_PREFACE_LEN);
	}
	for (size_t off = 1; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (h2_conn_recv(&c, data + off, n) < 0)
			break;
		h2_conn_sent(&c, c.out.len);
	}
	h2_conn_free(&c);
	return 0;
}
