/* HPACK interop with libnghttp2, the reference implementation: header sets
 * encoded by nghttp2's deflater (Huffman, dynamic table, size changes) are
 * decoded by ours, and ours are decoded by nghttp2's inflater. Random
 * header sets from a fixed seed, so a failure can be replayed. */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http2/hpack.h"

#define MAXF 12

struct set {
	nghttp2_nv nv[MAXF];
	size_t n;
	char store[MAXF][2][300];
};

static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void random_set(struct set *s)
{
	static const char *const names[] = { ":method", ":path", "content-type", "te",
					     "grpc-timeout", "user-agent", "x-custom" };
	s->n = 1 + rnd() % MAXF;
	for (size_t i = 0; i < s->n; i++) {
		char *nm = s->store[i][0], *v = s->store[i][1];
		size_t nl, vl = rnd() % 200;
		if (rnd() % 2) {
			strcpy(nm, names[rnd() % 7]);
			nl = strlen(nm);
		} else {
			nl = 1 + rnd() % 20;
			for (size_t k = 0; k < nl; k++)
				nm[k] = (char)('a' + rnd() % 26);
		}
		for (size_t k = 0; k < vl; k++) /* binary in some values: 1 in 4 */
			v[k] = (char)(rnd() % 4 ? 0x20 + rnd() % 95 : rnd() % 256);
		s->nv[i] = (nghttp2_nv){ (uint8_t *)nm, (uint8_t *)v, nl, vl,
					 (uint8_t)(rnd() % 5 ? NGHTTP2_NV_FLAG_NONE
							     : NGHTTP2_NV_FLAG_NO_INDEX) };
	}
}

struct cmp {
	const struct set *s;
	size_t i;
	int bad;
};

static int check_field(void *ud, const struct hpack_field *f)
{
	struct cmp *c = ud;
	const nghttp2_nv *nv = &c->s->nv[c->i++];
	if (c->i > c->s->n || f->nlen != nv->namelen || f->vlen != nv->valuelen ||
	    memcmp(f->name, nv->name, f->nlen) || memcmp(f->value, nv->value, f->vlen))
		c->bad = 1;
	return 0;
}

static int theirs_to_ours(void)
{
	nghttp2_hd_deflater *def;
	struct hpack_decoder d;
	uint8_t out[16384];
	int failures = 0;

	nghttp2_hd_deflate_new(&def, 4096);
	hpack_decoder_init(&d, 4096, 1 << 20);
	for (int round = 0; round < 3000; round++) {
		struct set s;
		const char *why;
		random_set(&s);
		if (round % 500 == 499) /* the encoder shrinks its table: a size update */
			nghttp2_hd_deflate_change_table_size(def, (size_t)(rnd() % 4096));
		ssize_t n = nghttp2_hd_deflate_hd(def, out, sizeof(out), s.nv, s.n);
		struct cmp c = { &s, 0, 0 };
		int r = hpack_decode(&d, out, (size_t)n, check_field, &c, &why);
		if (n < 0 || r != HPACK_OK || c.bad || c.i != s.n) {
			fprintf(stderr, "theirs->ours round %d: r=%d why=%s bad=%d\n", round, r,
				why ? why : "", c.bad);
			failures++;
		}
	}
	nghttp2_hd_deflate_del(def);
	hpack_decoder_free(&d);
	return failures;
}

static int ours_to_theirs(void)
{
	nghttp2_hd_inflater *inf;
	struct hpack_encoder e;
	int failures = 0;

	nghttp2_hd_inflate_new(&inf);
	hpack_encoder_init(&e);
	for (int round = 0; round < 3000; round++) {
		struct set s;
		struct buf b = BUF_INIT(0);
		random_set(&s);
		if (round == 1000) {
			nghttp2_hd_inflate_change_table_size(inf, 1024);
			hpack_encoder_set_max(&e, 1024);
		}
		for (size_t i = 0; i < s.n; i++)
			hpack_encode(&e, &b, (char *)s.nv[i].name, s.nv[i].namelen,
				     (char *)s.nv[i].value, s.nv[i].valuelen);
		const uint8_t *p = (uint8_t *)b.data;
		size_t left = b.len, i = 0;
		int bad = 0;
		for (;;) {
			nghttp2_nv nv;
			int flags = 0;
			ssize_t used = nghttp2_hd_inflate_hd2(inf, &nv, &flags, p, left, 1);
			if (used < 0) {
				bad = 1;
				break;
			}
			p += used;
			left -= (size_t)used;
			if (flags & NGHTTP2_HD_INFLATE_EMIT) {
				if (i >= s.n || nv.namelen != s.nv[i].namelen ||
				    nv.valuelen != s.nv[i].valuelen ||
				    memcmp(nv.name, s.nv[i].name, nv.namelen) ||
				    memcmp(nv.value, s.nv[i].value, nv.valuelen))
					bad = 1;
				i++;
			}
			if (flags & NGHTTP2_HD_INFLATE_FINAL) {
				nghttp2_hd_inflate_end_headers(inf);
				break;
			}
			if (used == 0 && left == 0)
				break;
		}
		if (bad || i != s.n) {
			fprintf(stderr, "ours->theirs round %d: bad=%d fields %zu/%zu\n", round, bad, i,
				s.n);
			failures++;
		}
		buf_free(&b);
	}
	nghttp2_hd_inflate_del(inf);
	return failures;
}

int main(void)
{
	int passed = 0, failed = 0;
	theirs_to_ours() == 0 ? passed++ : failed++;
	ours_to_theirs() == 0 ? passed++ : failed++;
	printf("hpack-nghttp2: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
