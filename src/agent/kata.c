/* The Kata 1.x agent over gRPC (agent.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>

#include "agent.pb.h"
#include "agent/agent.h"
#include "agent/internal.h"
#include "agent/spec.h"
#include "grpc/grpc.h"
#include "health.pb.h"
#include "rpc/pbbytes.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/log.h"
#include "util/alloc.h"

#define READ_CHUNK 65536

static int kata_connect(struct agent *a, const char *url, struct error **err)
{
	int fd = transport_dial(url, err);

	if (fd < 0 || rpc_client_connect_fd(&a->rpc, fd, err) < 0)
		return error_wrap(err, "agent %s", url);
	a->open = true;
	return 0;
}

static void kata_close(struct agent *a)
{
	if (a->open)
		rpc_client_close(&a->rpc);
	a->open = false;
}

/* One call: 0, or -1 with *err (the gRPC status code in *status when given). */
int agent_kata_call(struct agent *a, const struct rpc_method *m, const void *req, void *resp,
		int timeout_ms, int *status, struct error **err)
{
	if (!a->open)
		return error_set(err, ENOTCONN, "agent: not connected");
	/* Stream chunks are not spans: there would be one per read. */
	bool chunk = m == RPC_AGENT(ReadStdout) || m == RPC_AGENT(ReadStderr) ||
		     m == RPC_AGENT(WriteStdin);
	int r = rpc_call_traced(&a->rpc, m, req, resp, timeout_ms, chunk ? NULL : a->trace, err);
	if (status)
		*status = r > 0 ? r : 0;
	if (r == 0)
		return 0;
	return error_wrap(err, "agent %s", strrchr(m->path, '/') + 1);
}

static int empty(struct agent *a, const struct rpc_method *m, const void *req,
		 struct error **err)
{
	google_protobuf_Empty resp = { 0 };
	return agent_kata_call(a, m, req, &resp, a->timeout_ms, NULL, err);
}

static int kata_check(struct agent *a, struct error **err)
{
	grpc_CheckRequest req = { .service = "" };
	grpc_HealthCheckResponse resp = { 0 };
	if (agent_kata_call(a, RPC_HEALTH(Check), &req, &resp, a->timeout_ms, NULL, err) < 0)
		return -1;
	if (resp.status != grpc_HealthCheckResponse_ServingStatus_SERVING)
		return error_set(err, EIO, "agent: not serving (status %d)", (int)resp.status);
	return 0;
}

static int kata_create_sandbox(struct agent *a, const struct agent_sandbox *sb,
			       struct error **err)
{
	char msize[32], *opts[] = { "trans=virtio", "version=9p2000.L", "cache=mmap", "nodev",
				    msize };
	grpc_Storage st = { .driver = "9p", .source = "kataShared", .fstype = "9p",
			    .options_count = 5, .options = opts,
			    .mount_point = AGENT_SHARED_DIR };
	grpc_CreateSandboxRequest req = { .hostname = (char *)sb->hostname, .storages_count = 1,
					  .storages = &st, .sandbox_id = (char *)sb->id,
					  .sandbox_pidns = sb->pidns };
	size_t n = sb->kernel_modules ? sb->kernel_modules->n : 0;
	grpc_KernelModule km[16];
	char *params[16][8];

	snprintf(msize, sizeof(msize), "msize=%u", sb->msize_9p ? sb->msize_9p : 8192);
	if (n > 16)
		return error_set(err, E2BIG, "agent.kernel_modules: more than 16");
	/* "name p1=v1 p2=v2": split in a copy. */
	char *copy[16] = { 0 };
	for (size_t i = 0; i < n; i++) {
		char *save = NULL;
		copy[i] = xstrdup(sb->kernel_modules->v[i]);
		km[i] = (grpc_KernelModule){ strtok_r(copy[i], " ", &save), 0, params[i] };
		for (char *p; km[i].name && km[i].parameters_count < 8 &&
			      (p = strtok_r(NULL, " ", &save));)
			params[i][km[i].parameters_count++] = p;
	}
	req.kernel_modules_count = (pb_size_t)n;
	req.kernel_modules = km;
	int r = -1;
	for (size_t i = 0; i < n; i++)
		if (!km[i].name) {
			error_set(err, EINVAL, "agent.kernel_modules: empty entry %zu", i);
			goto out;
		}
	r = empty(a, RPC_AGENT(CreateSandbox), &req, err);
out:
	for (size_t i = 0; i < n; i++)
		free(copy[i]);
	return r;
}

static int kata_destroy_sandbox(struct agent *a, struct error **err)
{
	grpc_DestroySandboxRequest req = { 0 };
	return empty(a, RPC_AGENT(DestroySandbox), &req, err);
}

