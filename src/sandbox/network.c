/* The sandbox's network on the host and in the guest: the namespace the
 * spec names (or a new one), a TAP with tc mirroring beside each veth
 * (net/host.h), the TAPs to QEMU, and the veths' addresses, routes and
 * neighbours to the agent. What was made is recorded in DIR/network.json
 * before it is made, so that a delete after any failure undoes it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json/read.h"
#include "json/writer.h"
#include "sandbox/network.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/alloc.h"

#define NET_FILE_MAX (64 * 1024)

static void file_path(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

int sb_net_write(const char *dir, const struct sb_net *n, struct error **err)
{
	struct buf b = BUF_INIT(NET_FILE_MAX);
	struct json_writer w;
	char path[PATH_MAX + 16], mac[18];

	json_begin(&w, &b, true);
	json_obj_begin(&w);
	json_key(&w, "netns");
	json_str(&w, n->netns);
	json_key(&w, "created");
	json_bool(&w, n->created);
	json_key(&w, "endpoints");
	json_arr_begin(&w);
	for (size_t i = 0; i < n->ns.neps; i++) {
		const struct net_endpoint *ep = &n->ns.eps[i];
		net_mac_text(ep->mac, mac);
		json_obj_begin(&w);
		json_key(&w, "name");
		json_str(&w, ep->name);
		json_key(&w, "tap");
		json_str(&w, ep->tap);
		json_key(&w, "mac");
		json_str(&w, mac);
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_obj_end(&w);
	file_path(path, sizeof(path), dir, "network.json");
	int r = json_end(&w) < 0 ? error_set(err, E2BIG, "%s: too large", path)
				 : fs_write_file(path, b.data, b.len, 0600, err);
	buf_free(&b);
	return r;
}

static int parse(const struct json_doc *d, struct sb_net *n)
{
	int eps = json_get(d, 0, "endpoints"), created = json_get(d, 0, "created");
	size_t len;
	const char *c = json_raw(d, created, &len);

	if (json_copy(d, json_get(d, 0, "netns"), n->netns, sizeof(n->netns)) < 0 || !c ||
	    json_type(d, eps) != JSON_ARRAY || json_size(d, eps) > NET_MAX_ENDPOINTS)
		return -1;
	n->created = len == 4 && !memcmp(c, "true", 4);
	for (int k = 0, i = eps + 1; k < json_size(d, eps); k++, i = json_next(d, i)) {
		struct net_endpoint *ep = &n->ns.eps[n->ns.neps++];
		char mac[32];
		if (json_copy(d, json_get(d, i, "name"), ep->name, sizeof(ep->name)) < 0 ||
		    json_copy(d, json_get(d, i, "tap"), ep->tap, sizeof(ep->tap)) < 0 ||
		    json_copy(d, json_get(d, i, "mac"), mac, sizeof(mac)) < 0 || net_mac_parse(mac, ep->mac) < 0)
			return -1;
	}
	return 0;
}

int sb_net_read(const char *dir, struct sb_net *n, struct error **err)
{
	char path[PATH_MAX + 16], *text = NULL;
	size_t len;
	struct json_doc d;

	memset(n, 0, sizeof(*n));
	file_path(path, sizeof(path), dir, "network.json");
	if (fs_read_file(path, NET_FILE_MAX, &text, &len, err) < 0)
		return -1;
	int r = json_parse(&d, text, len, err);
	if (r == 0) {
		if ((r = parse(&d, n)) < 0)
			error_set(err, EINVAL, "%s: not as this runtime writes it", path);
		json_doc_free(&d);
	}
	free(text);
	return r;
}

/* The namespace the spec asks for: its path, a new one at DIR/netns, or
 * none (0 with netns ""). */
static int choose_ns(const struct sb_env *env, const char *dir, const struct oci_spec *spec,
		     struct sb_net *n, struct error **err)
{
	const struct oci_namespace *ns = oci_namespace(spec, "network");
	const struct config_runtime *rt = &env->config->runtime;

	if (!ns)
		return 0; /* the host's network: nothing of it goes to the VM */
	if (ns->path && *ns->path) {
		snprintf(n->netns, sizeof(n->netns), "%s", ns->path);
		return 0;
	}
	if (rt->disable_new_netns)
		return 0;
	file_path(n->netns, sizeof(n->netns), dir, "netns");
	n->created = true;
	/* recorded first: a crash between the two leaves a file delete removes */
	if (sb_net_write(dir, n, err) < 0 || net_ns_create(n->netns, err) < 0)
		return -1;
	return 0;
}

