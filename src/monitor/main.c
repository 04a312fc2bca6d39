/* kata-monitor: one per host, as Kata's. HTTP on --listen-address
 * (127.0.0.1:8090): /metrics (every sandbox's figures, a sandbox_id label
 * on each, and cri_uid, cri_name and cri_namespace when the CRI at
 * --runtime-endpoint knows the pod; with the monitor's own kata_monitor_*), /sandboxes (their ids,
 * a line each) and /agent-url?sandbox=ID. A shim v2's sandbox is scraped
 * over its shim-monitor.sock, another is read from its QEMU and its agent;
 * each on a thread of its own within a deadline, a failure counted, never
 * stalling the rest; an agent connection kept from scrape to scrape. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "monitor/http.h"
#include "monitor/monitor.h"
#include "sandbox/sandbox.h"
#include "transport/transport.h"
#include "util/error.h"
#include "util/log.h"

#define SANDBOX_MS 1500 /* each sandbox's deadline */
#define MAX_CLIENTS 16

static const char *cri_endpoint = "/run/containerd/containerd.sock";

static struct {
	unsigned long long scrapes, failures;
	double last_seconds;
	int clients;
	pthread_mutex_t lock;
} st = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* GET /metrics of a shim-monitor.sock, the body into body. */
static int scrape_shim(const char *sock, struct buf *body, struct error **err)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: shim\r\nConnection: close\r\n\r\n";
	long until = io_now_ms() + SANDBOX_MS;
	struct buf in = BUF_INIT(8 << 20);
	char chunk[16384];
	int fd = unix_connect(sock, err), r = -1;
	if (fd < 0)
		return -1;
	if (io_write_all(fd, req, sizeof(req) - 1, until, err) < 0)
		goto out;
	for (ssize_t n; (n = io_read_some(fd, chunk, sizeof(chunk), until, err)) != 0;)
		if (n < 0 || buf_append(&in, chunk, (size_t)n) < 0) {
			if (n > 0)
				error_set(err, E2BIG, "%s: an answer over 8 MiB", sock);
			goto out;
		}
	const char *sep = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
	if (!sep || strncmp(in.data, "HTTP/1.1 200 ", 13)) {
		error_set(err, EPROTO, "%s: not a 200 answer", sock);
		goto out;
	}
	r = buf_append(body, sep + 4, in.len - (size_t)(sep + 4 - in.data));
out:
	close(fd);
	buf_free(&in);
	return r;
}

/* Agent connections kept from scrape to scrape, one per sandbox read from
 * its agent (a stream set up costs the guest more than a call): taken by
 * a scrape's job, given back after; closed once its sandbox is gone. */
struct conn {
	struct mon_sandbox sb;
	struct sb_agent_cache c;
	bool busy;
};
static struct conn **conns;
static size_t nconns;
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;

/* sb's connection, or NULL when another job has it (one that hung). */
static struct conn *conn_take(const struct mon_sandbox *sb)
{
	struct conn *c = NULL, **grown;
	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < nconns && !c; i++)
		if (!strcmp(conns[i]->sb.id, sb->id) && !strcmp(conns[i]->sb.root, sb->root))
			c = conns[i];
	if (!c && (grown = realloc(conns, (nconns + 1) * sizeof(*conns)))) {
		conns = grown;
		if ((c = calloc(1, sizeof(*c)))) {
			c->sb = *sb;
			conns[nconns++] = c;
		}
	}
	if (c && c->busy)
		c = NULL;
	if (c)
		c->busy = true;
	pthread_mutex_unlock(&conns_lock);
	return c;
}

static void conn_give(struct conn *c)
{
	pthread_mutex_lock(&conns_lock);
	c->busy = false;
	pthread_mutex_unlock(&conns_lock);
}

/* Close the connections of sandboxes no longer among the n of v. */
static void conn_prune(const struct mon_sandbox *v, size_t n)
{
	pthread_mutex_lock(&conns_lock);
	for (size_t i = 0; i < nconns;) {
		bool live = conns[i]->busy;
		for (size_t k = 0; k < n && !live; k++)
			live = !strcmp(conns[i]->sb.id, v[k].id) && !strcmp(conns[i]->sb.root, v[k].root);
		if (live) {
			i++;
			continue;
		}
		sb_agent_cache_close(&conns[i]->c);
		free(conns[i]);
		conns[i] = conns[--nconns];
	}
	pthread_mutex_unlock(&conns_lock);
}

static int scrape(const struct mon_sandbox *sb, struct prom_set *set, struct error **err)
{
	char sock[PATH_MAX * 2];
	snprintf(sock, sizeof(sock), "%s/%s/shim-monitor.sock", sb->root, sb->id);
	if (access(sock, F_OK) == 0) {
		struct buf body = BUF_INIT(8 << 20);
		int r = scrape_shim(sock, &body, err);
		if (r == 0)
			r = prom_add(set, body.data ? body.data : "", body.len, NULL, NULL, err);
		buf_free(&body);
		return r;
	}
	struct sb_env env = { .root = sb->root }; /* all that reading it needs */
	struct conn *c = conn_take(sb);
	int r = sb_metrics(&env, sb->id, set, SANDBOX_MS, c ? &c->c : NULL, err);
	if (c)
		conn_give(c);
	return r;
}

