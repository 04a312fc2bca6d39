/* shim-monitor.sock in the sandbox's directory, as Kata's shim serves it
 * for kata-monitor: HTTP GET /metrics (Prometheus text: the shim's own
 * figures and its VM's QEMU's) and /agent-url. One connection at a time,
 * each answered and closed; a client gets 2 s to send its request. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "https/req.h"
#include "shimv2/shimv2.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

static struct {
	int lfd, stop[2];
	char path[4096 + VM_ID_MAX + 32], id[VM_ID_MAX + 1];
	pthread_t th;
	bool on;
} mon = { .lfd = -1, .stop = { -1, -1 } };

/* The figures of process pid from /proc: resident bytes, threads, open
 * descriptors, CPU seconds (user + system). */
static void proc_figures(struct buf *b, const char *family, pid_t pid)
{
	char path[64], *text = NULL;
	unsigned long long rss = 0, threads = 0, fds = 0, ut = 0, st = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (fs_read_file(path, 1 << 16, &text, NULL, NULL) == 0) {
		const char *p = strstr(text, "\nVmRSS:"), *q = strstr(text, "\nThreads:");
		rss = p ? strtoull(p + 7, NULL, 10) * 1024 : 0;
		threads = q ? strtoull(q + 9, NULL, 10) : 0;
	}
	free(text);
	text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (fs_read_file(path, 4096, &text, NULL, NULL) == 0) {
		const char *p = strrchr(text, ')');
		/* after the name: state ... utime is the 12th field, stime 13th */
		for (int f = 0; p && f < 12; f++)
			p = strchr(p + 1, ' ');
		if (p) {
			char *end;
			ut = strtoull(p + 1, &end, 10);
			st = strtoull(end, NULL, 10);
		}
	}
	free(text);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));)
		fds += e->d_name[0] != '.';
	if (d)
		closedir(d);
	long hz = sysconf(_SC_CLK_TCK);
	buf_printf(b, "# HELP %s_process_resident_memory_bytes Resident memory.\n"
		      "# TYPE %s_process_resident_memory_bytes gauge\n"
		      "%s_process_resident_memory_bytes{sandbox_id=\"%s\"} %llu\n",
		   family, family, family, mon.id, rss);
	buf_printf(b, "# HELP %s_threads Threads.\n# TYPE %s_threads gauge\n"
		      "%s_threads{sandbox_id=\"%s\"} %llu\n", family, family, family, mon.id, threads);
	buf_printf(b, "# HELP %s_fds Open file descriptors.\n# TYPE %s_fds gauge\n"
		      "%s_fds{sandbox_id=\"%s\"} %llu\n", family, family, family, mon.id, fds);
	buf_printf(b, "# HELP %s_process_cpu_seconds_total CPU time, user and system.\n"
		      "# TYPE %s_process_cpu_seconds_total counter\n"
		      "%s_process_cpu_seconds_total{sandbox_id=\"%s\"} %.2f\n",
		   family, family, family, mon.id, hz > 0 ? (double)(ut + st) / (double)hz : 0.0);
}

static void answer(int fd, int code, const char *reason, const char *type, const struct buf *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, reason, type,
			 body ? body->len : 0);
	long until = io_now_ms() + 2000;
	if (io_write_all(fd, head, (size_t)n, until, NULL) == 0 && body && body->len)
		io_write_all(fd, body->data, body->len, until, NULL);
}

static void serve_one(int fd)
{
	struct http1_req r;
	struct error *err = NULL;
	char in[4096];
	long until = io_now_ms() + 2000;
	int rc = 0;
	size_t used;
	http1_req_init(&r);
	while (rc == 0) {
		ssize_t n = io_read_some(fd, in, sizeof(in), until, NULL);
		if (n <= 0)
			return;
		rc = http1_req_feed(&r, in, (size_t)n, &used, &err);
	}
	struct buf b = BUF_INIT(1 << 20);
	if (rc < 0) {
		buf_printf(&b, "%s\n", err->msg);
		bool big = err->code == E2BIG, body = err->code == ENOTSUP;
		answer(fd, big ? 431 : body ? 501 : 400,
		       big ? "Request Header Fields Too Large" : body ? "Not Implemented" : "Bad Request",
		       "text/plain", &b);
		/* what the client still sends is read (a while) and dropped:
		 * closed with it unread, the answer would be reset */
		shutdown(fd, SHUT_WR);
		for (long end = io_now_ms() + 500; io_read_some(fd, in, sizeof(in), end, NULL) > 0;)
			;
	} else if (strcmp(r.method, "GET")) {
		answer(fd, 405, "Method Not Allowed", "text/plain", NULL);
	} else if (!strcmp(r.target, "/metrics")) {
		struct sb_state s;
		proc_figures(&b, "kata_shim", getpid());
		if (sb_state_get(&shimv2.env, mon.id, &s, NULL) == 0) {
			pid_t q = sb_vm_pid(&s);
			if (q > 0)
				proc_figures(&b, "kata_hypervisor", q);
			sb_state_free(&s);
		}
		answer(fd, 200, "OK", "text/plain; version=0.0.4", &b);
	} else if (!strncmp(r.target, "/agent-url", 10) && (!r.target[10] || r.target[10] == '?')) {
		struct sb_state s;
		if (sb_state_get(&shimv2.env, mon.id, &s, NULL) == 0) {
			buf_puts(&b, s.agent_url);
			sb_state_free(&s);
			answer(fd, 200, "OK", "text/plain", &b);
		} else {
			answer(fd, 503, "Service Unavailable", "text/plain", NULL);
		}
	} else {
		answer(fd, 404, "Not Found", "text/plain", NULL);
	}
	buf_free(&b);
	error_free(err);
}

static void *monitor_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = { { mon.lfd, POLLIN, 0 }, { mon.stop[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		int fd = p[0].revents ? accept4(mon.lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
		if (fd >= 0) {
			serve_one(fd);
			close(fd);
		}
	}
	return NULL;
}

void shimv2_monitor_start(const char *id)
{
	struct error *err = NULL;
	if (mon.on)
		return;
	snprintf(mon.id, sizeof(mon.id), "%s", id);
	snprintf(mon.path, sizeof(mon.path), "%s/%s/shim-monitor.sock", shimv2.root, id);
	if ((mon.lfd = unix_listen(mon.path, 8, &err)) < 0 || pipe2(mon.stop, O_CLOEXEC) < 0 ||
	    pthread_create(&mon.th, NULL, monitor_main, NULL) != 0) {
		log_warn("shim-monitor.sock of %s: %s", id, err ? err->msg : strerror(errno));
		error_free(err);
		if (mon.lfd >= 0)
			close(mon.lfd), unlink(mon.path);
		mon.lfd = -1;
		return;
	}
	mon.on = true;
}

void shimv2_monitor_stop(const char *id)
{
	if (!mon.on || strcmp(id, mon.id))
		return;
	close(mon.stop[1]);
	pthread_join(mon.th, NULL);
	close(mon.stop[0]);
	close(mon.lfd);
	unlink(mon.path);
	mon.on = false;
}
