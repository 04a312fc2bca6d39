#include "util/proc.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void child(char *const argv[], int outfd, bool with_stderr)
{
	int nullfd = open("/dev/null", O_RDWR);

	if (nullfd >= 0) {
		dup2(nullfd, 0);
		dup2(nullfd, 2);
	}
	dup2(outfd, 1);
	if (with_stderr)
		dup2(outfd, 2);
	execv(argv[0], argv);
	_exit(127);
}

/* Read the child's output until EOF (0), the deadline or, while nothing
 * came yet, the first-output deadline (-1, or -2 for the latter); out
 * holds what came, NUL-terminated, either way. */
static int drain(int fd, char *out, size_t size, long deadline, long first)
{
	size_t n = 0;
	char scratch[256];
	int r = 0;
	bool any = false;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long until = !any && first && first < deadline ? first : deadline;
		long left = until - now_ms();
		int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			r = until == deadline ? -1 : -2;
			break;
		}
		ssize_t got = n + 1 < size ? read(fd, out + n, size - 1 - n)
					   : read(fd, scratch, sizeof(scratch));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		any = true;
		if (n + 1 < size)
			n += (size_t)got;
	}
	if (size)
		out[n] = '\0';
	return r;
}

static int run(char *const argv[], bool with_stderr, char *out, size_t size, int first_ms,
	       int timeout_ms, struct error **err)
{
	int fds[2], status = 0;
	long deadline = now_ms() + timeout_ms, first = first_ms ? now_ms() + first_ms : 0;
	pid_t pid;

	if (access(argv[0], X_OK) < 0)
		return error_set_errno(err, errno, "%s", argv[0]);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return error_set_errno(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return error_set_errno(err, errno, "fork");
	}
	if (pid == 0)
		child(argv, fds[1], with_stderr);
	close(fds[1]);
	int d = drain(fds[0], out, size, deadline, first);
	close(fds[0]);
	if (d < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (d == -2)
		return error_set(err, ETIME, "%s: no output within %d ms", argv[0], first_ms);
	if (d < 0)
		return error_set(err, ETIMEDOUT, "%s: no answer within %d ms", argv[0], timeout_ms);
	if (WIFSIGNALED(status))
		return error_set(err, EINTR, "%s: killed by signal %d", argv[0], WTERMSIG(status));
	return WEXITSTATUS(status);
}

int proc_capture(char *const argv[], char *out, size_t size, int timeout_ms, struct error **err)
{
	return run(argv, false, out, size, 0, timeout_ms, err);
}

int proc_capture_all(char *const argv[], char *out, size_t size, int timeout_ms,
		     struct error **err)
{
	return run(argv, true, out, size, 0, timeout_ms, err);
}

int proc_capture_first(char *const argv[], char *out, size_t size, int first_ms, int timeout_ms,
		       struct error **err)
{
	return run(argv, true, out, size, first_ms, timeout_ms, err);
}

/* /proc/PID/stat's fields after "(comm)" (state first) into buf; false
 * when there is no such process. */
static bool stat_fields(pid_t pid, char **buf, const char **fields)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	*buf = NULL;
	if (pid <= 0 || fs_read_file(p, 4096, buf, NULL, NULL) < 0)
		return false;
	const char *rp = strrchr(*buf, ')');
	*fields = rp && rp[1] == ' ' && rp[2] ? rp + 2 : NULL;
	return *fields != NULL;
}

unsigned long long proc_start_time(pid_t pid)
{
	char *stat;
	const char *s;
	unsigned long long start = 0;

	/* A zombie is gone already. State is field 3, starttime field 22. */
	if (stat_fields(pid, &stat, &s) && !strchr("ZX", s[0])) {
		s--;
		for (int field = 3; s && field < 22; field++)
			s = strchr(s + 1, ' ');
		if (s)
			start = strtoull(s + 1, NULL, 10);
	}
	free(stat);
	return start;
}

char proc_state(pid_t pid)
{
	char *stat, st = 0;
	const char *s;

	if (stat_fields(pid, &stat, &s))
		st = s[0];
	free(stat);
	return st;
}