static void own_figures(struct buf *b, size_t running, unsigned long long failed)
{
	pthread_mutex_lock(&st.lock);
	buf_printf(b, "# HELP kata_monitor_running_shims Sandboxes found under the roots.\n"
		      "# TYPE kata_monitor_running_shims gauge\n"
		      "kata_monitor_running_shims %zu\n"
		      "# HELP kata_monitor_scrapes_total Scrapes of /metrics.\n"
		      "# TYPE kata_monitor_scrapes_total counter\nkata_monitor_scrapes_total %llu\n"
		      "# HELP kata_monitor_scrape_failures_total Sandboxes that could not be scraped.\n"
		      "# TYPE kata_monitor_scrape_failures_total counter\n"
		      "kata_monitor_scrape_failures_total %llu\n"
		      "# HELP kata_monitor_scrape_duration_seconds The last scrape's duration.\n"
		      "# TYPE kata_monitor_scrape_duration_seconds gauge\n"
		      "kata_monitor_scrape_duration_seconds %.6f\n",
		   running, st.scrapes, st.failures + failed, st.last_seconds);
	pthread_mutex_unlock(&st.lock);
	sb_proc_metrics(b, "kata_monitor", getpid());
}

/* One sandbox's scrape, on a thread of its own: its text, merged after. */
struct job {
	const struct mon_sandbox *sb;
	struct buf text;
	bool ok;
	pthread_t th;
};

static void *scrape_job(void *arg)
{
	struct job *j = arg;
	struct prom_set set;
	struct error *err = NULL;
	prom_init(&set, 8 << 20);
	j->ok = scrape(j->sb, &set, &err) == 0 && prom_write(&set, &j->text) == 0;
	if (!j->ok)
		log_debug("kata-monitor: %s: %s", j->sb->id, err ? err->msg : "failed");
	error_free(err);
	prom_free(&set);
	return NULL;
}

static void metrics(struct buf *out)
{
	struct timespec t0, t1;
	struct mon_sandbox *v;
	struct prom_set set;
	struct buf own = BUF_INIT(1 << 20);
	unsigned long long failed = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t n = mon_sandboxes(&v), npods = 0;
	struct job *jobs = n ? calloc(n, sizeof(*jobs)) : NULL;
	struct mon_pod *pods = NULL;
	static bool told;
	struct error *cerr = NULL;
	conn_prune(v, n);
	prom_init(&set, 64 << 20);
	for (size_t i = 0; i < n && jobs; i++) {
		jobs[i] = (struct job){ &v[i], BUF_INIT(8 << 20), false, 0 };
		if (pthread_create(&jobs[i].th, NULL, scrape_job, &jobs[i]) != 0)
			scrape_job(&jobs[i]), jobs[i].th = 0;
	}
	/* the CRI is asked while the sandboxes are scraped */
	if (n && cri_endpoint && mon_cri_pods(cri_endpoint, 1000, &pods, &npods, &cerr) < 0) {
		if (!told) /* no CRI (the CLI alone, ctr): no cri_* labels */
			log_info("kata-monitor: %s: no cri_* labels", cerr->msg);
		told = true;
	}
	error_free(cerr);
	for (size_t i = 0; i < n && jobs; i++) {
		if (jobs[i].th)
			pthread_join(jobs[i].th, NULL);
		const char *cri = NULL;
		for (size_t k = 0; k < npods && !cri; k++)
			cri = !strcmp(pods[k].id, v[i].id) ? pods[k].labels.data : NULL;
		if (!jobs[i].ok || prom_add(&set, jobs[i].text.data ? jobs[i].text.data : "",
					    jobs[i].text.len, cri ? "cri_uid" : NULL, cri, NULL) < 0)
			failed++;
		buf_free(&jobs[i].text);
	}
	failed += n && !jobs ? n : 0;
	free(jobs);
	mon_cri_free(pods, npods);
	own_figures(&own, n, failed);
	prom_add(&set, own.data, own.len, NULL, NULL, NULL);
	prom_write(&set, out);
	prom_free(&set);
	buf_free(&own);
	free(v);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_mutex_lock(&st.lock);
	st.scrapes++;
	st.failures += failed;
	st.last_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	pthread_mutex_unlock(&st.lock);
}

static void agent_url(const char *target, struct buf *b, int fd)
{
	char id[VM_ID_MAX + 1];
	struct mon_sandbox *v;
	struct sb_state s;
	size_t n = mon_sandboxes(&v);
	bool known = false;
	if (http1_query(target, "sandbox", id, sizeof(id)) < 0) {
		buf_puts(b, "no sandbox=ID\n");
		mon_http_answer(fd, 400, "Bad Request", "text/plain", b);
		free(v);
		return;
	}
	for (size_t i = 0; i < n && !known; i++)
		if (!strcmp(v[i].id, id) && sb_state_peek(v[i].root, id, &s, NULL) == 0) {
			buf_puts(b, s.agent_url);
			sb_state_free(&s);
			known = true;
		}
	free(v);
	if (!known)
		buf_printf(b, "sandbox %s: not found\n", id);
	mon_http_answer(fd, known ? 200 : 404, known ? "OK" : "Not Found", "text/plain", b);
}

