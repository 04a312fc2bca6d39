/* kata-network: Kata 1.x's commands to change a running sandbox's network.
 * Input and output are Kata's virtcontainers types as Go's encoding/json
 * writes them: Interface {Device, Name, IPAddresses [{Family, Address,
 * Mask}], Mtu, RawFlags, HwAddr, PciAddr, LinkType} and Route {Dest,
 * Gateway, Device, Source, Scope}; Family is AF_INET (2) or AF_INET6 (10). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/lifecycle.h"
#include "json/read.h"
#include "json/writer.h"
#include "sandbox/network.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/alloc.h"

#define INPUT_MAX (1u << 20)
#define MAX_ROUTES 1024

/* A string member copied into out (size bytes); absent or null is "". */
static int str(const struct json_doc *d, int obj, const char *key, char *out, size_t size,
	       struct error **err)
{
	int tok = json_get(d, obj, key);
	size_t len;
	const char *raw = json_raw(d, tok, &len);

	out[0] = 0;
	if (tok < 0 || (json_type(d, tok) == JSON_PRIMITIVE && len == 4 && !memcmp(raw, "null", 4)))
		return 0;
	if (json_copy(d, tok, out, size) < 0)
		return error_set(err, EINVAL, "%s: expected a string (at most %zu bytes)", key, size - 1);
	return 0;
}

/* An integer member (absent: 0); Mask may also be a string of digits. */
static int num(const struct json_doc *d, int obj, const char *key, long long min,
	       long long max, long long *v, struct error **err)
{
	int tok = json_get(d, obj, key);
	*v = 0;
	if (tok < 0)
		return 0;
	if (json_number(d, tok, v) < 0 || *v < min || *v > max)
		return error_set(err, EINVAL, "%s: expected an integer from %lld to %lld", key, min,
				 max);
	return 0;
}

static int ip_in(const struct json_doc *d, int tok, struct agent_ip *ip, struct error **err)
{
	long long family, mask;
	if (json_type(d, tok) != JSON_OBJECT)
		return error_set(err, EINVAL, "IPAddresses: expected objects");
	if (num(d, tok, "Family", 0, 10, &family, err) < 0 ||
	    str(d, tok, "Address", ip->address, sizeof(ip->address), err) < 0)
		return -1;
	ip->family = family == 10 ? AF_INET6 : AF_INET;
	int m = json_get(d, tok, "Mask");
	if (json_type(d, m) == JSON_PRIMITIVE) {
		if (num(d, tok, "Mask", 0, 128, &mask, err) < 0)
			return -1;
		snprintf(ip->mask, sizeof(ip->mask), "%lld", mask);
	} else if (str(d, tok, "Mask", ip->mask, sizeof(ip->mask), err) < 0) {
		return -1;
	}
	return 0;
}

static int iface_in(const struct json_doc *d, struct agent_iface *in, struct error **err)
{
	long long mtu, flags;
	int ips = json_get(d, 0, "IPAddresses");

	memset(in, 0, sizeof(*in));
	if (json_type(d, 0) != JSON_OBJECT)
		return error_set(err, EINVAL, "expected an Interface object");
	if (str(d, 0, "Device", in->device, sizeof(in->device), err) < 0 ||
	    str(d, 0, "Name", in->name, sizeof(in->name), err) < 0 ||
	    str(d, 0, "HwAddr", in->hw_addr, sizeof(in->hw_addr), err) < 0 ||
	    str(d, 0, "PciAddr", in->pci_path, sizeof(in->pci_path), err) < 0 ||
	    str(d, 0, "LinkType", in->type, sizeof(in->type), err) < 0 ||
	    num(d, 0, "Mtu", 0, 65535, &mtu, err) < 0 ||
	    num(d, 0, "RawFlags", 0, 0xffffffffLL, &flags, err) < 0)
		return -1;
	in->mtu = (uint64_t)mtu;
	in->raw_flags = (uint32_t)flags;
	if (json_type(d, ips) == JSON_ARRAY) {
		if (json_size(d, ips) > AGENT_MAX_IPS)
			return error_set(err, EINVAL, "IPAddresses: at most %d", AGENT_MAX_IPS);
		for (int k = 0, i = ips + 1; k < json_size(d, ips); k++, i = json_next(d, i))
			if (ip_in(d, i, &in->ips[in->nips++], err) < 0)
				return error_wrap(err, "IPAddresses[%d]", k);
	}
	return 0;
}

