/* containerd-shim-kata-v2's commands: start, delete, and the server. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pb_encode.h>

#include "cli/lifecycle.h"
#include "shim.pb.h"
#include "shimv2/shimv2.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

struct shim shimv2 = { .ev_lock = PTHREAD_MUTEX_INITIALIZER };

static int usage(void)
{
	fprintf(stderr, "usage: containerd-shim-kata-v2 -namespace NS -address ADDR "
			"-publish-binary BIN -id ID [-bundle DIR] [-debug] start|delete\n"
			"(run by containerd for the runtime io.containerd.kata.v2)\n");
	return 2;
}

/* Go's flag syntax, as containerd passes it: -name value, -name=value,
 * --name; the one word left is the action (none: serve). */
static int flags(struct shim *s, int argc, char **argv, const char **action)
{
	static const char *const ignored[] = { "publish-binary", "socket", "ttrpc-address" };
	*action = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			if (*action)
				return -1;
			*action = a;
			continue;
		}
		a += a[1] == '-' ? 2 : 1;
		const char *eq = strchr(a, '='), *v = NULL;
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		if (n == 5 && !strncmp(a, "debug", 5)) {
			s->debug = true;
			continue;
		}
		v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			return -1;
		if (n == 9 && !strncmp(a, "namespace", 9))
			s->ns = v;
		else if (n == 7 && !strncmp(a, "address", 7))
			s->address = v;
		else if (n == 2 && !strncmp(a, "id", 2))
			s->id = v;
		else if (n == 6 && !strncmp(a, "bundle", 6))
			s->bundle = v;
		else {
			bool known = false;
			for (size_t k = 0; k < sizeof(ignored) / sizeof(ignored[0]); k++)
				known |= strlen(ignored[k]) == n && !strncmp(a, ignored[k], n);
			if (!known)
				return -1;
		}
	}
	return s->ns && s->address && s->id && sb_check_id(s->id, NULL) == 0 ? 0 : -1;
}