static void serve(int fd)
{
	struct http1_req r;
	struct buf b = BUF_INIT(64 << 20);
	if (mon_http_request(fd, &r, 5000) <= 0) {
		buf_free(&b);
		return;
	}
	const char *q = strchr(r.target, '?');
	size_t path = q ? (size_t)(q - r.target) : strlen(r.target);
	if (strcmp(r.method, "GET")) {
		mon_http_answer(fd, 405, "Method Not Allowed", "text/plain", NULL);
	} else if (path == 8 && !strncmp(r.target, "/metrics", 8)) {
		metrics(&b);
		mon_http_answer(fd, 200, "OK", "text/plain; version=0.0.4", &b);
	} else if (path == 10 && !strncmp(r.target, "/sandboxes", 10)) {
		struct mon_sandbox *v;
		size_t n = mon_sandboxes(&v);
		for (size_t i = 0; i < n; i++)
			buf_printf(&b, "%s\n", v[i].id);
		free(v);
		mon_http_answer(fd, 200, "OK", "text/plain", &b);
	} else if (path == 10 && !strncmp(r.target, "/agent-url", 10)) {
		agent_url(r.target, &b, fd);
	} else {
		mon_http_answer(fd, 404, "Not Found", "text/plain", NULL);
	}
	buf_free(&b);
}

static void *client(void *arg)
{
	int fd = (int)(intptr_t)arg;
	serve(fd);
	close(fd);
	pthread_mutex_lock(&st.lock);
	st.clients--;
	pthread_mutex_unlock(&st.lock);
	return NULL;
}

static int listen_on(const char *addr, struct error **err)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long port = colon ? strtol(colon + 1, NULL, 10) : 0;
	if (!colon || (size_t)(colon - addr) >= sizeof(host) || port <= 0 || port > 65535)
		return error_set(err, EINVAL, "--listen-address %s: not HOST:PORT", addr);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (inet_pton(AF_INET, *host ? host : "0.0.0.0", &sa.sin_addr) != 1)
		return error_set(err, EINVAL, "--listen-address %s: not an IPv4 address", addr);
	sa.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0)
		return error_set_errno(err, errno, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		int e = errno;
		close(fd);
		return error_set_errno(err, e, "--listen-address %s", addr);
	}
	return fd;
}

static int usage(const char *why)
{
	log_error("kata-monitor: %s\nusage: kata-monitor [--listen-address HOST:PORT] "
		  "[--root DIR]... [--runtime-endpoint SOCKET] [--log-level debug]", why);
	return 2;
}

int monitor_main(int argc, char **argv)
{
	static char *roots[MON_MAX_ROOTS];
	const char *listen_addr = "127.0.0.1:8090";
	size_t nroots = 0;
	struct error *err = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t k = eq ? (size_t)(eq - a) : strlen(a);
		const char *v = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
		if (!strncmp(a, "--", 2) && !v)
			return usage("an option without its value");
		if (!eq)
			i++;
		if (k == 16 && !strncmp(a, "--listen-address", k))
			listen_addr = v;
		else if (k == 6 && !strncmp(a, "--root", k) && nroots < MON_MAX_ROOTS)
			roots[nroots++] = (char *)v;
		else if (k == 18 && !strncmp(a, "--runtime-endpoint", k))
			cri_endpoint = *v ? v : NULL;
		else if (k == 11 && !strncmp(a, "--log-level", k))
			log_set_level(!strcmp(v, "debug") ? LOGL_DEBUG : LOGL_INFO);
		else
			return usage(a);
	}
	if (!nroots) {
		roots[nroots++] = (char *)CONFIG_DEFAULT_ROOT;
		roots[nroots++] = (char *)"/run/containerd/ukata-v2";
	}
	signal(SIGPIPE, SIG_IGN);
	int lfd = listen_on(listen_addr, &err);
	if (lfd < 0 || mon_discover_start(roots, nroots) < 0) {
		log_error("kata-monitor: %s", err ? err->msg : "cannot start");
		error_free(err);
		return 1;
	}
	log_info("kata-monitor: listening on %s", listen_addr);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&st.lock);
		bool room = st.clients < MAX_CLIENTS;
		st.clients += room;
		pthread_mutex_unlock(&st.lock);
		pthread_t th;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (!room || pthread_create(&th, &at, client, (void *)(intptr_t)fd) != 0) {
			mon_http_answer(fd, 503, "Service Unavailable", "text/plain", NULL);
			close(fd);
			if (room) {
				pthread_mutex_lock(&st.lock);
				st.clients--;
				pthread_mutex_unlock(&st.lock);
			}
		}
		pthread_attr_destroy(&at);
	}
}
