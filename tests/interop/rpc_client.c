/* Our gRPC client against a grpcio server (tests/interop/rpc_grpcio.py):
 * Health.Check, CreateContainer with a full OCI Spec that the server checks
 * field by field, ReadStdout of 256 KiB, WriteStdin of 1 MiB, an error status
 * with a non-ASCII message, and a deadline, after which the connection still
 * serves calls; then one client shared by 8 threads, where quick calls pass
 * a WaitProcess the server holds. Usage: rpc-client SOCKET */
#include <pb_decode.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "health.pb.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "util/error.h"

static int passed, failed;

#define EXPECT(name, cond)                                                           \
	do {                                                                         \
		if (cond) {                                                          \
			passed++;                                                    \
		} else {                                                             \
			failed++;                                                    \
			fprintf(stderr, "FAIL %s: %s\n", name, err ? err->msg : ""); \
		}                                                                    \
		error_free(err);                                                     \
		err = NULL;                                                          \
	} while (0)

static char *S(const char *s) { return (char *)s; }

/* Threads sharing one client: a WaitProcess that the server holds for 2 s,
 * and quick calls that must all finish while it is still in flight. */
static struct rpc_client *shared;
static atomic_bool waited;
static atomic_int quick_ok, quick_late;

static void *slow_call(void *arg)
{
	grpc_WaitProcessRequest wp = grpc_WaitProcessRequest_init_zero;
	grpc_WaitProcessResponse wpr = grpc_WaitProcessResponse_init_zero;
	wp.container_id = S("web");
	*(int *)arg = rpc_call(shared, RPC_AGENT(WaitProcess), &wp, &wpr, 10000, NULL);
	waited = true;
	return NULL;
}