static int kata_create_container(struct agent *a, const char *cid, const struct oci_spec *spec,
				 const char *rootfs, const struct agent_devices *devs,
				 struct error **err)
{
	const struct oci_namespace *pid = oci_namespace(spec, "pid");
	grpc_CreateContainerRequest req = { .container_id = (char *)cid, .exec_id = (char *)cid,
					    .has_OCI = true,
					    .sandbox_pidns = pid && pid->path && *pid->path };
	grpc_Device d[AGENT_MAX_DEVICES];
	for (size_t i = 0; devs && i < devs->n && i < AGENT_MAX_DEVICES; i++)
		d[req.devices_count++] = (grpc_Device){ .id = (char *)devs->v[i].id,
							 .type = (char *)devs->v[i].type,
							 .vm_path = "",
							 .container_path = (char *)devs->v[i].container_path };
	req.devices = d;
	/* File systems on disks (a rootfs: where the spec's root is) */
	char opts[AGENT_MAX_STORAGES][256], *optv[AGENT_MAX_STORAGES][16];
	grpc_Storage st[AGENT_MAX_STORAGES];
	for (size_t i = 0; devs && i < devs->nst && i < AGENT_MAX_STORAGES; i++) {
		const struct agent_storage *g = &devs->st[i];
		char *save = NULL;
		st[i] = (grpc_Storage){ .driver = "blk", .source = (char *)g->id,
					.fstype = (char *)g->fstype, .options = optv[i],
					.mount_point = (char *)(g->mount_point[0] ? g->mount_point : rootfs) };
		snprintf(opts[i], sizeof(opts[i]), "%s", g->options);
		for (char *o = strtok_r(opts[i], ",", &save); o && st[i].options_count < 16;
		     o = strtok_r(NULL, ",", &save))
			optv[i][st[i].options_count++] = o;
		req.storages_count++;
	}
	req.storages = st;
	if (agent_spec_to_pb(&req.OCI, spec, rootfs, err) < 0)
		return -1;
	int r = empty(a, RPC_AGENT(CreateContainer), &req, err);
	agent_spec_release(&req.OCI);
	return r;
}

static int kata_start_container(struct agent *a, const char *cid, struct error **err)
{
	grpc_StartContainerRequest req = { .container_id = (char *)cid };
	return empty(a, RPC_AGENT(StartContainer), &req, err);
}

static int kata_remove_container(struct agent *a, const char *cid, uint32_t timeout_s,
				 struct error **err)
{
	grpc_RemoveContainerRequest req = { (char *)cid, timeout_s };
	google_protobuf_Empty resp = { 0 };
	return agent_kata_call(a, RPC_AGENT(RemoveContainer), &req, &resp,
		    timeout_s ? (int)timeout_s * 1000 + a->timeout_ms : 0, NULL, err);
}

static int kata_exec_process(struct agent *a, const char *cid, const char *eid,
			     const struct oci_process *p, struct error **err)
{
	grpc_ExecProcessRequest req = { .container_id = (char *)cid, .exec_id = (char *)eid,
					.has_process = true };
	grpc_POSIXRlimit *rl = p->nrlimits ? xcalloc(p->nrlimits, sizeof(*rl)) : NULL;
	agent_process_to_pb(&req.process, p, rl);
	int r = empty(a, RPC_AGENT(ExecProcess), &req, err);
	free(rl);
	return r;
}

static int kata_signal_process(struct agent *a, const char *cid, const char *eid, int sig,
			       struct error **err)
{
	grpc_SignalProcessRequest req = { (char *)cid, (char *)eid, (uint32_t)sig };
	return empty(a, RPC_AGENT(SignalProcess), &req, err);
}

static int kata_wait_process(struct agent *a, const char *cid, const char *eid, int *status,
			     struct error **err)
{
	grpc_WaitProcessRequest req = { (char *)cid, (char *)eid };
	grpc_WaitProcessResponse resp = { 0 };
	if (agent_kata_call(a, RPC_AGENT(WaitProcess), &req, &resp, 0, NULL, err) < 0)
		return -1;
	*status = resp.status;
	return 0;
}

/* One ReadStdout/ReadStderr into out: 1 with bytes (or any answer), 0 at
 * the agent's EOF, -1 on error. */
static int read_call(struct agent *a, bool err_stream, const grpc_ReadStreamRequest *req,
		     struct buf *out, int timeout_ms, struct error **err)
{
	grpc_ReadStreamResponse resp = { 0 };
	struct error *e = NULL;
	int status;

