/* kata-runtime proxy: one per sandbox whose agent channel is virtio-serial,
 * on the runc-CLI path. QEMU's socket for the channel (kata.sock) takes one
 * client, and the agent speaks yamux on it: the proxy (transport's
 * mux_proxy) holds that session and gives each client of its own socket
 * (proxy.sock, mode 0600) a yamux stream of its own. It ends when the VM's
 * channel does, or on SIGTERM/SIGINT, and removes its socket. */
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

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int serve(const char *dir, int ready_fd, const struct trace_ctx *trace,
		 struct error **err)
{
	char chan[4200], sock[4200];
	struct mux_proxy *p;
	struct trace_span sp;

	trace_begin(&sp, trace, "proxy.ready");
	snprintf(chan, sizeof(chan), "%s/kata.sock", dir);
	snprintf(sock, sizeof(sock), "%s/proxy.sock", dir);
	p = mux_proxy_start(chan, sock, err);
	trace_end(&sp, p ? 0 : -1, NULL);
	if (!p)
		return -1;
	if (ready_fd >= 0) {
		ssize_t w = write(ready_fd, "1", 1);
		(void)w;
		close(ready_fd);
	}
	while (!stopping && mux_proxy_alive(p))
		usleep(200 * 1000);
	log_debug("proxy %s: %s", dir, stopping ? "stopped" : "the agent channel ended");
	mux_proxy_stop(p);
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
