/* ttrpc end to end: our server (rpc_server_ttrpc) and client (ttrpc_call).
 *   ttrpc-tool                 our client and server, and raw frames
 *                              against our server; "ttrpc: N passed, N failed"
 *   ttrpc-tool serve SOCKET    serve ukata.test.Echo (for a Go peer)
 *   ttrpc-tool connect SOCKET  the client checks against a ukata.test.Echo
 *   ttrpc-tool closeio SOCKET ID
 *                              containerd's CloseIO (stdin) of task ID to
 *                              the shim v2 at SOCKET (unix:// or a path)
 *   ttrpc-tool update SOCKET ID JSON
 *                              Update of task ID with LinuxResources JSON
 * ukata.test.Echo: Echo(KeyValue) answers {"echo:" key, value}; Fail
 * answers NOT_FOUND "no such thing: KEY"; Sleep sleeps KEY ms, then echoes. */
#include <errno.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grpc/grpc.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "transport/transport.h"
#include "shim.pb.h"
#include "ttrpc.pb.h"
#include "ttrpc/ttrpc.h"
#include "util/error.h"

static int passed, failed;

static void check(const char *name, bool ok, const char *detail)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL %s %s\n", name, detail ? detail : "");
	}
}

#define KV(name) { "/ukata.test.Echo/" name, ttrpc_KeyValue_fields, ttrpc_KeyValue_fields, \
		   sizeof(ttrpc_KeyValue), sizeof(ttrpc_KeyValue) }
static const struct rpc_method m_echo = KV("Echo"), m_fail = KV("Fail"), m_sleep = KV("Sleep"),
				m_none = KV("Nothing");

static int echo(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		struct error **err)
{
	const ttrpc_KeyValue *q = req;
	ttrpc_KeyValue *r = resp;
	(void)ctx, (void)m, (void)err;
	if (asprintf(&r->key, "echo:%s", q->key ? q->key : "") < 0)
		r->key = NULL;
	r->value = q->value ? strdup(q->value) : NULL;
	return 0;
}

static int fail(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		struct error **err)
{
	const ttrpc_KeyValue *q = req;
	(void)ctx, (void)m, (void)resp;
	error_set(err, ENOENT, "no such thing: %s", q->key ? q->key : "");
	return GRPC_NOT_FOUND;
}

static int nap(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
	       struct error **err)
{
	const ttrpc_KeyValue *q = req;
	usleep((useconds_t)atoi(q->key ? q->key : "0") * 1000);
	return echo(ctx, m, req, resp, err);
}

static const struct rpc_handler handlers[] = {
	{ &m_echo, echo, NULL, false }, { &m_fail, fail, NULL, false }, { &m_sleep, nap, NULL, false },
};

static struct rpc_server *serve(const char *path)
{
	struct error *err = NULL;
	struct rpc_server *s = rpc_server_new(handlers, 3, NULL, &err);
	if (s) {
		rpc_server_ttrpc(s);
		if (rpc_server_listen_unix(s, path, &err) < 0) {
			rpc_server_stop(s);
			s = NULL;
		}
	}
	if (!s)
		fprintf(stderr, "serve %s: %s\n", path, err ? err->msg : "?");
	error_free(err);
	return s;
}

static int call(struct ttrpc_client *c, const struct rpc_method *m, const char *key,
		const char *value, int timeout_ms, ttrpc_KeyValue *out, struct error **err)
{
	ttrpc_KeyValue q = { (char *)key, (char *)value };
	memset(out, 0, sizeof(*out));
	return ttrpc_call(c, m, &q, out, timeout_ms, err);
}