static unsigned queues(const struct config *c)
{
	int v = c->qemu.default_vcpus;
	return v < 1 ? 1 : v > NET_MAX_QUEUES ? NET_MAX_QUEUES : (unsigned)v;
}

static int connect_all(const struct config *c, const char *dir, struct sb_net *n,
		       struct error **err)
{
	struct rtnl r;
	int saved, rc = -1;

	if (net_ns_enter(n->netns, &saved, err) < 0)
		return -1;
	if (rtnl_open(&r, err) == 0) {
		if (net_scan(&r, &n->ns, err) == 0) {
			for (size_t i = 0; i < n->ns.neps; i++) /* named before they are made */
				snprintf(n->ns.eps[i].tap, IFNAMSIZ, "tap%u_kata", (unsigned)i % 100);
			rc = sb_net_write(dir, n, err);
		}
		for (size_t i = 0; rc == 0 && i < n->ns.neps; i++)
			rc = net_connect(&r, &n->ns.eps[i], (unsigned)i, queues(c), err);
		rtnl_close(&r);
	}
	net_ns_leave(saved);
	return rc < 0 ? error_wrap(err, "network namespace %s", n->netns) : 0;
}

int sb_net_setup(const struct sb_env *env, const char *dir, const struct oci_spec *spec,
		 struct sb_net *n, struct error **err)
{
	memset(n, 0, sizeof(*n));
	if (!strcmp(env->config->runtime.internetworking_model, "none"))
		return 0;
	if (strcmp(env->config->runtime.internetworking_model, "tcfilter"))
		return error_set(err, ENOTSUP, "runtime.internetworking_model = \"%s\": only "
				 "\"tcfilter\" and \"none\" are supported",
				 env->config->runtime.internetworking_model);
	if (choose_ns(env, dir, spec, n, err) < 0)
		return -1;
	if (!*n->netns)
		return 0;
	return connect_all(env->config, dir, n, err);
}

void sb_net_nics(struct sb_net *n, const char *accel, const struct config *c)
{
	bool vhost = !strcmp(accel, "kvm") && !c->qemu.disable_vhost_net;
	n->nnics = 0;
	for (size_t i = 0; i < n->ns.neps; i++) {
		struct net_endpoint *ep = &n->ns.eps[i];
		struct vm_nic *q = &n->nics[n->nnics++];
		memset(q, 0, sizeof(*q));
		snprintf(q->tap, sizeof(q->tap), "%s", ep->tap);
		net_mac_text(ep->mac, q->mac);
		memcpy(q->fds, ep->fds, sizeof(int) * ep->nfds);
		q->nfds = (unsigned)ep->nfds;
		/* vhost-net needs KVM's ioeventfds; without it QEMU's own path */
		for (unsigned k = 0; vhost && k < q->nfds; k++) {
			int fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				log_warn("network: /dev/vhost-net: %s; NICs without vhost",
					 strerror(errno));
				for (unsigned j = 0; j < q->nvhost; j++)
					close(q->vhostfds[j]);
				q->nvhost = 0;
				vhost = false;
				break;
			}
			q->vhostfds[q->nvhost++] = fd;
		}
	}
}

void sb_net_close(struct sb_net *n)
{
	for (unsigned i = 0; i < n->nnics; i++)
		for (unsigned k = 0; k < n->nics[i].nvhost; k++)
			close(n->nics[i].vhostfds[k]);
	n->nnics = 0;
	for (size_t i = 0; i < n->ns.neps; i++)
		net_endpoint_close_fds(&n->ns.eps[i]);
}

void sb_net_teardown(const char *dir)
{
	struct sb_net n;
	struct error *err = NULL;
	struct rtnl r;
	int saved;
	char path[PATH_MAX + 16];

	file_path(path, sizeof(path), dir, "network.json");
	if (access(path, F_OK) < 0)
		return;
	if (sb_net_read(dir, &n, &err) < 0) {
		log_warn("network: %s", err->msg);
		goto out;
	}
	/* a namespace gone (its maker removed it) took the rest along */
	if (n.ns.neps && net_ns_enter(n.netns, &saved, NULL) == 0) {
		if (rtnl_open(&r, &err) == 0) {
			for (size_t i = 0; i < n.ns.neps; i++)
				if (net_disconnect(&r, n.ns.eps[i].name, n.ns.eps[i].tap, &err) < 0) {
					log_warn("network: %s", err->msg);
					error_free(err);
					err = NULL;
				}
			rtnl_close(&r);
		} else {
			log_warn("network: %s", err->msg);
		}
		net_ns_leave(saved);
	}
	if (n.created && net_ns_remove(n.netns, &err) < 0)
		log_warn("network: %s", err->msg);
out:
	error_free(err);
	unlink(path);
}

