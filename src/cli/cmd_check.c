/* kata-runtime check (kata-check), Kata's flags and output: the release
 * check first (not as root), then the host checks and the verdict. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoconf.h"
#include "cli/check.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "config/config.h"
#include "https/client.h"
#include "json/writer.h"
#include "util/error.h"
#include "version.h"
#include "util/alloc.h"

struct check_opts {
	bool version_only, include_all, no_network, list_only, strict, verbose, json;
};

struct release_out {
	bool checked;
	bool rate_limited;
	const char *url;
	struct releases rs;
	const struct release *newest;
	struct semver current;
};

static const char *const status_names[] = { "pass", "info", "warning", "error" };

static const char *kind(const struct release_out *ro)
{
#if ENABLE_CHECK_RELEASE
	return release_kind(&ro->current, &ro->newest->v);
#else
	(void)ro;
	return "";
#endif
}

static int parse(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv,
		 struct check_opts *o)
{
	static const struct opt_spec specs[] = {
		{ "check-version-only", 0, OPT_BOOL, 0 }, { "include-all-releases", 0, OPT_BOOL, 1 },
		{ "no-network-checks", 'n', OPT_BOOL, 2 }, { "only-list-releases", 0, OPT_BOOL, 3 },
		{ "strict", 's', OPT_BOOL, 4 },		   { "verbose", 'v', OPT_BOOL, 5 },
		{ "json", 0, OPT_BOOL, 6 },		   { "help", 'h', OPT_BOOL, 7 },
	};
	bool *flags[] = { &o->version_only, &o->include_all, &o->no_network, &o->list_only,
			  &o->strict, &o->verbose, &o->json };
	cleanup_error struct error *err = NULL;
	struct opt_parser p;
	const char *v;
	int id;

	(void)ctx;
	memset(o, 0, sizeof(*o));
	opt_init(&p, argc, argv, specs, sizeof(specs) / sizeof(specs[0]));
	while ((id = opt_next(&p, &v, &err)) >= 0) {
		if (id == 7) {
			cli_command_help(cmd);
			return 1;
		}
		*flags[id] = opt_bool_value(v);
	}
	if (id == OPT_ERROR || p.i < p.argc) {
		log_error("check: %s", err ? err->msg : "takes no arguments");
		return -1;
	}
	const char *env = getenv("KATA_CHECK_NO_NETWORK");
	if (env && *env)
		o->no_network = true;
	return 0;
}

#if ENABLE_CHECK_RELEASE
#define RELEASES_BODY_MAX (4 * 1024 * 1024)

struct release_get {
	const char *url, *ca_file;
	int timeout_ms;
	bool include_all;
};

/* GET and parse the releases list; a GitHub rate-limit answer (403 "limit
 * exceeded") is an empty list with *rate_limited set, as in Kata. */
static int releases_fetch(const struct release_get *g, struct releases *out, bool *rate_limited,
		   struct error **err)
{
	struct buf body = BUF_INIT(RELEASES_BODY_MAX);
	struct https_get h = { g->url, g->ca_file, "kata-runtime/" UKATA_VERSION,
			       RELEASES_BODY_MAX, g->timeout_ms };
	int status = 0, r = -1;

	*rate_limited = false;
	out->r = NULL;
	out->n = 0;
	if (https_get(&h, &status, &body, err) < 0)
		goto done;
	if (status == 403 && body.data && strstr(body.data, "limit exceeded")) {
		*rate_limited = true;
		r = 0;
	} else if (status != 200) {
		error_set(err, EPROTO, "%s: HTTP status %d", g->url, status);
	} else if ((r = releases_parse(body.data ? body.data : "", body.len, g->include_all, out,
				       err)) < 0) {
		error_wrap(err, "%s", g->url);
	}
done:
	buf_free(&body);
	return r;
}
#endif

/* Kata's release step: skipped with -n or as root; -1 on error. */
static int release_step(const struct config *c, const struct check_opts *o,
			struct release_out *out)
{
	memset(out, 0, sizeof(*out));
	if (o->no_network)
		return 0;
	if (geteuid() == 0) {
		fprintf(stderr, "WARNING: Not running network checks as super user\n");
		return 0;
	}
#if ENABLE_CHECK_RELEASE
	cleanup_error struct error *err = NULL;
	const char *env = getenv("KATA_RELEASE_URL");
	struct release_get g = { env && *env ? env : c->runtime.release_url,
				 c->runtime.release_ca_file, (int)c->runtime.release_timeout * 1000,
				 o->include_all };
	out->url = g.url;
	semver_parse(UKATA_VERSION, &out->current);
	if (releases_fetch(&g, &out->rs, &out->rate_limited, &err) < 0) {
		fprintf(stderr, "ERROR: release check: %s\n", err->msg);
		return -1;
	}
	if (out->rate_limited)
		fprintf(stderr, "WARNING: %s: API rate limit exceeded, try again later\n", g.url);
	out->checked = true;
	out->newest = releases_newest(&out->rs, &out->current);
	return 0;
#else
	(void)c;
	if (o->version_only || o->list_only) {
		fprintf(stderr, "ERROR: the release check is not built in (CONFIG_CHECK_RELEASE)\n");
		return -1;
	}
	fprintf(stderr, "WARNING: the release check is not built in (CONFIG_CHECK_RELEASE)\n");
	return 0;
#endif
}

