/* yamux over a byte stream (the virtio-serial port, or QEMU's unix socket
 * for it), with each yamux stream handed to its user as one end of a unix
 * socketpair.
 *
 * One thread per session owns the codec and moves bytes between the session
 * descriptor and the socketpairs, so the gRPC client and server run on a
 * yamux stream exactly as on a unix socket. Flow control stays end to end:
 * a stream's window is given back only when its bytes went into its
 * socketpair, and a stream is read only while its send window is open.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/transport.h"
#include "util/error.h"
#include "yamux/yamux.h"

#define OUT_HIGH (256u * 1024) /* stop reading streams while this much waits */

struct mstream {
	int fd; /* our end of the socketpair */
	struct buf pending; /* from the peer, not yet taken by the socketpair */
	bool eof;	    /* the peer's FIN, to pass on once pending is out */
	bool read_eof;	    /* the user closed or shut down its end */
	struct mstream *next; /* in the draining list */
};

struct yamux_mux {
	int fd;
	int wake[2];
	pthread_t thread;
	pthread_mutex_t lock; /* the session and the streams */
	struct yamux_session s;
	yamux_accept_fn on_accept;
	void *ud;
	int *accepted; /* streams for on_accept, handed over after the round */
	size_t naccepted, capaccepted;
	/* Streams both sides finished whose last bytes the user has not
	 * taken yet: closed once they have. */
	struct mstream *draining;
	bool stop, dead;
	bool peer_gone; /* EOF, or (server side) GO_AWAY: no goodbye to send */
	uint8_t buf[]; /* MUX_BUF bytes for the pump thread's reads */
};

#define MUX_BUF YAMUX_MAX_FRAME

static void kick(struct yamux_mux *m)
{
	ssize_t w = write(m->wake[1], "", 1);
	(void)w;
}

/* ---------------------------------------------------------------- callbacks */

static struct mstream *ms(struct yamux_mux *m, uint32_t id)
{
	struct yamux_stream *st = yamux_stream(&m->s, id);
	return st ? st->user : NULL;
}

static int pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	return 0;
}

static struct mstream *attach(struct yamux_mux *m, uint32_t id, int fd)
{
	struct mstream *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->fd = fd;
	x->pending = (struct buf)BUF_INIT(0);
	yamux_stream(&m->s, id)->user = x;
	return x;
}

static int on_open(void *ud, uint32_t id)
{
	struct yamux_mux *m = ud;
	int sv[2];

	if (!m->on_accept)
		return -1;
	if (m->naccepted == m->capaccepted) {
		size_t cap = m->capaccepted ? m->capaccepted * 2 : 16;
		int *p = realloc(m->accepted, cap * sizeof(int));
		if (!p)
			return -1;
		m->accepted = p;
		m->capaccepted = cap;
	}
	if (pair(sv) < 0)
		return -1;
	if (!attach(m, id, sv[0])) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	m->accepted[m->naccepted++] = sv[1];
	return 0;
}

/* Write what the socketpair takes; the window reopens by as much. */
static void deliver(struct yamux_mux *m, uint32_t id, struct mstream *x, const uint8_t *d,
		    size_t n)
{
	size_t done = 0;

	if (!x->pending.len) {
		while (done < n) {
			ssize_t w = send(x->fd, d + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && errno == EAGAIN)
				break;
			if (w < 0)
				return yamux_reset(&m->s, id); /* the user is gone */
			done += (size_t)w;
		}
		yamux_consume(&m->s, id, done);
	}
	if (done < n && buf_append(&x->pending, d + done, n - done) < 0)
		yamux_reset(&m->s, id);
}

static void on_data(void *ud, uint32_t id, const uint8_t *d, size_t n)
{
	struct yamux_mux *m = ud;
	struct mstream *x = ms(m, id);
	if (x)
		deliver(m, id, x, d, n);
}

static void on_eof(void *ud, uint32_t id)
{
	struct mstream *x = ms(ud, id);
	if (!x)
		return;
	x->eof = true;
	if (!x->pending.len)
		shutdown(x->fd, SHUT_WR);
}

static void on_close(void *ud, uint32_t id, void *user, bool reset)
{
	struct yamux_mux *m = ud;
	struct mstream *x = user;

	if (!x)
		return;
	if (!reset && x->pending.len) {
		x->next = m->draining;
		m->draining = x;
		return;
	}
	close(x->fd); /* the user reads EOF (after what it has not read), or
		       * its writes fail */
	buf_free(&x->pending);
	free(x);
}

/* ---------------------------------------------------------------- the pump */

