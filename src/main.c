/* ukata: one static binary, several programs. Invoked as kata-agent, as
 * /init when it is PID 1 (the guest image), or as `kata-runtime agent`, it
 * is the guest agent; otherwise the runtime. */
#include <string.h>
#include <unistd.h>

#include "autoconf.h"
#include "cli/cli.h"
#if ENABLE_SHIM_V2
#include "shimv2/shimv2.h"
#endif
#if ENABLE_KATA_MONITOR
#include "monitor/monitor.h"
#endif

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int main(int argc, char **argv)
{
	static char agent[] = "agent";
	char *argv_agent[] = { argv[0], agent, NULL };

	if (ENABLE_AGENT_APPLET && argc > 0 &&
	    (!strcmp(base(argv[0]), "kata-agent") || (getpid() == 1 && !strcmp(base(argv[0]), "init"))))
		return cli_main(2, argv_agent);
#if ENABLE_SHIM_V2
	if (argc > 0 && !strcmp(base(argv[0]), "containerd-shim-kata-v2"))
		return shimv2_main(argc, argv);
#endif
#if ENABLE_KATA_MONITOR
	if (argc > 0 && !strcmp(base(argv[0]), "kata-monitor"))
		return monitor_main(argc, argv);
#endif
	return cli_main(argc, argv);
}
