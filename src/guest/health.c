/* grpc.Health: Check and Version. */
#include <string.h>

#include "guest/guest.h"
#include "health.pb.h"
#include "rpc/rpc.h"
#include "version.h"

/* Kata 1.x agent protocol version (protocols/grpc APIVersion). */
#define AGENT_API_VERSION "0.0.1"

static int check(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		 void *resp, struct error **err)
{
	(void)ctx, (void)m, (void)req, (void)err;
	((grpc_HealthCheckResponse *)resp)->status = grpc_HealthCheckResponse_ServingStatus_SERVING;
	return 0;
}

static int version(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		   void *resp, struct error **err)
{
	grpc_VersionCheckResponse *r = resp;
	(void)ctx, (void)m, (void)req, (void)err;
	r->grpc_version = strdup(AGENT_API_VERSION);
	r->agent_version = strdup(UKATA_VERSION);
	return 0;
}

static const struct rpc_handler handlers[] = {
	{ RPC_HEALTH(Check), check, NULL, true },
	{ RPC_HEALTH(Version), version, NULL, true },
};
const struct rpc_handler *const guest_health_handlers = handlers;
const size_t guest_nhealth_handlers = sizeof(handlers) / sizeof(handlers[0]);
