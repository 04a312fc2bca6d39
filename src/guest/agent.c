/* `kata-agent` / `kata-runtime agent`: the guest agent's entry point. As
 * PID 1 it sets the VM up first; it serves until the VM is powered off. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoconf.h"
#include "cli/cli.h"
#include "guest/guest.h"
#include "rpc/rpc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

#define MODULES_DIR "/lib/modules"

int guest_handlers(const struct rpc_handler **h, size_t *n, struct error **err)
{
	const struct {
		const struct rpc_handler *h;
		size_t n;
	} parts[] = {
		{ guest_health_handlers, guest_nhealth_handlers },
		{ guest_sandbox_handlers, guest_nsandbox_handlers },
		{ guest_process_handlers, guest_nprocess_handlers },
		{ guest_stdio_handlers, guest_nstdio_handlers },
		{ guest_cgroup_handlers, guest_ncgroup_handlers },
		{ guest_vm_handlers, guest_nvm_handlers },
		{ guest_net_handlers, guest_nnet_handlers },
		{ guest_route_handlers, guest_nroute_handlers },
		{ guest_metrics_handlers, guest_nmetrics_handlers },
		IF_TRACE({ guest_trace_handlers, guest_ntrace_handlers },)
	};
	size_t total = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		total += parts[i].n;
	struct rpc_handler *all = calloc(total, sizeof(*all));
	if (!all)
		return error_set(err, ENOMEM, "out of memory");
	*h = all;
	*n = total;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		memcpy(all, parts[i].h, parts[i].n * sizeof(*all));
		all += parts[i].n;
	}
	return 0;
}

int cmd_agent(struct cli_ctx *ctx, const struct command *cmd, int argc, char **argv)
{
	struct guest_opts o;
	struct error *err = NULL;
	char *cmdline = NULL;
	bool pid1 = getpid() == 1;
	sigset_t set;

	(void)ctx;
	if (cmd && cli_wants_help(argc, argv)) {
		cli_command_help(cmd);
		return 0;
	}
	/* Every thread inherits this: the reaper alone takes SIGCHLD. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pid1)
		guest_init_system(MODULES_DIR);
	if (fs_read_file("/proc/cmdline", 1 << 16, &cmdline, NULL, &err) < 0 ||
	    guest_cmdline_parse(cmdline, &o, &err) < 0) {
		if (pid1) {
			guest_console(false);
			guest_panic(err->msg);
		}
		fprintf(stderr, "kata-agent: %s\n", err->msg);
		return 1;
	}
	free(cmdline);
	for (int i = 0; i < argc; i++) /* outside a VM's init, for tests */
		if (!strcmp(argv[i], "--use-vsock"))
			o.use_vsock = true;
	if (pid1) {
		guest_console(o.debug);
		guest_loopback_up();
	}
	log_info("kata-agent %s starting (channel: %s)", "ukata",
		 o.use_vsock ? "vsock" : o.channel);
	const struct rpc_handler *h = NULL;
	size_t n = 0;
	if (ENABLE_TRACE && o.trace && guest_trace_static(&err) < 0)
		log_warn("agent.trace: %s", err->msg), error_free(err), err = NULL;
	if (guest_reaper_start(&err) < 0 || guest_handlers(&h, &n, &err) < 0 ||
	    (o.use_vsock ? guest_serve_vsock(h, n, &err)
	     : ENABLE_TRANSPORT_SERIAL
		     ? guest_serve_serial(o.channel, h, n, &err)
		     : error_set(&err, ENOTSUP, "agent.use_vsock is not set: the virtio-serial "
				 "channel is not built in (CONFIG_TRANSPORT_SERIAL)")) < 0) {
		if (pid1)
			guest_panic(err->msg);
		log_error("%s", err->msg);
		return 1;
	}
	return 0;
}
