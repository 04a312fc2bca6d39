/* yamux end to end: our client and server muxes over one socket.
 *   yamux-pair                 run the checks below, print "yamux: N passed, N failed"
 *   yamux-pair serve SOCKET    echo every stream a peer opens (for a Go peer)
 *   yamux-pair connect SOCKET  open 16 streams x 1 MiB against an echo server
 * Checks: 32 concurrent streams echoing 1 MiB each; gRPC calls on yamux
 * streams from 8 threads at once; a misbehaving peer (our codec driven by
 * hand) that resets a stream mid-call, and one that goes away mid-call. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "health.pb.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "util/error.h"
#include "yamux/yamux.h"

static int passed, failed;

static void check(const char *name, bool ok, const char *detail)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL %s %s\n", name, detail ? detail : "");
	}
}

#define MIB (1 << 20)
static uint8_t pattern[MIB];

/* ---------------------------------------------------------------- echo */

static void *echo_stream(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t *b = malloc(65536);
	ssize_t n;

	while (b && (n = read(fd, b, 65536)) > 0)
		if (io_write_all(fd, b, (size_t)n, 0, NULL) < 0)
			break;
	free(b);
	close(fd);
	return NULL;
}

static void accept_echo(void *ud, int fd)
{
	pthread_t t;
	if (pthread_create(&t, NULL, echo_stream, (void *)(intptr_t)fd) == 0)
		pthread_detach(t);
	else
		close(fd);
}

struct xfer {
	struct yamux_mux *m;
	int index;
	bool ok;
	char why[128];
};

static void *writer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	io_write_all(fd, pattern, MIB, 0, NULL);
	shutdown(fd, SHUT_WR); /* FIN: the echo ends when it has sent all */
	return NULL;
}

