/* state and list: the OCI state of one container, or of all under --root. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/lifecycle.h"
#include "json/writer.h"
#include "util/error.h"
#include "util/log.h"
#include "version.h"
#include "util/alloc.h"

static void state_json(struct json_writer *w, const struct sb_state *s)
{
	json_obj_begin(w);
	json_key(w, "ociVersion"), json_str(w, UKATA_OCI_SPEC);
	json_key(w, "id"), json_str(w, s->id);
	json_key(w, "pid");
	json_int(w, s->status == SB_STOPPED || s->status == SB_CREATING ? 0 : s->shim.pid);
	json_key(w, "status"), json_str(w, sb_status_names[s->status]);
	json_key(w, "bundle"), json_str(w, s->bundle);
	json_key(w, "rootfs"), json_str(w, s->rootfs);
	json_key(w, "created"), json_str(w, s->created);
	json_key(w, "owner"), json_str(w, "");
	json_key(w, "annotations");
	json_obj_begin(w);
	for (size_t i = 0; i < s->nann; i++)
		json_key(w, s->ann_keys[i]), json_str(w, s->ann_values[i]);
	json_obj_end(w);
	json_obj_end(w);
}

int cmd_state(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	struct error *err = NULL;
	struct sb_env env;
	struct sb_state s;
	struct json_writer w;
	struct buf b = BUF_INIT(0);
	char self[4096];

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (argc != 1) {
		log_error("state: %s (usage: kata-runtime state <container-id>)",
			  argc ? "one container id only" : "a container id is needed");
		return 1;
	}
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0 ||
	    sb_state_get(&env, argv[0], &s, &err) < 0)
		return cli_fail(cmd, argv[0], err);
	json_begin(&w, &b, true);
	state_json(&w, &s);
	json_end(&w);
	printf("%s\n", b.data);
	buf_free(&b);
	sb_state_free(&s);
	return 0;
}

enum { L_FORMAT, L_QUIET };
struct list_args {
	const char *format;
	bool quiet;
};

static int on_opt(void *ud, int id, const char *v, struct error **err)
{
	struct list_args *a = ud;
	if (id == L_QUIET)
		a->quiet = opt_bool_value(v);
	else if (strcmp(v, "table") && strcmp(v, "json"))
		return error_set(err, 0, "--format: \"%s\" is not table or json", v);
	else
		a->format = v;
	return 0;
}

static const char *owner(const char *dir)
{
	struct stat st;
	struct passwd *pw = stat(dir, &st) == 0 ? getpwuid(st.st_uid) : NULL;
	return pw ? pw->pw_name : "";
}

/* The table as runc prints it (tabwriter: columns at least 12 wide, 3
 * spaces of padding; the last column not padded). */
static void table(struct sb_state *s, size_t n)
{
	static const char *const head[6] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	char cells[6][PATH_MAX];
	size_t width[5] = { 0 };

	for (size_t r = 0; r <= n; r++)
		for (int c = 0; c < 5; c++) {
			size_t len = r == 0 ? strlen(head[c])
				     : c == 0 ? strlen(s[r - 1].id)
				     : c == 1 ? (size_t)snprintf(NULL, 0, "%d", s[r - 1].shim.pid)
				     : c == 2 ? strlen(sb_status_names[s[r - 1].status])
				     : c == 3 ? strlen(s[r - 1].bundle) : strlen(s[r - 1].created);
			if (len + 3 > width[c])
				width[c] = len + 3 < 12 ? 12 : len + 3;
		}
	for (size_t r = 0; r <= n; r++) {
		const struct sb_state *x = r ? &s[r - 1] : NULL;
		bool live = x && x->status != SB_STOPPED && x->status != SB_CREATING;
		snprintf(cells[0], sizeof(cells[0]), "%s", x ? x->id : head[0]);
		snprintf(cells[1], sizeof(cells[1]), x ? "%d" : "PID", live ? x->shim.pid : 0);
		snprintf(cells[2], sizeof(cells[2]), "%s", x ? sb_status_names[x->status] : head[2]);
		snprintf(cells[3], sizeof(cells[3]), "%s", x ? x->bundle : head[3]);
		snprintf(cells[4], sizeof(cells[4]), "%s", x ? x->created : head[4]);
		snprintf(cells[5], sizeof(cells[5]), "%s", x ? owner(x->dir) : head[5]);
		for (int c = 0; c < 5; c++)
			printf("%-*s", (int)width[c], cells[c]);
		printf("%s\n", cells[5]);
	}
}

int cmd_list(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = { { "format", 'f', OPT_VALUE, L_FORMAT },
						 { "quiet", 'q', OPT_BOOL, L_QUIET } };
	struct list_args a = { "table", false };
	struct error *err = NULL;
	struct sb_env env;
	char self[4096], **ids;
	size_t n, got = 0;
	int pos;

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (cli_parse(cmd, argc, argv, specs, 2, on_opt, &a, &pos) < 0)
		return 1;
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0 ||
	    sb_state_list(env.root, &ids, &n, &err) < 0)
		return cli_fail(cmd, NULL, err);
	struct sb_state *s = xcalloc(n, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		struct error *e = NULL;
		if (sb_state_get(&env, ids[i], &s[got], &e) == 0)
			got++;
		else if (e->code != ENOENT) /* gone meanwhile: skipped; else said, as runc */
			log_warn("%s", e->msg);
		error_free(e);
	}
	if (a.quiet) {
		for (size_t i = 0; i < got; i++)
			printf("%s\n", s[i].id);
	} else if (!strcmp(a.format, "json")) {
		struct buf b = BUF_INIT(0);
		struct json_writer w;
		json_begin(&w, &b, false);
		json_arr_begin(&w);
		for (size_t i = 0; i < got; i++)
			state_json(&w, &s[i]);
		json_arr_end(&w);
		json_end(&w);
		printf("%s\n", b.data ? b.data : "[]");
		buf_free(&b);
	} else {
		table(s, got);
	}
	for (size_t i = 0; i < got; i++)
		sb_state_free(&s[i]);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(s);
	return 0;
}
