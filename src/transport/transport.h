/* Byte transports: unix sockets, vsock, yamux streams. Each
 * function owns the descriptors it returns to the caller, who closes them. */
#ifndef TRANSPORT_TRANSPORT_H
#define TRANSPORT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "autoconf.h"

struct error;

/* A connected stream to "vsock://CID:PORT", "unix:///path" or "/path". */
int transport_dial(const char *url, struct error **err);

/* Connect to a unix stream socket; the descriptor is close-on-exec. */
int unix_connect(const char *path, struct error **err);
/* Listen on path with mode 0600; an existing socket file is an error unless
 * nothing listens on it (a stale socket of a dead server is replaced). */
int unix_listen(const char *path, int backlog, struct error **err);

/* AF_VSOCK (transport/vsock.c). struct sockaddr_vm as the kernel's UAPI
 * lays it out (musl has no <linux/vm_sockets.h>). */
#define VSOCK_CID_ANY 0xffffffffu
#define VSOCK_CID_HOST 2u
#define VSOCK_AGENT_PORT 1024u /* Kata 1.x's agent */
struct vsock_sockaddr {
	unsigned short family; /* AF_VSOCK */
	unsigned short reserved1;
	uint32_t port;
	uint32_t cid;
	unsigned char zero[4]; /* to sizeof(struct sockaddr) */
};
#if ENABLE_TRANSPORT_VSOCK
/* "vsock://CID:PORT" (or "CID:PORT"); errors name the address. */
int vsock_parse(const char *uri, uint32_t *cid, uint32_t *port, struct error **err);
void vsock_addr(struct vsock_sockaddr *sa, uint32_t cid, uint32_t port);
int vsock_connect(uint32_t cid, uint32_t port, struct error **err);
/* Listen on port for any CID (the agent, in the guest). */
int vsock_listen(uint32_t port, int backlog, struct error **err);
#else
int transport_vsock_missing(struct error **err);
static inline int vsock_parse(const char *uri, uint32_t *cid, uint32_t *port, struct error **err)
{
	return transport_vsock_missing(err);
}
static inline int vsock_connect(uint32_t cid, uint32_t port, struct error **err)
{
	return transport_vsock_missing(err);
}
static inline int vsock_listen(uint32_t port, int backlog, struct error **err)
{
	return transport_vsock_missing(err);
}
#endif

/* Write all of buf, waiting (poll) up to deadline_ms (CLOCK_MONOTONIC
 * milliseconds, 0 = no deadline). Returns 0, or -1 with *err set. */
int io_write_all(int fd, const void *buf, size_t len, long deadline_ms, struct error **err);
/* Wait for the descriptor to be readable until deadline_ms, then read once.
 * Returns bytes read (0 at EOF), or -1 with *err set (ETIMEDOUT past the
 * deadline). */
ssize_t io_read_some(int fd, void *buf, size_t len, long deadline_ms, struct error **err);
long io_now_ms(void);
uint64_t io_now_us(void);

/* yamux (Kata 1.x's agent channel) over a connected byte stream. The mux
 * owns fd and runs the session on a thread of its own; each stream is a
 * unix socket for its user: write to send, read to receive, shutdown(WR) or
 * close to half-close (FIN). A stream the peer resets, or every stream when
 * the session ends, reads EOF. */
struct yamux_mux;
/* A stream the peer opened: the callee owns fd. Called on the mux thread:
 * it may not call back into the mux, and should not block. */
typedef void (*yamux_accept_fn)(void *ud, int fd);
#if ENABLE_TRANSPORT_YAMUX
/* on_accept NULL refuses the peer's streams. */
struct yamux_mux *yamux_mux_start(int fd, bool client, yamux_accept_fn on_accept, void *ud,
				  struct error **err);
int yamux_mux_open(struct yamux_mux *m, struct error **err);
bool yamux_mux_alive(struct yamux_mux *m);
/* GO_AWAY, end every stream, and free the mux. */
void yamux_mux_stop(struct yamux_mux *m);
#endif

/* The proxy of a virtio-serial agent channel (transport/mux_proxy.c) as
 * threads of this process: the yamux session on the channel socket chan,
 * and a listener at sock (mode 0600) giving each client a stream of its
 * own. This process's transport_dial of sock opens a stream of the
 * session itself, with no relay. */
struct mux_proxy;
#if ENABLE_TRANSPORT_YAMUX
struct mux_proxy *mux_proxy_start(const char *chan, const char *sock, struct error **err);
bool mux_proxy_alive(struct mux_proxy *p);
/* The listener and its socket file go, then the session (every stream
 * reads EOF). */
void mux_proxy_stop(struct mux_proxy *p);
/* Stop the one of this process listening at sock, if any. */
void mux_proxy_stop_at(const char *sock);
/* A stream of the one listening at sock; -2 when this process has none. */
int mux_proxy_dial(const char *sock, struct error **err);
#else
int transport_yamux_missing(struct error **err);
static inline struct mux_proxy *mux_proxy_start(const char *chan, const char *sock,
						struct error **err)
{
	transport_yamux_missing(err);
	return NULL;
}
static inline bool mux_proxy_alive(struct mux_proxy *p)
{
	return false;
}
static inline void mux_proxy_stop(struct mux_proxy *p)
{
}
static inline void mux_proxy_stop_at(const char *sock)
{
}
static inline int mux_proxy_dial(const char *sock, struct error **err)
{
	return -2;
}
#endif

#if !ENABLE_TRANSPORT_YAMUX
int transport_yamux_missing(struct error **err);
static inline struct yamux_mux *yamux_mux_start(int fd, bool client, yamux_accept_fn on_accept,
						void *ud, struct error **err)
{
	transport_yamux_missing(err);
	return NULL;
}
static inline int yamux_mux_open(struct yamux_mux *m, struct error **err)
{
	return transport_yamux_missing(err);
}
static inline bool yamux_mux_alive(struct yamux_mux *m)
{
	return false;
}
static inline void yamux_mux_stop(struct yamux_mux *m)
{
}
#endif

#endif
