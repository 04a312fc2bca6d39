/* grpc.AgentService: a process's stdio. Reads block until data comes (EOF
 * is OUT_OF_RANGE "EOF", as Kata's agent says it); what a process writes
 * waits in its pipe until the host reads it, and a process that writes
 * faster than the host reads blocks on the full pipe. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "guest/guest.h"
#include "guest/proc.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "util/buf.h"
#include "util/error.h"

#define READ_MAX (1u << 20)

enum which { IN, OUT, ERR, PTY };

/* A dup of one of the process's descriptors, so that it can be used
 * without the lock; -1 with *code set when there is none. */
static int fd_of(const char *cid, const char *eid, enum which w, int *code, struct error **err)
{
	pthread_mutex_lock(&guest_lock);
	struct guest_proc *p = guest_proc_find(guest_container_find(cid ? cid : ""), eid);
	int fd = -1;
	*code = 0;
	if (!p) {
		*code = guest_not_found(cid, eid, err);
	} else {
		int src = w == IN ? p->in : w == OUT ? p->out : w == ERR ? p->err : p->pty;
		if (src < 0)
			*code = (error_set(err, GRPC_FAILED_PRECONDITION, "process %s of container %s: "
					   "no %s", eid && *eid ? eid : "init", cid,
					   w == IN ? "stdin (closed)" : w == PTY ? "terminal" : "such stream"),
				 GRPC_FAILED_PRECONDITION);
		else
			fd = fcntl(src, F_DUPFD_CLOEXEC, 0);
	}
	pthread_mutex_unlock(&guest_lock);
	return fd;
}

/* The bytes go to the call's scratch, which lives until they are sent. */
/* The host's reader went away: our end of the stream goes, so that the
 * process's writes fail once no read is in progress (a terminal stays:
 * its master also carries the input). */
static int reader_gone(const grpc_ReadStreamRequest *req, enum which w, struct error **err)
{
	pthread_mutex_lock(&guest_lock);
	struct guest_proc *p = guest_proc_find(guest_container_find(req->container_id ? req->container_id : ""),
					       req->exec_id);
	int code = p ? 0 : guest_not_found(req->container_id, req->exec_id, err);
	int *fd = !p ? NULL : w == OUT ? &p->out : &p->err;
	if (fd && *fd >= 0 && p->pty < 0) {
		close(*fd);
		*fd = -1;
	}
	pthread_mutex_unlock(&guest_lock);
	return code ? code : (error_set(err, GRPC_OUT_OF_RANGE, "EOF"), GRPC_OUT_OF_RANGE);
}

static int read_stream(struct rpc_ctx *ctx, const grpc_ReadStreamRequest *req,
		       grpc_ReadStreamResponse *resp, enum which w, struct error **err)
{
	if (req->reader_gone)
		return reader_gone(req, w, err);
	struct buf *out = ctx->scratch;
	int code, fd = fd_of(req->container_id, req->exec_id, w, &code, err);
	if (fd < 0)
		return code;
	size_t len = req->len && req->len < READ_MAX ? req->len : READ_MAX;
	out->len = 0;
	if (buf_reserve(out, len) < 0) {
		close(fd);
		return error_set(err, GRPC_RESOURCE_EXHAUSTED, "out of memory"), GRPC_RESOURCE_EXHAUSTED;
	}
	ssize_t n;
	while ((n = read(fd, out->data, len)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n < 0 && errno == EIO) /* a terminal whose other side is closed */
		n = 0;
	if (n < 0)
		return error_set_errno(err, errno, "read"), GRPC_INTERNAL;
	if (n == 0)
		return error_set(err, GRPC_OUT_OF_RANGE, "EOF"), GRPC_OUT_OF_RANGE;
	out->len = (size_t)n;
	pb_bytes_out_buf(&resp->data, out);
	return 0;
}

static int read_stdout(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		       void *resp, struct error **err)
{
	(void)m; /* with a terminal, out is the terminal's master */
	return read_stream(ctx, rq, resp, OUT, err);
}

static int read_stderr(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		       void *resp, struct error **err)
{
	(void)m;
	return read_stream(ctx, rq, resp, ERR, err);
}

static void write_prepare(void *req, struct buf *scratch)
{
	pb_bytes_in(&((grpc_WriteStreamRequest *)req)->data, scratch);
}

static int write_stdin(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		       void *resp, struct error **err)
{
	const grpc_WriteStreamRequest *req = rq;
	grpc_WriteStreamResponse *out = resp;
	(void)ctx, (void)m;
	const struct buf *in = req->data.arg; /* write_prepare's */
	int code, fd = fd_of(req->container_id, req->exec_id, IN, &code, err);
	if (fd < 0)
		return code;
	size_t done = 0;
	while (in && done < in->len) {
		ssize_t n = write(fd, in->data + done, in->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return error_set_errno(err, errno, "write to stdin"), GRPC_FAILED_PRECONDITION;
		}
		done += (size_t)n;
	}
	close(fd);
	out->len = (uint32_t)done;
	return 0;
}

static int close_stdin(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		       void *resp, struct error **err)
{
	const grpc_CloseStdinRequest *req = rq;
	(void)ctx, (void)m, (void)resp;
	pthread_mutex_lock(&guest_lock);
	struct guest_proc *p = guest_proc_find(guest_container_find(req->container_id ? req->container_id : ""),
					       req->exec_id);
	int r = 0;
	if (!p) {
		r = guest_not_found(req->container_id, req->exec_id, err);
	} else if (p->pty >= 0) { /* end of input on a terminal: its EOF character */
		if (write(p->pty, "\004", 1) < 0)
			r = (error_set_errno(err, errno, "closing stdin"), GRPC_INTERNAL);
	} else if (p->in >= 0) {
		close(p->in);
		p->in = -1;
	}
	pthread_mutex_unlock(&guest_lock);
	return r;
}

static int tty_resize(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		      void *resp, struct error **err)
{
	const grpc_TtyWinResizeRequest *req = rq;
	(void)ctx, (void)m, (void)resp;
	int code, fd = fd_of(req->container_id, req->exec_id, PTY, &code, err);
	if (fd < 0)
		return code;
	struct winsize ws = { (unsigned short)req->row, (unsigned short)req->column, 0, 0 };
	int r = ioctl(fd, TIOCSWINSZ, &ws);
	close(fd);
	return r < 0 ? (error_set_errno(err, errno, "resizing the terminal"), GRPC_INTERNAL) : 0;
}

const struct rpc_handler guest_stdio_handlers[] = {
	{ RPC_AGENT(ReadStdout), read_stdout, NULL, false },
	{ RPC_AGENT(ReadStderr), read_stderr, NULL, false },
	{ RPC_AGENT(WriteStdin), write_stdin, write_prepare, false },
	{ RPC_AGENT(CloseStdin), close_stdin, NULL, true },
	{ RPC_AGENT(TtyWinResize), tty_resize, NULL, true },
};
const size_t guest_nstdio_handlers = sizeof(guest_stdio_handlers) / sizeof(guest_stdio_handlers[0]);
