/* The command table. Each entry is guarded by its Kconfig option, so a
 * disabled command loses its code, its entry and its help text. */
#include "autoconf.h"
#include "cli/cli.h"

#define LIFECYCLE(n, a, s, u) \
	IF_CMD_LIFECYCLE({ n, a, s, u, NULL, cmd_not_implemented },)

const struct command cli_commands[] = {
	LIFECYCLE("create", NULL, "create a container", "[options] <container-id>")
	LIFECYCLE("start", NULL, "start created containers", "<container-id> [container-id...]")
	LIFECYCLE("run", NULL, "create and run a container", "[options] <container-id>")
	LIFECYCLE("state", NULL, "output the state of a container", "<container-id>")
	LIFECYCLE("kill", NULL, "send a signal to the container's init process",
		  "[--all] <container-id> [signal]")
	LIFECYCLE("delete", NULL, "delete resources held by containers",
		  "[--force] <container-id> [container-id...]")
	LIFECYCLE("exec", NULL, "execute a new process inside the container",
		  "[options] <container-id> <command> [args...]")
	LIFECYCLE("ps", NULL, "list processes running inside the container",
		  "[--format table|json] <container-id> [ps options]")
	LIFECYCLE("list", NULL, "list containers started with the given root",
		  "[--format table|json] [--quiet]")
	LIFECYCLE("pause", NULL, "suspend all processes in a container", "<container-id>")
	LIFECYCLE("resume", NULL, "resume all processes in a container", "<container-id>")
	LIFECYCLE("events", NULL, "display container events such as OOM and statistics",
		  "[--stats] [--interval 5s] <container-id>")
	LIFECYCLE("update", NULL, "update container resource constraints",
		  "[--resources FILE|-] [options] <container-id>")
	LIFECYCLE("spec", NULL, "create a new specification file", "[--bundle DIR]")
	IF_CMD_CHECK({ "check", "kata-check", "test that the host can run Kata Containers",
		       "[options]", NULL, cmd_not_implemented },)
	IF_CMD_ENV({ "env", "kata-env", "show the effective configuration and host facts",
		     "[--json]",
		     "Prints the configuration found by the search order (with its config.d\n"
		     "drop-ins) and facts about the host, in Kata's TOML sections.\n\n"
		     "Options:\n  --json   print JSON instead of TOML\n",
		     cmd_env },)
	IF_CMD_NETWORK({ "kata-network", NULL, "manage the network of a running sandbox",
			 "<add-iface|del-iface|list-ifaces|update-routes|list-routes> ...", NULL,
			 cmd_not_implemented },)
	IF_CMD_FACTORY({ "factory", NULL, "manage the VM factory and VM cache",
			 "<init|destroy|status>", NULL, cmd_not_implemented },)
	IF_AGENT_APPLET({ "agent", NULL, "run as the guest agent (PID 1 in the VM)", "[--use-vsock]",
			  "Serves grpc.AgentService and grpc.Health on the virtio-serial port\n"
			  "agent.channel.0 (yamux), or on vsock port 1024 with agent.use_vsock=true\n"
			  "on the kernel command line. As PID 1 it mounts the file systems and\n"
			  "loads the modules listed in /lib/modules/load first.\n\n"
			  "Options:\n  --use-vsock   serve on vsock whatever the kernel command line says\n",
			  cmd_agent },)
	{ "version", NULL, "print the version, commit, OCI spec version and built-in features",
	  "", NULL, cmd_version },
};

const unsigned cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);