	pb_bytes_in(&resp.data, out);
	if (agent_kata_call(a, err_stream ? RPC_AGENT(ReadStderr) : RPC_AGENT(ReadStdout), req,
			    &resp, timeout_ms, &status, &e) == 0)
		return 1;
	if (status == GRPC_OUT_OF_RANGE && strstr(e->msg, "EOF")) {
		error_free(e);
		return 0;
	}
	if (err)
		*err = e;
	else
		error_free(e);
	return -1;
}

static int kata_read_output(struct agent *a, const char *cid, const char *eid, bool err_stream,
			    struct buf *out, struct error **err)
{
	grpc_ReadStreamRequest req = { .container_id = (char *)cid, .exec_id = (char *)eid,
				       .len = READ_CHUNK };
	size_t before = out->len;
	int r = read_call(a, err_stream, &req, out, 0, err);
	return r > 0 ? out->len > before : r;
}

static int kata_close_output(struct agent *a, const char *cid, const char *eid, bool err_stream,
			     struct error **err)
{
	grpc_ReadStreamRequest req = { .container_id = (char *)cid, .exec_id = (char *)eid,
				       .len = READ_CHUNK, .reader_gone = true };
	struct buf discard = BUF_INIT(READ_CHUNK);
	/* 1: it read, an agent without the field */
	int r = read_call(a, err_stream, &req, &discard, a->timeout_ms, err);
	buf_free(&discard);
	return r;
}

static int kata_write_stdin(struct agent *a, const char *cid, const char *eid, const void *data,
			    size_t len, struct error **err)
{
	grpc_WriteStreamRequest req = { .container_id = (char *)cid, .exec_id = (char *)eid };
	grpc_WriteStreamResponse resp = { 0 };
	struct pb_bytes_view v = { data, len };
	pb_bytes_out(&req.data, &v);
	return agent_kata_call(a, RPC_AGENT(WriteStdin), &req, &resp, 0, NULL, err);
}

static int kata_close_stdin(struct agent *a, const char *cid, const char *eid,
			    struct error **err)
{
	grpc_CloseStdinRequest req = { (char *)cid, (char *)eid };
	return empty(a, RPC_AGENT(CloseStdin), &req, err);
}

static int kata_tty_resize(struct agent *a, const char *cid, const char *eid, uint32_t rows,
			   uint32_t columns, struct error **err)
{
	grpc_TtyWinResizeRequest req = { (char *)cid, (char *)eid, rows, columns };
	return empty(a, RPC_AGENT(TtyWinResize), &req, err);
}

static int kata_pause(struct agent *a, const char *cid, struct error **err)
{
	grpc_PauseContainerRequest req = { (char *)cid };
	return empty(a, RPC_AGENT(PauseContainer), &req, err);
}

static int kata_resume(struct agent *a, const char *cid, struct error **err)
{
	grpc_ResumeContainerRequest req = { (char *)cid };
	return empty(a, RPC_AGENT(ResumeContainer), &req, err);
}

static int kata_update(struct agent *a, const char *cid, const struct oci_resources *r,
		       struct error **err)
{
	grpc_UpdateContainerRequest req = { .container_id = (char *)cid, .has_resources = true };
	agent_resources_to_pb(&req.resources, r);
	return empty(a, RPC_AGENT(UpdateContainer), &req, err);
}

static int kata_stats(struct agent *a, const char *cid, struct agent_stats *s,
		      struct error **err)
{
	grpc_StatsContainerRequest req = { (char *)cid };
	grpc_StatsContainerResponse resp = { 0 };
	if (agent_kata_call(a, RPC_AGENT(StatsContainer), &req, &resp, a->timeout_ms, NULL, err) < 0)
		return -1;
	const grpc_CgroupStats *c = &resp.cgroup_stats;
	*s = (struct agent_stats){
		c->cpu_stats.cpu_usage.total_usage, c->cpu_stats.cpu_usage.usage_in_usermode,
		c->cpu_stats.cpu_usage.usage_in_kernelmode, c->memory_stats.usage.usage,
		c->memory_stats.usage.max_usage, c->memory_stats.usage.limit,
		c->memory_stats.usage.failcnt, c->memory_stats.cache, c->pids_stats.current,
		c->pids_stats.limit,
	};
	pb_release(RPC_AGENT(StatsContainer)->resp, &resp);
	return 0;
}

static int kata_oom_event(struct agent *a, char *cid, size_t size, int timeout_ms,
			  struct error **err)
{
	grpc_GetOOMEventRequest req = { 0 };
	grpc_OOMEvent resp = { 0 };
	int status = 0;
	if (agent_kata_call(a, RPC_AGENT(GetOOMEvent), &req, &resp, timeout_ms, &status, err) < 0) {
		if (status == GRPC_DEADLINE_EXCEEDED && err && *err)
			(*err)->code = ETIMEDOUT;
		return -1;
	}
	snprintf(cid, size, "%s", resp.container_id ? resp.container_id : "");
	pb_release(RPC_AGENT(GetOOMEvent)->resp, &resp);
	return 0;
}

