/* kata-network on a running sandbox: interfaces of its network namespace
 * hot-plugged into the VM and out again, and the guest's interfaces and
 * routes listed and replaced. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/hypervisor.h"
#include "sandbox/internal.h"
#include "sandbox/network.h"
#include "util/error.h"
#include "util/alloc.h"

#define RUNNING SB_MASK(SB_RUNNING)
#define WHY "the network of a running container only"

/* Lock, check running, connect the agent, read network.json. */
static int open_net(const struct sb_env *env, const char *id, struct sb_state *s, int *lock,
		    struct agent *a, struct sb_net *n, struct error **err)
{
	if (sb_with_agent(env, id, RUNNING, WHY, s, lock, a, err) < 0)
		return -1;
	if (sb_net_read(s->dir, n, NULL) < 0 || !*n->netns) {
		sb_agent_done(s, *lock, a);
		return error_set(err, ENOENT, "container %s has no network namespace (its spec "
				 "asked for none, or internetworking_model is \"none\")", id);
	}
	return 0;
}

static struct net_endpoint *find(struct sb_net *n, const char *name, const char *mac)
{
	uint8_t m[6];
	bool by_mac = mac && *mac && net_mac_parse(mac, m) == 0;
	for (size_t i = 0; i < n->ns.neps; i++)
		if (by_mac ? !memcmp(n->ns.eps[i].mac, m, 6) : !strcmp(n->ns.eps[i].name, name))
			return &n->ns.eps[i];
	return NULL;
}

/* The first tap<N>_kata not in use. */
static unsigned free_tap(const struct sb_net *n)
{
	for (unsigned k = 0;; k++) {
		char name[IFNAMSIZ];
		bool used = false;
		snprintf(name, sizeof(name), "tap%u_kata", k % 100);
		for (size_t i = 0; i < n->ns.neps; i++)
			used |= !strcmp(n->ns.eps[i].tap, name);
		if (!used)
			return k;
	}
}

/* In the namespace: the interface read, recorded, connected. */
static int connect_one(const char *dir, struct sb_net *n, const struct agent_iface *in,
		       struct net_endpoint *ep, struct error **err)
{
	struct rtnl r;
	int saved, rc;
	unsigned k = free_tap(n);

	if (net_ns_enter(n->netns, &saved, err) < 0)
		return -1;
	if ((rc = rtnl_open(&r, err)) == 0) {
		rc = net_scan_one(&r, in->name, ep, err);
		if (rc == 0 && *in->hw_addr && net_mac_parse(in->hw_addr, ep->mac) < 0)
			rc = error_set(err, EINVAL, "HwAddr \"%s\": not a MAC address", in->hw_addr);
		if (rc == 0 && in->mtu)
			ep->mtu = (uint32_t)in->mtu;
		if (rc == 0) {
			snprintf(ep->tap, sizeof(ep->tap), "tap%u_kata", k % 100);
			n->ns.eps[n->ns.neps++] = *ep;
			rc = sb_net_write(dir, n, err);
		}
		if (rc == 0)
			rc = net_connect(&r, ep, k % 100, 1, err);
		rtnl_close(&r);
	}
	net_ns_leave(saved);
	return rc;
}

static void disconnect_one(const struct sb_net *n, const struct net_endpoint *ep)
{
	struct rtnl r;
	int saved;
	if (net_ns_enter(n->netns, &saved, NULL) < 0)
		return;
	if (rtnl_open(&r, NULL) == 0) {
		net_disconnect(&r, ep->name, ep->tap, NULL);
		rtnl_close(&r);
	}
	net_ns_leave(saved);
}

static void forget(const char *dir, struct sb_net *n, const struct net_endpoint *ep)
{
	for (size_t i = 0; i < n->ns.neps; i++)
		if (!strcmp(n->ns.eps[i].tap, ep->tap)) {
			n->ns.eps[i] = n->ns.eps[--n->ns.neps];
			break;
		}
	sb_net_write(dir, n, NULL);
}

/* Plug or unplug d in the container's VM. */
static int vm_plug(const struct sb_env *env, const struct sb_state *s, struct vm_device *d,
		   bool plug, struct error **err)
{
	struct vm vm;
	const struct hypervisor_ops *hv = hypervisor_of(env->config);

	if (vm_open(&vm, hv, s->id, s->dir, true, err) < 0)
		return -1;
	int r = plug ? hv->hotplug(&vm, d, err) : hv->unplug(&vm, d, err);
	hv->detach(&vm);
	return r;
}

static int hotplug(const struct sb_env *env, const struct sb_state *s, struct net_endpoint *ep,
		   char *pci, size_t size, struct error **err)
{
	struct vm_nic nic = { .nfds = (unsigned)ep->nfds };
	struct vm_device d = { .kind = VM_DEV_NIC, .nic = &nic };

	snprintf(nic.tap, sizeof(nic.tap), "%s", ep->tap);
	net_mac_text(ep->mac, nic.mac);
	memcpy(nic.fds, ep->fds, sizeof(int) * ep->nfds);
	int r = vm_plug(env, s, &d, true, err);
	snprintf(pci, size, "%s", r == 0 ? d.pci_path : "");
	return r;
}