/* Our client against a server of ukata.test.Echo. */
static void client_checks(const char *path)
{
	struct ttrpc_client c;
	struct error *err = NULL;
	ttrpc_KeyValue r;
	if (ttrpc_client_connect_unix(&c, path, &err) < 0) {
		check("connect", false, err->msg);
		error_free(err);
		return;
	}
	int rc = call(&c, &m_echo, "hi", "there", 5000, &r, &err);
	check("echo", rc == 0 && r.key && !strcmp(r.key, "echo:hi") && r.value &&
			      !strcmp(r.value, "there"), err ? err->msg : r.key);
	pb_release(ttrpc_KeyValue_fields, &r);
	error_free(err), err = NULL;
	rc = call(&c, &m_fail, "x", NULL, 5000, &r, &err);
	check("an error status", rc == GRPC_NOT_FOUND && err && !strcmp(err->msg, "no such thing: x"),
	      err ? err->msg : "no error");
	error_free(err), err = NULL;
	rc = call(&c, &m_none, "x", NULL, 5000, &r, &err);
	check("an unknown method", rc == GRPC_UNIMPLEMENTED, err ? err->msg : "no error");
	error_free(err), err = NULL;
	/* A payload over 64 KiB (nanopb's pointer fields stop there). */
	char *big = malloc(60001), *big2 = malloc(60001);
	memset(big, 'k', 60000), memset(big2, 'v', 60000);
	big[60000] = big2[60000] = 0;
	rc = call(&c, &m_echo, big, big2, 5000, &r, &err);
	check("a 120 KB message", rc == 0 && r.key && strlen(r.key) == 60005 && r.value &&
					  !strcmp(r.value, big2), err ? err->msg : NULL);
	pb_release(ttrpc_KeyValue_fields, &r);
	free(big), free(big2);
	error_free(err), err = NULL;
	/* A call past its timeout fails, by the server's deadline (it has the
	 * timeout) or ours; a late answer is dropped. */
	rc = call(&c, &m_sleep, "600", NULL, 100, &r, &err);
	check("a timeout", (rc == -1 && err && err->code == ETIMEDOUT) || rc == GRPC_DEADLINE_EXCEEDED,
	      err ? err->msg : "answered");
	error_free(err), err = NULL;
	rc = call(&c, &m_echo, "after", NULL, 5000, &r, &err);
	check("the call after a timeout", rc == 0 && r.key && !strcmp(r.key, "echo:after"),
	      err ? err->msg : r.key);
	pb_release(ttrpc_KeyValue_fields, &r);
	error_free(err);
	ttrpc_client_close(&c);
}

/* ---------------------------------------------------------------- raw */

static int raw_request(struct buf *out, uint32_t id, const char *method, const char *key)
{
	uint8_t payload[256], msg[512];
	ttrpc_KeyValue kv = { (char *)key, NULL };
	pb_ostream_t ps = pb_ostream_from_buffer(payload, sizeof(payload));
	if (!pb_encode(&ps, ttrpc_KeyValue_fields, &kv))
		return -1;
	struct pb_bytes_view v = { payload, ps.bytes_written };
	ttrpc_Request q = { "ukata.test.Echo", (char *)method, { { NULL }, NULL }, 0, 0, NULL };
	pb_bytes_out(&q.payload, &v);
	pb_ostream_t os = pb_ostream_from_buffer(msg, sizeof(msg));
	if (!pb_encode(&os, ttrpc_Request_fields, &q))
		return -1;
	return ttrpc_put(out, id, TTRPC_REQUEST, 0, msg, os.bytes_written);
}

struct seen {
	struct buf log;
};

static int log_response(void *ud, const struct ttrpc_header *h, const uint8_t *d, size_t len)
{
	struct seen *s = ud;
	ttrpc_Response r = ttrpc_Response_init_zero;
	pb_istream_t is = pb_istream_from_buffer(d, len);
	if (h->type != TTRPC_RESPONSE || !pb_decode(&is, ttrpc_Response_fields, &r))
		return buf_printf(&s->log, "[%u:bad]", h->stream), 0;
	buf_printf(&s->log, "[%u:%d]", h->stream, r.has_status ? r.status.code : 0);
	pb_release(ttrpc_Response_fields, &r);
	return 0;
}

/* Read responses until n of them came (or 5 s passed). */
static void read_responses(int fd, struct seen *s, int n)
{
	struct ttrpc_reader rd;
	uint8_t b[4096];
	long until = io_now_ms() + 5000;
	ttrpc_reader_init(&rd, 0);
	for (int got = 0; got < n;) {
		ssize_t k = io_read_some(fd, b, sizeof(b), until, NULL);
		if (k <= 0)
			break;
		size_t before = s->log.len;
		ttrpc_reader_feed(&rd, b, (size_t)k, log_response, s);
		for (size_t i = before; i < s->log.len; i++)
			got += s->log.data[i] == '[';
	}
	ttrpc_reader_free(&rd);
}

/* What a peer may send that it should not: each gets its error on its
 * stream, and the connection goes on. */
