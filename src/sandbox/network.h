/* The sandbox's network (sandbox/network.c): Kata's tcfilter model on the
 * host (net/host.h), the NICs to QEMU, the rest to the agent. */
#ifndef SANDBOX_NETWORK_H
#define SANDBOX_NETWORK_H

#include <limits.h>
#include <stdbool.h>

#include "autoconf.h"
#include "hypervisor/hypervisor.h"
#include "net/host.h"
#include "sandbox/sandbox.h"

struct sb_net {
	char netns[PATH_MAX]; /* "" when the VM gets no network */
	bool created;	      /* made for the sandbox at DIR/netns */
	struct net_sandbox ns;
	struct vm_nic nics[NET_MAX_ENDPOINTS];
	unsigned nnics;
};

#if ENABLE_NET_TCFILTER
/* On create, before the VM: the namespace, a TAP and mirroring beside each
 * veth, recorded in DIR/network.json. Nothing when the model is "none",
 * the spec has no network namespace, or disable_new_netns. */
int sb_net_setup(const struct sb_env *env, const char *dir, const struct oci_spec *spec,
		 struct sb_net *n, struct error **err);
/* n->nics from the endpoints (vhost-net fds with KVM unless disabled). */
void sb_net_nics(struct sb_net *n, const char *accel, const struct config *c);
/* Close our copies of the fds (QEMU has its own once it runs). */
void sb_net_close(struct sb_net *n);
/* After the agent answers: UpdateInterface for each endpoint,
 * UpdateRoutes, AddARPNeighbors; then checks the veths are all there. */
int sb_net_agent(struct agent *a, const struct sb_net *n, struct error **err);
/* Undo what DIR/network.json records; no file, nothing to do. */
void sb_net_teardown(const char *dir);

/* DIR/network.json (endpoints: name, TAP, MAC). */
int sb_net_write(const char *dir, const struct sb_net *n, struct error **err);
int sb_net_read(const char *dir, struct sb_net *n, struct error **err);
/* The agent's form of an endpoint. */
void sb_net_iface(const struct net_endpoint *ep, struct agent_iface *out);

/* kata-network (sandbox/netcmd.c), on a running container. add: the
 * interface in->name of the sandbox's namespace gets a TAP and mirroring,
 * the VM a hot-plugged NIC (MAC in->hw_addr, or the interface's), the
 * guest in's addresses and MTU; out is the guest's answer. del: the NIC
 * with in's MAC (or name) unplugged, the TAP and mirroring removed. */
int sb_net_add_iface(const struct sb_env *env, const char *id, const struct agent_iface *in,
		     struct agent_iface *out, struct error **err);
int sb_net_del_iface(const struct sb_env *env, const char *id, const struct agent_iface *in,
		     struct error **err);
int sb_net_list_ifaces(const struct sb_env *env, const char *id, struct agent_iface **out,
		       size_t *n, struct error **err);
int sb_net_update_routes(const struct sb_env *env, const char *id, const struct agent_route *in,
			 size_t nin, struct agent_route **out, size_t *n, struct error **err);
int sb_net_list_routes(const struct sb_env *env, const char *id, struct agent_route **out,
		       size_t *n, struct error **err);
#else /* containers get no network */
#include <string.h>
static inline int sb_net_setup(const struct sb_env *env, const char *dir,
			       const struct oci_spec *spec, struct sb_net *n, struct error **err)
{
	(void)env, (void)dir, (void)spec, (void)err;
	memset(n, 0, sizeof(*n));
	return 0;
}
static inline void sb_net_nics(struct sb_net *n, const char *accel, const struct config *c)
{
	(void)n, (void)accel, (void)c;
}
static inline void sb_net_close(struct sb_net *n)
{
	(void)n;
}
static inline int sb_net_agent(struct agent *a, const struct sb_net *n, struct error **err)
{
	(void)a, (void)n, (void)err;
	return 0;
}
static inline void sb_net_teardown(const char *dir)
{
	(void)dir;
}
#endif

#endif