/* Bytes from the user's end of stream st into the session. */
static void from_user(struct yamux_mux *m, struct yamux_stream *st)
{
	uint8_t *tmp = m->buf;
	struct mstream *x = st->user;
	uint32_t id = st->id;
	size_t want = st->send_window < MUX_BUF ? st->send_window : MUX_BUF;

	if (want == 0 || st->local_fin || x->read_eof)
		return; /* a hang-up with the window shut: read once it opens */
	ssize_t n = recv(x->fd, tmp, want, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0)
		return yamux_reset(&m->s, id);
	if (n == 0) {
		x->read_eof = true;
		return yamux_close(&m->s, id);
	}
	yamux_send(&m->s, id, tmp, (size_t)n);
}

/* Pending bytes from the peer into the user's end of stream st. */
static void to_user(struct yamux_mux *m, struct yamux_stream *st)
{
	struct mstream *x = st->user;
	ssize_t w = send(x->fd, x->pending.data, x->pending.len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w < 0)
		return yamux_reset(&m->s, st->id);
	memmove(x->pending.data, x->pending.data + w, x->pending.len - (size_t)w);
	x->pending.len -= (size_t)w;
	uint32_t id = st->id;
	bool eof = x->eof && !x->pending.len;
	yamux_consume(&m->s, id, (size_t)w);
	if (eof)
		shutdown(x->fd, SHUT_WR);
}

static bool session_io(struct yamux_mux *m, short revents)
{
	uint8_t *in = m->buf;

	if (revents & POLLOUT) {
		ssize_t n = send(m->fd, m->s.out.data, m->s.out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == ENOTSOCK)
			n = write(m->fd, m->s.out.data, m->s.out.len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		if (n > 0)
			yamux_sent(&m->s, (size_t)n);
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(m->fd, in, MUX_BUF);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0) { /* the peer is gone: nobody to say goodbye to */
			m->peer_gone = true;
			return false;
		}
		if (yamux_recv(&m->s, in, (size_t)n) < 0)
			return false;
	}
	/* The server side's session ends when its client leaves (GO_AWAY), so
	 * that a client that comes back on the same channel (a virtio-serial
	 * port) starts a session of its own. */
	if (!m->s.client && m->s.goaway_recv) {
		m->peer_gone = true;
		return false;
	}
	return true;
}

/* One round: poll the session, the wake pipe and every stream. Returns
 * false when the session is over. Called and returns with the lock held. */
/* Give finished streams their last bytes; close those that have them. */
static void drain(struct yamux_mux *m, bool all)
{
	for (struct mstream **pp = &m->draining, *x; (x = *pp);) {
		ssize_t w = all ? -1 : send(x->fd, x->pending.data, x->pending.len,
					     MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			memmove(x->pending.data, x->pending.data + w, x->pending.len - (size_t)w);
			x->pending.len -= (size_t)w;
		}
		if (all || x->pending.len == 0 || (w < 0 && errno != EAGAIN && errno != EINTR)) {
			*pp = x->next;
			x->pending.len = 0;
			on_close(m, 0, x, true);
		} else {
			pp = &x->next;
		}
	}
}

static bool round_trip(struct yamux_mux *m)
{
	size_t n = m->s.nstreams, nd = 0;
	for (struct mstream *x = m->draining; x; x = x->next)
		nd++;
	struct pollfd *p = calloc(n + nd + 2, sizeof(*p));
	uint32_t *ids = calloc(n + 1, sizeof(*ids));
	bool room = m->s.out.len < OUT_HIGH, ok = p && ids;

	if (!ok)
		goto out;
	p[0] = (struct pollfd){ m->fd, (short)(POLLIN | (m->s.out.len ? POLLOUT : 0)), 0 };
	p[1] = (struct pollfd){ m->wake[0], POLLIN, 0 };
	for (size_t i = 0; i < n; i++) {
		struct yamux_stream *st = m->s.streams[i];
		struct mstream *x = st->user;
		ids[i] = st->id;
		p[i + 2].fd = x ? x->fd : -1;
		if (x && room && st->send_window && !st->local_fin && !x->read_eof)
			p[i + 2].events |= POLLIN;
		if (x && x->pending.len)
			p[i + 2].events |= POLLOUT;
		if (!p[i + 2].events) /* else a hang-up would wake us for ever */
			p[i + 2].fd = -1;
	}
	size_t k = n + 2;
	for (struct mstream *x = m->draining; x; x = x->next)
		p[k++] = (struct pollfd){ x->fd, POLLOUT, 0 };
	pthread_mutex_unlock(&m->lock);
	int r = poll(p, n + nd + 2, -1);
	pthread_mutex_lock(&m->lock);
	if (r < 0 && errno != EINTR)
		ok = false;
	if (r <= 0 || m->stop)
		goto out;
	if (p[1].revents) {
		char drain[64];
		while (read(m->wake[0], drain, sizeof(drain)) > 0)
			;
	}
	if (nd)
		drain(m, false);
	/* Streams first: the session may end them. */
	for (size_t i = 0; i < n; i++) {
		struct yamux_stream *st = yamux_stream(&m->s, ids[i]);
		if (!st || !st->user || !p[i + 2].revents)
			continue;
		if (p[i + 2].revents & POLLOUT)
			to_user(m, st);
		if ((st = yamux_stream(&m->s, ids[i])) && st->user &&
		    (p[i + 2].revents & (POLLIN | POLLHUP | POLLERR)))
			from_user(m, st);
	}
	ok = session_io(m, p[0].revents);
out:
	free(p);
	free(ids);
	return ok;
}

