/* Agent calls for vm-tool: "agent:CALL" steps talk to the guest agent of
 * the VM over its channel (kata.sock in the run directory: yamux, one
 * stream, our gRPC client), as the runtime will. CALL is one of
 *   check, version, sandbox[:MODULE] (with the 9p share at
 *   /run/kata-containers/shared/containers/, and a kernel module), destroy,
 *   create:CID:ARGS (ARGS comma-separated; rootfs CID/rootfs in the share;
 *   proc, sysfs and a tmpfs mounted), create-tty:CID:ARGS, start:CID,
 *   exec:CID:EID:ARGS, wait:CID[:EID], out:CID[:EID] and err:CID[:EID]
 *   (read to EOF), in:CID:TEXT[:EID], close:CID[:EID],
 *   signal:CID:SIG[:EID] (EID "" signals every process), remove:CID,
 *   raw-create:CID:ROOT (a spec with that root path, for errors),
 *   pause:CID, resume:CID, update:CID:MEMORY_MAX:PIDS_MAX, stats:CID,
 *   ps:CID:FORMAT, online:NCPUS, reseed, details, time:SECONDS,
 *   copy:PATH:TEXT, resize:CID:ROWS:COLUMNS, ifaces, routes (list them),
 *   outlen:CID[:EID] (read to EOF, print the length), probe:ADDR,
 *   running:CID[:EID] (WaitProcess with a 2 s deadline: "still running"),
 *   iface:MAC:NAME:ADDR/PREFIX:MTU (MAC with '-' for ':'),
 *   setroutes:DEST@GW@DEV;... (UpdateRoutes), arp:IP:MAC:DEV.
 * Containers also get the cgroup2 hierarchy at /sys/fs/cgroup (read-only). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pb_decode.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "health.pb.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "util/error.h"

#define CALL_TIMEOUT_MS 30000

static struct rpc_client client;
static struct yamux_mux *mux; /* NULL on vsock */
static bool connected;

static int connect_agent(const char *run_dir, struct error **err)
{
	char path[4200];

	if (connected)
		return 0;
	snprintf(path, sizeof(path), "%s/kata.sock", run_dir);
	int fd = unix_connect(path, err);
	if (fd < 0)
		return -1;
	mux = yamux_mux_start(fd, true, NULL, NULL, err);
	int s = mux ? yamux_mux_open(mux, err) : -1;
	if (s < 0 || rpc_client_connect_fd(&client, s, err) < 0)
		return error_wrap(err, "agent channel %s", path);
	connected = true;
	return 0;
}

#define SHARED "/run/kata-containers/shared/containers/"

/* Split "a:b:c" in place into at most n fields; missing ones are "". */
static void fields(char *s, char **f, int n)
{
	for (int i = 0; i < n; i++) {
		f[i] = s;
		char *c = i < n - 1 ? strchr(s, ':') : NULL;
		if (c) {
			*c = 0;
			s = c + 1;
		} else {
			s += strlen(s);
		}
	}
}

/* "a,b,c" to argv (in place, at most 31). */
static size_t split_args(char *s, char **argv)
{
	size_t n = 0;
	for (char *save = NULL, *a = strtok_r(s, ",", &save); a && n < 31; a = strtok_r(NULL, ",", &save))
		argv[n++] = a;
	argv[n] = NULL;
	return n;
}

/* rpc_call, with the gRPC status code in the error ("status 5: ..."). */
static int status_call(const struct rpc_method *m, void *req, void *resp, struct error **err)
{
	int r = rpc_call(&client, m, req, resp, CALL_TIMEOUT_MS, err);
	if (r > 0)
		error_wrap(err, "status %d", r);
	return r != 0 ? -1 : 0;
}

static int empty_call(const struct rpc_method *m, void *req, struct error **err)
{
	google_protobuf_Empty resp = { 0 };
	return status_call(m, req, &resp, err);
}

static int sandbox(const char *module, struct error **err)
{
	grpc_KernelModule km = { .name = (char *)module };
	char *opts[] = { "trans=virtio", "version=9p2000.L", "cache=mmap", "nodev", "msize=8192" };
	grpc_Storage st = { .driver = "9p", .source = "kataShared", .fstype = "9p",
			    .options_count = 5, .options = opts, .mount_point = SHARED };
	grpc_CreateSandboxRequest req = { .hostname = "ukata-test", .storages_count = 1,
					  .storages = &st, .sandbox_id = "sb1",
					  .kernel_modules_count = module && *module ? 1 : 0,
					  .kernel_modules = &km };
	return empty_call(RPC_AGENT(CreateSandbox), &req, err);
}

