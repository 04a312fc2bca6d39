/* grpc.AgentService on a container's cgroup (v2, in the guest): pause and
 * resume (cgroup.freeze), resource updates, statistics, its processes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "guest/guest.h"
#include "guest/proc.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

/* The container's cgroup directory, copied out under the lock. */
static int cgroup_of(const char *cid, char *dir, size_t size, struct error **err)
{
	pthread_mutex_lock(&guest_lock);
	struct guest_container *c = guest_container_find(cid ? cid : "");
	int r = 0;
	if (!c)
		r = guest_not_found(cid, NULL, err);
	else if (!c->cgroup[0])
		r = (error_set(err, GRPC_FAILED_PRECONDITION, "container %s has no cgroup", cid),
		     GRPC_FAILED_PRECONDITION);
	else
		snprintf(dir, size, "%s", c->cgroup);
	pthread_mutex_unlock(&guest_lock);
	return r;
}

static int put(const char *dir, const char *file, const char *text, struct error **err)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return fs_write_text(path, text) < 0
		       ? (error_set_errno(err, errno, "%s: %s", path, text), GRPC_INTERNAL)
		       : 0;
}

static uint64_t get(const char *dir, const char *file, const char *key)
{
	char path[512], *text = NULL;
	uint64_t v = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (fs_read_file(path, 1 << 16, &text, NULL, NULL) < 0)
		return 0;
	const char *p = text;
	if (key) { /* "key value" lines */
		size_t k = strlen(key);
		for (p = text; p && (strncmp(p, key, k) || p[k] != ' '); p = strchr(p, '\n'), p = p ? p + 1 : p)
			;
		p = p ? p + k + 1 : NULL;
	}
	if (p && strncmp(p, "max", 3))
		v = strtoull(p, NULL, 10);
	free(text);
	return v;
}

static int freeze(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq, void *resp,
		  struct error **err)
{
	const grpc_PauseContainerRequest *req = rq; /* the same shape as ResumeContainerRequest */
	char dir[256];
	(void)ctx, (void)resp;
	bool pause = m == RPC_AGENT(PauseContainer);
	int r = cgroup_of(req->container_id, dir, sizeof(dir), err);
	if (!r)
		r = put(dir, "cgroup.freeze", pause ? "1" : "0", err);
	pthread_mutex_lock(&guest_lock);
	struct guest_container *c = guest_container_find(req->container_id ? req->container_id : "");
	if (!r && c)
		c->paused = pause;
	pthread_mutex_unlock(&guest_lock);
	return r;
}

static int update(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq, void *resp,
		  struct error **err)
{
	const grpc_UpdateContainerRequest *req = rq;
	const grpc_LinuxResources *res = &req->resources;
	char dir[256], v[64];
	(void)ctx, (void)m, (void)resp;
	int r = cgroup_of(req->container_id, dir, sizeof(dir), err);
	if (r || !req->has_resources)
		return r;
	if (res->has_Memory && res->Memory.Limit) {
		snprintf(v, sizeof(v), res->Memory.Limit < 0 ? "max" : "%" PRId64, res->Memory.Limit);
		if ((r = put(dir, "memory.max", v, err)))
			return r;
	}
	if (res->has_CPU && (res->CPU.Quota || res->CPU.Period)) {
		uint64_t period = res->CPU.Period ? res->CPU.Period : 100000;
		if (res->CPU.Quota > 0)
			snprintf(v, sizeof(v), "%" PRId64 " %" PRIu64, res->CPU.Quota, period);
		else
			snprintf(v, sizeof(v), "max %" PRIu64, period);
		if ((r = put(dir, "cpu.max", v, err)))
			return r;
	}
	if (res->has_CPU && res->CPU.Shares) { /* shares 2..262144 to weight 1..10000 */
		uint64_t s = res->CPU.Shares < 2 ? 2 : res->CPU.Shares > 262144 ? 262144 : res->CPU.Shares;
		snprintf(v, sizeof(v), "%" PRIu64, 1 + ((s - 2) * 9999) / 262142);
		if ((r = put(dir, "cpu.weight", v, err)))
			return r;
	}
	if (res->has_Pids && res->Pids.Limit) {
		snprintf(v, sizeof(v), res->Pids.Limit < 0 ? "max" : "%" PRId64, res->Pids.Limit);
		if ((r = put(dir, "pids.max", v, err)))
			return r;
	}
	return 0;
}

