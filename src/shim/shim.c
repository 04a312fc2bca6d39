/* kata-runtime shim: the host process standing for one container process
 * (its pid is the one in --pid-file and in `state`). It relays its stdin,
 * stdout and stderr through the agent (agent/relay.c), forwards the signals it gets
 * (SIGWINCH becomes TtyWinResize), and exits with the process's exit
 * status, so that whoever reaps it sees the container's status. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "agent/relay.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "util/error.h"

struct shim {
	struct agent_relay r;
	const char *cid, *eid;
	bool terminal;
};

static void resize(struct shim *s)
{
	struct winsize ws;
	if (s->terminal && ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		s->r.agent.ops->tty_resize(&s->r.agent, s->cid, s->eid, ws.ws_row, ws.ws_col, NULL);
}

static void *signal_thread(void *arg)
{
	struct shim *s = arg;
	sigset_t set;
	int sig;

	sigfillset(&set);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGWINCH)
			resize(s);
		else if (sig != SIGCHLD && sig != SIGPIPE && sig != SIGURG)
			s->r.agent.ops->signal_process(&s->r.agent, s->cid, s->eid, sig, NULL);
	}
	return NULL;
}

static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
	if (tio_saved)
		tcsetattr(0, TCSANOW, &saved_tio);
}

static void raw_tty(void)
{
	struct termios t;
	if (tcgetattr(0, &saved_tio) < 0)
		return;
	tio_saved = true;
	t = saved_tio;
	cfmakeraw(&t);
	t.c_oflag |= OPOST; /* as Kata's shim: output keeps its newlines */
	tcsetattr(0, TCSANOW, &t);
}

static int run(struct shim *s, const char *url, struct cli_ctx *ctx)
{
	static const int fds[3] = { 0, 1, 2 };
	struct error *err = NULL;
	pthread_t sigt;
	sigset_t all;
	int status = 255;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (agent_relay_open(&s->r, url, s->cid, s->eid, s->terminal, fds, &err) < 0) {
		log_error("shim %s/%s: %s", s->cid, s->eid, err->msg);
		error_free(err);
		return 255;
	}
	s->r.agent.trace = cli_trace_ctx(ctx); /* before the threads: they read it */
	if (s->terminal && isatty(0))
		raw_tty();
	resize(s);
	pthread_create(&sigt, NULL, signal_thread, s);
	if (agent_relay_run(&s->r, &status, &err) < 0) {
		log_error("shim %s/%s: %s", s->cid, s->eid, err->msg);
		error_free(err);
		status = 255;
	} else {
		ctx->exit_is_container = true; /* the process's status, not ours */
	}
	restore_tty();
	return status & 0xff;
}

int cmd_shim(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	enum { S_AGENT, S_CONTAINER, S_EXEC, S_TERMINAL };
	static const struct opt_spec specs[] = {
		{ "agent", 0, OPT_VALUE, S_AGENT },
		{ "container", 0, OPT_VALUE, S_CONTAINER },
		{ "exec-id", 0, OPT_VALUE, S_EXEC },
		{ "terminal", 0, OPT_BOOL, S_TERMINAL },
	};
	struct shim s = { .cid = NULL };
	const char *url = NULL, *v;
	struct error *err = NULL;
	struct opt_parser p;
	int id;

	if (cli_wants_help(argc, argv)) {
		cli_command_help(cmd);
		return 0;
	}
	log_no_stderr();
	opt_init(&p, argc, argv, specs, sizeof(specs) / sizeof(specs[0]));
	while ((id = opt_next(&p, &v, &err)) >= 0) {
		if (id == S_AGENT)
			url = v;
		else if (id == S_CONTAINER)
			s.cid = v;
		else if (id == S_EXEC)
			s.eid = v;
		else
			s.terminal = opt_bool_value(v);
	}
	if (err || !url || !s.cid || p.i != argc) {
		log_error("shim: %s", err ? err->msg : "usage: kata-runtime shim --agent URL "
			  "--container ID [--exec-id ID] [--terminal]");
		error_free(err);
		return 255;
	}
	if (!s.eid)
		s.eid = s.cid;
	return run(&s, url, ctx);
}
