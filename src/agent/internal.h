/* Shared inside agent/: the call every RPC goes through, and the network
 * RPCs (agent/network.c) for the ops table. */
#ifndef AGENT_INTERNAL_H
#define AGENT_INTERNAL_H

#include "agent/agent.h"

/* One call: 0, or -1 with *err (the gRPC status code in *status when given). */
int agent_kata_call(struct agent *a, const struct rpc_method *m, const void *req, void *resp,
		    int timeout_ms, int *status, struct error **err);

int agent_kata_update_interface(struct agent *a, const struct agent_iface *in,
				struct agent_iface *out, struct error **err);
int agent_kata_update_routes(struct agent *a, const struct agent_route *r, size_t n,
			     struct agent_route **out, size_t *nout, struct error **err);
int agent_kata_add_neighbors(struct agent *a, const struct agent_neigh *v, size_t n,
			     struct error **err);
int agent_kata_list_interfaces(struct agent *a, struct agent_iface **out, size_t *n,
			       struct error **err);
int agent_kata_list_routes(struct agent *a, struct agent_route **out, size_t *n,
			   struct error **err);

#endif