static int create(char *cid, char *args, bool tty, const char *root, struct error **err)
{
	char rootfs[512], *argv[32], *env[] = { "PATH=/bin", "HOME=/" };
	char *ro[] = { "nosuid", "noexec", "nodev", "ro" }, *rw[] = { "nosuid", "nodev" };
	grpc_Mount mounts[] = {
		{ "/proc", "proc", "proc", 3, ro },
		{ "/sys", "sysfs", "sysfs", 4, ro },
		{ "/sys/fs/cgroup", "cgroup2", "cgroup2", 4, ro },
		{ "/tmp", "tmpfs", "tmpfs", 2, rw },
	};
	snprintf(rootfs, sizeof(rootfs), "%s%s/rootfs", SHARED, cid);
	grpc_CreateContainerRequest req = { .container_id = cid, .exec_id = cid, .has_OCI = true };
	grpc_Spec *s = &req.OCI;
	s->has_Process = s->has_Root = true;
	s->Root.Path = (char *)(root ? root : rootfs);
	s->Hostname = cid;
	s->Mounts_count = 4;
	s->Mounts = mounts;
	s->Process.Terminal = tty;
	s->Process.Args_count = (pb_size_t)split_args(args, argv);
	s->Process.Args = argv;
	s->Process.Env_count = 2;
	s->Process.Env = env;
	s->Process.Cwd = "/";
	return empty_call(RPC_AGENT(CreateContainer), &req, err);
}

static int exec_process(char *cid, char *eid, char *args, struct error **err)
{
	char *argv[32], *env[] = { "PATH=/bin" };
	grpc_ExecProcessRequest req = { .container_id = cid, .exec_id = eid, .has_process = true };
	req.process.Args_count = (pb_size_t)split_args(args, argv);
	req.process.Args = argv;
	req.process.Env_count = 1;
	req.process.Env = env;
	req.process.Cwd = "/tmp";
	return empty_call(RPC_AGENT(ExecProcess), &req, err);
}

/* Read a stream to its EOF and print it. */
static int drain(const struct rpc_method *m, char *cid, char *eid, bool count_only, struct error **err)
{
	struct buf all = BUF_INIT(0);
	for (;;) {
		struct buf chunk = BUF_INIT(1 << 20);
		grpc_ReadStreamRequest req = { .container_id = cid, .exec_id = eid, .len = 65536 };
		grpc_ReadStreamResponse resp = { 0 };
		pb_bytes_in(&resp.data, &chunk);
		struct error *e = NULL;
		int r = rpc_call(&client, m, &req, &resp, CALL_TIMEOUT_MS, &e);
		buf_append(&all, chunk.data ? chunk.data : "", chunk.len);
		buf_free(&chunk);
		if (r == GRPC_OUT_OF_RANGE && e && !strcmp(e->msg, "EOF")) {
			error_free(e);
			break;
		}
		if (r != 0) {
			*err = e;
			buf_free(&all);
			return -1;
		}
	}
	if (count_only)
		printf("agent %s %zu bytes\n", m == RPC_AGENT(ReadStdout) ? "out" : "err", all.len);
	else
		printf("agent %s [%s]\n", m == RPC_AGENT(ReadStdout) ? "out" : "err", all.data ? all.data : "");
	buf_free(&all);
	return 0;
}

static void dashes_to_colons(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = ':';
}

static void print_ifaces(const types_Interface *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		printf("agent iface %s mac %s mtu %llu up %d", v[i].name ? v[i].name : "",
		       v[i].hwAddr ? v[i].hwAddr : "", (unsigned long long)v[i].mtu, (int)(v[i].raw_flags & 1));
		for (size_t k = 0; k < v[i].IPAddresses_count; k++)
			printf(" %s/%s", v[i].IPAddresses[k].address, v[i].IPAddresses[k].mask);
		printf("\n");
	}
}

static void print_routes(const grpc_Routes *r)
{
	for (size_t i = 0; i < r->Routes_count; i++)
		printf("agent route [%s] via [%s] dev [%s] src [%s] scope %u\n", r->Routes[i].dest,
		       r->Routes[i].gateway, r->Routes[i].device, r->Routes[i].source, r->Routes[i].scope);
}

