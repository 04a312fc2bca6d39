/* Shared inside the gRPC server (rpc/server.c: streams and connections;
 * rpc/server_work.c: handler threads and their results). */
#ifndef RPC_SERVER_INTERNAL_H
#define RPC_SERVER_INTERNAL_H

#include <sys/socket.h>

#include "grpc/grpc.h"
#include "rpc/rpc.h"
#include "ttrpc/ttrpc.h"

struct result {
	uint64_t conn_id;
	uint32_t stream;
	int status;
	char *message;
	struct buf body; /* prefixed response message when status is OK */
	struct result *next;
	/* The handler's done hook (rpc_ctx.done), called when r is freed. */
	void (*done)(void *user, uint64_t token, bool delivered);
	void *user;
	uint64_t token;
	bool delivered; /* the whole answer went to the connection */
};

struct scall {
	uint32_t id;
	const struct rpc_handler *h;
	struct grpc_reader reader;
	struct buf req;
	int nmsgs;
	long deadline;
	struct trace_ctx parent; /* from traceparent; zero without */
	bool dispatched, headers_sent, finished;
	struct result *res; /* being sent */
	size_t sent;
	struct scall *next;
};

struct sconn {
	struct rpc_server *srv;
	uint64_t id;
	int fd;
	int wake[2];
	struct h2_conn h2;
	struct scall *calls;
	struct result *done; /* under srv->lock */
	struct sconn *next;  /* under srv->lock */
	bool has_cred;
	struct ucred cred;
	/* A ttrpc connection (rpc_server_ttrpc) has these instead of h2's. */
	bool ttrpc, tt_dead;
	struct ttrpc_reader tt_in;
	struct buf tt_out;
	uint8_t *in; /* CONN_READ bytes: not on the thread's (small) stack, and
		      * not thread-local (glibc takes TLS out of the stack) */
};

#define CONN_READ 32768

struct rpc_server {
	int lfd;
	int stop_pipe[2];
	char *path;
	const struct rpc_handler *handlers;
	size_t nhandlers;
	void *user;
	pthread_t acceptor;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	struct sconn *conns;
	uint64_t next_conn_id;
	int live_conns, live_workers;
	/* Workers that finished a call wait a while for the next one, so a
	 * busy server does not create a thread per call. */
	struct job *queue, **queue_tail;
	int idle_workers, queued;
	pthread_cond_t work;
	bool stopping;
	bool ttrpc; /* the wire of its connections: ttrpc, not gRPC */
};

struct job {
	struct job *next;
	struct rpc_server *srv;
	uint64_t conn_id;
	uint32_t stream;
	const struct rpc_handler *h;
	struct buf req;
	struct rpc_ctx ctx;
	struct trace_ctx parent;
};

/* A result handed back to its connection's thread (dropped when the
 * connection is gone), and freed. */
void srv_result_free(struct result *r);
/* Decode j's request, run its handler (a span when the call carries a
 * traceparent), encode the answer into r. */
void srv_run_handler(struct job *j, struct result *r);
/* Hand j to an idle worker, or start one. Returns -1 when neither works. */
int srv_start_job(struct rpc_server *srv, struct job *j);
/* The call of stream id, and its end (rpc/server.c). */
struct scall *srv_find(struct sconn *c, uint32_t id);
void srv_forget(struct sconn *c, uint32_t id);
/* Run s's handler (its request whole in s->req). */
void srv_dispatch(struct sconn *c, struct scall *s);
/* The handler of "/SERVICE/METHOD" (n bytes), NULL for none. */
const struct rpc_handler *srv_lookup(struct rpc_server *srv, const char *path, size_t n);
/* End stream id with an error status (either wire). */
void srv_fail(struct sconn *c, uint32_t id, int status, const char *msg);

/* The ttrpc wire (rpc/server_ttrpc.c): bytes received (-1: the connection
 * is to end), results to send, an error answer. */
int srv_tt_recv(struct sconn *c, const uint8_t *in, size_t n);
void srv_tt_send_results(struct sconn *c);
void srv_tt_fail(struct sconn *c, uint32_t id, int status, const char *msg);

/* At the end of a thread that ran handlers. */
void srv_scratch_release(void);

#endif
