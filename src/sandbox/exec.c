/* Processes in a running container: exec (with a shim of its own, recorded
 * in DIR/exec-EID), ps, update and stats. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "sandbox/internal.h"
#include "util/error.h"
#include "util/fs.h"

#define NOT_RUNNING "container not running"

static int record(const char *dir, const char *eid, const struct sb_proc *p, struct error **err)
{
	char path[PATH_MAX + 80], text[64];
	snprintf(path, sizeof(path), "%s/exec-%s", dir, eid);
	snprintf(text, sizeof(text), "%d %llu\n", (int)p->pid, p->start);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return error_set_errno(err, e, "%s", path);
	}
	close(fd);
	return 0;
}

/* One exec record: its shim, or false when the file says none. */
static bool read_record(const char *path, struct sb_proc *p)
{
	char *text = NULL, *end;
	bool ok = false;

	if (fs_read_file(path, 64, &text, NULL, NULL) == 0 &&
	    (p->pid = (int)strtol(text, &end, 10)) > 0 && *end == ' ') {
		p->start = strtoull(end + 1, &end, 10);
		ok = *end == 0 || *end == '\n';
	}
	free(text);
	return ok;
}

/* The exec shims recorded in dir that are alive (the first max into out,
 * when out is given): how many. The records of those that ended go. */
static size_t exec_shims(const char *dir, struct sb_proc *out, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d))) {
		char path[PATH_MAX + 300];
		struct sb_proc p;
		if (strncmp(e->d_name, "exec-", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!read_record(path, &p) || !sb_proc_alive(&p)) {
			unlink(path);
			continue;
		}
		if (out && n < max)
			out[n] = p;
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

void sb_exec_kill_all(const char *dir)
{
	struct sb_proc p[SB_MAX_EXECS + 64];
	size_t n = exec_shims(dir, p, sizeof(p) / sizeof(p[0]));
	for (size_t i = 0; i < n && i < sizeof(p) / sizeof(p[0]); i++)
		sb_kill_proc(&p[i]);
}

int sb_exec(const struct sb_env *env, const char *id, const struct oci_process *p,
	    const struct sb_stdio *io, pid_t *shim, char eid[SB_EID_SIZE], struct error **err)
{
	struct sb_state s;
	struct agent a;
	struct sb_proc proc;
	unsigned char rnd[8];
	int lock;

	if (p->terminal && io->detach && !io->console_socket)
		return error_set(err, EINVAL, "exec: a terminal for a detached process needs "
				 "--console-socket");
	if (sb_with_agent(env, id, SB_MASK(SB_RUNNING), NOT_RUNNING, &s, &lock, &a, err) < 0)
		return -1;
	/* Each running exec holds a stream of the agent's channel: past the
	 * limit, a clear refusal rather than a channel out of streams. */
	if (exec_shims(s.dir, NULL, 0) >= SB_MAX_EXECS) {
		sb_agent_done(&s, lock, &a);
		return error_set(err, EAGAIN, "exec in container %s: %d processes exec'd in it are "
				 "running, the most a container takes at once: try again when one "
				 "has ended", id, SB_MAX_EXECS);
	}
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		memset(rnd, (int)getpid(), sizeof(rnd));
	snprintf(eid, SB_EID_SIZE, "%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	int r = a.ops->exec_process(&a, id, eid, p, err);
	if (r == 0 && (r = sb_spawn_shim(env, s.agent_url, id, eid, p->terminal, io, shim, err)) == 0) {
		sb_proc_set(&proc, *shim);
		r = record(s.dir, eid, &proc, err);
	}
	if (r < 0)
		error_wrap(err, "exec in container %s", id);
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_exited(const struct sb_env *env, const char *id, const char *eid, struct error **err)
{
	struct sb_state s;
	int lock;
	char path[PATH_MAX + 80];

	if (sb_state_open(env->root, id, &s, &lock, err) < 0)
		return -1;
	int r = 0;
	if (eid) {
		snprintf(path, sizeof(path), "%s/exec-%s", s.dir, eid);
		unlink(path);
	} else if (s.status != SB_STOPPED) {
		s.status = SB_STOPPED;
		r = sb_state_write(&s, err);
	}
	sb_state_free(&s);
	close(lock);
	return r;
}

int sb_oom_wait(const struct sb_env *env, const char *id, char *cid, size_t size,
		int timeout_ms, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	/* stopped too: its VM runs until delete, and the OOM kill that
	 * ended the container is still to be told */
	if (sb_with_agent(env, id, SB_LIVE | SB_MASK(SB_STOPPED), NOT_RUNNING, &s, &lock, &a,
			  err) < 0)
		return -1;
	/* the wait holds no lock: other commands go on */
	sb_agent_release(&s, lock);
	int r = a.ops->oom_event ? a.ops->oom_event(&a, cid, size, timeout_ms, err)
				 : error_set(err, ENOTSUP, "the agent has no OOM events");
	a.ops->close(&a);
	return r;
}

int sb_ps(const struct sb_env *env, const char *id, const char *format, char *const *args,
	  size_t nargs, struct buf *out, struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock, r = 0;

	if (sb_with_agent(env, id, SB_LIVE, NOT_RUNNING, &s, &lock, &a, err) < 0)
		return -1;
	if (!strcmp(format, "json")) { /* the shims stand for the processes on the host */
		struct sb_proc p[SB_MAX_EXECS + 64];
		size_t n = exec_shims(s.dir, p, sizeof(p) / sizeof(p[0]));
		buf_printf(out, "[%d", (int)s.shim.pid);
		for (size_t i = 0; i < n && i < sizeof(p) / sizeof(p[0]); i++)
			buf_printf(out, ",%d", (int)p[i].pid);
		buf_puts(out, "]\n");
	} else {
		r = a.ops->ps(&a, id, format, args, nargs, out, err);
	}
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_update(const struct sb_env *env, const char *id, const struct oci_resources *res,
	      struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, SB_LIVE, NOT_RUNNING, &s, &lock, &a, err) < 0)
		return -1;
	int r = a.ops->update(&a, id, res, err);
	sb_agent_done(&s, lock, &a);
	return r;
}

int sb_stats(const struct sb_env *env, const char *id, struct agent_stats *st,
	     struct error **err)
{
	struct sb_state s;
	struct agent a;
	int lock;

	if (sb_with_agent(env, id, SB_LIVE, NOT_RUNNING, &s, &lock, &a, err) < 0)
		return -1;
	int r = a.ops->stats(&a, id, st, err);
	sb_agent_done(&s, lock, &a);
	return r;
}
