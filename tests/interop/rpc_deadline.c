/* The server's side of deadlines: a raw HTTP/2 client sends WaitProcess with
 * grpc-timeout 200m and waits with no deadline of its own; the server must
 * answer DEADLINE_EXCEEDED itself when it expires, not when the handler
 * (which sleeps 1.5 s) returns. usage: rpc-deadline SOCKET; prints the
 * status and the message. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "grpc/grpc.h"
#include "http2/conn.h"
#include "transport/transport.h"
#include "util/error.h"

static int status = -1;
static struct buf message = BUF_INIT(4096);
static bool closed;

static int on_headers(void *ud, uint32_t id, const struct hpack_field *f, size_t n, bool end)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].nlen == 11 && !memcmp(f[i].name, "grpc-status", 11))
			status = grpc_status_parse(f[i].value, f[i].vlen);
		else if (f[i].nlen == 12 && !memcmp(f[i].name, "grpc-message", 12))
			grpc_percent_decode(&message, f[i].value, f[i].vlen);
	return 0;
}

static void on_close(void *ud, uint32_t id, uint32_t code)
{
	closed = true;
}

int main(int argc, char **argv)
{
	static const struct h2_callbacks cb = { on_headers, NULL, on_close, NULL, NULL };
	static const struct hpack_field h[] = {
		{ ":method", 7, "POST", 4 },	   { ":scheme", 7, "http", 4 },
		{ ":path", 5, "/grpc.AgentService/WaitProcess", 30 },
		{ ":authority", 10, "x", 1 },	   { "content-type", 12, "application/grpc", 16 },
		{ "te", 2, "trailers", 8 },	   { "grpc-timeout", 12, "200m", 4 },
	};
	static const uint8_t empty_msg[5] = { 0 };
	struct error *err = NULL;
	struct h2_conn c;
	uint8_t in[16384];
	int fd = argc > 1 ? unix_connect(argv[1], &err) : -1;

	if (fd < 0 || h2_conn_init(&c, H2_CLIENT, NULL, &cb, NULL) < 0) {
		fprintf(stderr, "rpc-deadline: %s\n", err ? err->msg : "usage: rpc-deadline SOCKET");
		return 2;
	}
	uint32_t id = h2_send_headers(&c, 0, h, sizeof(h) / sizeof(h[0]), false);
	h2_send_data(&c, id, empty_msg, sizeof(empty_msg), true);
	while (!closed) {
		if (io_write_all(fd, c.out.data, c.out.len, 0, &err) < 0)
			break;
		h2_conn_sent(&c, c.out.len);
		ssize_t n = io_read_some(fd, in, sizeof(in), io_now_ms() + 10000, &err);
		if (n <= 0 || h2_conn_recv(&c, in, (size_t)n) < 0)
			break;
	}
	printf("%d %.*s\n", status, (int)message.len, message.data ? message.data : "");
	h2_conn_free(&c);
	close(fd);
	return 0;
}
