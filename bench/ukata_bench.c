/* ukata's gRPC peer for bench/run.sh (musl, static, -Os: as shipped).
 *   ukata-bench serve SOCKET
 *   ukata-bench latency SOCKET SIZE CALLS            -> "median_us p99_us"
 *   ukata-bench throughput SOCKET SIZE THREADS SECONDS -> "calls_per_s"
 *   ukata-bench idle SOCKET N     (N connections, one call each; wait on stdin)
 * Concurrent callers share one client connection, as gRPC C++ callers
 * share one channel. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.pb.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "util/error.h"

static void prepare(void *req, struct buf *scratch)
{
	pb_bytes_in(&((grpc_WriteStreamRequest *)req)->data, scratch);
}

static int write_stdin(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		       void *resp, struct error **err)
{
	/* prepare() pointed the data at the scratch buffer; its length is
	 * what the handler reports. */
	const grpc_WriteStreamRequest *r = req;
	const struct buf *b = r->data.arg;
	((grpc_WriteStreamResponse *)resp)->len = (uint32_t)(b ? b->len : 0);
	return 0;
}

static struct rpc_handler handlers[] = { { RPC_AGENT(WriteStdin), write_stdin, prepare, false } };

static char *data;
static size_t size;

static int one_call(struct rpc_client *c)
{
	struct pb_bytes_view v = { data, size };
	grpc_WriteStreamRequest req = { 0 };
	grpc_WriteStreamResponse resp = { 0 };
	struct error *err = NULL;

	req.container_id = "bench";
	pb_bytes_out(&req.data, &v);
	int r = rpc_call(c, RPC_AGENT(WriteStdin), &req, &resp, 10000, &err);
	error_free(err);
	return r == 0 && resp.len == size ? 0 : -1;
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const char *sock;
static atomic_long done;
static atomic_bool stop, bad;

static void *caller(void *arg)
{
	struct rpc_client *c = arg;
	while (!stop) {
		if (one_call(c) < 0)
			bad = true;
		done++;
	}
	return NULL;
}

static void wait_stdin(void)
{
	char b[64];
	while (read(0, b, sizeof(b)) > 0)
		;
}

int main(int argc, char **argv)
{
	struct error *err = NULL;

	if (argc < 3)
		return 2;
	sock = argv[2];
	if (!strcmp(argv[1], "serve")) {
		/* BENCH_QUICK=1: the handler runs on the connection thread. */
		handlers[0].quick = getenv("BENCH_QUICK") && !strcmp(getenv("BENCH_QUICK"), "1");
		struct rpc_server *s = rpc_server_start_unix(sock, handlers, 1, NULL, &err);
		if (!s)
			return fprintf(stderr, "%s\n", err->msg), 1;
		printf("ready\n");
		fflush(stdout);
		wait_stdin();
		rpc_server_stop(s);
		return 0;
	}
	if (!strcmp(argv[1], "idle")) {
		int n = atoi(argv[3]);
		struct rpc_client *c = calloc((size_t)n, sizeof(*c));
		size = 1;
		data = "x";
		for (int i = 0; i < n; i++)
			if (rpc_client_connect_unix(&c[i], sock, NULL) < 0 || one_call(&c[i]) < 0)
				return 1;
		printf("ready\n");
		fflush(stdout);
		wait_stdin();
		return 0;
	}
	size = (size_t)atol(argv[3]);
	data = malloc(size + 1);
	memset(data, 'x', size);
	if (!strcmp(argv[1], "latency")) {
		int calls = atoi(argv[4]);
		double *us = calloc((size_t)calls, sizeof(double));
		struct rpc_client c;
		if (rpc_client_connect_unix(&c, sock, &err) < 0)
			return fprintf(stderr, "%s\n", err->msg), 1;
		for (int i = 0; i < calls + 100; i++) {
			double t = now_us();
			if (one_call(&c) < 0)
				return 1;
			if (i >= 100) /* warm-up */
				us[i - 100] = now_us() - t;
		}
		qsort(us, (size_t)calls, sizeof(double), cmp);
		printf("%.1f %.1f\n", us[calls / 2], us[calls * 99 / 100]);
		return 0;
	}
	if (!strcmp(argv[1], "throughput")) {
		int threads = atoi(argv[4]);
		double secs = atof(argv[5]);
		pthread_t t[256];
		struct rpc_client c; /* one connection shared by every caller */
		if (rpc_client_connect_unix(&c, sock, &err) < 0)
			return fprintf(stderr, "%s\n", err->msg), 1;
		for (int i = 0; i < threads && i < 256; i++)
			pthread_create(&t[i], NULL, caller, &c);
		usleep(200000);
		long start = done;
		usleep((useconds_t)(secs * 1e6));
		long end = done;
		stop = true;
		for (int i = 0; i < threads && i < 256; i++)
			pthread_join(t[i], NULL);
		rpc_client_close(&c);
		printf("%.0f\n", (double)(end - start) / secs);
		return bad ? 1 : 0;
	}
	return 2;
}