static int routes_in(const struct json_doc *d, struct agent_route **out, size_t *n,
		     struct error **err)
{
	long long scope;
	*n = 0;
	if (json_type(d, 0) != JSON_ARRAY || json_size(d, 0) > MAX_ROUTES)
		return error_set(err, EINVAL, "expected an array of at most %d Route objects",
				 MAX_ROUTES);
	*out = xcalloc((size_t)json_size(d, 0) + 1, sizeof(**out));
	for (int k = 0, i = 1; k < json_size(d, 0); k++, i = json_next(d, i)) {
		struct agent_route *r = &(*out)[(*n)++];
		if (json_type(d, i) != JSON_OBJECT)
			return error_set(err, EINVAL, "[%d]: expected a Route object", k);
		if (str(d, i, "Dest", r->dest, sizeof(r->dest), err) < 0 ||
		    str(d, i, "Gateway", r->gateway, sizeof(r->gateway), err) < 0 ||
		    str(d, i, "Device", r->device, sizeof(r->device), err) < 0 ||
		    str(d, i, "Source", r->source, sizeof(r->source), err) < 0 ||
		    num(d, i, "Scope", 0, 255, &scope, err) < 0)
			return error_wrap(err, "[%d]", k);
		r->scope = (uint32_t)scope;
	}
	return 0;
}

static void iface_out(struct json_writer *w, const struct agent_iface *f)
{
	json_obj_begin(w);
	json_key(w, "Device");
	json_str(w, f->device);
	json_key(w, "Name");
	json_str(w, f->name);
	json_key(w, "IPAddresses");
	if (!f->nips)
		json_null(w);
	else
		json_arr_begin(w);
	for (size_t i = 0; i < f->nips; i++) {
		json_obj_begin(w);
		json_key(w, "Family");
		json_int(w, f->ips[i].family);
		json_key(w, "Address");
		json_str(w, f->ips[i].address);
		json_key(w, "Mask");
		json_str(w, f->ips[i].mask);
		json_obj_end(w);
	}
	if (f->nips)
		json_arr_end(w);
	json_key(w, "Mtu");
	json_uint(w, f->mtu);
	json_key(w, "RawFlags");
	json_uint(w, f->raw_flags);
	json_key(w, "HwAddr");
	json_str(w, f->hw_addr);
	json_key(w, "PciAddr");
	json_str(w, f->pci_path);
	json_key(w, "LinkType");
	json_str(w, f->type);
	json_obj_end(w);
}

static void route_out(struct json_writer *w, const struct agent_route *r)
{
	json_obj_begin(w);
	json_key(w, "Dest");
	json_str(w, r->dest);
	json_key(w, "Gateway");
	json_str(w, r->gateway);
	json_key(w, "Device");
	json_str(w, r->device);
	json_key(w, "Source");
	json_str(w, r->source);
	json_key(w, "Scope");
	json_uint(w, r->scope);
	json_obj_end(w);
}

enum op { ADD_IFACE, DEL_IFACE, LIST_IFACES, UPDATE_ROUTES, LIST_ROUTES };
static const char *const op_names[] = { "add-iface", "del-iface", "list-ifaces",
					"update-routes", "list-routes", NULL };

/* What the op prints (Go's json.Encoder: one line; an empty list, or the
 * nothing del-iface returns, is null). */
