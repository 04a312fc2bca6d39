/* ps, events and update: questions and changes for a container's agent. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/lifecycle.h"
#include "util/error.h"
#include "util/fs.h"

enum { P_FORMAT, P_STATS, P_INTERVAL, P_RESOURCES, P_MEMORY, P_MEMORY_RES, P_MEMORY_SWAP,
       P_CPU_SHARE, P_CPU_QUOTA, P_CPU_PERIOD, P_CPUSET_CPUS, P_CPUSET_MEMS, P_PIDS,
       P_BLKIO, P_IGNORED };

struct agent_args {
	const char *format, *resources;
	bool stats;
	long interval_ms;
	struct oci_resources r;
};

/* "5s", "100ms", "1m", "1h", or a plain number of seconds. */
static long duration_ms(const char *s)
{
	/* fixed point, in millionths (strtod would link the float scanner) */
	long long v = 0, scale = 1000000;
	const char *p = s;
	int digits = 0;
	for (; isdigit((unsigned char)*p) && v < 1000000000000000LL; p++, digits++)
		v = v * 10 + (*p - '0') * 1000000LL;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if ((scale /= 10))
				v += (*p - '0') * scale;
	long unit = !*p ? 1000 : !strcmp(p, "ms") ? 1 : !strcmp(p, "s") ? 1000
		    : !strcmp(p, "m") ? 60000 : !strcmp(p, "h") ? 3600000 : -1;
	return !digits || unit < 0 || v >= 1000000000000000LL ? -1 : (long)(v / 1000 * unit / 1000);
}

/* "256m", "1G", "65536", "-1": bytes (as runc's units.RAMInBytes). */
static int bytes(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t mul = 1;
	if (end == s)
		return -1;
	if (*end) {
		const char *u = strchr("kmgt", (char)(*end | 0x20));
		if (!u || (end[1] && strcasecmp(end + 1, "b") && strcasecmp(end + 1, "ib")))
			return -1;
		for (const char *p = "kmgt"; p <= u; p++)
			mul *= 1024;
	}
	*out = v * mul;
	return 0;
}

static int on_opt(void *ud, int id, const char *v, struct error **err)
{
	struct agent_args *a = ud;
	struct oci_resources *r = &a->r;
	char *end;
	int64_t n = 0;
	long long ll = strtoll(v, &end, 10);
	bool num = *v && !*end;

	switch (id) {
	case P_FORMAT:
		if (strcmp(v, "table") && strcmp(v, "json"))
			return error_set(err, 0, "--format: \"%s\" is not table or json", v);
		a->format = v;
		return 0;
	case P_STATS: a->stats = opt_bool_value(v); return 0;
	case P_INTERVAL:
		if ((a->interval_ms = duration_ms(v)) <= 0)
			return error_set(err, 0, "--interval: \"%s\" is not a duration (5s, 100ms)", v);
		return 0;
	case P_RESOURCES: a->resources = v; return 0;
	case P_CPUSET_CPUS: free(r->cpu_cpus), r->cpu_cpus = strdup(v); return 0;
	case P_CPUSET_MEMS: free(r->cpu_mems), r->cpu_mems = strdup(v); return 0;
	case P_IGNORED: return 0;
	case P_MEMORY:
	case P_MEMORY_RES:
	case P_MEMORY_SWAP:
		if (bytes(v, &n) < 0)
			return error_set(err, 0, "\"%s\" is not a size (65536, 256m, 1g)", v);
		*(id == P_MEMORY ? &r->memory_limit : id == P_MEMORY_RES ? &r->memory_reservation
									  : &r->memory_swap) = n;
		return 0;
	}
	if (!num)
		return error_set(err, 0, "\"%s\" is not a number", v);
	switch (id) {
	case P_CPU_SHARE: r->cpu_shares = (uint64_t)ll; break;
	case P_CPU_QUOTA: r->cpu_quota = ll; break;
	case P_CPU_PERIOD: r->cpu_period = (uint64_t)ll; break;
	case P_PIDS: r->pids_limit = ll; break;
	case P_BLKIO: r->blkio_weight = (uint16_t)ll; break;
	}
	return 0;
}

int cmd_ps(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = { { "format", 'f', OPT_VALUE, P_FORMAT } };
	struct agent_args a = { .format = "table" };
	struct error *err = NULL;
	struct buf out = BUF_INIT(16 << 20);
	struct sb_env env;
	char self[4096];
	int pos;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (cli_parse(cmd, argc, argv, specs, 1, on_opt, &a, &pos) < 0)
		return 1;
	if (pos >= argc) {
		log_error("ps: a container id is needed");
		return 1;
	}
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0 ||
	    sb_ps(&env, argv[pos], a.format, argv + pos + 1, (size_t)(argc - pos - 1), &out,
		  &err) < 0) {
		buf_free(&out);
		return cli_fail(cmd, argv[pos], err);
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	buf_free(&out);
	return 0;
}

