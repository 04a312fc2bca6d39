#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest/spawn.h"
#include "harness.h"
#include "util/error.h"
#include "util/fs.h"

#define SPAWNS 300

static void *nothing(void *arg)
{
	return arg;
}

/* Threads coming and going, as the agent's workers do under load: libc
 * holds its thread-list lock for a moment each time. */
static void *churn(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

/* In a process of its own (so that a hang can be timed out): with threads
 * starting and ending meanwhile, as in the agent, execs with rlimits and an
 * identity get ready and run. libc's setrlimit and setuid in the clone
 * (not a fork: libc's locks are copied as they were) took the thread-list
 * lock, and hung when another thread held it at the clone. */
static int spawn_with_threads(void)
{
	pthread_t t;
	char *argv[] = { "/bin/true", NULL }, *envp[] = { "PATH=/bin:/usr/bin", NULL };
	struct spawn_rlimit rl = { RLIMIT_NOFILE, 512, 1024 };
	struct spawn_plan plan = { .init = false, .join_pid = getpid(), .argv = argv,
				   .envp = envp, .rlimits = &rl, .nrlimits = 1 };
	struct error *err = NULL;
	int start = -1, status = -1, null = open("/dev/null", O_RDWR);

	if (null < 0 || pthread_create(&t, NULL, churn, NULL) != 0)
		return 11;
	plan.stdio[0] = plan.stdio[1] = plan.stdio[2] = null;
	for (int i = 0; i < SPAWNS; i++) {
		pid_t pid = guest_spawn(&plan, &start, &status, &err);
		if (pid < 0)
			return 12;
		if (guest_spawn_start(start, status, &err) < 0)
			return 13;
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return 14;
		while (waitpid(-1, NULL, WNOHANG) > 0) /* the exec helpers */
			;
	}
	return 0;
}

TEST(guest_spawn_in_a_threaded_process)
{
	if (geteuid() != 0) {
		fprintf(stderr, "  (skipped: joining namespaces needs root)\n");
		return;
	}
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0)
		_exit(spawn_with_threads());
	int st = -1;
	pid_t got = 0;
	for (int i = 0; i < 200 && (got = waitpid(child, &st, WNOHANG)) == 0; i++)
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	if (got == 0) { /* 10 s: hung; its children first */
		char path[64], *list = NULL;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)child, (int)child);
		if (fs_read_file(path, 4096, &list, NULL, NULL) == 0)
			for (char *s = list, *end; *s; s = end) {
				long k = strtol(s, &end, 10);
				if (end == s)
					break;
				kill((pid_t)k, SIGKILL);
			}
		free(list);
		kill(child, SIGKILL);
		waitpid(child, &st, 0);
		CHECK(!"the spawned process never got ready or never ran");
		return;
	}
	CHECK(WIFEXITED(st));
	CHECK(WEXITSTATUS(st) == 0);
}
