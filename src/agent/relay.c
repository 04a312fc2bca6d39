/* A process's stdio through its agent: a thread per output stream
 * (ReadStdout, ReadStderr), one for its stdin (WriteStdin, then
 * CloseStdin at EOF), and its exit status (WaitProcess) once its output
 * has ended, so that nothing it wrote before exiting is lost. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "agent/relay.h"
#include "util/error.h"
#include "util/log.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

struct output {
	struct agent_relay *r;
	bool err_stream;
};

static void *output_thread(void *arg)
{
	struct output *o = arg;
	struct agent_relay *r = o->r;
	int fd = r->fds[o->err_stream ? 2 : 1];
	bool out_ok = fd >= 0;

	for (;;) {
		struct buf b = BUF_INIT(1 << 20);
		struct error *err = NULL;
		int n = r->agent.ops->read_output(&r->agent, r->cid, r->eid, o->err_stream, &b, &err);
		if (n > 0 && out_ok && write_all(fd, b.data, b.len) < 0) {
			int e = errno;
			out_ok = false; /* keep draining, so the process is not blocked */
			/* Nobody reads any more: as under runc, the process's
			 * writes fail from now on (EPIPE, SIGPIPE). An agent that
			 * cannot close its end gets the process a SIGPIPE. */
			if (e == EPIPE && r->agent.ops->close_output(&r->agent, r->cid, r->eid,
								     o->err_stream, NULL) == 1)
				r->agent.ops->signal_process(&r->agent, r->cid, r->eid, SIGPIPE, NULL);
		}
		buf_free(&b);
		if (n <= 0) {
			if (n < 0)
				log_debug("relay %s/%s: reading output: %s", r->cid, r->eid, err->msg);
			error_free(err);
			return NULL;
		}
	}
}

/* stdin until its EOF (then CloseStdin), or until the relay stops. */
static void *input_thread(void *arg)
{
	struct agent_relay *r = arg;
	char buf[32768];

	for (;;) {
		struct pollfd p[2] = { { r->fds[0], POLLIN, 0 }, { r->stop[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[1].revents)
			return NULL;
		if (!p[0].revents)
			continue;
		ssize_t n = read(r->fds[0], buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if (r->agent.ops->write_stdin(&r->agent, r->cid, r->eid, buf, (size_t)n, NULL) < 0)
			return NULL;
	}
	r->agent.ops->close_stdin(&r->agent, r->cid, r->eid, NULL);
	return NULL;
}

int agent_relay_open(struct agent_relay *r, const char *url, const char *cid, const char *eid,
		     bool terminal, const int fds[3], struct error **err)
{
	memset(r, 0, sizeof(*r));
	r->cid = cid;
	r->eid = eid;
	r->terminal = terminal;
	for (int i = 0; i < 3; i++)
		r->fds[i] = fds[i];
	r->stop[0] = r->stop[1] = -1;
	if (pipe2(r->stop, O_CLOEXEC) < 0)
		return error_set_errno(err, errno, "relay %s/%s: pipe", cid, eid);
	if (agent_connect(&r->agent, url, err) < 0) {
		close(r->stop[0]);
		close(r->stop[1]);
		return error_wrap(err, "relay %s/%s", cid, eid);
	}
	return 0;
}

static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 128 * 1024);
	int r = pthread_create(t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return r;
}

int agent_relay_run(struct agent_relay *r, int *status, struct error **err)
{
	struct output o1 = { r, false }, o2 = { r, true };
	pthread_t out, errt, in;
	bool has_in = r->fds[0] >= 0 && start_thread(&in, input_thread, r) == 0;
	bool has_err = !r->terminal && start_thread(&errt, output_thread, &o2) == 0;

	if (start_thread(&out, output_thread, &o1) == 0)
		pthread_join(out, NULL);
	else
		output_thread(&o1);
	if (has_err)
		pthread_join(errt, NULL);
	close_fd(&r->fds[1]); /* the reader sees the end before the exit */
	close_fd(&r->fds[2]);
	int rc = r->agent.ops->wait_process(&r->agent, r->cid, r->eid, status, err);
	if (has_in) {
		ssize_t w = write(r->stop[1], "", 1);
		(void)w;
		pthread_join(in, NULL);
	}
	close_fd(&r->fds[0]);
	return rc < 0 ? error_wrap(err, "process %s of %s", r->eid, r->cid) : 0;
}

void agent_relay_close(struct agent_relay *r)
{
	for (int i = 0; i < 3; i++)
		close_fd(&r->fds[i]);
	r->agent.ops->close(&r->agent);
	for (int i = 0; i < 2; i++)
		if (r->stop[i] >= 0)
			close(r->stop[i]);
	r->stop[0] = r->stop[1] = -1;
}
