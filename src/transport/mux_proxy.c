/* The proxy of a virtio-serial agent channel, as threads of the process
 * that starts it: the yamux session on the channel, and a listener whose
 * every client gets a stream of its own, relayed both ways. Registered in
 * the process, so that its own transport_dial of the listener's path opens
 * a stream of the session with no relay. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/transport.h"
#include "util/error.h"
#include "util/log.h"

#define RELAY_BUF 65536

struct mux_proxy {
	struct yamux_mux *mux;
	char sock[4200];
	int lfd, stop[2];
	pthread_t accept_th;
	struct mux_proxy *next;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mux_proxy *proxies;

struct relay {
	int a, b;
};

/* Copy what is readable on from to to; false at EOF or error (then to's
 * writing side is shut down). */
static bool pump(int from, int to, char *buf)
{
	ssize_t n = read(from, buf, RELAY_BUF);
	if (n <= 0) {
		shutdown(to, SHUT_WR);
		return false;
	}
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			shutdown(from, SHUT_RD);
			return false;
		}
		off += w;
	}
	return true;
}

static void *relay_thread(void *arg)
{
	struct relay r = *(struct relay *)arg;
	char *buf = malloc(RELAY_BUF);
	bool open_a = true, open_b = true;

	free(arg);
	while (buf && (open_a || open_b)) {
		struct pollfd p[2] = { { open_a ? r.a : -1, POLLIN, 0 },
				       { open_b ? r.b : -1, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !pump(r.a, r.b, buf))
			open_a = false;
		if (p[1].revents && !pump(r.b, r.a, buf))
			open_b = false;
	}
	free(buf);
	close(r.a);
	close(r.b);
	return NULL;
}

static void serve_client(struct yamux_mux *mux, int client)
{
	struct error *err = NULL;
	pthread_t t;
	pthread_attr_t attr;
	struct relay *r = malloc(sizeof(*r));
	int s = r ? yamux_mux_open(mux, &err) : -1;

	if (s < 0) {
		log_warn("proxy: a client could not get a stream: %s", err ? err->msg : "no memory");
		error_free(err);
		free(r);
		close(client);
		return;
	}
	*r = (struct relay){ client, s };
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, relay_thread, r) != 0) {
		close(client);
		close(s);
		free(r);
	}
	pthread_attr_destroy(&attr);
}

static void *accept_thread(void *arg)
{
	struct mux_proxy *p = arg;
	while (yamux_mux_alive(p->mux)) {
		struct pollfd f[2] = { { p->lfd, POLLIN, 0 }, { p->stop[0], POLLIN, 0 } };
		if (poll(f, 2, 200) <= 0)
			continue;
		if (f[1].revents)
			break;
		int c = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			serve_client(p->mux, c);
	}
	return NULL;
}

struct mux_proxy *mux_proxy_start(const char *chan, const char *sock, struct error **err)
{
	struct mux_proxy *p = calloc(1, sizeof(*p));
	int fd = -1;

	if (!p)
		return error_set(err, ENOMEM, "out of memory"), NULL;
	p->lfd = p->stop[0] = p->stop[1] = -1;
	snprintf(p->sock, sizeof(p->sock), "%s", sock);
	if ((fd = unix_connect(chan, err)) < 0) {
		error_wrap(err, "agent channel");
		goto fail;
	}
	if (!(p->mux = yamux_mux_start(fd, true, NULL, NULL, err))) {
		error_wrap(err, "agent channel %s", chan);
		goto fail;
	}
	if ((p->lfd = unix_listen(sock, 64, err)) < 0)
		goto fail;
	if (pipe2(p->stop, O_CLOEXEC) < 0 ||
	    pthread_create(&p->accept_th, NULL, accept_thread, p) != 0) {
		error_set(err, EAGAIN, "proxy %s: cannot start its thread", sock);
		goto fail;
	}
	pthread_mutex_lock(&reg_lock);
	p->next = proxies;
	proxies = p;
	pthread_mutex_unlock(&reg_lock);
	return p;
fail:
	if (p->lfd >= 0) {
		close(p->lfd);
		unlink(sock);
	}
	for (int i = 0; i < 2; i++)
		if (p->stop[i] >= 0)
			close(p->stop[i]);
	if (p->mux)
		yamux_mux_stop(p->mux);
	free(p);
	return NULL;
}

bool mux_proxy_alive(struct mux_proxy *p)
{
	return yamux_mux_alive(p->mux);
}

void mux_proxy_stop(struct mux_proxy *p)
{
	pthread_mutex_lock(&reg_lock);
	for (struct mux_proxy **q = &proxies; *q; q = &(*q)->next)
		if (*q == p) {
			*q = p->next;
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	close(p->stop[1]);
	pthread_join(p->accept_th, NULL);
	close(p->stop[0]);
	close(p->lfd);
	unlink(p->sock);
	yamux_mux_stop(p->mux);
	free(p);
}

void mux_proxy_stop_at(const char *sock)
{
	struct mux_proxy *p;
	pthread_mutex_lock(&reg_lock);
	for (p = proxies; p && strcmp(p->sock, sock); p = p->next)
		;
	pthread_mutex_unlock(&reg_lock);
	if (p)
		mux_proxy_stop(p);
}

int mux_proxy_dial(const char *sock, struct error **err)
{
	int fd = -2;
	pthread_mutex_lock(&reg_lock);
	for (struct mux_proxy *p = proxies; p; p = p->next)
		if (!strcmp(p->sock, sock)) {
			fd = yamux_mux_open(p->mux, err);
			break;
		}
	pthread_mutex_unlock(&reg_lock);
	return fd;
}
