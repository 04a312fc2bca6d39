/* The VMCache client: one GetBaseVM from the server, and the VM it names
 * moved into the sandbox. From then on the VM is ours: the server forgot it
 * when it answered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pb_decode.h>

#include "cache.pb.h"
#include "factory/factory.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "util/error.h"

#define GET_TIMEOUT_MS 60000 /* the server may be booting the next one */
#define DESC_MAX (64 * 1024)

/* The VM, by the description it came with: its QEMU must be the one named. */
static int take(const cache_GrpcVM *r, const struct buf *desc, struct vm *vm,
		struct error **err)
{
	if (factory_vm_decode(desc->data ? desc->data : "", desc->len, vm, err) < 0)
		return -1;
	if (!r->id || strcmp(r->id, vm->id))
		return error_set(err, EINVAL, "GetBaseVM: id \"%s\" is not the description's \"%s\"",
				 r->id ? r->id : "", vm->id);
	return 0;
}

int factory_cache_get(const char *endpoint, const struct trace_ctx *trace,
		      struct vm *vm, struct error **err)
{
	struct rpc_client c;
	google_protobuf_Empty req = { 0 };
	cache_GrpcVM resp = { 0 };
	struct buf desc = BUF_INIT(DESC_MAX);

	if (rpc_client_connect_unix(&c, endpoint, err) < 0)
		return error_wrap(err, "VMCache server %s", endpoint);
	pb_bytes_in(&resp.hypervisor, &desc);
	int r = rpc_call_traced(&c, RPC_CACHE(GetBaseVM), &req, &resp, GET_TIMEOUT_MS, trace, err);
	rpc_client_close(&c);
	if (r == 0 && take(&resp, &desc, vm, err) < 0)
		r = -1;
	pb_release(RPC_CACHE(GetBaseVM)->resp, &resp);
	buf_free(&desc);
	return r == 0 ? 0 : error_wrap(err, "VMCache server %s", endpoint);
}

static int grpccache_get(struct factory *f, const char *id, const char *dir,
			 struct vm *vm, struct error **err)
{
	(void)id;
	if (factory_cache_get(f->endpoint, f->trace, vm, err) < 0)
		return -1;
	vm->hv = f->hv;
	struct trace_span sp;
	trace_begin(&sp, f->trace, "vm.move");
	int r = factory_vm_move(vm, dir, err);
	trace_end_err(&sp, r, err);
	if (r < 0) {
		factory_vm_stop(vm, true);
		return -1;
	}
	return 0;
}

const struct factory_ops factory_grpccache = { "grpccache", grpccache_get };
