/* Byte transports: unix sockets now; vsock and yamux streams follow. Each
 * function owns the descriptors it returns to the caller, who closes them. */
#ifndef TRANSPORT_TRANSPORT_H
#define TRANSPORT_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

struct error;

/* Connect to a unix stream socket; the descriptor is close-on-exec. */
int unix_connect(const char *path, struct error **err);
/* Listen on path with mode 0600; an existing socket file is an error unless
 * nothing listens on it (a stale socket of a dead server is replaced). */
int unix_listen(const char *path, int backlog, struct error **err);

/* Write all of buf, waiting (poll) up to deadline_ms (CLOCK_MONOTONIC
 * milliseconds, 0 = no deadline). Returns 0, or -1 with *err set. */
int io_write_all(int fd, const void *buf, size_t len, long deadline_ms, struct error **err);
/* Wait for the descriptor to be readable until deadline_ms, then read once.
 * Returns bytes read (0 at EOF), or -1 with *err set (ETIMEDOUT past the
 * deadline). */
ssize_t io_read_some(int fd, void *buf, size_t len, long deadline_ms, struct error **err);
long io_now_ms(void);

#endif