static int net_call(char **f, struct error **err)
{
	const char *c = f[0];
	if (!strcmp(c, "ifaces")) {
		grpc_ListInterfacesRequest req = { 0 };
		grpc_Interfaces resp = { 0 };
		if (rpc_call(&client, RPC_AGENT(ListInterfaces), &req, &resp, CALL_TIMEOUT_MS, err) != 0)
			return -1;
		print_ifaces(resp.Interfaces, resp.Interfaces_count);
		pb_release(grpc_Interfaces_fields, &resp);
		return 0;
	}
	if (!strcmp(c, "routes")) {
		grpc_ListRoutesRequest req = { 0 };
		grpc_Routes resp = { 0 };
		if (rpc_call(&client, RPC_AGENT(ListRoutes), &req, &resp, CALL_TIMEOUT_MS, err) != 0)
			return -1;
		print_routes(&resp);
		pb_release(grpc_Routes_fields, &resp);
		return 0;
	}
	if (!strcmp(c, "iface")) {
		char *addr = f[3], *slash = strchr(addr, '/'), *mtu = slash ? strchr(slash, ':') : NULL;
		if (mtu)
			*mtu++ = 0;
		if (slash)
			*slash++ = 0;
		dashes_to_colons(f[1]);
		types_IPAddress ip = { types_IPFamily_v4, addr, slash ? slash : "32" };
		grpc_UpdateInterfaceRequest req = { .has_interface = true };
		req.interface.hwAddr = f[1];
		req.interface.name = f[2];
		req.interface.IPAddresses_count = *addr ? 1 : 0;
		req.interface.IPAddresses = &ip;
		req.interface.mtu = mtu ? strtoull(mtu, NULL, 10) : 0;
		types_Interface resp = { 0 };
		if (status_call(RPC_AGENT(UpdateInterface), &req, &resp, err) < 0)
			return -1;
		print_ifaces(&resp, 1);
		pb_release(types_Interface_fields, &resp);
		return 0;
	}
	if (!strcmp(c, "setroutes")) {
		types_Route rt[8];
		size_t n = 0;
		for (char *save = NULL, *one = strtok_r(f[1], ";", &save); one && n < 8; one = strtok_r(NULL, ";", &save)) {
			char *gw = strchr(one, '@'), *dev = gw ? strchr(gw + 1, '@') : NULL;
			if (gw)
				*gw++ = 0;
			if (dev)
				*dev++ = 0;
			rt[n++] = (types_Route){ one, gw ? gw : "", dev ? dev : "", "", 0 };
		}
		grpc_UpdateRoutesRequest req = { .has_routes = true };
		req.routes.Routes_count = (pb_size_t)n;
		req.routes.Routes = rt;
		grpc_Routes resp = { 0 };
		if (rpc_call(&client, RPC_AGENT(UpdateRoutes), &req, &resp, CALL_TIMEOUT_MS, err) != 0)
			return -1;
		print_routes(&resp);
		pb_release(grpc_Routes_fields, &resp);
		return 0;
	}
	if (!strcmp(c, "arp")) {
		dashes_to_colons(f[2]);
		types_ARPNeighbor a = { .has_toIPAddress = true, .device = f[3], .lladdr = f[2] };
		a.toIPAddress = (types_IPAddress){ types_IPFamily_v4, f[1], "" };
		grpc_AddARPNeighborsRequest req = { .has_neighbors = true };
		req.neighbors.ARPNeighbors_count = 1;
		req.neighbors.ARPNeighbors = &a;
		if (empty_call(RPC_AGENT(AddARPNeighbors), &req, err) < 0)
			return -1;
		printf("agent arp ok\n");
		return 0;
	}
	return 1;
}

