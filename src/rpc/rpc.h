/* gRPC calls over a byte transport: one table of methods as data, and one
 * generic call function. */
#ifndef RPC_RPC_H
#define RPC_RPC_H

#include <pb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "http2/conn.h"
#include "trace/trace.h"
#include "ttrpc/ttrpc.h"
#include "util/buf.h"

struct error;

struct rpc_method {
	const char *path; /* "/grpc.AgentService/CreateContainer" */
	const pb_msgdesc_t *req;
	const pb_msgdesc_t *resp;
	size_t req_size, resp_size; /* of the C structs */
};

/* Methods by name: RPC_AGENT(CreateContainer) and so on (rpc/methods.c). */
enum rpc_method_id {
#define X(svc, name, req, resp) RPC_##svc##_##name,
#include "rpc/methods.def"
#undef X
	RPC_NMETHODS
};
extern const struct rpc_method rpc_methods[RPC_NMETHODS];
#define RPC_AGENT(name) (&rpc_methods[RPC_AgentService_##name])
#define RPC_HEALTH(name) (&rpc_methods[RPC_Health_##name])
#define RPC_CACHE(name) (&rpc_methods[RPC_CacheService_##name])

/* A client connection. Safe to share between threads: concurrent calls are
 * concurrent streams on the one connection, and a call that blocks (a
 * WaitProcess) does not hold up the others. */
struct call;
struct rpc_client {
	int fd;
	struct h2_conn h2;
	pthread_mutex_t lock; /* everything below, and h2 */
	pthread_cond_t turn;  /* a call ended, bytes were read, or the reader left */
	struct call *calls;   /* in flight */
	bool reading;	      /* a caller is reading the connection */
	uint8_t *in;	      /* the reader's buffer */
	int broken;	      /* errno-style code once the connection failed */
	char broken_why[160];
	size_t max_message;
	struct buf body; /* a request being sent, its memory kept */
	bool body_busy;
};

int rpc_client_connect_unix(struct rpc_client *c, const char *path, struct error **err);
/* Use a connected stream (a yamux stream, a vsock): the client owns fd. */
int rpc_client_connect_fd(struct rpc_client *c, int fd, struct error **err);
void rpc_client_close(struct rpc_client *c);

/* Call method with req, decoding into resp (release it with pb_release).
 * timeout_ms 0 waits for ever. Returns 0 when the status is OK; the gRPC
 * status code (> 0) with *err holding grpc-message otherwise; -1 when the
 * connection failed (*err says why). */
int rpc_call(struct rpc_client *c, const struct rpc_method *m, const void *req, void *resp,
	     int timeout_ms, struct error **err);
/* The same as a span under parent (NULL, or tracing off: as rpc_call),
 * whose context goes to the server in a traceparent header. */
#if ENABLE_TRACE
int rpc_call_traced(struct rpc_client *c, const struct rpc_method *m, const void *req,
		    void *resp, int timeout_ms, const struct trace_ctx *parent, struct error **err);
#else
static inline int rpc_call_traced(struct rpc_client *c, const struct rpc_method *m,
				  const void *req, void *resp, int timeout_ms,
				  const struct trace_ctx *parent, struct error **err)
{
	(void)parent;
	return rpc_call(c, m, req, resp, timeout_ms, err);
}
#endif

/* An observer of call durations, for metrics (the shim v2's): when set,
 * called with the method and the time it took in microseconds after each
 * call of rpc_call and rpc_call_traced (server false) and each call a
 * server handled (server true). Set it before the first call. */
extern void (*rpc_observer)(const struct rpc_method *m, bool server, uint64_t us);

/* A ttrpc client (containerd's wire): calls take turns on the connection.
 * A method's path "/SERVICE/METHOD" names the request's service and
 * method; md_key and md_value, when set, go with every call as metadata
 * (containerd's namespace: containerd-namespace-ttrpc). */
