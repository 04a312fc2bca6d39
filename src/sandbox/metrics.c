/* A sandbox's figures for kata-monitor and shim-monitor.sock, with Kata's
 * family names: a process's from /proc (kata_hypervisor_* for its QEMU,
 * kata_shim_* for a shim), the guest's from its agent (GetMetrics:
 * kata_guest_*, kata_agent_*). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

static void gauge(struct buf *b, const char *family, const char *name, const char *help)
{
	buf_printf(b, "# HELP %s_%s %s\n# TYPE %s_%s gauge\n", family, name, help, family, name);
}

/* "Key: N [kB]" lines of a /proc file as family_name{item="Key"}. */
static void items(struct buf *b, const char *family, const char *name, const char *text,
		  const char *const *keys, size_t nkeys, bool kb)
{
	for (size_t i = 0; text && i < nkeys; i++) {
		char want[40];
		size_t n = (size_t)snprintf(want, sizeof(want), "%s:", keys[i]);
		const char *p = strstr(text, want);
		if (p && (p == text || p[-1] == '\n'))
			buf_printf(b, "%s_%s{item=\"%s\"} %llu\n", family, name, keys[i],
				   strtoull(p + n, NULL, 10) * (kb ? 1024 : 1));
	}
}

static unsigned long long count_fds(pid_t pid)
{
	char path[64];
	unsigned long long n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* utime and stime from /proc/PID/stat, in nanoseconds. */
static uint64_t cpu_ns(pid_t pid)
{
	char path[64], *text = NULL;
	unsigned long long ut = 0, st = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (fs_read_file(path, 4096, &text, NULL, NULL) == 0) {
		const char *p = strrchr(text, ')');
		for (int f = 0; p && f < 12; f++) /* utime is the 12th field after the name */
			p = strchr(p + 1, ' ');
		if (p) {
			char *end;
			ut = strtoull(p + 1, &end, 10);
			st = strtoull(end, NULL, 10);
		}
	}
	free(text);
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? (ut + st) * (1000000000ull / (uint64_t)hz) : 0;
}

/* The resident set from /proc/PID/statm, in bytes. */
static uint64_t rss_bytes(pid_t pid)
{
	char path[64], *text = NULL;
	unsigned long long pages = 0;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if (fs_read_file(path, 4096, &text, NULL, NULL) == 0) {
		const char *p = strchr(text, ' ');
		pages = p ? strtoull(p + 1, NULL, 10) : 0;
	}
	free(text);
	long page = sysconf(_SC_PAGESIZE);
	return pages * (uint64_t)(page > 0 ? page : 4096);
}

void sb_proc_metrics(struct buf *b, const char *family, pid_t pid)
{
	static const char *const status[] = { "VmPeak", "VmSize", "VmHWM", "VmRSS", "VmData",
					      "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap" };
	static const char *const io[] = { "rchar", "wchar", "syscr", "syscw", "read_bytes",
					  "write_bytes", "cancelled_write_bytes" };
	char path[64], *st = NULL, *iot = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fs_read_file(path, 1 << 16, &st, NULL, NULL);
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	fs_read_file(path, 4096, &iot, NULL, NULL);
	const char *rss = st ? strstr(st, "\nVmRSS:") : NULL, *th = st ? strstr(st, "\nThreads:") : NULL;
	gauge(b, family, "process_resident_memory_bytes", "Resident memory.");
	buf_printf(b, "%s_process_resident_memory_bytes %llu\n", family,
		   rss ? strtoull(rss + 7, NULL, 10) * 1024 : 0);
	gauge(b, family, "threads", "Threads.");
	buf_printf(b, "%s_threads %llu\n", family, th ? strtoull(th + 9, NULL, 10) : 0);
	gauge(b, family, "fds", "Open file descriptors.");
	buf_printf(b, "%s_fds %llu\n", family, count_fds(pid));
	buf_printf(b, "# HELP %s_process_cpu_seconds_total CPU time, user and system.\n"
		      "# TYPE %s_process_cpu_seconds_total counter\n"
		      "%s_process_cpu_seconds_total %.2f\n", family, family, family,
		   (double)cpu_ns(pid) / 1e9);
	gauge(b, family, "proc_status", "Memory figures of /proc/PID/status (bytes).");
	items(b, family, "proc_status", st, status, sizeof(status) / sizeof(status[0]), true);
	gauge(b, family, "io_stat", "I/O figures of /proc/PID/io.");
	items(b, family, "io_stat", iot, io, sizeof(io) / sizeof(io[0]), false);
	free(st);
	free(iot);
}

void sb_agent_cache_close(struct sb_agent_cache *c)
{
	if (c && c->open)
		c->a.ops->close(&c->a);
	if (c)
		c->open = false;
}

/* The guest's text from the agent at url, over c's connection when it is
 * one to url (once more on a fresh one when that fails: the VM may have
 * been another), kept in c after. */
static int guest_text(struct sb_agent_cache *c, const char *url, struct buf *b, int timeout_ms,
		      struct error **err)
{
	struct sb_agent_cache own = { .open = false };
	if (!c)
		c = &own;
	if (c->open && strcmp(c->url, url))
		sb_agent_cache_close(c);
	bool reused = c->open;
	int r;
	for (;;) {
		if (!c->open && agent_connect(&c->a, url, err) < 0)
			return -1;
		c->open = true;
		snprintf(c->url, sizeof(c->url), "%s", url);
		c->a.timeout_ms = timeout_ms;
		r = c->a.ops->metrics ? c->a.ops->metrics(&c->a, b, timeout_ms, err)
				      : error_set(err, ENOTSUP, "no GetMetrics");
		if (r == 0 || !reused || (*err && (*err)->code == ENOTSUP))
			break;
		sb_agent_cache_close(c); /* a connection kept from before that broke */
		error_free(*err);
		*err = NULL;
		b->len = 0;
		reused = false;
	}
	if (r != 0 || c == &own)
		sb_agent_cache_close(c);
	return r;
}

int sb_metrics(const struct sb_env *env, const char *id, struct prom_set *set, int timeout_ms,
	       struct sb_agent_cache *cache, struct error **err)
{
	static bool told;
	struct sb_state s;
	struct buf b = BUF_INIT(4 << 20);
	struct error *own = NULL;
	char label[VM_ID_MAX + 16]; /* an id needs no quoting */
	snprintf(label, sizeof(label), "sandbox_id=\"%s\"", id);
	if (!err)
		err = &own;
	if (sb_state_peek(env->root, id, &s, err) < 0)
		return -1;
	pid_t qemu = sb_vm_pid(&s);
	if (qemu > 0)
		sb_proc_metrics(&b, "kata_hypervisor", qemu);
	int r = prom_add(set, b.data ? b.data : "", b.len, "sandbox_id", label, err);
	buf_free(&b);
	if (r == 0 && (r = guest_text(cache, s.agent_url, &b, timeout_ms, err)) == 0) {
		r = prom_add(set, b.data ? b.data : "", b.len, "sandbox_id", label, err);
	} else if (r != 0 && *err && (*err)->code == ENOTSUP) {
		if (!told)
			log_info("sandbox %s: its agent has no GetMetrics (Kata 1.x's): no guest "
				 "metrics", id);
		told = true;
		error_free(*err);
		*err = NULL;
		r = 0;
	}
	buf_free(&b);
	sb_state_free(&s);
	error_free(own);
	return r < 0 || r > 0 ? error_wrap(err, "sandbox %s", id) : 0;
}

int sb_overhead(const struct sb_env *env, const char *pod, pid_t shim, int timeout_ms,
		struct sb_overhead *o, struct error **err)
{
	struct sb_state s;
	struct agent a;
	struct strv ids = { 0 };
	*o = (struct sb_overhead){ 0 };
	if (sb_state_peek(env->root, pod, &s, err) < 0)
		return -1;
	pid_t qemu = sb_vm_pid(&s);
	int r = qemu > 0 ? 0 : error_set(err, ESRCH, "its VM is not running");
	if (r == 0) {
		o->host_mem = rss_bytes(qemu) + (shim > 0 ? rss_bytes(shim) : 0);
		o->host_cpu_ns = cpu_ns(qemu) + (shim > 0 ? cpu_ns(shim) : 0);
		r = sb_pod_members(env->root, pod, &ids, err);
	}
	if (r == 0) {
		strv_push(&ids, pod);
		r = agent_connect(&a, s.agent_url, err);
	}
	if (r == 0) {
		a.timeout_ms = timeout_ms;
		for (size_t i = 0; i < ids.n; i++) {
			struct agent_stats st;
			if (a.ops->stats(&a, ids.v[i], &st, NULL) == 0) { /* a stopped one has none */
				o->guest_mem += st.mem_usage;
				o->guest_cpu_ns += st.cpu_total_ns;
			}
		}
		a.ops->close(&a);
	}
	strv_free(&ids);
	sb_state_free(&s);
	return r < 0 ? error_wrap(err, "sandbox %s", pod) : 0;
}
