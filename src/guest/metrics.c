/* GetMetrics (Kata 2.x's): the guest's figures from /proc and the
 * agent's own, as Prometheus text with Kata's family names
 * (kata_guest_*, kata_agent_*), each family's samples together. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "guest/guest.h"
#include "rpc/rpc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#define MAX_PROC_FILE (256 * 1024)

static void family(struct buf *b, const char *name, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A label value as the exposition format quotes it (kernel names: no
 * quote or backslash expected, none let through). */
static const char *clean(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '"' || *p == '\\' || *p == '\n' || (unsigned char)*p < ' ')
			*p = '_';
	return s;
}

/* name{k1="v1"[,k2="v2"]} n, appended piece by piece: vfprintf would be
 * most of a scrape's time in a guest under TCG. */
static void sample(struct buf *b, const char *name, const char *k1, const char *v1,
		   const char *k2, const char *v2, unsigned long long n)
{
	char num[24], *p = num + sizeof(num);
	*--p = 0;
	*--p = '\n';
	do
		*--p = (char)('0' + n % 10);
	while (n /= 10);
	buf_puts(b, name);
	buf_putc(b, '{');
	buf_puts(b, k1);
	buf_puts(b, "=\"");
	buf_puts(b, v1);
	if (k2) {
		buf_puts(b, "\",");
		buf_puts(b, k2);
		buf_puts(b, "=\"");
		buf_puts(b, v2);
	}
	buf_puts(b, "\"} ");
	buf_puts(b, p);
}

static char *slurp(const char *path)
{
	char *t = NULL;
	return fs_read_file(path, MAX_PROC_FILE, &t, NULL, NULL) == 0 ? t : NULL;
}

/* "Key: value [kB]" lines (meminfo) or "key value" lines (vmstat). */
static void keyed(struct buf *b, const char *path, const char *name, const char *help, bool kb)
{
	char *t = slurp(path), *save = NULL;
	family(b, name, help);
	for (char *l = t ? strtok_r(t, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		char *k = l, *v = l + strcspn(l, ": ");
		if (!*v)
			continue;
		*v++ = 0;
		unsigned long long n = strtoull(v + strspn(v, ": "), NULL, 10);
		sample(b, name, "item", clean(k), NULL, NULL, kb ? n * 1024 : n);
	}
	free(t);
}

static void cpu_time(struct buf *b)
{
	static const char *const items[] = { "user", "nice", "system", "idle", "iowait",
					     "irq", "softirq", "steal" };
	char *t = slurp("/proc/stat"), *save = NULL;
	long hz = sysconf(_SC_CLK_TCK);
	family(b, "kata_guest_cpu_time", "Time the guest's CPUs spent in each mode (seconds).");
	for (char *l = t ? strtok_r(t, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "cpu", 3))
			continue;
		char *p = l + strcspn(l, " ");
		*p++ = 0;
		for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
			unsigned long long v = strtoull(p, &p, 10);
			buf_printf(b, "kata_guest_cpu_time{cpu=\"%s\",item=\"%s\"} %.2f\n", clean(l),
				   items[i], hz > 0 ? (double)v / (double)hz : 0.0);
		}
	}
	free(t);
}

/* /proc/loadavg's "L1 L5 L15 RUNNING/TOTAL LAST": the load averages as
 * the kernel writes them (no float parsing: strtod would cost the guest
 * 8 KB), the tasks' total. */