/* DIR/NAME, DIR being the directory of containerd's socket. */
static int beside_containerd(const struct shim *s, const char *name, char *out, size_t size)
{
	const char *a = !strncmp(s->address, "unix://", 7) ? s->address + 7 : s->address;
	const char *slash = strrchr(a, '/');
	int n = snprintf(out, size, "%.*s/%s", slash ? (int)(slash - a) : 1, slash ? a : ".", name);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The socket of the shim serving id's pod: DIR/s/HASH (FNV-1a of the
 * address, namespace and id, as containerd's own shims hash them). */
static int sock_of(const struct shim *s, const char *id, char *out, size_t size)
{
	char key[PATH_MAX * 2], name[32];
	uint64_t h = 1469598103934665603ull;
	snprintf(key, sizeof(key), "%s/%s/%s", s->address, s->ns, id);
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	snprintf(name, sizeof(name), "s/%016llx", (unsigned long long)h);
	return beside_containerd(s, name, out, size);
}

static int env_of(struct shim *s, struct error **err)
{
	static struct cli_ctx ctx;
	char base[PATH_MAX];
	if (beside_containerd(s, "ukata-v2", base, sizeof(base)) < 0 ||
	    snprintf(s->root, sizeof(s->root), "%s/%s", base, s->ns) >= (int)sizeof(s->root))
		return error_set(err, ENAMETOOLONG, "containerd's address %s: too long", s->address);
	if (fs_mkdir_p(s->root, 0711, false) < 0)
		return error_set_errno(err, errno, "%s", s->root);
	ctx.root = s->root;
	ctx.argv0 = "containerd-shim-kata-v2";
	ctx.cmd_name = "shim-v2";
	ctx.start_ns = trace_now_ns();
	ctx.debug = s->debug;
	if (cli_sb_env(&ctx, &s->env, s->self, sizeof(s->self), err) < 0)
		return -1;
	s->env.inproc = true; /* the proxies and the relays are our threads */
	return 0;
}

/* ------------------------------------------------------------------ serve */

static void stdio_to_log(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* containerd reads the bundle's "log" FIFO into its own log */
	int log = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (log >= 0)
		fcntl(log, F_SETFL, 0);
	dup2(null, 0);
	dup2(null, 1);
	dup2(log >= 0 ? log : null, 2);
	if (log > 2)
		close(log);
	if (null > 2)
		close(null);
}

static int serve(struct shim *s, int ready)
{
	struct error *err = NULL;
	signal(SIGPIPE, SIG_IGN);
	if (env_of(s, &err) < 0)
		goto fail;
	shimv2_figures_start();
	struct rpc_server *srv = rpc_server_new(shimv2_task_handlers, shimv2_ntask_handlers, s, &err);
	if (!srv)
		goto fail;
	rpc_server_ttrpc(srv);
	if (fs_mkdir_p(s->sock, 0711, true) < 0) {
		error_set_errno(&err, errno, "%s", s->sock);
		goto fail;
	}
	if (rpc_server_listen_unix(srv, s->sock, &err) < 0)
		goto fail;
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fs_write_file("shim.pid", pid, (size_t)n, 0644, NULL);
	if (write(ready, "1", 1) != 1)
		log_warn("start: its command is gone");
	close(ready);
	while (!shimv2_done(1000))
		;
	/* the answer to Shutdown goes first */
	usleep(50 * 1000);
	unlink(s->sock);
	_exit(0);
fail:
	/* to start, which says it: containerd shows start's stderr */
	dprintf(ready, "0%s", err ? err->msg : "failed");
	log_error("shim %s: %s", s->id, err ? err->msg : "failed");
	return 1;
}

static int start(struct shim *s)
{
	struct error *err = NULL;
	char bundle[PATH_MAX], sandbox[VM_ID_MAX + 1];
	if (!getcwd(bundle, sizeof(bundle)))
		return log_error("start: the bundle: %s", strerror(errno)), 1;
	if (sb_sandbox_of(bundle, s->id, sandbox, &err) < 0) {
		log_error("start %s: %s", s->id, err->msg);
		error_free(err);
		return 1;
	}
	if (sock_of(s, *sandbox ? sandbox : s->id, s->sock, sizeof(s->sock)) < 0)
		return log_error("start: containerd's address %s: too long", s->address), 1;
	int p[2];
	/* a pod's container: its sandbox's shim serves it */
	if (*sandbox) {
		int fd = unix_connect(s->sock, &err);
		if (fd < 0) {
			log_error("start %s: the shim of sandbox %s: %s", s->id, sandbox, err->msg);
			error_free(err);
			return 1;
		}
		close(fd);
	} else {
		if (pipe2(p, O_CLOEXEC) < 0)
			return log_error("start: pipe: %s", strerror(errno)), 1;
		pid_t child = fork();
		if (child < 0)
			return log_error("start: fork: %s", strerror(errno)), 1;
		if (child == 0) {
			close(p[0]);
			setsid();
			stdio_to_log();
			_exit(serve(s, p[1]));
		}
		close(p[1]);
		char msg[512] = "";
		struct pollfd pf = { p[0], POLLIN, 0 };
		ssize_t got = poll(&pf, 1, 30000) > 0 ? read(p[0], msg, sizeof(msg) - 1) : 0;
		close(p[0]);
		if (got <= 0 || msg[0] != '1') {
			kill(child, SIGKILL);
			msg[got > 0 ? got : 0] = 0;
			return log_error("start %s: the shim did not start: %s", s->id,
					 got > 1 ? msg + 1 : "no word from it in 30 s"), 1;
		}
	}
	char addr[PATH_MAX + 8];
	int n = snprintf(addr, sizeof(addr), "unix://%s", s->sock);
	fs_write_file("address", addr, (size_t)n, 0644, NULL);
	fputs(addr, stdout);
	return 0;
}

/* ------------------------------------------------------------------ delete */

/* After a shim that died: the container goes (VM, mounts, network,
 * state), and containerd gets a DeleteResponse on stdout. */
static int delete(struct shim *s)
{
	struct error *err = NULL;
	char bundle[PATH_MAX];
	snprintf(bundle, sizeof(bundle), "%s", s->bundle ? s->bundle : ".");
	if (env_of(s, &err) == 0 && sb_delete(&s->env, s->id, true, &err) < 0 &&
	    err->code != ENOENT)
		log_warn("delete %s: %s", s->id, err->msg);
	error_free(err);
	err = NULL;
	shimv2_umount_rootfs(bundle);
	/* its socket, if no shim serves it any more */
	int fd = sock_of(s, s->id, s->sock, sizeof(s->sock)) == 0 ? unix_connect(s->sock, NULL) : 0;
	if (fd < 0)
		unlink(s->sock);
	else if (fd > 0)
		close(fd);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	containerd_task_v2_DeleteResponse r = { 0, 128 + SIGKILL, true,
						{ now.tv_sec, (int32_t)now.tv_nsec } };
	uint8_t out[64];
	pb_ostream_t os = pb_ostream_from_buffer(out, sizeof(out));
	if (!pb_encode(&os, containerd_task_v2_DeleteResponse_fields, &r))
		return 1;
	return fwrite(out, 1, os.bytes_written, stdout) == os.bytes_written ? 0 : 1;
}

int shimv2_main(int argc, char **argv)
{
	struct shim *s = &shimv2;
	const char *action;
	if (flags(s, argc, argv, &action) < 0)
		return usage();
	if (s->debug)
		log_set_level(LOGL_DEBUG);
	if (action && !strcmp(action, "start"))
		return start(s);
	if (action && !strcmp(action, "delete"))
		return delete(s);
	return usage();
}