static int kata_metrics(struct agent *a, struct buf *out, int timeout_ms, struct error **err)
{
	grpc_GetMetricsRequest req = { 0 };
	grpc_Metrics resp = { 0 };
	int status = 0;
	if (agent_kata_call(a, RPC_AGENT(GetMetrics), &req, &resp, timeout_ms, &status, err) < 0) {
		if (status == GRPC_UNIMPLEMENTED && err && *err)
			(*err)->code = ENOTSUP;
		return -1;
	}
	int r = resp.metrics ? buf_puts(out, resp.metrics) : 0;
	pb_release(RPC_AGENT(GetMetrics)->resp, &resp);
	return r < 0 ? error_set(err, ENOMEM, "metrics: out of memory") : 0;
}

static int kata_ps(struct agent *a, const char *cid, const char *format, char *const *args,
		   size_t nargs, struct buf *out, struct error **err)
{
	grpc_ListProcessesRequest req = { (char *)cid, (char *)format, (pb_size_t)nargs,
					  (char **)args };
	grpc_ListProcessesResponse resp = { 0 };
	pb_bytes_in(&resp.process_list, out);
	return agent_kata_call(a, RPC_AGENT(ListProcesses), &req, &resp, a->timeout_ms, NULL, err);
}

/* The factory's steps for a VM that was booted for someone else. */
static int kata_reseed(struct agent *a, const void *data, size_t len, struct error **err)
{
	grpc_ReseedRandomDevRequest req = { 0 };
	struct pb_bytes_view v = { data, len };
	pb_bytes_out(&req.data, &v);
	return empty(a, RPC_AGENT(ReseedRandomDev), &req, err);
}

static int kata_set_time(struct agent *a, int64_t sec, int64_t usec, struct error **err)
{
	grpc_SetGuestDateTimeRequest req = { sec, usec };
	return empty(a, RPC_AGENT(SetGuestDateTime), &req, err);
}

static int kata_online_cpu_mem(struct agent *a, uint32_t nb_cpus, struct error **err)
{
	grpc_OnlineCPUMemRequest req = { .wait = true, .nb_cpus = nb_cpus };
	return empty(a, RPC_AGENT(OnlineCPUMem), &req, err);
}

static int kata_start_tracing(struct agent *a, struct error **err)
{
	grpc_StartTracingRequest req = { 0 };
	return empty(a, RPC_AGENT(StartTracing), &req, err);
}

static int kata_stop_tracing(struct agent *a, struct buf *out, struct error **err)
{
	grpc_StopTracingRequest req = { 0 };
	grpc_StopTracingResponse resp = { 0 };
	pb_bytes_in(&resp.spans, out);
	int r = agent_kata_call(a, RPC_AGENT(StopTracing), &req, &resp, a->timeout_ms, NULL, err);
	if (r == 0 && resp.dropped)
		log_warn("agent: %u span(s) dropped for want of room", (unsigned)resp.dropped);
	return r;
}

const struct agent_ops kata_agent_ops = {
	.name = "kata",
	.connect = kata_connect,
	.close = kata_close,
	.check = kata_check,
	.create_sandbox = kata_create_sandbox,
	.destroy_sandbox = kata_destroy_sandbox,
	.create_container = kata_create_container,
	.start_container = kata_start_container,
	.remove_container = kata_remove_container,
	.exec_process = kata_exec_process,
	.signal_process = kata_signal_process,
	.wait_process = kata_wait_process,
	.read_output = kata_read_output,
	.close_output = kata_close_output,
	.write_stdin = kata_write_stdin,
	.close_stdin = kata_close_stdin,
	.tty_resize = kata_tty_resize,
	.pause = kata_pause,
	.resume = kata_resume,
	.update = kata_update,
	.stats = kata_stats,
	.oom_event = kata_oom_event,
	.metrics = kata_metrics,
	.ps = kata_ps,
	.reseed = kata_reseed,
	.set_time = kata_set_time,
	.online_cpu_mem = kata_online_cpu_mem,
	.start_tracing = kata_start_tracing,
	.stop_tracing = kata_stop_tracing,
	.update_interface = agent_kata_update_interface,
	.update_routes = agent_kata_update_routes,
	.add_neighbors = agent_kata_add_neighbors,
	.list_interfaces = agent_kata_list_interfaces,
	.list_routes = agent_kata_list_routes,
};
