/* Kata's no-op agent: nothing is asked of the VM. Every call succeeds;
 * the lists are empty and an interface is as asked. A process says
 * nothing and ends as agent.h tells: its end is a file DIR/noop-EID.exit
 * holding its status, written by start, exec or a signal and waited for
 * by the shim. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/alloc.h"

#define WAIT_POLL_US 50000

static int ok(void)
{
	return 0;
}

static int noop_connect(struct agent *a, const char *url, struct error **err)
{
	const char *dir = url + sizeof(AGENT_NOOP_URL) - 1;
	if (*dir != '/')
		return error_set(err, EINVAL, "agent %s: not noop:// and a directory", url);
	a->noop_dir = xstrdup(dir);
	a->open = true;
	return ok();
}

static void noop_close(struct agent *a)
{
	free(a->noop_dir);
	a->noop_dir = NULL;
	a->open = false;
}

static void exit_path(const struct agent *a, const char *eid, char *out, size_t size)
{
	snprintf(out, size, "%s/noop-%s.exit", a->noop_dir, eid);
}

/* The process ends with status, unless it has ended already. */
static int end(struct agent *a, const char *eid, int status, struct error **err)
{
	char path[PATH_MAX + 300], text[16];
	exit_path(a, eid, path, sizeof(path));
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : error_set_errno(err, errno, "noop agent: %s", path);
	int n = snprintf(text, sizeof(text), "%d\n", status);
	int r = write(fd, text, (size_t)n) == n ? 0 : error_set_errno(err, errno, "noop agent: %s", path);
	close(fd);
	return r;
}

static int noop_start_container(struct agent *a, const char *cid, struct error **err)
{
	return end(a, cid, 0, err);
}

static int noop_exec_process(struct agent *a, const char *cid, const char *eid,
			     const struct oci_process *p, struct error **err)
{
	return end(a, eid, 0, err);
}

/* eid "" is every process of the container: its init's end stands for them. */
static int noop_signal_process(struct agent *a, const char *cid, const char *eid, int sig,
			       struct error **err)
{
	return sig ? end(a, *eid ? eid : cid, 128 + sig, err) : ok();
}

static int noop_remove_container(struct agent *a, const char *cid, uint32_t timeout_s,
				 struct error **err)
{
	char path[PATH_MAX + 300];
	exit_path(a, cid, path, sizeof(path));
	unlink(path);
	return ok();
}

#define NOOP(name, ...)                                          \
	static int noop_##name(struct agent *a, __VA_ARGS__)     \
	{                                                        \
		return ok();                                     \
	}

static int noop_check(struct agent *a, struct error **err)
{
	return ok();
}

NOOP(create_sandbox, const struct agent_sandbox *sb, struct error **err)
NOOP(destroy_sandbox, struct error **err)
NOOP(create_container, const char *cid, const struct oci_spec *spec, const char *rootfs,
     const struct agent_devices *devs, struct error **err)
NOOP(write_stdin, const char *cid, const char *eid, const void *data, size_t len,
     struct error **err)
NOOP(close_stdin, const char *cid, const char *eid, struct error **err)
NOOP(tty_resize, const char *cid, const char *eid, uint32_t rows, uint32_t columns,
     struct error **err)
NOOP(pause, const char *cid, struct error **err)
NOOP(resume, const char *cid, struct error **err)
NOOP(update, const char *cid, const struct oci_resources *r, struct error **err)
NOOP(reseed, const void *data, size_t len, struct error **err)
NOOP(set_time, int64_t sec, int64_t usec, struct error **err)
NOOP(online_cpu_mem, uint32_t nb_cpus, struct error **err)
NOOP(start_tracing, struct error **err)
NOOP(stop_tracing, struct buf *out, struct error **err)
NOOP(add_neighbors, const struct agent_neigh *v, size_t n, struct error **err)

/* Until the process's end is recorded (or its sandbox is gone). */
static int noop_wait_process(struct agent *a, const char *cid, const char *eid, int *status,
			     struct error **err)
{
	char path[PATH_MAX + 300], *text = NULL;
	exit_path(a, eid, path, sizeof(path));
	while (fs_read_file(path, 16, &text, NULL, NULL) < 0) {
		if (!fs_exists(a->noop_dir))
			return error_set(err, ENOENT, "noop agent: %s is gone", a->noop_dir);
		usleep(WAIT_POLL_US);
	}
	*status = atoi(text);
	free(text);
	return ok();
}

/* EOF at once. */
static int noop_read_output(struct agent *a, const char *cid, const char *eid, bool err_stream,
			    struct buf *out, struct error **err)
{
	return 0;
}

static int noop_close_output(struct agent *a, const char *cid, const char *eid, bool err_stream,
			     struct error **err)
{
	return 0;
}

static int noop_stats(struct agent *a, const char *cid, struct agent_stats *s, struct error **err)
{
	memset(s, 0, sizeof(*s));
	return ok();
}

static int noop_ps(struct agent *a, const char *cid, const char *format, char *const *args,
		   size_t nargs, struct buf *out, struct error **err)
{
	return buf_puts(out, strcmp(format, "json") ? "PID CMD\n" : "[]\n") < 0 ? -1 : 0;
}

static int noop_update_interface(struct agent *a, const struct agent_iface *in,
				 struct agent_iface *out, struct error **err)
{
	if (out)
		*out = *in;
	return ok();
}

static int noop_update_routes(struct agent *a, const struct agent_route *r, size_t n,
			      struct agent_route **out, size_t *nout, struct error **err)
{
	if (out)
		*out = NULL, *nout = 0;
	return ok();
}

static int noop_list_interfaces(struct agent *a, struct agent_iface **out, size_t *n,
				struct error **err)
{
	*out = NULL, *n = 0;
	return ok();
}

static int noop_list_routes(struct agent *a, struct agent_route **out, size_t *n,
			    struct error **err)
{
	*out = NULL, *n = 0;
	return ok();
}

const struct agent_ops noop_agent_ops = {
	.name = "noop",
	.connect = noop_connect,
	.close = noop_close,
	.check = noop_check,
	.create_sandbox = noop_create_sandbox,
	.destroy_sandbox = noop_destroy_sandbox,
	.create_container = noop_create_container,
	.start_container = noop_start_container,
	.remove_container = noop_remove_container,
	.exec_process = noop_exec_process,
	.signal_process = noop_signal_process,
	.wait_process = noop_wait_process,
	.read_output = noop_read_output,
	.close_output = noop_close_output,
	.write_stdin = noop_write_stdin,
	.close_stdin = noop_close_stdin,
	.tty_resize = noop_tty_resize,
	.pause = noop_pause,
	.resume = noop_resume,
	.update = noop_update,
	.stats = noop_stats,
	.ps = noop_ps,
	.reseed = noop_reseed,
	.set_time = noop_set_time,
	.online_cpu_mem = noop_online_cpu_mem,
	.start_tracing = noop_start_tracing,
	.stop_tracing = noop_stop_tracing,
	.update_interface = noop_update_interface,
	.update_routes = noop_update_routes,
	.add_neighbors = noop_add_neighbors,
	.list_interfaces = noop_list_interfaces,
	.list_routes = noop_list_routes,
};
