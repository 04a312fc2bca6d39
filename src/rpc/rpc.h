/* gRPC calls over a byte transport: one table of methods as data, and one
 * generic call function. */
#ifndef RPC_RPC_H
#define RPC_RPC_H

#include <pb.h>
#include <pthread.h>
#include <stdint.h>

#include "http2/conn.h"

struct error;

struct rpc_method {
	const char *path; /* "/grpc.AgentService/CreateContainer" */
	const pb_msgdesc_t *req;
	const pb_msgdesc_t *resp;
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

/* A client connection. Calls on one client are serialised by its lock: it
 * is safe to share between threads, one call on the wire at a time (a
 * blocking WaitProcess holds the connection; use one client per blocking
 * caller). */
struct rpc_client {
	int fd;
	struct h2_conn h2;
	pthread_mutex_t lock;
	size_t max_message;
};

int rpc_client_connect_unix(struct rpc_client *c, const char *path, struct error **err);
void rpc_client_close(struct rpc_client *c);

/* Call method with req, decoding into resp (release it with pb_release).
 * timeout_ms 0 waits for ever. Returns 0 when the status is OK; the gRPC
 * status code (> 0) with *err holding grpc-message otherwise; -1 when the
 * connection failed (*err says why). */
int rpc_call(struct rpc_client *c, const struct rpc_method *m, const void *req, void *resp,
	     int timeout_ms, struct error **err);

#endif
