/* Agent calls for vm-tool: "agent:CALL" steps talk to the guest agent of
 * the VM over its channel (kata.sock in the run directory: yamux, one
 * stream, our gRPC client), as the runtime will. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>

#include "health.pb.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "util/error.h"

#define CALL_TIMEOUT_MS 30000

static struct rpc_client client;
static struct yamux_mux *mux;

static int connect_agent(const char *run_dir, struct error **err)
{
	char path[4200];

	if (mux)
		return 0;
	snprintf(path, sizeof(path), "%s/kata.sock", run_dir);
	int fd = unix_connect(path, err);
	if (fd < 0)
		return -1;
	mux = yamux_mux_start(fd, true, NULL, NULL, err);
	int s = mux ? yamux_mux_open(mux, err) : -1;
	if (s < 0 || rpc_client_connect_fd(&client, s, err) < 0)
		return error_wrap(err, "agent channel %s", path);
	return 0;
}

int agent_step(const char *run_dir, const char *call, struct error **err)
{
	if (connect_agent(run_dir, err) < 0)
		return -1;
	if (!strcmp(call, "check")) {
		grpc_CheckRequest req = { 0 };
		grpc_HealthCheckResponse resp = { 0 };
		if (rpc_call(&client, RPC_HEALTH(Check), &req, &resp, CALL_TIMEOUT_MS, err) != 0)
			return -1;
		printf("agent check %s\n", resp.status == grpc_HealthCheckResponse_ServingStatus_SERVING
						   ? "SERVING" : "not serving");
		return 0;
	}
	if (!strcmp(call, "version")) {
		grpc_CheckRequest req = { 0 };
		grpc_VersionCheckResponse resp = { 0 };
		if (rpc_call(&client, RPC_HEALTH(Version), &req, &resp, CALL_TIMEOUT_MS, err) != 0)
			return -1;
		printf("agent version grpc %s agent %s\n", resp.grpc_version ? resp.grpc_version : "",
		       resp.agent_version ? resp.agent_version : "");
		pb_release(grpc_VersionCheckResponse_fields, &resp);
		return 0;
	}
	return error_set(err, EINVAL, "unknown agent call %s", call);
}

void agent_disconnect(void)
{
	if (!mux)
		return;
	rpc_client_close(&client);
	yamux_mux_stop(mux);
	mux = NULL;
}
