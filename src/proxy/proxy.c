/* kata-runtime proxy: one per sandbox whose agent channel is virtio-serial.
 * QEMU's socket for the channel (kata.sock) takes one client, and the
 * agent speaks yamux on it: the proxy holds that session and gives each
 * client of its own socket (proxy.sock, mode 0600) a yamux stream of its
 * own, relaying bytes both ways. It ends when the VM's channel does, or on
 * SIGTERM/SIGINT, and removes its socket. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "transport/transport.h"
#include "util/error.h"

#define RELAY_BUF 65536

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

struct relay {
	int a, b;
};

/* Copy what is readable on from to to; false at EOF or error (then to's
 * writing side is shut down). */
static bool pump(int from, int to, char *buf)
{
	ssize_t n = read(from, buf, RELAY_BUF);
	if (n <= 0) {
		shutdown(to, SHUT_WR);
		return false;
	}
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			shutdown(from, SHUT_RD);
			return false;
		}
		off += w;
	}
	return true;
}

static void *relay_thread(void *arg)
{
	struct relay r = *(struct relay *)arg;
	char *buf = malloc(RELAY_BUF);
	bool open_a = true, open_b = true;

	free(arg);
	while (buf && (open_a || open_b)) {
		struct pollfd p[2] = { { open_a ? r.a : -1, POLLIN, 0 },
				       { open_b ? r.b : -1, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !pump(r.a, r.b, buf))
			open_a = false;
		if (p[1].revents && !pump(r.b, r.a, buf))
			open_b = false;
	}
	free(buf);
	close(r.a);
	close(r.b);
	return NULL;
}

static void serve_client(struct yamux_mux *mux, int client)
{
	struct error *err = NULL;
	pthread_t t;
	pthread_attr_t attr;
	struct relay *r = malloc(sizeof(*r));
	int s = r ? yamux_mux_open(mux, &err) : -1;

	if (s < 0) {
		log_warn("proxy: a client could not get a stream: %s", err ? err->msg : "no memory");
		error_free(err);
		free(r);
		close(client);
		return;
	}
	*r = (struct relay){ client, s };
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, relay_thread, r) != 0) {
		close(client);
		close(s);
		free(r);
	}
	pthread_attr_destroy(&attr);
}

static int serve(const char *dir, int ready_fd, const struct trace_ctx *trace,
		 struct error **err)
{
	char chan[4200], sock[4200];
	struct yamux_mux *mux;
	struct trace_span sp;
	int lfd;

	trace_begin(&sp, trace, "proxy.ready");

	snprintf(chan, sizeof(chan), "%s/kata.sock", dir);
	snprintf(sock, sizeof(sock), "%s/proxy.sock", dir);
	int fd = unix_connect(chan, err);
	if (fd < 0)
		return trace_end(&sp, -1, NULL), error_wrap(err, "agent channel");
	if (!(mux = yamux_mux_start(fd, true, NULL, NULL, err)))
		return trace_end(&sp, -1, NULL), error_wrap(err, "agent channel %s", chan);
	if ((lfd = unix_listen(sock, 64, err)) < 0) {
		yamux_mux_stop(mux);
		return trace_end(&sp, -1, NULL), -1;
	}
	trace_end(&sp, 0, NULL);
	if (ready_fd >= 0) {
		ssize_t w = write(ready_fd, "1", 1);
		(void)w;
		close(ready_fd);
	}
	while (!stopping && yamux_mux_alive(mux)) {
		struct pollfd p = { lfd, POLLIN, 0 };
		if (poll(&p, 1, 200) <= 0)
			continue;
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			serve_client(mux, c);
	}
	close(lfd);
	unlink(sock);
	log_debug("proxy %s: %s", dir, stopping ? "stopped" : "the agent channel ended");
	yamux_mux_stop(mux);
	return 0;
}

int cmd_proxy(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	static const struct opt_spec specs[] = { { "ready-fd", 0, OPT_VALUE, 1 } };
	struct error *err = NULL;
	struct opt_parser p;
	const char *v;
	int id, ready_fd = -1;

	if (cli_wants_help(argc, argv)) {
		cli_command_help(cmd);
		return 0;
	}
	opt_init(&p, argc, argv, specs, 1);
	while ((id = opt_next(&p, &v, &err)) >= 0)
		ready_fd = atoi(v);
	if (err || p.i != argc - 1) {
		log_error("proxy: %s", err ? err->msg : "usage: kata-runtime proxy [--ready-fd N] DIR");
		error_free(err);
		return 2;
	}
	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (serve(argv[p.i], ready_fd, cli_trace_ctx(ctx), &err) < 0) {
		log_error("proxy %s: %s", argv[p.i], err->msg);
		error_free(err);
		return 1;
	}
	return 0;
}
