#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/lifecycle.h"
#include "util/error.h"

int cli_sb_env(struct cli_ctx *ctx, struct sb_env *env, char *self, size_t size,
	       struct error **err)
{
	struct config *c;
	ssize_t n = readlink("/proc/self/exe", self, size - 1);

	if (n <= 0)
		return error_set_errno(err, errno, "/proc/self/exe");
	self[n] = 0;
	if (cli_config(ctx, &c, err) < 0)
		return -1;
	*env = (struct sb_env){ .root = ctx->root, .config = c, .self = self,
				.log_path = ctx->log_path,
				.log_format = ctx->log_format == LOG_FORMAT_JSON ? "json" : NULL,
				.debug = ctx->debug, .trace = cli_trace_ctx(ctx) };
	if (ctx->cache_server)
		env->cache_endpoint = *ctx->cache_server ? ctx->cache_server
							 : c->factory.vm_cache_endpoint;
	return 0;
}

int cli_fail(const struct command *cmd, const char *id, struct error *err)
{
	(void)cmd, (void)id;
	log_error("%s", err ? err->msg : "failed");
	error_free(err);
	return 1;
}

int cli_parse(const struct command *cmd, int argc, char **argv, const struct opt_spec *specs,
	      size_t n, int (*on_opt)(void *ud, int id, const char *v, struct error **err),
	      void *ud, int *pos)
{
	struct error *err = NULL;
	struct opt_parser p;
	const char *v;
	int id;

	opt_init(&p, argc, argv, specs, n);
	while ((id = opt_next(&p, &v, &err)) >= 0)
		if (on_opt(ud, id, v, &err) < 0)
			break;
	if (err) {
		log_error("%s: %s (see kata-runtime %s --help)", cmd->name, err->msg, cmd->name);
		error_free(err);
		return -1;
	}
	*pos = p.i;
	return 0;
}

int cli_write_pid_file(const char *path, pid_t pid, struct error **err)
{
	char tmp[PATH_MAX], text[32];
	int len = snprintf(text, sizeof(text), "%d", (int)pid);

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return error_set(err, ENAMETOOLONG, "--pid-file %s: too long", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set_errno(err, errno, "--pid-file %s", path);
	bool ok = write(fd, text, (size_t)len) == len;
	close(fd);
	if (!ok || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return error_set_errno(err, e, "--pid-file %s", path);
	}
	return 0;
}

int cli_wait_child(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 255;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },	    { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "IOT", SIGIOT },	 { "BUS", SIGBUS },
	{ "FPE", SIGFPE },   { "KILL", SIGKILL },   { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO },	    { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int cli_parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return n > 0 && n < 65 ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	return -1;
}
