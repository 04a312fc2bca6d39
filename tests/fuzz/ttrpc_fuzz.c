// fuzz-srcs: src/rpc/server_ttrpc.c src/rpc/server.c src/rpc/server_work.c src/rpc/pbbytes.c src/ttrpc/frame.c src/grpc/message.c src/grpc/status.c src/http2/conn.c src/http2/conn_stream.c src/http2/frame.c src/http2/hpack.c src/http2/hpack_huffman.c src/transport/io.c src/transport/unix.c src/util/buf.c src/util/error.c src/trace/span.c src/trace/tracer.c src/trace/export.c src/json/writer.c src/util/fs.c src/util/alloc.c src/util/log.c @GEN@/ttrpc.pb.c @NANOPB@
/* libFuzzer target: the ttrpc server's wire (rpc/server_ttrpc.c) on bytes
 * from a peer, split anywhere: framing, the request message, the lookup
 * of its method, a handler run (quick, on this thread) and its response.
 * Every response queued must be a whole ttrpc response that decodes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>

#include "fuzz.h"
#include "rpc/server_internal.h"
#include "ttrpc.pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rpc_method m_echo = { "/ukata.test.Echo/Echo", ttrpc_KeyValue_fields,
					  ttrpc_KeyValue_fields, sizeof(ttrpc_KeyValue),
					  sizeof(ttrpc_KeyValue) };

static int echo(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		struct error **err)
{
	const ttrpc_KeyValue *q = req;
	ttrpc_KeyValue *r = resp;
	(void)ctx, (void)m, (void)err;
	r->key = q->key ? strdup(q->key) : NULL;
	return q->value && q->value[0] == '!' ? GRPC_NOT_FOUND : 0;
}

static const struct rpc_handler handlers[] = { { &m_echo, echo, NULL, true } };

static int check_response(void *ud, const struct ttrpc_header *h, const uint8_t *d, size_t len)
{
	ttrpc_Response r = ttrpc_Response_init_zero;
	pb_istream_t is = pb_istream_from_buffer(d, len);
	(void)ud;
	FUZZ_CHECK(h->type == TTRPC_RESPONSE && d);
	FUZZ_CHECK(pb_decode(&is, ttrpc_Response_fields, &r));
	pb_release(ttrpc_Response_fields, &r);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rpc_server *srv;
	if (!srv) {
		srv = rpc_server_new(handlers, 1, NULL, NULL);
		if (!srv)
			return 0;
		rpc_server_ttrpc(srv);
	}
	struct sconn c = { .srv = srv, .ttrpc = true, .tt_out = BUF_INIT(0) };
	size_t chunk = size ? 1 + data[0] % 13 : 1;
	ttrpc_reader_init(&c.tt_in, 2048); /* small: the over-the-limit path too */
	for (size_t off = 0; off < size && !c.tt_dead; off += chunk) {
		srv_tt_recv(&c, data + off, size - off < chunk ? size - off : chunk);
		srv_tt_send_results(&c);
	}
	struct ttrpc_reader rd;
	ttrpc_reader_init(&rd, 0);
	ttrpc_reader_feed(&rd, (const uint8_t *)c.tt_out.data, c.tt_out.len, check_response, NULL);
	FUZZ_CHECK(ttrpc_reader_idle(&rd));
	ttrpc_reader_free(&rd);
	while (c.calls)
		srv_forget(&c, c.calls->id);
	ttrpc_reader_free(&c.tt_in);
	buf_free(&c.tt_out);
	return 0;
}