static void print(enum op op, const struct agent_iface *ifs, size_t nifs,
		  const struct agent_route *rs, size_t nrs)
{
	struct buf b = BUF_INIT(0);
	struct json_writer w;

	json_begin(&w, &b, false);
	if (op == ADD_IFACE) {
		iface_out(&w, ifs);
	} else if (op == DEL_IFACE || (!nifs && !nrs)) {
		json_null(&w);
	} else {
		json_arr_begin(&w);
		for (size_t i = 0; i < nifs; i++)
			iface_out(&w, &ifs[i]);
		for (size_t i = 0; i < nrs; i++)
			route_out(&w, &rs[i]);
		json_arr_end(&w);
	}
	if (json_end(&w) == 0)
		printf("%s\n", b.data);
	buf_free(&b);
}

static int run(const struct sb_env *env, enum op op, const char *id, const struct json_doc *d,
	       const char *src, struct error **err)
{
	struct agent_iface in, out, *ifs = NULL;
	struct agent_route *rin = NULL, *rs = NULL;
	size_t n = 0, nin = 0;
	int r = -1;

	switch (op) {
	case ADD_IFACE:
	case DEL_IFACE:
		if (iface_in(d, &in, err) < 0) {
			error_wrap(err, "%s", src);
			break;
		}
		if (op == DEL_IFACE && !*in.hw_addr && !*in.name) {
			error_set(err, EINVAL, "HwAddr or Name: which interface to remove");
			break;
		}
		r = op == ADD_IFACE ? sb_net_add_iface(env, id, &in, &out, err)
				    : sb_net_del_iface(env, id, &in, err);
		if (r == 0)
			print(op, &out, 1, NULL, 0);
		break;
	case LIST_IFACES:
		if ((r = sb_net_list_ifaces(env, id, &ifs, &n, err)) == 0)
			print(op, ifs, n, NULL, 0);
		break;
	case UPDATE_ROUTES:
		if (routes_in(d, &rin, &nin, err) < 0) {
			error_wrap(err, "%s", src);
			break;
		}
		if ((r = sb_net_update_routes(env, id, rin, nin, &rs, &n, err)) == 0)
			print(op, NULL, 0, rs, n);
		break;
	case LIST_ROUTES:
		if ((r = sb_net_list_routes(env, id, &rs, &n, err)) == 0)
			print(op, NULL, 0, rs, n);
		break;
	}
	free(ifs);
	free(rin);
	free(rs);
	return r;
}

int cmd_network(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	struct error *err = NULL;
	struct sb_env env;
	struct json_doc d = { 0 };
	char self[4096], *text = NULL;
	size_t len;
	int op = 0;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	while (argc > 0 && op_names[op] && strcmp(argv[0], op_names[op]))
		op++;
	bool input = op == ADD_IFACE || op == DEL_IFACE || op == UPDATE_ROUTES;
	if (argc < 1 || !op_names[op] || argc != (input ? 3 : 2)) {
		log_error("kata-network: usage: kata-network add-iface|del-iface|update-routes "
			  "<container-id> <file|->, or list-ifaces|list-routes <container-id>");
		return 1;
	}
	const char *id = argv[1];
	if (input) {
		const char *f = !strcmp(argv[2], "-") ? "/dev/stdin" : argv[2];
		if (fs_read_file(f, INPUT_MAX, &text, &len, &err) < 0 ||
		    json_parse(&d, text, len, &err) < 0) {
			error_wrap(&err, "kata-network %s: %s", op_names[op], argv[2]);
			free(text);
			return cli_fail(cmd, id, err);
		}
	}
	int r = cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0
		? -1 : run(&env, (enum op)op, id, &d, input ? argv[2] : "", &err);
	if (r < 0)
		error_wrap(&err, "kata-network %s", op_names[op]);
	if (input)
		json_doc_free(&d);
	free(text);
	return r < 0 ? cli_fail(cmd, id, err) : 0;
}
