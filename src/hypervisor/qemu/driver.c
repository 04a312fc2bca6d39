/* The QEMU driver: launch from the argv builder, lifecycle over QMP. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "autoconf.h"
#include "hypervisor/qemu/qemu.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/proc.h"
#include "util/alloc.h"

#define QMP_TIMEOUT_MS 10000
#define STOP_WAIT_MS 2000

static void path(char *out, size_t size, const struct vm *vm, const char *name)
{
	snprintf(out, size, "%s/%s", vm->dir, name);
}

/* Running, and not a zombie: a daemonized QEMU is reaped by whoever adopted
 * it, maybe late, and a zombie still answers kill(pid, 0). */
static bool alive(pid_t pid)
{
	return pid > 0 && proc_start_time(pid) != 0;
}
static bool wait_gone(pid_t pid, int ms)
{
	long deadline = io_now_ms() + ms;
	while (alive(pid)) {
		/* A QEMU of ours that is still our child must be reaped. */
		waitpid(pid, NULL, WNOHANG);
		if (io_now_ms() >= deadline)
			return !alive(pid);
		usleep(10 * 1000);
	}
	return true;
}

static void remove_files(struct vm *vm)
{
	static const char *const names[] = { "qmp.sock", "kata.sock", "pid", "started" };
	char p[PATH_MAX + 16];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path(p, sizeof(p), vm, names[i]);
		unlink(p);
	}
}

/* The last line QEMU wrote to qemu.log, for an error message. */
static void last_line(struct vm *vm, char *out, size_t size)
{
	char p[PATH_MAX + 16], *log = NULL;
	size_t n = 0;

	path(p, sizeof(p), vm, "qemu.log");
	*out = 0;
	if (fs_read_file(p, 1 << 20, &log, &n, NULL) < 0)
		return;
	while (n > 0 && (log[n - 1] == '\n' || log[n - 1] == '\r'))
		log[--n] = 0;
	char *nl = strrchr(log, '\n');
	snprintf(out, size, "%.*s", (int)(size - 1), nl ? nl + 1 : log);
	free(log);
}
/* fork and exec argv with stdout and stderr to qemu.log; QEMU daemonizes,
 * so the child we wait for exits once the VM runs (or failed). */
