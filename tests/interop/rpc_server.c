/* Our gRPC server with test handlers, for tests/interop/rpc_grpcio_client.py:
 * serves on argv[1] until stdin closes, then stops and checks that the
 * socket is gone. Health.Version is a barrier: it returns only once 100
 * calls are inside it at the same time, proving calls run concurrently. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.pb.h"
#include "cache.pb.h"
#include "grpc/grpc.h"
#include "health.pb.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "util/error.h"

static uint8_t pattern[1 << 20];
static __thread struct pb_bytes_view view, view2;

static int config(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		  struct error **err)
{
	cache_GrpcVMConfig *r = resp;
	view = (struct pb_bytes_view){ "{\"HypervisorType\":\"qemu\"}", 25 };
	view2 = (struct pb_bytes_view){ "{\"UseVSock\":false}", 18 };
	pb_bytes_out(&r->Data, &view);
	pb_bytes_out(&r->AgentConfig, &view2);
	return 0;
}

static int get_base_vm(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		       struct error **err)
{
	cache_GrpcVM *r = resp;
	view = (struct pb_bytes_view){ "{\"pid\":42}", 10 };
	r->id = strdup("vm-1");
	r->proxyURL = strdup("unix:///run/vc/sbs/vm-1/proxy.sock");
	r->proxyPid = 7;
	r->cpu = 1;
	r->memory = 256;
	pb_bytes_out(&r->hypervisor, &view);
	return 0;
}

static int status(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		  struct error **err)
{
	cache_GrpcStatus *r = resp;
	r->pid = getpid();
	r->vmstatus = calloc(2, sizeof(*r->vmstatus));
	r->vmstatus_count = 2;
	r->vmstatus[0] = (cache_GrpcVMStatus){ 100, 1, 256 };
	r->vmstatus[1] = (cache_GrpcVMStatus){ 101, 2, 512 };
	return 0;
}

static int quit(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		struct error **err)
{
	return 0;
}

static int read_stdout(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		       struct error **err)
{
	const grpc_ReadStreamRequest *q = req;
	grpc_ReadStreamResponse *r = resp;
	view = (struct pb_bytes_view){ pattern, q->len < sizeof(pattern) ? q->len : sizeof(pattern) };
	pb_bytes_out(&r->data, &view);
	return 0;
}

static void write_stdin_prepare(void *req, struct buf *scratch)
{
	pb_bytes_in(&((grpc_WriteStreamRequest *)req)->data, scratch);
}

static int write_stdin(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		       struct error **err)
{
	const grpc_WriteStreamRequest *q = req;
	const struct buf *data = q->data.arg;
	for (size_t i = 0; i < data->len; i++)
		if ((uint8_t)data->data[i] != pattern[i % sizeof(pattern)])
			return error_set(err, GRPC_DATA_LOSS, "byte %zu differs", i), GRPC_DATA_LOSS;
	((grpc_WriteStreamResponse *)resp)->len = (uint32_t)data->len;
	return 0;
}

static int start_container(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
			   struct error **err)
{
	const grpc_StartContainerRequest *q = req;
	error_set(err, GRPC_NOT_FOUND, "container \"%s\" n'existe pas \xe2\x80\x94 caf\xc3\xa9",
		  q->container_id ? q->container_id : "");
	return GRPC_NOT_FOUND;
}

static int wait_process(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
			struct error **err)
{
	usleep(1500 * 1000);
	return 0;
}

/* The caller's credentials, as the handler sees them. */
static __thread char who[64];
static int read_stderr(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		       void *resp, struct error **err)
{
	if (!ctx->has_cred)
		return error_set(err, GRPC_UNAUTHENTICATED, "no peer credentials"),
		       GRPC_UNAUTHENTICATED;
	snprintf(who, sizeof(who), "pid=%d uid=%d gid=%d", (int)ctx->pid, (int)ctx->uid,
		 (int)ctx->gid);
	view = (struct pb_bytes_view){ who, strlen(who) };
	pb_bytes_out(&((grpc_ReadStreamResponse *)resp)->data, &view);
	return 0;
}

static pthread_mutex_t bl = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bc = PTHREAD_COND_INITIALIZER;
static int inside;

static int version(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		   struct error **err)
{
	struct timespec until;
	int r = 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	pthread_mutex_lock(&bl);
	if (++inside >= 100)
		pthread_cond_broadcast(&bc);
	while (inside < 100 && r == 0)
		r = pthread_cond_timedwait(&bc, &bl, &until);
	int seen = inside;
	pthread_mutex_unlock(&bl);
	if (seen < 100)
		return error_set(err, GRPC_UNAVAILABLE, "only %d calls ran at once", seen),
		       GRPC_UNAVAILABLE;
	((grpc_VersionCheckResponse *)resp)->agent_version = strdup("ukata");
	return 0;
}

/* Handlers that never block run on the connection thread (quick); the
 * others on workers: both paths are exercised. */
static const struct rpc_handler handlers[] = {
	{ RPC_CACHE(Config), config, NULL, true },
	{ RPC_CACHE(GetBaseVM), get_base_vm, NULL, true },
	{ RPC_CACHE(Status), status, NULL, true },
	{ RPC_CACHE(Quit), quit, NULL, false },
	{ RPC_AGENT(ReadStdout), read_stdout, NULL, true },
	{ RPC_AGENT(WriteStdin), write_stdin, write_stdin_prepare, false },
	{ RPC_AGENT(StartContainer), start_container, NULL, true },
	{ RPC_AGENT(WaitProcess), wait_process, NULL, false },
	{ RPC_AGENT(ReadStderr), read_stderr, NULL, true },
	{ RPC_HEALTH(Version), version, NULL, false },
};

int main(int argc, char **argv)
{
	struct error *err = NULL;
	char c;

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i % 251);
	struct trace_ctx none; /* UKATA_TRACE_FILE: each traced call a span there */
	if (trace_from_env("rpc-server", &none, &err) < 0) {
		fprintf(stderr, "server: %s\n", err->msg);
		return 2;
	}
	struct rpc_server *s = rpc_server_start_unix(argv[1], handlers,
						     sizeof(handlers) / sizeof(handlers[0]), NULL, &err);
	if (!s) {
		fprintf(stderr, "server: %s\n", err->msg);
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	rpc_server_stop(s);
	trace_close();
	if (access(argv[1], F_OK) == 0) {
		fprintf(stderr, "socket %s left behind\n", argv[1]);
		return 1;
	}
	return 0;
}