/* One runc stats event. */
static void event(const char *id, const struct agent_stats *s)
{
	printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":{"
	       "\"cpu\":{\"usage\":{\"total\":%" PRIu64 ",\"kernel\":%" PRIu64 ",\"user\":%" PRIu64 "},"
	       "\"throttling\":{}},"
	       "\"memory\":{\"cache\":%" PRIu64 ",\"usage\":{\"limit\":%" PRIu64 ",\"usage\":%" PRIu64
	       ",\"max\":%" PRIu64 ",\"failcnt\":%" PRIu64 "},\"swap\":{},\"kernel\":{},"
	       "\"kernelTCP\":{}},"
	       "\"pids\":{\"current\":%" PRIu64 ",\"limit\":%" PRIu64 "},"
	       "\"blkio\":{},\"hugetlb\":{}}}\n",
	       id, s->cpu_total_ns, s->cpu_kernel_ns, s->cpu_user_ns, s->mem_cache, s->mem_limit,
	       s->mem_usage, s->mem_max_usage, s->mem_failcnt, s->pids_current, s->pids_limit);
	fflush(stdout);
}

int cmd_events(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = { { "stats", 0, OPT_BOOL, P_STATS },
						 { "interval", 0, OPT_VALUE, P_INTERVAL } };
	struct agent_args a = { .interval_ms = 5000 };
	struct error *err = NULL;
	struct agent_stats st;
	struct sb_env env;
	char self[4096];
	int pos;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (cli_parse(cmd, argc, argv, specs, 2, on_opt, &a, &pos) < 0)
		return 1;
	if (pos != argc - 1) {
		log_error("events: one container id is needed");
		return 1;
	}
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0)
		return cli_fail(cmd, argv[pos], err);
	/* --stats: one event; otherwise one every interval until it stops. */
	for (;;) {
		if (sb_stats(&env, argv[pos], &st, &err) < 0)
			return cli_fail(cmd, argv[pos], err);
		event(argv[pos], &st);
		if (a.stats)
			return 0;
		usleep((useconds_t)(a.interval_ms * 1000));
	}
}

int cmd_update(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = {
		{ "resources", 'r', OPT_VALUE, P_RESOURCES },
		{ "memory", 'm', OPT_VALUE, P_MEMORY },
		{ "memory-reservation", 0, OPT_VALUE, P_MEMORY_RES },
		{ "memory-swap", 0, OPT_VALUE, P_MEMORY_SWAP },
		{ "cpu-share", 0, OPT_VALUE, P_CPU_SHARE },
		{ "cpu-quota", 0, OPT_VALUE, P_CPU_QUOTA },
		{ "cpu-period", 0, OPT_VALUE, P_CPU_PERIOD },
		{ "cpuset-cpus", 0, OPT_VALUE, P_CPUSET_CPUS },
		{ "cpuset-mems", 0, OPT_VALUE, P_CPUSET_MEMS },
		{ "pids-limit", 0, OPT_VALUE, P_PIDS },
		{ "blkio-weight", 0, OPT_VALUE, P_BLKIO },
		{ "kernel-memory", 0, OPT_VALUE, P_IGNORED },
		{ "kernel-memory-tcp", 0, OPT_VALUE, P_IGNORED },
		{ "cpu-rt-period", 0, OPT_VALUE, P_IGNORED },
		{ "cpu-rt-runtime", 0, OPT_VALUE, P_IGNORED },
		{ "l3-cache-schema", 0, OPT_VALUE, P_IGNORED },
	};
	struct agent_args a = { 0 };
	struct error *err = NULL;
	struct sb_env env;
	char self[4096], *text = NULL;
	size_t len;
	int pos, r = 1;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (cli_parse(cmd, argc, argv, specs, sizeof(specs) / sizeof(specs[0]), on_opt, &a, &pos) < 0)
		goto out;
	if (pos != argc - 1) {
		log_error("update: one container id is needed");
		goto out;
	}
	if (a.resources) {
		const char *f = !strcmp(a.resources, "-") ? "/dev/stdin" : a.resources;
		oci_resources_free(&a.r);
		if (fs_read_file(f, OCI_MAX_BYTES, &text, &len, &err) < 0 ||
		    oci_resources_parse(text, len, &a.r, &err) < 0) {
			error_wrap(&err, "--resources %s", a.resources);
			r = cli_fail(cmd, argv[pos], err);
			goto out;
		}
	}
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0 ||
	    sb_update(&env, argv[pos], &a.r, &err) < 0)
		r = cli_fail(cmd, argv[pos], err);
	else
		r = 0;
out:
	free(text);
	oci_resources_free(&a.r);
	return r;
}