static int launch(struct vm *vm, struct strv *argv, const struct vm_launch *l,
		  struct error **err)
{
	char log[PATH_MAX + 16];
	path(log, sizeof(log), vm, "qemu.log");
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, errno, "%s", log);
	pid_t parent = getpid(), child = fork();
	if (child < 0) {
		close(fd);
		return error_set_errno(err, errno, "fork");
	}
	if (child == 0) {
		/* Dies with its launcher until it has daemonized. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		/* None of the launcher's blocked signals (a VMCache server
		 * blocks SIGTERM in every thread, and exec keeps the mask: its
		 * VMs then took 2 s and SIGKILL to stop). */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* a socket's path too long for a sockaddr_un is relative to
		 * it (argv.c) */
		if (chdir(vm->dir) < 0)
			_exit(127);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		/* the NICs' fds go to QEMU (opened close-on-exec) */
		for (unsigned i = 0; i < l->nnics; i++) {
			for (unsigned q = 0; q < l->nics[i].nfds; q++)
				fcntl(l->nics[i].fds[q], F_SETFD, 0);
			for (unsigned q = 0; q < l->nics[i].nvhost; q++)
				fcntl(l->nics[i].vhostfds[q], F_SETFD, 0);
		}
		execv(argv->v[0], argv->v);
		dprintf(2, "exec %s: %s\n", argv->v[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	char line[512];
	last_line(vm, line, sizeof(line));
	return error_set(err, EIO, "VM %s: QEMU failed to start: %s", vm->id,
			 *line ? line : "no message");
}

static int read_pid(struct vm *vm, struct error **err)
{
	char p[PATH_MAX + 16], *text = NULL;

	path(p, sizeof(p), vm, "pid");
	vm->pid = fs_read_file(p, 64, &text, NULL, NULL) == 0 ? (pid_t)atoi(text) : 0;
	free(text);
	return vm->pid > 0 ? 0 : error_set(err, EIO, "VM %s: no QEMU pid in %s", vm->id, p);
}
/* Record the launched QEMU's start time for ours(). */
static int record_start(struct vm *vm, struct error **err)
{
	char p[PATH_MAX + 16], text[32];

	path(p, sizeof(p), vm, "started");
	snprintf(text, sizeof(text), "%llu", proc_start_time(vm->pid));
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (fd >= 0)
		close(fd);
	if (!ok)
		return error_set_errno(err, errno, "VM %s: %s", vm->id, p);
	return 0;
}

static int qemu_stop(struct vm *vm, struct error **err);

/* The monitor at DIR/qmp.sock, as vm->drv; its calls are spans under trace. */
static int monitor_open(struct vm *vm, const struct trace_ctx *trace, struct error **err)
{
	char qmp[PATH_MAX + 16];
	struct vm_driver *d = xcalloc(1, sizeof(*d));

	path(qmp, sizeof(qmp), vm, "qmp.sock");
	if (qmp_connect(&d->qmp, qmp, QMP_TIMEOUT_MS, err) < 0) {
		free(d);
		return error_wrap(err, "VM %s", vm->id);
	}
	d->qmp.trace = trace;
	vm->drv = d;
	return 0;
}

static int qemu_start(struct vm *vm, const struct config *cfg, const struct vm_launch *l,
		      struct error **err)
{
	const struct config_qemu *c = &cfg->qemu;
	struct strv argv;

	vm->pid = 0;
	vm->drv = NULL;
	if (l->mode != VM_CLONE && qemu_assets_verify(c, err) < 0)
		return error_wrap(err, "VM %s", vm->id);
	if (mkdir(vm->dir, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, errno, "VM %s: %s", vm->id, vm->dir);
	if (qemu_argv(c, vm, l, &argv, err) < 0)
		return -1;
	struct trace_span sp;
	trace_begin(&sp, l->trace, "qemu.spawn");
	int r = launch(vm, &argv, l, err);
	strv_free(&argv);
	if (r < 0 || read_pid(vm, err) < 0 || record_start(vm, err) < 0) {
		trace_end_err(&sp, -1, err);
		goto fail;
	}
	trace_end(&sp, 0, NULL);
	trace_begin(&sp, l->trace, "qmp.connect");
	r = monitor_open(vm, l->trace, err);
	trace_end_err(&sp, r, err);
	if (r < 0)
		goto fail;
	if (l->mode == VM_CLONE && l->state_path && qemu_load_state(vm, l->state_path, err) < 0)
		goto fail;
	vm->drv->qmp.trace = vm->trace;
	return 0;
fail:
	qemu_stop(vm, NULL);
	return -1;
}

static int qemu_check(struct vm *vm, struct error **err)
{
	if (!alive(vm->pid))
		return error_set(err, ESRCH, "VM %s: QEMU (pid %d) is gone", vm->id, (int)vm->pid);
	if (!vm->drv)
		return error_set(err, EPIPE, "VM %s: no monitor connection", vm->id);
	return 0;
}

static int qemu_pause(struct vm *vm, struct error **err)
{
	if (qemu_check(vm, err) < 0 || qmp_stop(&vm->drv->qmp, QMP_TIMEOUT_MS, err) < 0)
		return error_wrap(err, "pause");
	return 0;
}

static int qemu_resume(struct vm *vm, struct error **err)
{
	if (qemu_check(vm, err) < 0 || qmp_cont(&vm->drv->qmp, QMP_TIMEOUT_MS, err) < 0)
		return error_wrap(err, "resume");
	return 0;
}

static void qemu_detach(struct vm *vm)
{
	if (vm->drv) {
		qmp_close(&vm->drv->qmp);
		free(vm->drv);
	}
	vm->drv = NULL;
}

static int qemu_stop(struct vm *vm, struct error **err)
{
	bool had_qmp = vm->drv != NULL;
	if (vm->drv && alive(vm->pid))
		qmp_quit(&vm->drv->qmp, STOP_WAIT_MS, NULL);
	qemu_detach(vm);
	/* Without a monitor there is nobody to wait for: SIGTERM at once (and
	 * SIGCONT, for one that was stopped, which SIGTERM alone leaves). */
	if (vm->pid > 0 && !(had_qmp && wait_gone(vm->pid, STOP_WAIT_MS))) {
		kill(vm->pid, SIGTERM);
		kill(vm->pid, SIGCONT);
		if (!wait_gone(vm->pid, STOP_WAIT_MS)) {
			kill(vm->pid, SIGKILL);
			wait_gone(vm->pid, STOP_WAIT_MS);
		}
	}
	bool gone = !alive(vm->pid);
	remove_files(vm);
	if (!gone)
		return error_set(err, EBUSY, "VM %s: QEMU (pid %d) survived SIGKILL", vm->id,
				 (int)vm->pid);
	vm->pid = 0;
	return 0;
}

/* The pid file's process is the QEMU that was started for this run
 * directory, not a pid reused since: its start time is the one recorded
 * at launch (a directory may be renamed, so no path is compared). */
static bool ours(struct vm *vm)
{
	char p[PATH_MAX + 16], *text = NULL;

	path(p, sizeof(p), vm, "started");
	if (fs_read_file(p, 64, &text, NULL, NULL) < 0)
		return false;
	unsigned long long want = strtoull(text, NULL, 10);
	free(text);
	return want && proc_start_time(vm->pid) == want;
}

static int qemu_attach(struct vm *vm, bool monitor, struct error **err)
{
	vm->drv = NULL;
	if (read_pid(vm, err) < 0)
		return -1;
	if (!alive(vm->pid) || !ours(vm)) {
		vm->pid = 0;
		return error_set(err, ESRCH, "VM %s: QEMU is gone", vm->id);
	}
	return monitor ? monitor_open(vm, vm->trace, err) : 0;
}

static const char *const run_files[] = { "console.log", "qemu.log", "qmp.sock", "started", "pid",
					 NULL };

const struct hypervisor_ops qemu_ops = {
	.name = "qemu",
	.start = qemu_start,
	.attach = qemu_attach,
	.detach = qemu_detach,
	.pause = qemu_pause,
	.resume = qemu_resume,
	.stop = qemu_stop,
	.check = qemu_check,
	.save = qemu_save_state,
	.hotplug = qemu_hotplug,
	.unplug = qemu_unplug,
	.accel = qemu_accel,
	.probe_boot = qemu_probe_boot,
	.run_files = run_files,
};
