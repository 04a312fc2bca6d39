/* The agent as PID 1: file systems, kernel modules, console, reaping,
 * and a clean poweroff when it must give up. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/guest.h"
#include "guest/proc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

#define GUEST_NOFILE 65536

static const struct {
	const char *source, *target, *type, *data;
	unsigned long flags;
} mounts[] = {
	{ "proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ "sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC },
	{ "devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID },
	{ "devpts", "/dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=0620", MS_NOSUID | MS_NOEXEC },
	{ "shm", "/dev/shm", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV },
	{ "tmpfs", "/run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV },
	{ "tmpfs", "/tmp", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC },
};

/* Before the console exists (its driver is one of the modules), messages
 * wait here; guest_console() logs them. */
static struct {
	enum log_level level;
	char msg[200];
} early[64];
static size_t nearly;

static void early_log(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void early_log(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	if (nearly == sizeof(early) / sizeof(early[0]))
		return;
	va_start(ap, fmt);
	early[nearly].level = level;
	vsnprintf(early[nearly].msg, sizeof(early[0].msg), fmt, ap);
	va_end(ap);
	nearly++;
}

static void load_modules(const char *dir)
{
	char path[512], *list = NULL;

	snprintf(path, sizeof(path), "%s/load", dir);
	if (fs_read_file(path, 1 << 16, &list, NULL, NULL) < 0)
		return; /* an image without modules */
	for (char *save = NULL, *m = strtok_r(list, "\n", &save); m; m = strtok_r(NULL, "\n", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, m);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST))
			early_log(LOGL_WARN, "module %s: %s", path, strerror(errno));
		else
			early_log(LOGL_DEBUG, "module %s loaded", m);
		if (fd >= 0)
			close(fd);
	}
	free(list);
}

void guest_init_system(const char *modules_dir)
{
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		mkdir(mounts[i].target, 0755);
		if (mount(mounts[i].source, mounts[i].target, mounts[i].type, mounts[i].flags,
			  mounts[i].data) < 0 && errno != EBUSY)
			early_log(LOGL_WARN, "mount %s on %s: %s", mounts[i].type, mounts[i].target,
				  strerror(errno));
	}
	/* Each process the agent serves holds about ten descriptors (its
	 * stdio, its stream of the channel, the calls reading it): the
	 * kernel's 1024 for init ran out at 87 concurrent execs. Container
	 * processes get the spec's rlimits. */
	struct rlimit nofile = { GUEST_NOFILE, GUEST_NOFILE };
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		early_log(LOGL_WARN, "RLIMIT_NOFILE %d: %s", GUEST_NOFILE, strerror(errno));
	symlink("/proc/self/fd", "/dev/fd");
	symlink("pts/ptmx", "/dev/ptmx");
	load_modules(modules_dir);
}

void guest_console(bool debug)
{
	/* /dev/console is hvc0 once the kernel has it (opening /dev/hvc0
	 * itself gives EINVAL while it is the kernel's console) */
	static const char *const consoles[] = { "/dev/console", "/dev/hvc0" };
	const char *path = NULL;
	int e = 0;

	/* the console driver is a module: its device comes a moment later */
	for (int i = 0; i < 500 && !path; i++) { /* 5 s */
		for (size_t k = 0; k < 2 && !path; k++) {
			int fd = open(consoles[k], O_WRONLY | O_NOCTTY | O_CLOEXEC);
			if (fd >= 0) {
				close(fd);
				path = consoles[k];
			} else if (!e) {
				e = errno;
			}
		}
		if (!path)
			usleep(10 * 1000);
	}
	int kmsg = path ? -1 : open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (kmsg >= 0) { /* the kernel log is all we have */
		dprintf(kmsg, "kata-agent: no console: %s\n", strerror(e));
		close(kmsg);
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	struct log_config lc = { path, LOG_FORMAT_TEXT, debug ? LOGL_DEBUG : LOGL_INFO,
				 "kata-agent", false };
	log_open(&lc, NULL);
	for (size_t i = 0; i < nearly; i++)
		log_msg(early[i].level, "%s", early[i].msg);
	nearly = 0;
}

static void *reaper(void *arg)
{
	sigset_t *set = arg;

	for (;;) {
		int sig;
		if (sigwait(set, &sig) != 0)
			continue;
		int st;
		pid_t pid;
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			guest_proc_exited(pid, st);
	}
	return NULL;
}

int guest_reaper_start(struct error **err)
{
	static sigset_t set;
	pthread_t t;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	int r = pthread_create(&t, NULL, reaper, &set);
	if (r)
		return error_set_errno(err, r, "reaper thread");
	pthread_detach(t);
	return 0;
}

_Noreturn void guest_panic(const char *why)
{
	log_error("kata-agent cannot go on: %s; powering off", why);
	sync();
	if (getpid() == 1)
		reboot(RB_POWER_OFF);
	_exit(1);
}