static int container_call(const char *call, struct error **err)
{
	char copy[1024], *f[4];
	snprintf(copy, sizeof(copy), "%s", call);
	fields(copy, f, 4);
	int nr = net_call(f, err);
	if (nr <= 0)
		return nr;
	const char *c = f[0];
	int r;
	if (!strcmp(c, "sandbox"))
		r = sandbox(f[1], err);
	else if (!strcmp(c, "destroy")) {
		grpc_DestroySandboxRequest req = { 0 };
		r = empty_call(RPC_AGENT(DestroySandbox), &req, err);
	} else if (!strcmp(c, "create") || !strcmp(c, "create-tty")) {
		snprintf(copy, sizeof(copy), "%s", call); /* the args may hold ':' */
		fields(copy, f, 3);
		r = create(f[1], f[2], f[0][6] == '-', NULL, err);
	} else if (!strcmp(c, "raw-create")) {
		char sh[] = "sh";
		r = create(f[1], sh, false, f[2], err);
	} else if (!strcmp(c, "start")) {
		grpc_StartContainerRequest req = { .container_id = f[1] };
		r = empty_call(RPC_AGENT(StartContainer), &req, err);
	} else if (!strcmp(c, "exec"))
		r = exec_process(f[1], f[2], f[3], err);
	else if (!strcmp(c, "wait")) {
		grpc_WaitProcessRequest req = { .container_id = f[1], .exec_id = f[2] };
		grpc_WaitProcessResponse resp = { 0 };
		if (status_call(RPC_AGENT(WaitProcess), &req, &resp, err) < 0)
			return -1;
		printf("agent %s exited %d\n", call, resp.status);
		return 0;
	} else if (!strcmp(c, "running")) { /* WaitProcess must not return within 2 s */
		grpc_WaitProcessRequest req = { .container_id = f[1], .exec_id = f[2] };
		grpc_WaitProcessResponse resp = { 0 };
		struct error *e = NULL;
		r = rpc_call(&client, RPC_AGENT(WaitProcess), &req, &resp, 2000, &e);
		error_free(e);
		printf("agent %s %s\n", call, r == GRPC_DEADLINE_EXCEEDED ? "still running" : "ended");
		return 0;
	} else if (!strcmp(c, "out") || !strcmp(c, "err") || !strcmp(c, "outlen"))
		return drain(c[0] == 'o' ? RPC_AGENT(ReadStdout) : RPC_AGENT(ReadStderr), f[1], f[2],
			     c[3] == 'l', err);
	else if (!strcmp(c, "probe")) {
		uint64_t addr = strtoull(f[1], NULL, 0);
		grpc_MemHotplugByProbeRequest req = { .memHotplugProbeAddr_count = 1,
						      .memHotplugProbeAddr = &addr };
		r = empty_call(RPC_AGENT(MemHotplugByProbe), &req, err);
	}
	else if (!strcmp(c, "in")) {
		struct pb_bytes_view v = { f[2], strlen(f[2]) };
		grpc_WriteStreamRequest req = { .container_id = f[1], .exec_id = f[3] };
		grpc_WriteStreamResponse resp = { 0 };
		pb_bytes_out(&req.data, &v);
		if (rpc_call(&client, RPC_AGENT(WriteStdin), &req, &resp, CALL_TIMEOUT_MS, err) != 0)
			return -1;
		printf("agent in wrote %u\n", resp.len);
		return 0;
	} else if (!strcmp(c, "close")) {
		grpc_CloseStdinRequest req = { .container_id = f[1], .exec_id = f[2] };
		r = empty_call(RPC_AGENT(CloseStdin), &req, err);
	} else if (!strcmp(c, "signal")) {
		grpc_SignalProcessRequest req = { .container_id = f[1], .exec_id = f[3],
						  .signal = (uint32_t)atoi(f[2]) };
		r = empty_call(RPC_AGENT(SignalProcess), &req, err);
	} else if (!strcmp(c, "remove")) {
		grpc_RemoveContainerRequest req = { .container_id = f[1], .timeout = 10 };
		r = empty_call(RPC_AGENT(RemoveContainer), &req, err);
	} else if (!strcmp(c, "pause") || !strcmp(c, "resume")) {
		grpc_PauseContainerRequest req = { .container_id = f[1] };
		r = empty_call(c[0] == 'p' ? RPC_AGENT(PauseContainer) : RPC_AGENT(ResumeContainer), &req, err);
	} else if (!strcmp(c, "update")) {
		grpc_UpdateContainerRequest req = { .container_id = f[1], .has_resources = true };
		req.resources.has_Memory = req.resources.has_Pids = true;
		req.resources.Memory.Limit = atoll(f[2]);
		req.resources.Pids.Limit = atoll(f[3]);
		r = empty_call(RPC_AGENT(UpdateContainer), &req, err);
	} else if (!strcmp(c, "stats")) {
		grpc_StatsContainerRequest req = { .container_id = f[1] };
		grpc_StatsContainerResponse resp = { 0 };
		if (rpc_call(&client, RPC_AGENT(StatsContainer), &req, &resp, CALL_TIMEOUT_MS, err) != 0)
			return -1;
		const grpc_CgroupStats *st = &resp.cgroup_stats;
		printf("agent stats cpu %s memory %s limit %llu pids %llu limit %llu\n",
		       st->cpu_stats.cpu_usage.total_usage > 0 ? "used" : "none",
		       st->memory_stats.usage.usage > 0 ? "used" : "none",
		       (unsigned long long)st->memory_stats.usage.limit,
		       (unsigned long long)st->pids_stats.current, (unsigned long long)st->pids_stats.limit);
		pb_release(grpc_StatsContainerResponse_fields, &resp);
		return 0;
	} else if (!strcmp(c, "ps")) {
		struct buf b = BUF_INIT(1 << 20);
		grpc_ListProcessesRequest req = { .container_id = f[1], .format = f[2] };
		grpc_ListProcessesResponse resp = { 0 };
		pb_bytes_in(&resp.process_list, &b);
		r = status_call(RPC_AGENT(ListProcesses), &req, &resp, err);
		if (r == 0)
			printf("agent ps [%s]\n", b.data ? b.data : "");
		buf_free(&b);
		return r ? -1 : 0;
	} else if (!strcmp(c, "online")) {
		grpc_OnlineCPUMemRequest req = { .nb_cpus = (uint32_t)atoi(f[1]) };
		r = empty_call(RPC_AGENT(OnlineCPUMem), &req, err);
	} else if (!strcmp(c, "reseed")) {
		unsigned char seed[64];
		for (size_t i = 0; i < sizeof(seed); i++)
			seed[i] = (unsigned char)(i * 37 + 11);
		struct pb_bytes_view v = { seed, sizeof(seed) };
		grpc_ReseedRandomDevRequest req = { 0 };
		pb_bytes_out(&req.data, &v);
		r = empty_call(RPC_AGENT(ReseedRandomDev), &req, err);
	} else if (!strcmp(c, "details")) {
		grpc_GuestDetailsRequest req = { .mem_block_size = true, .mem_hotplug_probe = true };
		grpc_GuestDetailsResponse resp = { 0 };
		if (rpc_call(&client, RPC_AGENT(GetGuestDetails), &req, &resp, CALL_TIMEOUT_MS, err) != 0)
			return -1;
		printf("agent details block %llu probe %d version %s init %d storages %u\n",
		       (unsigned long long)resp.mem_block_size_bytes, resp.support_mem_hotplug_probe,
		       resp.agent_details.version ? resp.agent_details.version : "",
		       resp.agent_details.init_daemon, (unsigned)resp.agent_details.storage_handlers_count);
		pb_release(grpc_GuestDetailsResponse_fields, &resp);
		return 0;
	} else if (!strcmp(c, "time")) {
		grpc_SetGuestDateTimeRequest req = { .Sec = atoll(f[1]) };
		r = empty_call(RPC_AGENT(SetGuestDateTime), &req, err);
	} else if (!strcmp(c, "copy")) {
		struct pb_bytes_view v = { f[2], strlen(f[2]) };
		grpc_CopyFileRequest req = { .path = f[1], .file_size = (int64_t)strlen(f[2]),
					     .file_mode = 0640, .dir_mode = 0750 };
		pb_bytes_out(&req.data, &v);
		r = empty_call(RPC_AGENT(CopyFile), &req, err);
	} else if (!strcmp(c, "resize")) {
		grpc_TtyWinResizeRequest req = { .container_id = f[1], .row = (uint32_t)atoi(f[2]),
						 .column = (uint32_t)atoi(f[3]) };
		r = empty_call(RPC_AGENT(TtyWinResize), &req, err);
	} else
		return error_set(err, EINVAL, "unknown agent call %s", call);
	if (r == 0)
		printf("agent %s ok\n", call);
	return r;
}

/* Talk to an agent on vsock instead (plain gRPC, no yamux), retrying the
 * connection for 10 s. */
int agent_vsock(const char *where, struct error **err)
{
	uint32_t cid, port;
	if (vsock_parse(where, &cid, &port, err) < 0)
		return -1;
	for (int i = 0;; i++) {
		struct error *e = NULL;
		int fd = vsock_connect(cid, port, &e);
		if (fd >= 0) {
			error_free(e);
			if (rpc_client_connect_fd(&client, fd, err) < 0)
				return -1;
			connected = true;
			return 0;
		}
		if (i == 200) {
			*err = e;
			return -1;
		}
		error_free(e);
		usleep(50 * 1000);
	}
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
	return container_call(call, err);
}

void agent_disconnect(void)
{
	if (!connected)
		return;
	rpc_client_close(&client);
	if (mux)
		yamux_mux_stop(mux);
	mux = NULL;
	connected = false;
}
