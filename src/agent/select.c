/* Which agent a URL names (agent.h). */
#include <errno.h>
#include <unistd.h>

#include "agent/agent.h"
#include "autoconf.h"
#include "transport/transport.h"
#include "util/cleanup.h"
#include "util/error.h"

int agent_connect(struct agent *a, const char *url, struct error **err)
{
	bool noop = agent_url_is_noop(url);
	if (noop ? !ENABLE_AGENT_NOOP : !ENABLE_AGENT_KATA)
		return error_set(err, ENOTSUP, "agent %s: the %s agent is not built in (CONFIG_AGENT_%s)",
				 url, noop ? "noop" : "kata", noop ? "NOOP" : "KATA");
	a->ops = noop ? IF_AGENT_NOOP(&noop_agent_ops) IF_NOT_AGENT_NOOP(NULL)
		      : IF_AGENT_KATA(&kata_agent_ops) IF_NOT_AGENT_KATA(NULL);
	return a->ops->connect(a, url, err);
}

/* A stream to the agent at url, tried again while it is not listening. */
static int dial(const char *url, bool mux, struct yamux_mux **m, long deadline,
		struct error **err)
{
	for (;;) {
		cleanup_error struct error *e = NULL;
		int fd = transport_dial(url, &e);
		if (fd >= 0 && mux) {
			*m = yamux_mux_start(fd, true, NULL, NULL, err);
			return *m ? yamux_mux_open(*m, err) : -1;
		}
		if (fd >= 0)
			return fd;
		bool again = e->code == ECONNREFUSED || e->code == ECONNRESET || e->code == ENOENT;
		if (!again || io_now_ms() >= deadline) {
			if (err) {
				*err = e;
				e = NULL;
			}
			return -1;
		}
		usleep(50 * 1000);
	}
}

int agent_wait_ready(const char *url, bool mux, int timeout_ms, struct error **err)
{
	struct yamux_mux *m = NULL;
	struct agent a = { .timeout_ms = timeout_ms };
	int r = -1;

	if (agent_url_is_noop(url))
		return 0;
	if (!ENABLE_AGENT_KATA)
		return error_set(err, ENOTSUP, "the kata agent is not built in (CONFIG_AGENT_KATA)");
	int fd = dial(url, mux, &m, io_now_ms() + timeout_ms, err);
	if (fd >= 0 && rpc_client_connect_fd(&a.rpc, fd, err) == 0) {
		a.ops = IF_AGENT_KATA(&kata_agent_ops) IF_NOT_AGENT_KATA(NULL);
		a.open = true;
		r = a.ops->check(&a, err);
		a.ops->close(&a);
	}
	if (m)
		yamux_mux_stop(m);
	return r < 0 ? error_wrap(err, "agent %s", url) : 0;
}
