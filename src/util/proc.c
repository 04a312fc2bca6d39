#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/error.h"

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void child(char *const argv[], int outfd)
{
	int nullfd = open("/dev/null", O_RDWR);

	if (nullfd >= 0) {
		dup2(nullfd, 0);
		dup2(nullfd, 2);
	}
	dup2(outfd, 1);
	execv(argv[0], argv);
	_exit(127);
}

/* Read the child's stdout until EOF or the deadline. */
static int drain(int fd, char *out, size_t size, long deadline)
{
	size_t n = 0;
	char scratch[256];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t r;
		if (left <= 0)
			return -1;
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return -1;
		if (n + 1 < size)
			r = read(fd, out + n, size - 1 - n);
		else
			r = read(fd, scratch, sizeof(scratch));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < size)
			n += (size_t)r;
	}
	if (size)
		out[n] = '\0';
	return 0;
}

int proc_capture(char *const argv[], char *out, size_t size, int timeout_ms, struct error **err)
{
	int fds[2], status = 0;
	long deadline = now_ms() + timeout_ms;
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
		child(argv, fds[1]);
	close(fds[1]);
	int timed_out = drain(fds[0], out, size, deadline) < 0;
	close(fds[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return error_set(err, ETIMEDOUT, "%s: no answer within %d ms", argv[0], timeout_ms);
	if (WIFSIGNALED(status))
		return error_set(err, EINTR, "%s: killed by signal %d", argv[0], WTERMSIG(status));
	return WEXITSTATUS(status);
}