static void *quick_calls(void *arg)
{
	for (int i = 0; i < 5; i++) {
		grpc_ReadStreamRequest rd = grpc_ReadStreamRequest_init_zero;
		grpc_ReadStreamResponse out = grpc_ReadStreamResponse_init_zero;
		struct buf data = BUF_INIT(1 << 20);
		pb_bytes_in(&out.data, &data);
		rd.len = 65536;
		if (rpc_call(shared, RPC_AGENT(ReadStdout), &rd, &out, 10000, NULL) == 0 &&
		    data.len == 65536)
			quick_ok++;
		if (waited)
			quick_late++;
		buf_free(&data);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct rpc_client c;
	struct error *err = NULL;
	int r;

	if (argc < 2 || rpc_client_connect_unix(&c, argv[1], &err) < 0) {
		fprintf(stderr, "connect: %s\n", err ? err->msg : "usage: rpc-client SOCKET");
		return 2;
	}

	grpc_CheckRequest chk = grpc_CheckRequest_init_zero;
	grpc_HealthCheckResponse health = grpc_HealthCheckResponse_init_zero;
	r = rpc_call(&c, RPC_HEALTH(Check), &chk, &health, 5000, &err);
	EXPECT("Health.Check", r == 0 && health.status == grpc_HealthCheckResponse_ServingStatus_SERVING);

	grpc_CreateContainerRequest cc = grpc_CreateContainerRequest_init_zero;
	grpc_Mount mounts[2] = { grpc_Mount_init_zero, grpc_Mount_init_zero };
	grpc_Spec_AnnotationsEntry ann = grpc_Spec_AnnotationsEntry_init_zero;
	char *args[] = { S("sh"), S("-c"), S("echo hello") };
	char *opts[] = { S("nosuid"), S("nodev") };
	char *caps[] = { S("CAP_CHOWN"), S("CAP_KILL") };
	cc.container_id = S("web");
	cc.exec_id = S("web");
	cc.has_OCI = true;
	cc.OCI.Version = S("1.0.2");
	cc.OCI.Hostname = S("web-host");
	cc.OCI.has_Process = cc.OCI.has_Root = cc.OCI.has_Linux = true;
	cc.OCI.Process.Args = args;
	cc.OCI.Process.Args_count = 3;
	cc.OCI.Process.Cwd = S("/");
	cc.OCI.Process.has_User = true;
	cc.OCI.Process.User.UID = 1000;
	cc.OCI.Process.has_Capabilities = true;
	cc.OCI.Process.Capabilities.Bounding = caps;
	cc.OCI.Process.Capabilities.Bounding_count = 2;
	cc.OCI.Process.NoNewPrivileges = true;
	cc.OCI.Root.Path = S("/run/kata-containers/shared/containers/web/rootfs");
	cc.OCI.Root.Readonly = true;
	mounts[0].destination = S("/proc");
	mounts[0].type = S("proc");
	mounts[0].source = S("proc");
	mounts[1].destination = S("/dev/shm");
	mounts[1].type = S("tmpfs");
	mounts[1].options = opts;
	mounts[1].options_count = 2;
	cc.OCI.Mounts = mounts;
	cc.OCI.Mounts_count = 2;
	ann.key = S("io.kubernetes.cri.sandbox-id");
	ann.value = S("sb1");
	cc.OCI.Annotations = &ann;
	cc.OCI.Annotations_count = 1;
	cc.OCI.Linux.CgroupsPath = S("/kata/web");
	cc.OCI.Linux.has_Resources = true;
	cc.OCI.Linux.Resources.has_Memory = true;
	cc.OCI.Linux.Resources.Memory.Limit = 256 << 20;
	google_protobuf_Empty empty = google_protobuf_Empty_init_zero;
	r = rpc_call(&c, RPC_AGENT(CreateContainer), &cc, &empty, 5000, &err);
	EXPECT("CreateContainer", r == 0);

	grpc_ReadStreamRequest rd = grpc_ReadStreamRequest_init_zero;
	grpc_ReadStreamResponse out = grpc_ReadStreamResponse_init_zero;
	struct buf data = BUF_INIT(1 << 20);
	pb_bytes_in(&out.data, &data);
	rd.container_id = S("web");
	rd.exec_id = S("web");
	rd.len = 256 * 1024;
	r = rpc_call(&c, RPC_AGENT(ReadStdout), &rd, &out, 5000, &err);
	int ok = r == 0 && data.len == 256 * 1024;
	for (size_t i = 0; ok && i < data.len; i++)
		ok = (uint8_t)data.data[i] == (uint8_t)(i % 251);
	EXPECT("ReadStdout 256 KiB", ok);
	buf_free(&data);

	grpc_WriteStreamRequest wr = grpc_WriteStreamRequest_init_zero;
	grpc_WriteStreamResponse wres = grpc_WriteStreamResponse_init_zero;
	char *big = malloc(1 << 20);
	memset(big, 'z', 1 << 20);
	struct pb_bytes_view view = { big, 1 << 20 };
	pb_bytes_out(&wr.data, &view);
	wr.container_id = S("web");
	r = rpc_call(&c, RPC_AGENT(WriteStdin), &wr, &wres, 5000, &err);
	EXPECT("WriteStdin 1 MiB", r == 0 && wres.len == 1 << 20);
	free(big);

	grpc_StartContainerRequest st = grpc_StartContainerRequest_init_zero;
	st.container_id = S("missing");
	r = rpc_call(&c, RPC_AGENT(StartContainer), &st, &empty, 5000, &err);
	EXPECT("error status", r == GRPC_NOT_FOUND && err &&
				       !strcmp(err->msg, "container \"missing\" n'existe pas \xe2\x80\x94 caf\xc3\xa9"));

	grpc_WaitProcessRequest wp = grpc_WaitProcessRequest_init_zero;
	grpc_WaitProcessResponse wpr = grpc_WaitProcessResponse_init_zero;
	wp.container_id = S("web");
	r = rpc_call(&c, RPC_AGENT(WaitProcess), &wp, &wpr, 300, &err);
	EXPECT("deadline", r == GRPC_DEADLINE_EXCEEDED);

	r = rpc_call(&c, RPC_HEALTH(Check), &chk, &health, 5000, &err);
	EXPECT("call after a deadline", r == 0);

	shared = &c;
	pthread_t slow, quick[7];
	int slow_r = -1;
	pthread_create(&slow, NULL, slow_call, &slow_r);
	usleep(100 * 1000); /* the slow call is on the wire first */
	for (int i = 0; i < 7; i++)
		pthread_create(&quick[i], NULL, quick_calls, NULL);
	for (int i = 0; i < 7; i++)
		pthread_join(quick[i], NULL);
	pthread_join(slow, NULL);
	EXPECT("one client, 8 threads: 35 calls pass a blocked WaitProcess",
	       quick_ok == 35 && quick_late == 0 && slow_r == 0);

	/* With TRACEPARENT and UKATA_TRACE_FILE: one call as a span of that
	 * trace, its context sent as traceparent (rpc_grpcio.py checks both). */
	struct trace_ctx parent;
	if (trace_from_env("rpc-client", &parent, &err) == 0 && trace_enabled) {
		r = rpc_call_traced(&c, RPC_HEALTH(Check), &chk, &health, 5000, &parent, &err);
		EXPECT("a traced call", r == 0);
		trace_close();
	}
	rpc_client_close(&c);
	printf("rpc-grpcio: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
