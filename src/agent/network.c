/* The agent's network RPCs: our text structs to and from types.proto's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <pb_decode.h>

#include "agent.pb.h"
#include "agent/internal.h"
#include "grpc/grpc.h"
#include "util/error.h"
#include "util/alloc.h"

#define MAX_LISTED 1024 /* interfaces or routes taken from one answer */

static void text(char *out, size_t size, const char *s)
{
	snprintf(out, size, "%s", s ? s : "");
}

static void ip_to_pb(const struct agent_ip *in, types_IPAddress *out)
{
	out->family = in->family == AF_INET6 ? types_IPFamily_v6 : types_IPFamily_v4;
	out->address = (char *)in->address;
	out->mask = (char *)in->mask;
}

static void ip_from_pb(const types_IPAddress *in, struct agent_ip *out)
{
	out->family = in->family == types_IPFamily_v6 ? AF_INET6 : AF_INET;
	text(out->address, sizeof(out->address), in->address);
	text(out->mask, sizeof(out->mask), in->mask);
}

static void iface_from_pb(const types_Interface *in, struct agent_iface *out)
{
	memset(out, 0, sizeof(*out));
	text(out->device, sizeof(out->device), in->device);
	text(out->name, sizeof(out->name), in->name);
	text(out->hw_addr, sizeof(out->hw_addr), in->hwAddr);
	text(out->pci_path, sizeof(out->pci_path), in->pciPath);
	text(out->type, sizeof(out->type), in->type);
	out->mtu = in->mtu;
	out->raw_flags = in->raw_flags;
	for (size_t i = 0; i < in->IPAddresses_count && out->nips < AGENT_MAX_IPS; i++)
		ip_from_pb(&in->IPAddresses[i], &out->ips[out->nips++]);
}

static void route_to_pb(const struct agent_route *in, types_Route *out)
{
	*out = (types_Route){ (char *)in->dest, (char *)in->gateway, (char *)in->device,
			      (char *)in->source, in->scope };
}

static void route_from_pb(const types_Route *in, struct agent_route *out)
{
	memset(out, 0, sizeof(*out));
	text(out->dest, sizeof(out->dest), in->dest);
	text(out->gateway, sizeof(out->gateway), in->gateway);
	text(out->device, sizeof(out->device), in->device);
	text(out->source, sizeof(out->source), in->source);
	out->scope = in->scope;
}

int agent_kata_update_interface(struct agent *a, const struct agent_iface *in,
				struct agent_iface *out, struct error **err)
{
	types_IPAddress ips[AGENT_MAX_IPS];
	grpc_UpdateInterfaceRequest req = { .has_interface = true };
	types_Interface resp = { 0 };
	types_Interface *t = &req.interface;

	*t = (types_Interface){ (char *)in->device, (char *)in->name, 0, ips, in->mtu,
				(char *)in->hw_addr, (char *)in->pci_path, (char *)in->type,
				in->raw_flags };
	for (size_t i = 0; i < in->nips && i < AGENT_MAX_IPS; i++)
		ip_to_pb(&in->ips[i], &ips[t->IPAddresses_count++]);
	if (agent_kata_call(a, RPC_AGENT(UpdateInterface), &req, &resp, a->timeout_ms, NULL, err) < 0)
		return -1;
	if (out)
		iface_from_pb(&resp, out);
	pb_release(RPC_AGENT(UpdateInterface)->resp, &resp);
	return 0;
}

static int routes_from_pb(const grpc_Routes *in, struct agent_route **out, size_t *n,
			  struct error **err)
{
	size_t count = in->Routes_count < MAX_LISTED ? in->Routes_count : MAX_LISTED;
	*n = 0;
	*out = xcalloc(count, sizeof(**out));
	for (; *n < count; ++*n)
		route_from_pb(&in->Routes[*n], &(*out)[*n]);
	return 0;
}

int agent_kata_update_routes(struct agent *a, const struct agent_route *r, size_t n,
			     struct agent_route **out, size_t *nout, struct error **err)
{
	grpc_UpdateRoutesRequest req = { .has_routes = true };
	grpc_Routes resp = { 0 };
	types_Route *v = xcalloc(n, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		route_to_pb(&r[i], &v[i]);
	req.routes = (grpc_Routes){ (pb_size_t)n, v };
	int rc = agent_kata_call(a, RPC_AGENT(UpdateRoutes), &req, &resp, a->timeout_ms, NULL, err);
	free(v);
	if (rc == 0 && out)
		rc = routes_from_pb(&resp, out, nout, err);
	pb_release(RPC_AGENT(UpdateRoutes)->resp, &resp);
	return rc;
}

int agent_kata_add_neighbors(struct agent *a, const struct agent_neigh *v, size_t n,
			     struct error **err)
{
	grpc_AddARPNeighborsRequest req = { .has_neighbors = true };
	google_protobuf_Empty resp = { 0 };
	types_ARPNeighbor *pb = xcalloc(n, sizeof(*pb));

	for (size_t i = 0; i < n; i++) {
		pb[i] = (types_ARPNeighbor){ true, { 0 }, (char *)v[i].device, (char *)v[i].lladdr,
					     v[i].state, v[i].flags };
		ip_to_pb(&v[i].ip, &pb[i].toIPAddress);
	}
	req.neighbors = (grpc_ARPNeighbors){ (pb_size_t)n, pb };
	int rc = agent_kata_call(a, RPC_AGENT(AddARPNeighbors), &req, &resp, a->timeout_ms, NULL, err);
	free(pb);
	return rc;
}

int agent_kata_list_interfaces(struct agent *a, struct agent_iface **out, size_t *n,
			       struct error **err)
{
	grpc_ListInterfacesRequest req = { 0 };
	grpc_Interfaces resp = { 0 };

	*n = 0;
	*out = NULL;
	if (agent_kata_call(a, RPC_AGENT(ListInterfaces), &req, &resp, a->timeout_ms, NULL, err) < 0)
		return -1;
	size_t count = resp.Interfaces_count < MAX_LISTED ? resp.Interfaces_count : MAX_LISTED;
	*out = xcalloc(count, sizeof(**out));
	for (; *n < count; ++*n)
		iface_from_pb(&resp.Interfaces[*n], &(*out)[*n]);
	pb_release(RPC_AGENT(ListInterfaces)->resp, &resp);
	return 0;
}

int agent_kata_list_routes(struct agent *a, struct agent_route **out, size_t *n,
			   struct error **err)
{
	grpc_ListRoutesRequest req = { 0 };
	grpc_Routes resp = { 0 };

	*n = 0;
	*out = NULL;
	if (agent_kata_call(a, RPC_AGENT(ListRoutes), &req, &resp, a->timeout_ms, NULL, err) < 0)
		return -1;
	int rc = routes_from_pb(&resp, out, n, err);
	pb_release(RPC_AGENT(ListRoutes)->resp, &resp);
	return rc;
}
