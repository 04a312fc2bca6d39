/* The shim's own figures for shim-monitor.sock, with Kata's names: its
 * process's (kata_shim_* from /proc), the durations of the Task calls it
 * served (kata_shim_rpc_durations_histogram_milliseconds{action="create"})
 * and of its calls to the agent (kata_shim_agent_rpc_durations_histogram_
 * milliseconds{action="grpc.CreateContainerRequest"}), and the pod's
 * overhead (kata_shim_pod_overhead_memory_in_bytes, _cpu: the percent of
 * a CPU used by the VM and the shim beyond the containers, since the
 * last scrape). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "prom/hist.h"
#include "shimv2/shimv2.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/log.h"

static struct prom_hist served = PROM_HIST_INIT(
	"kata_shim_rpc_durations_histogram_milliseconds", "RPC latency distributions.", "action");
static struct prom_hist agent = PROM_HIST_INIT(
	"kata_shim_agent_rpc_durations_histogram_milliseconds", "RPC latency distributions.",
	"action");

/* "ResizePty" as Kata's action "resize_pty", "CloseIO" as "close_io". */
static void snake(char *out, size_t size, const char *name)
{
	size_t n = 0;
	for (const char *p = name; *p && n + 2 < size; p++) {
		bool up = *p >= 'A' && *p <= 'Z';
		if (up && p > name && p[-1] >= 'a' && p[-1] <= 'z')
			out[n++] = '_';
		out[n++] = up ? (char)(*p - 'A' + 'a') : *p;
	}
	out[n] = 0;
}

static void observe(const struct rpc_method *m, bool server, uint64_t us)
{
	static const char svc[] = "/grpc.AgentService/";
	const char *name = strrchr(m->path, '/') + 1;
	char action[PROM_HIST_VALUE];
	if (server) {
		snake(action, sizeof(action), name);
		prom_hist_observe(&served, action, us);
	} else if (!strncmp(m->path, svc, sizeof(svc) - 1)) {
		snprintf(action, sizeof(action), "grpc.%sRequest", name);
		prom_hist_observe(&agent, action, us);
	}
}

void shimv2_figures_start(void)
{
	rpc_observer = observe;
}

static void overhead(struct buf *b, const char *id)
{
	static uint64_t last_us, last_host, last_guest; /* one scrape at a time */
	struct sb_overhead o;
	struct error *err = NULL;
	if (sb_overhead(&shimv2.env, id, getpid(), 1000, &o, &err) < 0) {
		log_debug("shim-monitor.sock: %s", err->msg);
		error_free(err);
		return;
	}
	uint64_t now = io_now_us();
	buf_printf(b, "# HELP kata_shim_pod_overhead_memory_in_bytes Kata Pod overhead for memory "
		      "resources(bytes).\n# TYPE kata_shim_pod_overhead_memory_in_bytes gauge\n"
		      "kata_shim_pod_overhead_memory_in_bytes %lld\n",
		   (long long)o.host_mem - (long long)o.guest_mem);
	if (last_us && now > last_us)
		buf_printf(b, "# HELP kata_shim_pod_overhead_cpu Kata Pod overhead for CPU "
			      "resources(percent).\n# TYPE kata_shim_pod_overhead_cpu gauge\n"
			      "kata_shim_pod_overhead_cpu %.2f\n",
			   ((double)(o.host_cpu_ns - last_host) - (double)(o.guest_cpu_ns - last_guest)) /
				   ((double)(now - last_us) * 1000.0) * 100.0);
	last_us = now;
	last_host = o.host_cpu_ns;
	last_guest = o.guest_cpu_ns;
}

void shimv2_figures(struct buf *b, const char *id)
{
	sb_proc_metrics(b, "kata_shim", getpid());
	prom_hist_write(&served, b);
	prom_hist_write(&agent, b);
	overhead(b, id);
}
