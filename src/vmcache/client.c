/* Status and Quit, as `factory status` and `factory destroy` call them. */
#include <errno.h>
#include <string.h>

#include <pb_decode.h>

#include "cache.pb.h"
#include "rpc/rpc.h"
#include "util/error.h"
#include "vmcache/vmcache.h"

#define CALL_TIMEOUT_MS 10000

static int call(const char *endpoint, const struct rpc_method *m, void *resp,
		struct error **err)
{
	struct rpc_client c;
	google_protobuf_Empty req = { 0 };

	if (rpc_client_connect_unix(&c, endpoint, err) < 0)
		return error_wrap(err, "failed to connect \"%s\"", endpoint);
	int r = rpc_call(&c, m, &req, resp, CALL_TIMEOUT_MS, err);
	rpc_client_close(&c);
	return r == 0 ? 0 : error_wrap(err, "failed to call gRPC %s", strrchr(m->path, '/') + 1);
}

int vmcache_status(const char *endpoint, struct vmcache_status *st, struct error **err)
{
	cache_GrpcStatus resp = { 0 };

	memset(st, 0, sizeof(*st));
	if (call(endpoint, RPC_CACHE(Status), &resp, err) < 0)
		return -1;
	st->pid = (pid_t)resp.pid;
	for (pb_size_t i = 0; i < resp.vmstatus_count && st->n < 64; i++)
		st->vms[st->n++] = (struct vmcache_vm_status){ (pid_t)resp.vmstatus[i].pid,
							       resp.vmstatus[i].cpu,
							       resp.vmstatus[i].memory };
	pb_release(RPC_CACHE(Status)->resp, &resp);
	return 0;
}

int vmcache_quit(const char *endpoint, struct error **err)
{
	google_protobuf_Empty resp = { 0 };
	return call(endpoint, RPC_CACHE(Quit), &resp, err);
}