static void hand_over(struct yamux_mux *m)
{
	int *fds = m->accepted;
	size_t n = m->naccepted;

	m->accepted = NULL;
	m->naccepted = m->capaccepted = 0;
	pthread_mutex_unlock(&m->lock);
	for (size_t i = 0; i < n; i++)
		m->on_accept(m->ud, fds[i]);
	free(fds);
	pthread_mutex_lock(&m->lock);
}

static void *pump(void *arg)
{
	struct yamux_mux *m = arg;

	pthread_mutex_lock(&m->lock);
	while (!m->stop && round_trip(m)) {
		if (m->naccepted)
			hand_over(m);
	}
	/* Say goodbye if we can, and end every stream. */
	if (!m->peer_gone) {
		yamux_goaway(&m->s, YAMUX_NORMAL);
		if (send(m->fd, m->s.out.data, m->s.out.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
		    errno == ENOTSOCK) {
			ssize_t w = write(m->fd, m->s.out.data, m->s.out.len);
			(void)w;
		}
	}
	m->dead = true;
	drain(m, true);
	for (size_t i = 0; i < m->s.nstreams; i++) {
		on_close(m, m->s.streams[i]->id, m->s.streams[i]->user, true);
		m->s.streams[i]->user = NULL;
	}
	for (size_t i = 0; i < m->naccepted; i++)
		close(m->accepted[i]);
	free(m->accepted);
	m->accepted = NULL;
	m->naccepted = 0;
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* ---------------------------------------------------------------- API */

struct yamux_mux *yamux_mux_start(int fd, bool client, yamux_accept_fn on_accept, void *ud,
				  struct error **err)
{
	static const struct yamux_callbacks cb = { on_open, on_data, on_eof, on_close,
						   NULL,    NULL,    NULL };
	struct yamux_mux *m = calloc(1, sizeof(*m) + MUX_BUF);

	if (!m) {
		close(fd);
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	m->fd = fd;
	m->on_accept = on_accept;
	m->ud = ud;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	yamux_init(&m->s, client, &cb, m);
	pthread_mutex_init(&m->lock, NULL);
	if (pipe2(m->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		error_set_errno(err, errno, "pipe");
		goto fail;
	}
	if (pthread_create(&m->thread, NULL, pump, m) != 0) {
		error_set(err, EAGAIN, "cannot start the yamux thread");
		close(m->wake[0]);
		close(m->wake[1]);
		goto fail;
	}
	return m;
fail:
	yamux_free(&m->s);
	pthread_mutex_destroy(&m->lock);
	close(fd);
	free(m);
	return NULL;
}

int yamux_mux_open(struct yamux_mux *m, struct error **err)
{
	int sv[2];
	uint32_t id;

	pthread_mutex_lock(&m->lock);
	if (m->dead || m->stop) {
		pthread_mutex_unlock(&m->lock);
		return error_set(err, ECONNRESET, "the yamux session is over");
	}
	if (pair(sv) < 0) {
		pthread_mutex_unlock(&m->lock);
		return error_set_errno(err, errno, "socketpair");
	}
	if (!(id = yamux_open(&m->s)) || !attach(m, id, sv[0])) {
		if (id)
			yamux_reset(&m->s, id);
		pthread_mutex_unlock(&m->lock);
		close(sv[0]);
		close(sv[1]);
		return error_set(err, EAGAIN, "cannot open a yamux stream%s",
				 m->s.goaway_recv ? ": the peer is going away" : "");
	}
	pthread_mutex_unlock(&m->lock);
	kick(m);
	return sv[1];
}

bool yamux_mux_alive(struct yamux_mux *m)
{
	pthread_mutex_lock(&m->lock);
	bool alive = !m->dead;
	pthread_mutex_unlock(&m->lock);
	return alive;
}

void yamux_mux_stop(struct yamux_mux *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_mutex_unlock(&m->lock);
	kick(m);
	pthread_join(m->thread, NULL);
	yamux_free(&m->s);
	pthread_mutex_destroy(&m->lock);
	close(m->wake[0]);
	close(m->wake[1]);
	close(m->fd);
	free(m);
}
