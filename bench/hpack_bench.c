/* HPACK decoding, ours against libnghttp2's inflater, on the header block of
 * a typical gRPC request as a real peer sends it (encoded by nghttp2's
 * deflater: Huffman strings, incremental indexing). Two cases: the first
 * request on a connection (literals into an empty table; a fresh decoder
 * each time) and a later one (mostly indexed, on a warm table). Built with
 * gcc -O2 against glibc, both sides from source or library as shipped.
 * Prints "case ours_ns nghttp2_ns" per line. */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http2/hpack.h"

#define NV(n, v) { (uint8_t *)n, (uint8_t *)v, sizeof(n) - 1, sizeof(v) - 1, 0 }
static nghttp2_nv req1[] = {
	NV(":method", "POST"), NV(":scheme", "http"),
	NV(":path", "/grpc.AgentService/CreateContainer"), NV(":authority", "localhost"),
	NV("content-type", "application/grpc"), NV("user-agent", "grpc-go/1.29.1"),
	NV("te", "trailers"), NV("grpc-timeout", "59999848u"),
};
static nghttp2_nv req2[] = {
	NV(":method", "POST"), NV(":scheme", "http"),
	NV(":path", "/grpc.AgentService/CreateContainer"), NV(":authority", "localhost"),
	NV("content-type", "application/grpc"), NV("user-agent", "grpc-go/1.29.1"),
	NV("te", "trailers"), NV("grpc-timeout", "59999731u"),
};

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static size_t sink;
static int count(void *ud, const struct hpack_field *f)
{
	sink += f->nlen + f->vlen;
	return 0;
}

static void ours_block(struct hpack_decoder *d, const uint8_t *b, size_t n)
{
	const char *why;
	if (hpack_decode(d, b, n, count, NULL, &why) != 0)
		abort();
}

static void inflate_block(nghttp2_hd_inflater *inf, const uint8_t *p, size_t left)
{
	for (;;) {
		nghttp2_nv nv;
		int flags = 0;
		ssize_t used = nghttp2_hd_inflate_hd2(inf, &nv, &flags, p, left, 1);
		if (used < 0)
			abort();
		p += used;
		left -= (size_t)used;
		if (flags & NGHTTP2_HD_INFLATE_EMIT)
			sink += nv.namelen + nv.valuelen;
		if (flags & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(inf);
			break;
		}
		if (!used && !left)
			break;
	}
}

/* Best of 5 rounds, ns per block. first: a new decoder for each block (the
 * first request of a connection); else one warm decoder, the later block
 * again and again (each adds its grpc-timeout to the table, as in life). */
static double run(int theirs, const uint8_t *b1, size_t n1, const uint8_t *b2, size_t n2,
		  int first, int iters)
{
	double best = 1e18;
	for (int round = 0; round < 5; round++) {
		struct hpack_decoder d;
		nghttp2_hd_inflater *inf = NULL;
		if (!first) {
			hpack_decoder_init(&d, 4096, 65536);
			nghttp2_hd_inflate_new(&inf);
			ours_block(&d, b1, n1);
			inflate_block(inf, b1, n1);
		}
		double t = now_ns();
		for (int i = 0; i < iters; i++) {
			if (first && theirs) {
				nghttp2_hd_inflate_new(&inf);
				inflate_block(inf, b1, n1);
				nghttp2_hd_inflate_del(inf);
			} else if (first) {
				hpack_decoder_init(&d, 4096, 65536);
				ours_block(&d, b1, n1);
				hpack_decoder_free(&d);
			} else if (theirs) {
				inflate_block(inf, b2, n2);
			} else {
				ours_block(&d, b2, n2);
			}
		}
		double per = (now_ns() - t) / iters;
		if (!first) {
			hpack_decoder_free(&d);
			nghttp2_hd_inflate_del(inf);
		}
		if (per < best)
			best = per;
	}
	return best;
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 200000;
	nghttp2_hd_deflater *def;
	uint8_t b1[512], b2[512];

	nghttp2_hd_deflate_new(&def, 4096);
	ssize_t r1 = nghttp2_hd_deflate_hd(def, b1, sizeof(b1), req1, 8);
	ssize_t r2 = nghttp2_hd_deflate_hd(def, b2, sizeof(b2), req2, 8);
	nghttp2_hd_deflate_del(def);
	if (r1 <= 0 || r2 <= 0)
		return 1;
	size_t n1 = (size_t)r1, n2 = (size_t)r2;
	printf("first_request_%zuB %.0f %.0f\n", n1, run(0, b1, n1, b2, n2, 1, iters),
	       run(1, b1, n1, b2, n2, 1, iters));
	printf("later_request_%zuB %.0f %.0f\n", n2, run(0, b1, n1, b2, n2, 0, iters),
	       run(1, b1, n1, b2, n2, 0, iters));
	return sink == 0;
}