static void raw_checks(const char *path)
{
	struct seen s = { BUF_INIT(0) };
	struct buf out = BUF_INIT(0);
	int fd = unix_connect(path, NULL);
	if (fd < 0)
		return check("raw connect", false, path);
	raw_request(&out, 1, "Sleep", "300");	/* answered last */
	raw_request(&out, 2, "Echo", "even"); /* INVALID_ARGUMENT */
	ttrpc_put(&out, 5, TTRPC_REQUEST, 0, "\xff\xff\xff", 3); /* undecodable */
	ttrpc_put(&out, 7, 9, 0, "future", 6);		       /* an unknown type: ignored */
	raw_request(&out, 9, "Nothing", "x");		       /* UNIMPLEMENTED */
	/* a message over 4 MiB: skipped, RESOURCE_EXHAUSTED */
	uint8_t hdr[TTRPC_HEADER_SIZE];
	ttrpc_header_put(hdr, &(struct ttrpc_header){ TTRPC_MAX_DATA + 1, 11, TTRPC_REQUEST, 0 });
	buf_append(&out, hdr, sizeof(hdr));
	char *junk = calloc(1, TTRPC_MAX_DATA + 1);
	buf_append(&out, junk, TTRPC_MAX_DATA + 1);
	free(junk);
	raw_request(&out, 13, "Echo", "ok");
	if (io_write_all(fd, out.data, out.len, io_now_ms() + 10000, NULL) < 0)
		check("raw write", false, NULL);
	read_responses(fd, &s, 6);
	check("raw: errors on their streams, in order, the long call last",
	      s.log.data && !strcmp(s.log.data, "[2:3][5:3][9:12][11:8][13:0][1:0]"), s.log.data);
	close(fd);
	buf_free(&out);
	buf_free(&s.log);
}

#define TASK(name, rq) { "/containerd.task.v2.Task/" name, containerd_task_v2_##rq##_fields, \
			  google_protobuf_Empty_fields, sizeof(containerd_task_v2_##rq), \
			  sizeof(google_protobuf_Empty) }

/* One call of the shim v2's Task service, as containerd makes it; 0 when
 * the shim answered OK. */
static int task_call(const char *sock, const struct rpc_method *m, const void *q)
{
	google_protobuf_Empty r;
	struct ttrpc_client c;
	struct error *err = NULL;
	if (!strncmp(sock, "unix://", 7))
		sock += 7;
	if (ttrpc_client_connect_unix(&c, sock, &err) < 0 || ttrpc_call(&c, m, q, &r, 10000, &err) != 0) {
		fprintf(stderr, "%s: %s\n", m->path, err ? err->msg : "failed");
		return 1;
	}
	ttrpc_client_close(&c);
	return 0;
}

static int close_io(const char *sock, const char *id)
{
	static const struct rpc_method m = TASK("CloseIO", CloseIORequest);
	containerd_task_v2_CloseIORequest q = { (char *)id, (char *)"", true };
	return task_call(sock, &m, &q);
}

/* LinuxResources as containerd's typeurl has them: JSON in the Any. */
static int update(const char *sock, const char *id, const char *json)
{
	static const struct rpc_method m = TASK("Update", UpdateTaskRequest);
	size_t n = strlen(json);
	pb_bytes_array_t *v = malloc(PB_BYTES_ARRAY_T_ALLOCSIZE(n));
	if (!v)
		return 1;
	v->size = (pb_size_t)n;
	memcpy(v->bytes, json, n);
	containerd_task_v2_UpdateTaskRequest q = {
		(char *)id, true,
		{ (char *)"types.containerd.io/opencontainers/runtime-spec/1/LinuxResources", v }
	};
	int r = task_call(sock, &m, &q);
	free(v);
	return r;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && !strcmp(argv[1], "serve")) {
		struct rpc_server *s = serve(argv[2]);
		if (!s)
			return 1;
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		int sig;
		sigwait(&set, &sig);
		rpc_server_stop(s);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "closeio"))
		return close_io(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "update"))
		return update(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "connect")) {
		client_checks(argv[2]);
	} else if (argc == 1) {
		char path[64];
		snprintf(path, sizeof(path), "/tmp/ukata-ttrpc-%d.sock", (int)getpid());
		struct rpc_server *s = serve(path);
		if (!s)
			return 1;
		client_checks(path);
		raw_checks(path);
		rpc_server_stop(s);
	} else {
		fprintf(stderr, "usage: ttrpc-tool [serve SOCKET | connect SOCKET | closeio SOCKET ID | update SOCKET ID JSON]\n");
		return 2;
	}
	printf("ttrpc: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
