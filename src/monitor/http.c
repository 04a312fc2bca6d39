/* HTTP/1.1 answers for the metrics endpoints (see http.h). */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include "monitor/http.h"
#include "transport/transport.h"
#include "util/error.h"

void mon_http_answer(int fd, int code, const char *reason, const char *type,
		     const struct buf *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, reason, type,
			 body ? body->len : 0);
	long until = io_now_ms() + 2000;
	if (io_write_all(fd, head, (size_t)n, until, NULL) == 0 && body && body->len)
		io_write_all(fd, body->data, body->len, until, NULL);
}

int mon_http_request(int fd, struct http1_req *r, int ms)
{
	struct error *err = NULL;
	char in[4096];
	long until = io_now_ms() + ms;
	int rc = 0;
	size_t used;
	http1_req_init(r);
	while (rc == 0) {
		ssize_t n = io_read_some(fd, in, sizeof(in), until, NULL);
		if (n <= 0)
			return 0;
		rc = http1_req_feed(r, in, (size_t)n, &used, &err);
	}
	if (rc > 0)
		return 1;
	struct buf b = BUF_INIT(4096);
	buf_printf(&b, "%s\n", err->msg);
	bool big = err->code == E2BIG, body = err->code == ENOTSUP;
	mon_http_answer(fd, big ? 431 : body ? 501 : 400,
			big ? "Request Header Fields Too Large" : body ? "Not Implemented" : "Bad Request",
			"text/plain", &b);
	/* what the client still sends is read (a while) and dropped: closed
	 * with it unread, the answer would be reset */
	shutdown(fd, SHUT_WR);
	for (long end = io_now_ms() + 500; io_read_some(fd, in, sizeof(in), end, NULL) > 0;)
		;
	buf_free(&b);
	error_free(err);
	return -1;
}