static void print_releases(const struct release_out *ro, bool list)
{
	if (!ro->checked)
		return;
	if (list) {
		for (size_t i = 0; i < ro->rs.n; i++)
			printf("%s;%s;%s\n", ro->rs.r[i].v.text, ro->rs.r[i].date, ro->rs.r[i].url);
	} else if (!ro->rs.n) {
		printf("No releases available\n");
	} else if (!ro->newest) {
		printf("No newer release available\n");
	} else {
		printf("Newer %s release available: %s (url: %s, date: %s)\n",
		       kind(ro), ro->newest->v.text,
		       ro->newest->url, ro->newest->date);
	}
}

static void print_text(const struct check_report *r, const struct check_opts *o,
		       const struct config *c, bool capable)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct check_item *it = &r->item[i];
		if (it->status < CHECK_WARN && !o->verbose)
			continue;
		fprintf(stderr, "%s: %s: %s (%s)%s%s\n",
			it->status == CHECK_FAIL ? "ERROR" : it->status == CHECK_WARN ? "WARNING"
										    : "INFO",
			it->msg, it->name, it->desc, *it->detail ? ": " : "", it->detail);
	}
	if (!capable) {
		fprintf(stderr, "ERROR: System is not capable of running Kata Containers\n");
		return;
	}
	printf("System is capable of running Kata Containers\n");
	if (!strcmp(r->accel, "kvm"))
		printf("Accelerator: KVM\n");
	else if (!strcmp(c->qemu.accel, "tcg"))
		printf("Accelerator: TCG (software emulation, slower), as configured\n");
	else
		printf("KVM is not usable here (%s): the runtime will use TCG (software "
		       "emulation, slower)\n", r->accel_why);
	if (r->root && (r->kvm_create || strcmp(r->accel, "kvm")))
		printf("System can currently create Kata Containers\n");
	if (o->strict) /* the shim and the proxy are this binary */
		printf("Version consistency of Kata Containers is verified\n");
}

static void json_release(struct json_writer *w, const struct release_out *ro)
{
	json_key(w, "release");
	if (!ro->checked) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_key(w, "url");
	json_str(w, ro->url);
	json_key(w, "current");
	json_str(w, UKATA_VERSION);
	json_key(w, "rate_limited");
	json_bool(w, ro->rate_limited);
	json_key(w, "releases");
	json_arr_begin(w);
	for (size_t i = 0; i < ro->rs.n; i++) {
		json_obj_begin(w);
		json_key(w, "version");
		json_str(w, ro->rs.r[i].v.text);
		json_key(w, "date");
		json_str(w, ro->rs.r[i].date);
		json_key(w, "url");
		json_str(w, ro->rs.r[i].url);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "newer");
	if (ro->newest) {
		json_obj_begin(w);
		json_key(w, "version");
		json_str(w, ro->newest->v.text);
		json_key(w, "kind");
		json_str(w, kind(ro));
		json_obj_end(w);
	} else {
		json_null(w);
	}
	json_obj_end(w);
}

static void json_items(struct json_writer *w, const struct check_report *r)
{
	json_key(w, "checks");
	json_arr_begin(w);
	for (unsigned i = 0; i < r->n; i++) {
		const struct check_item *it = &r->item[i];
		const char *kv[][2] = { { "status", status_names[it->status] },
					{ "type", it->type }, { "message", it->msg },
					{ "name", it->name }, { "description", it->desc },
					{ "detail", it->detail } };
		json_obj_begin(w);
		for (size_t k = 0; k < sizeof(kv) / sizeof(kv[0]); k++) {
			json_key(w, kv[k][0]);
			json_str(w, kv[k][1]);
		}
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void print_json(const struct check_report *r, const struct check_opts *o,
		       const struct release_out *ro, bool capable)
{
	struct buf b = BUF_INIT(0);
	struct json_writer w;

	json_begin(&w, &b, true);
	json_obj_begin(&w);
	if (r) {
		json_key(&w, "capable");
		json_bool(&w, capable);
		json_key(&w, "strict");
		json_bool(&w, o->strict);
		json_key(&w, "accelerator");
		json_str(&w, r->accel);
		json_key(&w, "accelerator_reason");
		json_str(&w, r->accel_why);
		json_key(&w, "can_create");
		json_bool(&w, capable && r->root && (r->kvm_create || strcmp(r->accel, "kvm")));
		json_items(&w, r);
	}
	json_release(&w, ro);
	json_obj_end(&w);
	if (json_end(&w) == 0)
		printf("%s\n", b.data);
	buf_free(&b);
}

int cmd_check(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	cleanup_error struct error *err = NULL;
	struct check_opts o;
	struct release_out ro;
	struct config *c;
	char cache[PATH_MAX + 16];

	int r = parse(ctx, cmd, argc, argv, &o);
	if (r)
		return r < 0;
	if (cli_config(ctx, &c, &err) < 0) {
		log_error("%s", err->msg);
		return 1;
	}
	if (release_step(c, &o, &ro) < 0)
		return 1;
	struct check_report *rep = NULL;
	bool capable = true;
	if (!o.version_only && !o.list_only) {
		rep = xmalloc(sizeof(*rep));
		snprintf(cache, sizeof(cache), "%s/.cache", ctx->root);
		check_host(c, cache, rep);
		capable = check_capable(rep, o.strict);
	}
	if (o.json) {
		print_json(rep, &o, &ro, capable);
	} else {
		print_releases(&ro, o.list_only);
		if (rep)
			print_text(rep, &o, c, capable);
	}
	free(rep);
	free(ro.rs.r);
	return fflush(stdout) == 0 && capable ? 0 : 1;
}
