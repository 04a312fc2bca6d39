// fuzz-srcs: src/http2/hpack.c src/http2/hpack_huffman.c src/util/buf.c
/* libFuzzer target: HPACK header blocks. Input: one byte choosing the table
 * limit, then blocks as (length byte, bytes), decoded by one decoder so the
 * dynamic table carries across blocks. Every block that decodes is encoded
 * again by our encoder and decoded by a fresh decoder: the fields must match. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http2/hpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct both {
	struct buf flat;
	struct buf enc;
	struct hpack_encoder e;
};

static int flatten(void *ud, const struct hpack_field *f)
{
	struct buf *b = ud;
	buf_append(b, f->name, f->nlen);
	buf_putc(b, 0);
	buf_append(b, f->value, f->vlen);
	buf_putc(b, 0);
	return 0;
}

static int reencode(void *ud, const struct hpack_field *f)
{
	struct both *x = ud;
	flatten(&x->flat, f);
	hpack_encode(&x->e, &x->enc, f->name, f->nlen, f->value, f->vlen);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpack_decoder d;
	const char *why;

	if (size < 1)
		return 0;
	hpack_decoder_init(&d, (size_t)data[0] * 16, 8192);
	for (size_t i = 1; i < size;) {
		size_t n = data[i++];
		if (n > size - i)
			n = size - i;
		struct both x = { BUF_INIT(0), BUF_INIT(0), { 0 } };
		hpack_encoder_init(&x.e);
		int r = hpack_decode(&d, data + i, n, reencode, &x, &why);
		if (r == HPACK_OK) {
			struct hpack_decoder d2;
			struct buf again = BUF_INIT(0);
			hpack_decoder_init(&d2, 4096, 1 << 20);
			FUZZ_CHECK(hpack_decode(&d2, (uint8_t *)x.enc.data, x.enc.len, flatten, &again,
						&why) == HPACK_OK &&
				   again.len == x.flat.len &&
				   (!again.len || !memcmp(again.data, x.flat.data, again.len)));
			hpack_decoder_free(&d2);
			buf_free(&again);
		}
		buf_free(&x.flat);
		buf_free(&x.enc);
		i += n;
	}
	hpack_decoder_free(&d);
	return 0;
}
