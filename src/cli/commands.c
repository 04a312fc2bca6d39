/* The command table. Each entry is guarded by its Kconfig option, so a
 * disabled command loses its code, its entry and its help text. */
#include "autoconf.h"
#include "cli/cli.h"

#define LIFECYCLE(n, s, u, h, fn) IF_CMD_LIFECYCLE({ n, NULL, s, u, h, fn },)

const struct command cli_commands[] = {
	LIFECYCLE("create", "create a container", "[options] <container-id>",
		  "Boots the container's VM, creates the container in it (not started) and\n"
		  "starts its shim, the host process whose pid stands for the container.\n\n"
		  "Options:\n"
		  "  --bundle, -b DIR        the bundle (config.json and rootfs; default .)\n"
		  "  --console-socket PATH   send the master of a new pty there (process.terminal)\n"
		  "  --pid-file FILE         write the shim's pid there (no newline)\n"
		  "  --no-pivot, --no-new-keyring   accepted (the VM is the isolation)\n",
		  cmd_create)
	LIFECYCLE("start", "start created containers", "<container-id> [container-id...]", NULL,
		  cmd_start)
	LIFECYCLE("run", "create and run a container", "[options] <container-id>",
		  "create and start; without --detach, stays attached to the container's\n"
		  "stdio, deletes it when it ends, and exits with its exit status.\n\n"
		  "Options: those of create, and\n"
		  "  --detach, -d   return once the container runs\n",
		  cmd_run)
	LIFECYCLE("state", "output the state of a container", "<container-id>", NULL, cmd_state)
	LIFECYCLE("kill", "send a signal to the container's init process",
		  "[--all] <container-id> [signal]",
		  "The signal by number or name (KILL or SIGKILL; default SIGTERM).\n\n"
		  "Options:\n  --all, -a   signal every process of the container\n",
		  cmd_kill)
	LIFECYCLE("delete", "delete resources held by containers",
		  "[--force] <container-id> [container-id...]",
		  "Options:\n  --force, -f   delete a running container too (it is killed)\n",
		  cmd_delete)
	LIFECYCLE("exec", "execute a new process inside the container",
		  "[options] <container-id> <command> [args...]",
		  "Options:\n"
		  "  --process, -p FILE      the process as OCI JSON (instead of a command)\n"
		  "  --tty, -t               allocate a terminal\n"
		  "  --console-socket PATH   send the pty master there\n"
		  "  --detach, -d            do not wait for the process\n"
		  "  --pid-file FILE         write its shim's pid there\n"
		  "  --env, -e VAR=VALUE     add to the environment (repeatable)\n"
		  "  --cwd DIR               working directory\n"
		  "  --user, -u UID[:GID]    user\n"
		  "  --cap, -c CAP           add a capability (repeatable)\n"
		  "  --no-new-privs          set no_new_privileges\n",
		  cmd_exec)
	IF_CMD_PS({ "ps", NULL, "list processes running inside the container",
		  "[--format table|json] <container-id> [ps options]",
		  "json: the host pids standing for the container's processes (its shims);\n"
		  "table: the processes in the VM, as the agent lists them.\n",
		  cmd_ps },)
	LIFECYCLE("list", "list containers started with the given root",
		  "[--format table|json] [--quiet]", NULL, cmd_list)
	LIFECYCLE("pause", "suspend all processes in a container", "<container-id>", NULL,
		  cmd_pause)
	LIFECYCLE("resume", "resume all processes in a container", "<container-id>", NULL,
		  cmd_resume)
	IF_CMD_EVENTS({ "events", NULL, "display container events such as OOM and statistics",
		  "[--stats] [--interval 5s] <container-id>",
		  "Options:\n  --stats          print one statistics event and exit\n"
		  "  --interval DUR   stream one every DUR (default 5s)\n",
		  cmd_events },)
	IF_CMD_UPDATE({ "update", NULL, "update container resource constraints",
		  "[--resources FILE|-] [options] <container-id>",
		  "Options:\n  --resources, -r FILE|-   LinuxResources JSON\n"
		  "  --memory, -m SIZE, --memory-reservation SIZE, --memory-swap SIZE\n"
		  "  --cpu-share N, --cpu-quota N, --cpu-period N, --cpuset-cpus L, --cpuset-mems L\n"
		  "  --pids-limit N, --blkio-weight N\n",
		  cmd_update },)
	LIFECYCLE("spec", "create a new specification file", "[--bundle DIR]", NULL, cmd_spec)
	LIFECYCLE("shim", "(internal) stand for one container process on the host",
		  "--agent URL --container ID [--exec-id ID] [--terminal]", NULL, cmd_shim)
	IF_TRANSPORT_SERIAL(LIFECYCLE("proxy", "(internal) share a sandbox's agent channel",
				      "[--ready-fd N] <sandbox-dir>", NULL, cmd_proxy))
	IF_CMD_CHECK({ "check", "kata-check", "test that the host can run Kata Containers",
		       "[options]",
		       "Kata's checks (CPU flags, kernel modules, /dev/kvm; KVM_CREATE_VM as\n"
		       "root) and ours: whether KVM boots the configured guest or TCG will be\n"
		       "used, QEMU, the kernel, initrd or image and their *_hash, the agent\n"
		       "channel and the shared file system. Not as root, it first looks for a\n"
		       "newer release at [runtime] release_url ($KATA_RELEASE_URL) over HTTPS.\n\n"
		       "Options:\n"
		       "  --no-network-checks, -n   no release check ($KATA_CHECK_NO_NETWORK too)\n"
		       "  --check-version-only      only the release check\n"
		       "  --only-list-releases      only list the releases (version;date;url)\n"
		       "  --include-all-releases    count pre-releases too\n"
		       "  --strict, -s              warnings count as failures\n"
		       "  --verbose, -v             list the checks that passed too\n"
		       "  --json                    the report as JSON on stdout\n",
		       cmd_check },)
	IF_CMD_ENV({ "env", "kata-env", "show the effective configuration and host facts",
		     "[--json]",
		     "Prints the configuration found by the search order (with its config.d\n"
		     "drop-ins) and facts about the host, in Kata's TOML sections.\n\n"
		     "Options:\n  --json   print JSON instead of TOML\n",
		     cmd_env },)
	IF_CMD_NETWORK({ "kata-network", NULL, "manage the network of a running sandbox",
			 "<add-iface|del-iface|update-routes> <container-id> <file|->\n"
			 "       kata-runtime kata-network <list-ifaces|list-routes> <container-id>",
			 "  add-iface      an interface of the sandbox's network namespace (Kata's\n"
			 "                 Interface JSON: Name, HwAddr, IPAddresses, Mtu, LinkType)\n"
			 "                 gets a TAP and mirroring, the VM a hot-plugged NIC\n"
			 "  del-iface      unplug the NIC with that HwAddr (or Name)\n"
			 "  list-ifaces    the guest's interfaces, as JSON\n"
			 "  update-routes  replace the guest's routes with a JSON array of Route\n"
			 "                 (Dest, Gateway, Device, Source, Scope)\n"
			 "  list-routes    the guest's routes, as JSON\n",
			 cmd_network },)
	IF_CMD_FACTORY({ "factory", NULL, "manage the VM factory and VM cache",
			 "<init|destroy|status>",
			 "  init     with [factory] vm_cache_number > 0, run the VMCache server\n"
			 "           (as --cache-server does); with enable_template, make the\n"
			 "           VM template at template_path\n"
			 "  status   the VMCache server's pid and cached VMs, then the template\n"
			 "  destroy  stop the VMCache server (Quit) and remove the template\n",
			 cmd_factory },)
	IF_TRACE_SUMMARY({ "trace", NULL, "read traces", "summary FILE",
		   "summary: for each trace in FILE (OpenTelemetry OTLP/JSON, one\n"
		   "ExportTraceServiceRequest a line), the tree of its spans with each one's\n"
		   "duration and share of the whole trace.\n",
		   cmd_trace },)
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