struct ttrpc_client {
	int fd;
	uint32_t next; /* stream id */
	pthread_mutex_t lock;
	struct ttrpc_reader in;
	const char *md_key, *md_value;
};
int ttrpc_client_connect_unix(struct ttrpc_client *c, const char *path, struct error **err);
void ttrpc_client_close(struct ttrpc_client *c);
/* As rpc_call: 0, the status code (> 0) with *err its message, or -1 when
 * the connection failed or timed out (timeout_ms 0: never). */
int ttrpc_call(struct ttrpc_client *c, const struct rpc_method *m, const void *req, void *resp,
	       int timeout_ms, struct error **err);

/* ---------------------------------------------------------------- server */

struct rpc_server;

/* What a handler knows of its call. */
struct rpc_ctx {
	void *user;	  /* given to rpc_server_new */
	long deadline_ms; /* io_now_ms() clock; 0 = none. Past it the client
			   * has been answered DEADLINE_EXCEEDED already. */
	/* The peer's credentials (SO_PEERCRED); has_cred is false on
	 * transports without them (a yamux stream: the peer is the VM). */
	bool has_cred;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	/* The call's scratch memory (also given to the handler's prepare):
	 * it lives until the response is encoded, so a handler may put
	 * response bytes there (pb_bytes_out_buf). */
	struct buf *scratch;
	/* The call's span (the server's tracing on), for the handler's own
	 * spans under it; NULL otherwise. Its parent is the caller's
	 * traceparent when the request carries one. */
	const struct trace_ctx *trace;
	/* Optional, set by a handler that hands something over in its answer:
	 * called once the answer was given to the connection whole
	 * (delivered) or dropped (the client gave up or went away, the
	 * deadline passed), so that what it held can be taken back. On the
	 * connection's or the handler's thread, with no server lock held. */
	void (*done)(void *user, uint64_t token, bool delivered);
	uint64_t token;
};

/* A handler fills resp from req. Returns 0 for OK, or a gRPC status code
 * (> 0) with *err naming the cause (sent as grpc-message). It runs on its
 * own thread and may block; it may set ctx's done hook. */
typedef int (*rpc_handler_fn)(struct rpc_ctx *ctx, const struct rpc_method *m,
			      const void *req, void *resp, struct error **err);

struct rpc_handler {
	const struct rpc_method *method;
	rpc_handler_fn fn;
	/* Optional: called before decoding, to attach callbacks (pb_bytes_in)
	 * for large bytes fields of the request to scratch. */
	void (*prepare)(void *req, struct buf *scratch);
	/* The handler never blocks (no waiting on processes, I/O or locks
	 * held for long): it runs on the connection's own thread, which
	 * saves two thread hand-offs a call but holds up the connection's
	 * other streams while it runs. */
	bool quick;
};
/* Pointer fields a handler sets in resp must be malloc'ed: the server frees
 * them with pb_release() after encoding. Callback fields (pb_bytes_out) must
 * point to data that outlives the handler's return until encoded: keep it in
 * user data, or static. */

/* A server with no listener yet: give it connections with rpc_server_serve
 * (yamux streams) or a socket with rpc_server_listen_unix. */
struct rpc_server *rpc_server_new(const struct rpc_handler *h, size_t n, void *user,
				  struct error **err);
/* The server speaks ttrpc (containerd's), not gRPC, on every connection it
 * serves from now on: a method's path "/SERVICE/METHOD" is the request's
 * service and method. Handlers and their status codes are the same.
 * CONFIG_TTRPC, as the client below. */
void rpc_server_ttrpc(struct rpc_server *srv);
/* Serve one connected stream; the server owns fd from now on. */
int rpc_server_serve(struct rpc_server *s, int fd);
/* Accept connections on a unix socket (mode 0600) until rpc_server_stop. */
int rpc_server_listen_unix(struct rpc_server *s, const char *path, struct error **err);
/* rpc_server_new + rpc_server_listen_unix. */
struct rpc_server *rpc_server_start_unix(const char *path, const struct rpc_handler *h,
					 size_t n, void *user, struct error **err);
/* Stop accepting, close every connection, wait for running handlers, and
 * remove the socket. */
void rpc_server_stop(struct rpc_server *s);

#endif