static int stats(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq, void *resp,
		 struct error **err)
{
	const grpc_StatsContainerRequest *req = rq;
	grpc_StatsContainerResponse *out = resp;
	char dir[256];
	(void)ctx, (void)m;
	int r = cgroup_of(req->container_id, dir, sizeof(dir), err);
	if (r)
		return r;
	grpc_CgroupStats *s = &out->cgroup_stats;
	out->has_cgroup_stats = true;
	s->has_cpu_stats = s->has_memory_stats = s->has_pids_stats = true;
	s->cpu_stats.has_cpu_usage = s->cpu_stats.has_throttling_data = true;
	grpc_CpuUsage *u = &s->cpu_stats.cpu_usage;
	u->total_usage = get(dir, "cpu.stat", "usage_usec") * 1000; /* ns, as v1 reported */
	u->usage_in_usermode = get(dir, "cpu.stat", "user_usec") * 1000;
	u->usage_in_kernelmode = get(dir, "cpu.stat", "system_usec") * 1000;
	grpc_ThrottlingData *t = &s->cpu_stats.throttling_data;
	t->periods = get(dir, "cpu.stat", "nr_periods");
	t->throttled_periods = get(dir, "cpu.stat", "nr_throttled");
	t->throttled_time = get(dir, "cpu.stat", "throttled_usec") * 1000;
	s->memory_stats.has_usage = true;
	s->memory_stats.usage.usage = get(dir, "memory.current", NULL);
	s->memory_stats.usage.max_usage = get(dir, "memory.peak", NULL);
	s->memory_stats.usage.limit = get(dir, "memory.max", NULL);
	s->memory_stats.usage.failcnt = get(dir, "memory.events", "max");
	s->memory_stats.cache = get(dir, "memory.stat", "file");
	s->pids_stats.current = get(dir, "pids.current", NULL);
	s->pids_stats.limit = get(dir, "pids.max", NULL);
	return 0;
}

/* ps: the container's processes from its cgroup, "json" as an array of
 * pids (what runc ps --format json prints), "table" as PID and CMD. */
int guest_ps_format(struct buf *b, const char *format, const int *pids, const char *const *cmds,
		    size_t n)
{
	if (!strcmp(format, "json")) {
		buf_putc(b, '[');
		for (size_t i = 0; i < n; i++)
			buf_printf(b, "%s%d", i ? "," : "", pids[i]);
		return buf_puts(b, "]\n");
	}
	buf_puts(b, "  PID CMD\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%5d %s\n", pids[i], cmds[i]);
	return b->data ? 0 : -1;
}

static int list_processes(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			  void *resp, struct error **err)
{
	const grpc_ListProcessesRequest *req = rq;
	char dir[256], path[300], *text = NULL;
	struct buf *out = ctx->scratch; /* lives until the response is sent */
	(void)m;
	const char *format = req->format && *req->format ? req->format : "table";
	if (strcmp(format, "table") && strcmp(format, "json"))
		return error_set(err, GRPC_INVALID_ARGUMENT, "format \"%s\": table or json", format),
		       GRPC_INVALID_ARGUMENT;
	int r = cgroup_of(req->container_id, dir, sizeof(dir), err);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (fs_read_file(path, 1 << 20, &text, NULL, err) < 0)
		return GRPC_INTERNAL;
	int pids[1024] = { 0 };
	char *cmds[1024] = { 0 };
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < 1024; l = strtok_r(NULL, "\n", &save)) {
		char *cmd = NULL;
		size_t len = 0;
		pids[n] = atoi(l);
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pids[n]);
		if (fs_read_file(path, 4096, &cmd, &len, NULL) < 0)
			continue; /* gone meanwhile */
		for (size_t i = 0; i + 1 < len; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmds[n++] = cmd;
	}
	free(text);
	out->len = 0;
	r = guest_ps_format(out, format, pids, (const char *const *)cmds, n);
	for (size_t i = 0; i < n; i++)
		free(cmds[i]);
	if (r < 0)
		return error_set(err, GRPC_RESOURCE_EXHAUSTED, "out of memory"), GRPC_RESOURCE_EXHAUSTED;
	pb_bytes_out_buf(&((grpc_ListProcessesResponse *)resp)->process_list, out);
	return 0;
}