static int unplug(const struct sb_env *env, const struct sb_state *s, const char *tap,
		  struct error **err)
{
	struct vm_nic nic = { 0 };
	struct vm_device d = { .kind = VM_DEV_NIC, .nic = &nic };

	snprintf(nic.tap, sizeof(nic.tap), "%s", tap);
	return vm_plug(env, s, &d, false, err);
}

static int add_iface(const struct sb_env *env, const struct sb_state *s, struct agent *a,
		     struct sb_net *n, const struct agent_iface *in, struct agent_iface *out,
		     struct error **err)
{
	struct net_endpoint ep = { 0 };
	struct agent_iface req = *in;

	if (!*in->name)
		return error_set(err, EINVAL, "Name: the interface in the network namespace to add");
	if (*in->type && strcmp(in->type, "veth") && strcmp(in->type, "macvlan") &&
	    strcmp(in->type, "ipvlan"))
		return error_set(err, EINVAL, "LinkType \"%s\": only veth, macvlan and ipvlan "
				 "interfaces can be added", in->type);
	if (find(n, in->name, NULL))
		return error_set(err, EEXIST, "interface %s is in the VM already", in->name);
	if (n->ns.neps == NET_MAX_ENDPOINTS)
		return error_set(err, ENOSPC, "at most %d interfaces", NET_MAX_ENDPOINTS);
	if (connect_one(s->dir, n, in, &ep, err) < 0)
		goto undo;
	int r = hotplug(env, s, &ep, req.pci_path, sizeof(req.pci_path), err);
	net_endpoint_close_fds(&ep); /* QEMU has them, or the TAP goes */
	if (r < 0)
		goto undo;
	net_mac_text(ep.mac, req.hw_addr);
	if (!req.mtu)
		req.mtu = ep.mtu;
	if (!*req.device)
		snprintf(req.device, sizeof(req.device), "%s", req.name);
	if (a->ops->update_interface(a, &req, out, err) == 0) {
		if (!*out->pci_path) /* the agent says where it found it, or not */
			snprintf(out->pci_path, sizeof(out->pci_path), "%s", req.pci_path);
		if (!*out->type)
			snprintf(out->type, sizeof(out->type), "%s", ep.kind);
		return 0;
	}
	unplug(env, s, ep.tap, NULL);
undo:
	disconnect_one(n, &ep);
	if (find(n, in->name, NULL))
		forget(s->dir, n, &ep);
	return -1;
}

int sb_net_add_iface(const struct sb_env *env, const char *id, const struct agent_iface *in,
		     struct agent_iface *out, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;
	struct sb_net *n = xcalloc(1, sizeof(*n));
	int r = open_net(env, id, &s, &lock, &a, n, err);
	if (r == 0) {
		r = add_iface(env, &s, &a, n, in, out, err);
		sb_agent_done(&s, lock, &a);
	}
	free(n);
	return r < 0 ? error_wrap(err, "container %s", id) : 0;
}

int sb_net_del_iface(const struct sb_env *env, const char *id, const struct agent_iface *in,
		     struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;
	struct sb_net *n = xcalloc(1, sizeof(*n));
	struct net_endpoint *ep;

	int r = open_net(env, id, &s, &lock, &a, n, err);
	if (r < 0)
		goto out;
	if (!(ep = find(n, in->name, in->hw_addr)))
		r = error_set(err, ENOENT, "no interface with %s %s in the VM",
			      *in->hw_addr ? "HwAddr" : "Name", *in->hw_addr ? in->hw_addr : in->name);
	else if ((r = unplug(env, &s, ep->tap, err)) == 0) {
		struct net_endpoint gone = *ep;
		disconnect_one(n, &gone);
		forget(s.dir, n, &gone);
	}
	sb_agent_done(&s, lock, &a);
out:
	free(n);
	return r < 0 ? error_wrap(err, "container %s", id) : 0;
}

int sb_net_list_ifaces(const struct sb_env *env, const char *id, struct agent_iface **out,
		       size_t *n, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, RUNNING, WHY, &s, &lock, &a, err) < 0)
		return -1;
	int r = a.ops->list_interfaces(&a, out, n, err);
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_net_update_routes(const struct sb_env *env, const char *id, const struct agent_route *in,
			 size_t nin, struct agent_route **out, size_t *n, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, RUNNING, WHY, &s, &lock, &a, err) < 0)
		return -1;
	int r = a.ops->update_routes(&a, in, nin, out, n, err);
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_net_list_routes(const struct sb_env *env, const char *id, struct agent_route **out,
		       size_t *n, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, RUNNING, WHY, &s, &lock, &a, err) < 0)
		return -1;
	int r = a.ops->list_routes(&a, out, n, err);
	sb_agent_done(&s, lock, &a);
	return r;
}
