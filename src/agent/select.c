/* Which agent a URL names (agent.h). */
#include <errno.h>

#include "agent/agent.h"
#include "autoconf.h"
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
