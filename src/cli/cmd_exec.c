/* exec: a new process in a running container, with a shim of its own. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/lifecycle.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/alloc.h"

enum { E_PROCESS, E_CONSOLE_SOCKET, E_PID_FILE, E_DETACH, E_TTY, E_ENV, E_CWD, E_USER, E_CAP,
       E_NO_NEW_PRIVS, E_IGNORED };

struct exec_args {
	const char *process, *pid_file, *cwd, *user;
	struct sb_stdio io;
	bool tty, tty_set, no_new_privs;
	struct strv env, caps;
};

static int on_opt(void *ud, int id, const char *v, struct error **err)
{
	struct exec_args *a = ud;
	switch (id) {
	case E_PROCESS: a->process = v; break;
	case E_CONSOLE_SOCKET: a->io.console_socket = v; break;
	case E_PID_FILE: a->pid_file = v; break;
	case E_DETACH: a->io.detach = opt_bool_value(v); break;
	case E_TTY: a->tty = opt_bool_value(v), a->tty_set = true; break;
	case E_CWD: a->cwd = v; break;
	case E_USER: a->user = v; break;
	case E_NO_NEW_PRIVS: a->no_new_privs = opt_bool_value(v); break;
	case E_ENV:
	case E_CAP:
		strv_push(id == E_ENV ? &a->env : &a->caps, v);
		break;
	}
	return 0;
}

/* "uid[:gid]" */
static int user(const char *s, struct oci_process *p, struct error **err)
{
	char *end;
	unsigned long uid = strtoul(s, &end, 10), gid = 0;
	if (end != s && *end == ':')
		gid = strtoul(end + 1, &end, 10);
	if (end == s || *end || uid > UINT32_MAX || gid > UINT32_MAX)
		return error_set(err, EINVAL, "--user \"%s\": expected uid[:gid] (numbers)", s);
	p->uid = (uint32_t)uid;
	p->gid = (uint32_t)gid;
	return 0;
}

/* The process: --process FILE, or the container's own process with the
 * command line and the options on top (as runc does). */
static int process(const struct sb_env *env, const char *id, struct exec_args *a, int argc,
		   char **argv, struct oci_process *p, struct error **err)
{
	struct oci_spec spec;
	struct sb_state s;
	char *text = NULL;
	size_t len;

	if (a->process) {
		if (fs_read_file(a->process, OCI_MAX_BYTES, &text, &len, err) < 0)
			return error_wrap(err, "--process");
		int r = oci_process_parse(text, len, p, err);
		free(text);
		return r < 0 ? error_wrap(err, "--process %s", a->process) : 0;
	}
	if (argc == 0)
		return error_set(err, EINVAL, "exec: a command is needed");
	if (sb_state_get(env, id, &s, err) < 0)
		return -1;
	int r = oci_spec_load(s.bundle, &spec, err);
	sb_state_free(&s);
	if (r < 0)
		return -1;
	*p = spec.process;
	memset(&spec.process, 0, sizeof(spec.process));
	oci_spec_free(&spec);
	strv_free(&p->args);
	p->terminal = a->tty;
	for (int i = 0; i < argc; i++)
		strv_push(&p->args, argv[i]);
	for (size_t i = 0; i < a->env.n; i++)
		strv_push(&p->env, a->env.v[i]);
	for (size_t i = 0; i < a->caps.n; i++)
		for (int set = 0; set < OCI_NCAPS; set++)
			strv_push(&p->caps[set], a->caps.v[i]);
	if (a->cwd) {
		free(p->cwd);
		p->cwd = xstrdup(a->cwd);
	}
	p->no_new_privileges |= a->no_new_privs;
	return a->user ? user(a->user, p, err) : 0;
}

static volatile pid_t fwd_pid;

static void forward(int sig)
{
	if (fwd_pid > 0)
		kill(fwd_pid, sig);
}

int cmd_exec(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = {
		{ "process", 'p', OPT_VALUE, E_PROCESS },
		{ "console-socket", 0, OPT_VALUE, E_CONSOLE_SOCKET },
		{ "pid-file", 0, OPT_VALUE, E_PID_FILE },
		{ "detach", 'd', OPT_BOOL, E_DETACH },
		{ "tty", 't', OPT_BOOL, E_TTY },
		{ "env", 'e', OPT_VALUE, E_ENV },
		{ "cwd", 0, OPT_VALUE, E_CWD },
		{ "user", 'u', OPT_VALUE, E_USER },
		{ "cap", 'c', OPT_VALUE, E_CAP },
		{ "no-new-privs", 0, OPT_BOOL, E_NO_NEW_PRIVS },
		{ "process-label", 0, OPT_VALUE, E_IGNORED },
		{ "apparmor", 0, OPT_VALUE, E_IGNORED },
		{ "preserve-fds", 0, OPT_VALUE, E_IGNORED },
		{ "pidfd-socket", 0, OPT_VALUE, E_IGNORED },
		{ "no-subreaper", 0, OPT_BOOL, E_IGNORED },
		{ "ignore-paused", 0, OPT_BOOL, E_IGNORED },
	};
	struct exec_args a = { 0 };
	struct oci_process p = { 0 };
	struct error *err = NULL;
	struct sb_env env;
	char self[4096];
	int pos, status = 1;
	pid_t shim;
	char eid[SB_EID_SIZE];

	if (cli_wants_help(argc, argv))
		return cli_command_help(cmd), 0;
	if (cli_parse(cmd, argc, argv, specs, sizeof(specs) / sizeof(specs[0]), on_opt, &a, &pos) < 0)
		goto out;
	if (pos >= argc) {
		log_error("exec: a container id is needed (usage: kata-runtime exec %s)", cmd->usage);
		goto out;
	}
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	if (!a.io.detach)
		for (int s = 1; s < 32; s++)
			if (s != SIGCHLD && s != SIGKILL && s != SIGSTOP && s != SIGPIPE)
				sigaction(s, &sa, NULL);
	if (cli_sb_env(ctx, &env, self, sizeof(self), &err) < 0 ||
	    process(&env, argv[pos], &a, argc - pos - 1, argv + pos + 1, &p, &err) < 0 ||
	    sb_exec(&env, argv[pos], &p, &a.io, &shim, eid, &err) < 0) {
		status = cli_fail(cmd, argv[pos], err);
		goto out;
	}
	fwd_pid = shim;
	if (a.pid_file && cli_write_pid_file(a.pid_file, shim, &err) < 0) {
		kill(shim, SIGKILL);
		status = cli_fail(cmd, argv[pos], err);
	} else {
		status = a.io.detach ? 0 : cli_wait_child(shim);
	}
out:
	oci_process_free(&p);
	strv_free(&a.env);
	strv_free(&a.caps);
	return status;
}