/* The agent's forms of what the scan found. */
static void ip_text(int family, const uint8_t *ip, char *out, size_t size)
{
	if (!inet_ntop(family, ip, out, (socklen_t)size))
		out[0] = 0;
}

void sb_net_iface(const struct net_endpoint *ep, struct agent_iface *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->device, sizeof(out->device), "%s", ep->name);
	snprintf(out->name, sizeof(out->name), "%s", ep->name);
	snprintf(out->type, sizeof(out->type), "%s", ep->kind);
	net_mac_text(ep->mac, out->hw_addr);
	out->mtu = ep->mtu;
	for (size_t i = 0; i < ep->naddrs && out->nips < AGENT_MAX_IPS; i++) {
		struct agent_ip *ip = &out->ips[out->nips++];
		ip->family = ep->addrs[i].family;
		ip_text(ip->family, ep->addrs[i].ip, ip->address, sizeof(ip->address));
		snprintf(ip->mask, sizeof(ip->mask), "%u", ep->addrs[i].prefix);
	}
}

static void route_of(const struct net_route *r, struct agent_route *out)
{
	char dst[46];
	memset(out, 0, sizeof(*out));
	if (r->has_dst) {
		ip_text(r->family, r->dst, dst, sizeof(dst));
		snprintf(out->dest, sizeof(out->dest), "%s/%u", dst, r->dst_len);
	}
	if (r->has_gw)
		ip_text(r->family, r->gw, out->gateway, sizeof(out->gateway));
	if (r->has_src)
		ip_text(r->family, r->src, out->source, sizeof(out->source));
	snprintf(out->device, sizeof(out->device), "%s", r->dev);
	out->scope = r->scope;
}

static void neigh_of(const struct net_neigh *x, struct agent_neigh *out)
{
	memset(out, 0, sizeof(*out));
	out->ip.family = x->family;
	ip_text(x->family, x->ip, out->ip.address, sizeof(out->ip.address));
	snprintf(out->ip.mask, sizeof(out->ip.mask), "%u", x->family == AF_INET ? 32 : 128);
	snprintf(out->device, sizeof(out->device), "%s", x->dev);
	net_mac_text(x->mac, out->lladdr);
	out->state = x->state;
	out->flags = x->flags;
}

/* Every veth is still where it was (one that goes takes its TAP's traffic
 * with it: the container would have a NIC to nowhere). */
static int still_there(const struct sb_net *n, struct error **err)
{
	int saved;
	if (net_ns_enter(n->netns, &saved, err) < 0)
		return -1;
	for (size_t i = 0; i < n->ns.neps; i++)
		if (net_link_index(n->ns.eps[i].name) != n->ns.eps[i].index) {
			net_ns_leave(saved);
			return error_set(err, ENODEV, "interface %s disappeared from network "
					 "namespace %s", n->ns.eps[i].name, n->netns);
		}
	net_ns_leave(saved);
	return 0;
}

static int routes_and_neighbours(struct agent *a, const struct net_sandbox *s,
				 struct error **err)
{
	struct agent_route *r = xcalloc(s->nroutes + 1, sizeof(*r));
	struct agent_neigh *v = xcalloc(s->nneighs + 1, sizeof(*v));
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < s->nroutes; i++)
		route_of(&s->routes[i], &r[i]);
	for (size_t i = 0; rc == 0 && i < s->nneighs; i++)
		neigh_of(&s->neighs[i], &v[i]);
	if (rc == 0)
		rc = a->ops->update_routes(a, r, s->nroutes, NULL, NULL, err);
	if (rc == 0 && s->nneighs)
		rc = a->ops->add_neighbors(a, v, s->nneighs, err);
	free(r);
	free(v);
	return rc;
}

int sb_net_agent(struct agent *a, const struct sb_net *n, struct error **err)
{
	struct agent_iface in;

	if (!n->ns.neps)
		return 0;
	for (size_t i = 0; i < n->ns.neps; i++) {
		sb_net_iface(&n->ns.eps[i], &in);
		if (a->ops->update_interface(a, &in, NULL, err) < 0)
			return error_wrap(err, "network: interface %s", in.name);
	}
	if (routes_and_neighbours(a, &n->ns, err) < 0)
		return error_wrap(err, "network");
	return still_there(n, err);
}
