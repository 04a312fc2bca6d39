// fuzz-srcs: src/yamux/session.c src/util/buf.c
/* libFuzzer target: bytes from a peer into a yamux session. The first byte
 * picks the side and how the input is split into reads; the callbacks echo
 * data, consume it, close and reset streams, so the sending paths run on
 * fuzzed state too. */
#include <stdint.h>
#include <string.h>

#include "yamux/yamux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_data(void *ud, uint32_t id, const uint8_t *d, size_t n)
{
	struct yamux_session *s = ud;
	yamux_send(s, id, d, n);
	yamux_consume(s, id, n);
	if (n && d[0] == 'R')
		yamux_reset(s, id);
}

static void on_eof(void *ud, uint32_t id)
{
	yamux_close(ud, id);
}

static void on_window(void *ud, uint32_t id)
{
	yamux_send(ud, id, (const uint8_t *)"more", 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yamux_session s;
	struct yamux_callbacks cb = { NULL, on_data, on_eof, NULL, on_window, NULL, NULL };

	if (size < 1)
		return 0;
	bool client = data[0] & 1;
	size_t chunk = 1 + (data[0] >> 1);
	yamux_init(&s, client, &cb, &s);
	s.max_streams = 8;
	if (client)
		yamux_open(&s);
	for (size_t off = 1; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (yamux_recv(&s, data + off, n) < 0)
			break;
		yamux_sent(&s, s.out.len);
	}
	yamux_free(&s);
	return 0;
}
