/* shim-monitor.sock in the sandbox's directory, as Kata's shim serves it
 * for kata-monitor: HTTP GET /metrics (Prometheus text: the shim's own
 * figures, its VM's QEMU's and its guest's) and /agent-url. One connection at a time,
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

#include "monitor/http.h"
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
} mon; /* .bss, set up by shimv2_monitor_start */
static struct sb_agent_cache mon_agent; /* kept from scrape to scrape (.bss: 8 KB) */

static void serve_one(int fd)
{
	struct http1_req r;
	struct error *err = NULL;
	if (mon_http_request(fd, &r, 2000) <= 0)
		return;
	struct buf b = BUF_INIT(4 << 20);
	if (strcmp(r.method, "GET")) {
		mon_http_answer(fd, 405, "Method Not Allowed", "text/plain", NULL);
	} else if (!strcmp(r.target, "/metrics")) {
		struct prom_set set;
		struct buf own = BUF_INIT(1 << 20);
		prom_init(&set, 4 << 20);
		shimv2_figures(&own, mon.id);
		char label[VM_ID_MAX + 16];
		snprintf(label, sizeof(label), "sandbox_id=\"%s\"", mon.id);
		if (prom_add(&set, own.data, own.len, "sandbox_id", label, &err) < 0 ||
		    sb_metrics(&shimv2.env, mon.id, &set, 1000, &mon_agent, &err) < 0)
			log_debug("shim-monitor.sock: %s", err->msg);
		prom_write(&set, &b);
		prom_free(&set);
		buf_free(&own);
		mon_http_answer(fd, 200, "OK", "text/plain; version=0.0.4", &b);
	} else if (!strncmp(r.target, "/agent-url", 10) && (!r.target[10] || r.target[10] == '?')) {
		struct sb_state s;
		if (sb_state_get(&shimv2.env, mon.id, &s, NULL) == 0) {
			buf_puts(&b, s.agent_url);
			sb_state_free(&s);
			mon_http_answer(fd, 200, "OK", "text/plain", &b);
		} else {
			mon_http_answer(fd, 503, "Service Unavailable", "text/plain", NULL);
		}
	} else {
		mon_http_answer(fd, 404, "Not Found", "text/plain", NULL);
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
	mon.stop[0] = mon.stop[1] = -1;
	if ((mon.lfd = unix_listen(mon.path, 8, &err)) < 0 || pipe2(mon.stop, O_CLOEXEC) < 0 ||
	    pthread_create(&mon.th, NULL, monitor_main, NULL) != 0) {
		log_warn("shim-monitor.sock of %s: %s", id, err ? err->msg : strerror(errno));
		error_free(err);
		if (mon.lfd >= 0)
			close(mon.lfd), unlink(mon.path);
		for (int i = 0; i < 2; i++)
			if (mon.stop[i] >= 0)
				close(mon.stop[i]);
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
	sb_agent_cache_close(&mon_agent);
	mon.on = false;
}
