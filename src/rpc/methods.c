/* The RPC table: path and message descriptors of every method. */
#include "agent.pb.h"
#include "cache.pb.h"
#include "health.pb.h"
#include "rpc/rpc.h"

#define PKG_AgentService "grpc"
#define PKG_Health "grpc"
#define PKG_CacheService "cache"

const struct rpc_method rpc_methods[RPC_NMETHODS] = {
#define X(svc, name, req, resp) \
	{ "/" PKG_##svc "." #svc "/" #name, req##_fields, resp##_fields, sizeof(req), sizeof(resp) },
#include "rpc/methods.def"
#undef X
};