static void load_and_tasks(struct buf *b)
{
	static const char *const items[] = { "load1", "load5", "load15" };
	char *t = slurp("/proc/loadavg"), *mx = slurp("/proc/sys/kernel/threads-max"), *p = t;
	unsigned long cur = 0;
	family(b, "kata_guest_load", "The guest's load averages.");
	for (size_t i = 0; p && i < 3; i++) {
		size_t n = strspn(p, "0123456789.");
		if (n)
			buf_printf(b, "kata_guest_load{item=\"%s\"} %.*s\n", items[i], (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
	if (p) {
		(void)strtoul(p, &p, 10); /* running/total: the total */
		cur = *p == '/' ? strtoul(p + 1, NULL, 10) : 0;
	}
	family(b, "kata_guest_tasks", "The guest's tasks: current and the most allowed.");
	buf_printf(b, "kata_guest_tasks{item=\"cur\"} %lu\nkata_guest_tasks{item=\"max\"} %lu\n", cur,
		   mx ? strtoul(mx, NULL, 10) : 0);
	free(t);
	free(mx);
}

/* Lines of NAME then numbers (netdev: after "NAME:"; diskstats: major
 * minor NAME), each number an item. */
static void table(struct buf *b, const char *path, const char *name, const char *label,
		  const char *const *items, size_t nitems, int skip_lines, bool disk)
{
	char *t = slurp(path), *save = NULL;
	int line = 0;
	for (char *l = t ? strtok_r(t, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		if (line++ < skip_lines)
			continue;
		char *p = l + strspn(l, " "), *dev;
		if (disk) {
			(void)strtoul(p, &p, 10);
			(void)strtoul(p, &p, 10);
			p += strspn(p, " ");
			dev = p;
			p += strcspn(p, " ");
		} else {
			dev = p;
			p += strcspn(p, ":");
		}
		if (!*p)
			continue;
		*p++ = 0;
		for (size_t i = 0; i < nitems; i++)
			sample(b, name, label, clean(dev), "item", items[i], strtoull(p, &p, 10));
	}
	free(t);
}

static void agent_self(struct buf *b)
{
	char *t = slurp("/proc/self/status");
	const char *r = t ? strstr(t, "\nVmRSS:") : NULL, *th = t ? strstr(t, "\nThreads:") : NULL;
	family(b, "kata_agent_process_resident_memory_bytes", "The agent's resident memory.");
	buf_printf(b, "kata_agent_process_resident_memory_bytes %llu\n",
		   r ? strtoull(r + 7, NULL, 10) * 1024 : 0);
	family(b, "kata_agent_threads", "The agent's threads.");
	buf_printf(b, "kata_agent_threads %llu\n", th ? strtoull(th + 9, NULL, 10) : 0);
	free(t);
}

static int metrics_text(struct buf *b)
{
	static const char *const net[] = { "recv_bytes", "recv_packets", "recv_errs", "recv_drop",
					   "recv_fifo", "recv_frame", "recv_compressed",
					   "recv_multicast", "sent_bytes", "sent_packets", "sent_errs",
					   "sent_drop", "sent_fifo", "sent_colls", "sent_carrier",
					   "sent_compressed" };
	static const char *const disk[] = { "reads", "reads_merged", "read_sectors", "read_ms",
					    "writes", "writes_merged", "write_sectors", "write_ms",
					    "in_progress", "io_ms", "io_weighted_ms" };
	keyed(b, "/proc/meminfo", "kata_guest_meminfo", "The guest's /proc/meminfo (bytes).", true);
	cpu_time(b);
	load_and_tasks(b);
	family(b, "kata_guest_netdev_stat", "The guest's network interfaces' counters.");
	table(b, "/proc/net/dev", "kata_guest_netdev_stat", "interface", net,
	      sizeof(net) / sizeof(net[0]), 2, false);
	family(b, "kata_guest_diskstat", "The guest's disks' counters.");
	table(b, "/proc/diskstats", "kata_guest_diskstat", "disk", disk,
	      sizeof(disk) / sizeof(disk[0]), 0, true);
	keyed(b, "/proc/vmstat", "kata_guest_vm_stat", "The guest's /proc/vmstat.", false);
	agent_self(b);
	return b->data ? 0 : -1;
}

static int get_metrics(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		       void *resp, struct error **err)
{
	grpc_Metrics *out = resp;
	struct buf b = BUF_INIT(1 << 20);
	(void)ctx, (void)m, (void)rq;
	buf_reserve(&b, 32 << 10); /* about what it takes: no copy as it grows */
	if (metrics_text(&b) < 0 || !(out->metrics = buf_steal(&b))) {
		buf_free(&b);
		return error_set(err, GRPC_RESOURCE_EXHAUSTED, "metrics: out of memory"),
		       GRPC_RESOURCE_EXHAUSTED;
	}
	return 0;
}

const struct rpc_handler guest_metrics_handlers[] = {
	{ RPC_AGENT(GetMetrics), get_metrics, NULL, true },
};
const size_t guest_nmetrics_handlers = sizeof(guest_metrics_handlers) / sizeof(guest_metrics_handlers[0]);