/* GetOOMEvent: the next container whose cgroup counts an OOM kill more
 * than when last told (memory.events oom_kill), looked at every 100 ms
 * until 250 ms before the call's deadline. One count a container; a new container of a
 * reused id starts again. */
#define OOM_IDS 64
static struct {
	char id[128];
	uint64_t kills;
} oom_seen[OOM_IDS];

/* A container with a new OOM kill (its id in id), under guest_lock. */
static bool oom_next(char *id, size_t size)
{
	for (size_t i = 0; i < OOM_IDS; i++) /* the slots of containers gone */
		if (oom_seen[i].id[0] && !guest_container_find(oom_seen[i].id))
			oom_seen[i].id[0] = 0;
	for (struct guest_container *c = guest_containers; c; c = c->next) {
		if (!c->cgroup[0])
			continue;
		uint64_t k = get(c->cgroup, "memory.events", "oom_kill");
		size_t i = 0, free_slot = OOM_IDS;
		while (i < OOM_IDS && strcmp(oom_seen[i].id, c->id)) {
			if (!oom_seen[i].id[0] && free_slot == OOM_IDS)
				free_slot = i;
			i++;
		}
		if (i == OOM_IDS && (i = free_slot) < OOM_IDS)
			snprintf(oom_seen[i].id, sizeof(oom_seen[i].id), "%s", c->id), oom_seen[i].kills = 0;
		if (i == OOM_IDS)
			continue;
		bool more = k > oom_seen[i].kills;
		oom_seen[i].kills = k; /* lower: a new cgroup of that id */
		if (more) {
			snprintf(id, size, "%s", c->id);
			return true;
		}
	}
	return false;
}

static int oom_event(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		     void *resp, struct error **err)
{
	grpc_OOMEvent *out = resp;
	char id[128];
	(void)m, (void)rq;
	for (;;) {
		pthread_mutex_lock(&guest_lock);
		bool got = oom_next(id, sizeof(id));
		pthread_mutex_unlock(&guest_lock);
		if (got) {
			out->container_id = strdup(id);
			return 0;
		}
		/* a short deadline (under 250 ms) asks once: the caller drains */
		if (ctx->deadline_ms && io_now_ms() + 250 > ctx->deadline_ms)
			return error_set(err, GRPC_DEADLINE_EXCEEDED, "no OOM event"),
			       GRPC_DEADLINE_EXCEEDED;
		usleep(100 * 1000);
	}
}

const struct rpc_handler guest_cgroup_handlers[] = {
	{ RPC_AGENT(GetOOMEvent), oom_event, NULL, false },
	{ RPC_AGENT(PauseContainer), freeze, NULL, true },
	{ RPC_AGENT(ResumeContainer), freeze, NULL, true },
	{ RPC_AGENT(UpdateContainer), update, NULL, true },
	{ RPC_AGENT(StatsContainer), stats, NULL, true },
	{ RPC_AGENT(ListProcesses), list_processes, NULL, false },
};
const size_t guest_ncgroup_handlers = sizeof(guest_cgroup_handlers) / sizeof(guest_cgroup_handlers[0]);
