/* HPACK Huffman code (RFC 7541 Appendix B). The code is canonical: within
 * one length, codes are consecutive in symbol order, and each length starts
 * at (last code of the previous length + 1) shifted left. So the 257 code
 * lengths below determine every code; tables are derived from them once. */
#include <pthread.h>

#include "http2/hpack.h"

#define EOS 256
#define MAXLEN 30

static const uint8_t code_len[257] = {
	13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, /*   0 */
	28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, /*  16 */
	6,  10, 10, 12, 13, 6,  8,  11, 10, 10, 8,  11, 8,  6,  6,  6,  /*  32 */
	5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8,  15, 6,  12, 10, /*  48 */
	13, 6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  /*  64 */
	7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8,  13, 19, 13, 14, 6,  /*  80 */
	15, 5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5,  /*  96 */
	6,  7,  6,  5,  5,  6,  7,  7,  7,  7,  7,  15, 11, 14, 13, 28, /* 112 */
	20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, /* 128 */
	24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, /* 144 */
	22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, /* 160 */
	21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, /* 176 */
	26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, /* 192 */
	19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, /* 208 */
	20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, /* 224 */
	26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, /* 240 */
	30,                                                             /* EOS */
};

static struct {
	uint32_t code[257];         /* right-aligned code of each symbol */
	uint32_t first[MAXLEN + 1]; /* first code of each length */
	uint16_t count[MAXLEN + 1]; /* codes of each length */
	uint16_t offset[MAXLEN + 1];/* index in sorted[] of the first of each length */
	uint16_t sorted[257];       /* symbols by (length, symbol) */
	uint8_t fast_len[256];      /* by the next 8 bits: the length of a code */
	uint8_t fast_sym[256];      /* of up to 8 bits they start with, or 0 */
} H;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
	uint32_t code = 0;
	uint16_t n = 0;

	for (int len = 1; len <= MAXLEN; len++) {
		H.first[len] = code;
		H.offset[len] = n;
		for (int s = 0; s <= EOS; s++) {
			if (code_len[s] != len)
				continue;
			H.code[s] = code++;
			H.sorted[n++] = (uint16_t)s;
			H.count[len]++;
		}
		code <<= 1;
	}
	for (int sym = 0; sym < EOS; sym++) {
		int len = code_len[sym];
		if (len > 8)
			continue;
		uint32_t base = H.code[sym] << (8 - len);
		for (uint32_t j = 0; j < 1u << (8 - len); j++) {
			H.fast_len[base + j] = (uint8_t)len;
			H.fast_sym[base + j] = (uint8_t)sym;
		}
	}
}

static void init(void)
{
	pthread_once(&once, build);
}

size_t hpack_huff_encoded_len(const uint8_t *s, size_t n)
{
	size_t bits = 0;
	for (size_t i = 0; i < n; i++)
		bits += code_len[s[i]];
	return (bits + 7) / 8;
}

int hpack_huff_encode(struct buf *out, const uint8_t *s, size_t n)
{
	uint64_t acc = 0;
	int nbits = 0;

	init();
	for (size_t i = 0; i < n; i++) {
		acc = acc << code_len[s[i]] | H.code[s[i]];
		nbits += code_len[s[i]];
		while (nbits >= 8) {
			nbits -= 8;
			if (buf_putc(out, (char)(acc >> nbits)) < 0)
				return -1;
		}
	}
	if (nbits > 0) /* pad with the most significant bits of EOS: all ones */
		return buf_putc(out, (char)(acc << (8 - nbits) | (0xffu >> nbits)));
	return 0;
}

/* Decoding reads a 64-bit window of input, left-aligned. Codes of up to 8
 * bits (the common characters) are looked up in one step; longer ones are
 * found by the canonical rule, length by length. */
int hpack_huff_decode(struct buf *out, const uint8_t *in, size_t n, const char **why)
{
	uint64_t acc = 0; /* the next `bits` input bits, from bit 63 down */
	int bits = 0;
	size_t i = 0, t = 0;
	char tmp[256];

	init();
	for (;;) {
		while (bits <= 56 && i < n) {
			acc |= (uint64_t)in[i++] << (56 - bits);
			bits += 8;
		}
		if (bits == 0)
			break;
		int len = H.fast_len[acc >> 56];
		uint32_t sym = H.fast_sym[acc >> 56];
		if (len == 0 || len > bits) {
			for (len = 9; len <= bits && len <= MAXLEN; len++) {
				uint32_t code = (uint32_t)(acc >> (64 - len));
				if (code - H.first[len] < H.count[len]) {
					sym = H.sorted[H.offset[len] + code - H.first[len]];
					break;
				}
			}
			if (len > MAXLEN)
				return *why = "invalid Huffman code", -1;
			if (len > bits)
				break; /* what is left can only be padding */
		}
		if (sym == EOS)
			return *why = "EOS in a Huffman string", -1;
		tmp[t++] = (char)sym;
		if (t == sizeof(tmp)) {
			if (buf_append(out, tmp, t) < 0)
				return *why = "header too large", -1;
			t = 0;
		}
		acc <<= len;
		bits -= len;
	}
	if (t && buf_append(out, tmp, t) < 0)
		return *why = "header too large", -1;
	/* Padding: fewer than 8 bits, all ones (a prefix of EOS). */
	if (bits > 7 || (bits && (acc >> (64 - bits)) != (1u << bits) - 1))
		return *why = "invalid Huffman padding", -1;
	return 0;
}