/* Send 1 MiB on a new stream while reading the echo back. */
static void *roundtrip(void *arg)
{
	struct xfer *x = arg;
	struct error *err = NULL;
	uint8_t *got = malloc(MIB + 1);
	size_t have = 0;
	pthread_t w;
	int fd = yamux_mux_open(x->m, &err);

	if (fd < 0 || !got) {
		snprintf(x->why, sizeof(x->why), "open: %s", err ? err->msg : "no memory");
		free(got);
		return NULL;
	}
	pthread_create(&w, NULL, writer, (void *)(intptr_t)fd);
	for (;;) {
		ssize_t n = read(fd, got + have, MIB + 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	pthread_join(w, NULL);
	close(fd);
	x->ok = have == MIB && !memcmp(got, pattern, MIB);
	snprintf(x->why, sizeof(x->why), "stream %d: %zu bytes back", x->index, have);
	free(got);
	return NULL;
}

static bool many_streams(struct yamux_mux *m, int n, char *why, size_t whylen)
{
	pthread_t t[64];
	struct xfer x[64];
	bool ok = true;

	for (int i = 0; i < n; i++) {
		x[i] = (struct xfer){ m, i, false, "" };
		pthread_create(&t[i], NULL, roundtrip, &x[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		if (!x[i].ok && ok) {
			snprintf(why, whylen, "%s", x[i].why);
			ok = false;
		}
	}
	return ok;
}

/* ---------------------------------------------------------------- gRPC */

static __thread struct pb_bytes_view view;

static int read_stdout(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		       void *resp, struct error **err)
{
	const grpc_ReadStreamRequest *r = req;
	view = (struct pb_bytes_view){ pattern, r->len < MIB ? r->len : MIB };
	pb_bytes_out(&((grpc_ReadStreamResponse *)resp)->data, &view);
	return ctx->has_cred ? GRPC_INTERNAL : 0; /* a VM has no credentials */
}

static int sleepy(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		  void *resp, struct error **err)
{
	usleep(300 * 1000);
	return 0;
}

static const struct rpc_handler handlers[] = {
	{ RPC_AGENT(ReadStdout), read_stdout, NULL, true },
	{ RPC_AGENT(WaitProcess), sleepy, NULL, false },
};

static void accept_rpc(void *ud, int fd)
{
	rpc_server_serve(ud, fd);
}

struct caller {
	struct yamux_mux *m;
	int ok;
};

static void *grpc_calls(void *arg)
{
	struct caller *c = arg;
	struct rpc_client cl;
	struct error *err = NULL;
	int fd = yamux_mux_open(c->m, &err);

	if (fd < 0 || rpc_client_connect_fd(&cl, fd, &err) < 0)
		return NULL;
	for (int i = 0; i < 4; i++) {
		grpc_ReadStreamRequest req = { .len = 300000 };
		grpc_ReadStreamResponse resp = { 0 };
		struct buf data = BUF_INIT(MIB);
		pb_bytes_in(&resp.data, &data);
		int r = rpc_call(&cl, RPC_AGENT(ReadStdout), &req, &resp, 10000, &err);
		if (r != 0 && i == 0)
			fprintf(stderr, "call: %d %s\n", r, err ? err->msg : "");
		if (r == 0 &&
		    data.len == 300000 && !memcmp(data.data, pattern, data.len))
			c->ok++;
		buf_free(&data);
		error_free(err);
		err = NULL;
	}
	rpc_client_close(&cl);
	return NULL;
}

/* ---------------------------------------------------------------- bad peers */

struct bad_peer {
	int fd;
	bool goaway; /* go away (and hang up) instead of resetting the stream */
};

static void *bad_peer_main(void *arg)
{
	struct bad_peer *b = arg;
	struct yamux_session s;
	uint8_t in[4096];
	bool done = false;

	yamux_init(&s, false, NULL, NULL);
	while (!done) {
		ssize_t n = read(b->fd, in, sizeof(in));
		if (n <= 0 || yamux_recv(&s, in, (size_t)n) < 0)
			break;
		/* Once the call's first bytes are in, misbehave. */
		if (s.nstreams) {
			if (b->goaway)
				yamux_goaway(&s, YAMUX_NORMAL);
			else
				yamux_reset(&s, s.streams[0]->id);
			done = true;
		}
		io_write_all(b->fd, s.out.data, s.out.len, 0, NULL);
		yamux_sent(&s, s.out.len);
	}
	if (b->goaway)
		close(b->fd);
	else
		while (read(b->fd, in, sizeof(in)) > 0)
			;
	yamux_free(&s);
	return NULL;
}

static void bad_peer_check(bool goaway)
{
	int sv[2];
	struct error *err = NULL;
	struct rpc_client cl;
	pthread_t t;
	const char *name = goaway ? "peer goes away mid-call" : "peer resets the stream mid-call";

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	struct bad_peer b = { sv[1], goaway };
	pthread_create(&t, NULL, bad_peer_main, &b);
	struct yamux_mux *m = yamux_mux_start(sv[0], true, NULL, NULL, &err);
	int fd = m ? yamux_mux_open(m, &err) : -1;
	if (fd < 0 || rpc_client_connect_fd(&cl, fd, &err) < 0) {
		check(name, false, err ? err->msg : "");
		return;
	}
	grpc_WaitProcessRequest req = { 0 };
	grpc_WaitProcessResponse resp = { 0 };
	int r = rpc_call(&cl, RPC_AGENT(WaitProcess), &req, &resp, 20000, &err);
	char detail[256];
	snprintf(detail, sizeof(detail), "rpc_call returned %d (%s)", r, err ? err->msg : "");
	check(name, r == -1 && err && !strstr(err->msg, "deadline"), detail);
	rpc_client_close(&cl);
	if (goaway) {
		/* The session ends: nothing more opens on it. */
		for (int i = 0; i < 200 && yamux_mux_alive(m); i++)
			usleep(10000);
		check("no stream after go-away", yamux_mux_open(m, NULL) < 0, NULL);
	}
	yamux_mux_stop(m);
	if (!goaway)
		shutdown(sv[1], SHUT_RDWR);
	pthread_join(t, NULL);
	close(sv[1]);
	error_free(err);
}

/* ---------------------------------------------------------------- main */

static int self_test(void)
{
	int sv[2];
	struct error *err = NULL;
	char why[256] = "";

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	struct yamux_mux *srv = yamux_mux_start(sv[1], false, accept_echo, NULL, &err);
	struct yamux_mux *cli = yamux_mux_start(sv[0], true, NULL, NULL, &err);
	check("32 streams x 1 MiB echoed", srv && cli && many_streams(cli, 32, why, sizeof(why)),
	      why);
	yamux_mux_stop(cli);
	yamux_mux_stop(srv);

	struct rpc_server *rs = rpc_server_new(handlers, 2, NULL, &err);
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	srv = yamux_mux_start(sv[1], false, accept_rpc, rs, &err);
	cli = yamux_mux_start(sv[0], true, NULL, NULL, &err);
	pthread_t t[8];
	struct caller c[8];
	for (int i = 0; i < 8; i++) {
		c[i] = (struct caller){ cli, 0 };
		pthread_create(&t[i], NULL, grpc_calls, &c[i]);
	}
	int ok = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok += c[i].ok;
	}
	snprintf(why, sizeof(why), "%d of 32 calls right", ok);
	check("gRPC on 8 yamux streams at once", ok == 32, why);
	yamux_mux_stop(cli);
	yamux_mux_stop(srv);
	rpc_server_stop(rs);

	bad_peer_check(false);
	bad_peer_check(true);
	printf("yamux: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}

static int sock(const char *path, bool listening)
{
	struct error *err = NULL;
	int fd = listening ? unix_listen(path, 1, &err) : unix_connect(path, &err);
	if (fd >= 0 && listening) {
		printf("ready\n");
		fflush(stdout);
		int c = accept(fd, NULL, NULL);
		close(fd);
		unlink(path);
		fd = c;
	}
	if (fd < 0)
		fprintf(stderr, "yamux-pair: %s\n", err ? err->msg : "accept failed");
	return fd;
}

int main(int argc, char **argv)
{
	struct error *err = NULL;
	char why[256] = "";

	for (size_t i = 0; i < MIB; i++)
		pattern[i] = (uint8_t)(i * 7 % 253);
	if (argc < 3)
		return self_test();
	bool serve = !strcmp(argv[1], "serve");
	int fd = sock(argv[2], serve);
	if (fd < 0)
		return 2;
	struct yamux_mux *m = yamux_mux_start(fd, !serve, serve ? accept_echo : NULL, NULL, &err);
	if (!m)
		return 2;
	if (serve) { /* until the peer hangs up */
		while (yamux_mux_alive(m))
			usleep(20000);
	} else {
		check("16 streams x 1 MiB echoed by the peer", many_streams(m, 16, why, sizeof(why)),
		      why);
		printf("yamux-connect: %d passed, %d failed\n", passed, failed);
	}
	yamux_mux_stop(m);
	return failed != 0;
}
