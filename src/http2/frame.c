#include "http2/frame.h"

void h2_frame_header_parse(const uint8_t in[H2_FRAME_HEADER_LEN], struct h2_frame_header *h)
{
	h->length = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
	h->type = in[3];
	h->flags = in[4];
	h->stream_id = h2_get_u32(in + 5) & 0x7fffffffu;
}

uint32_t h2_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int h2_put_u32(struct buf *out, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	return buf_append(out, b, 4);
}

int h2_frame_header_put(struct buf *out, uint32_t length, uint8_t type, uint8_t flags,
			uint32_t stream_id)
{
	uint8_t b[5] = { (uint8_t)(length >> 16), (uint8_t)(length >> 8), (uint8_t)length, type,
			 flags };
	if (buf_append(out, b, 5) < 0)
		return -1;
	return h2_put_u32(out, stream_id & 0x7fffffffu);
}

int h2_put_settings_ack(struct buf *out)
{
	return h2_frame_header_put(out, 0, H2_SETTINGS, H2_F_ACK, 0);
}

int h2_put_ping(struct buf *out, uint8_t flags, const uint8_t opaque[8])
{
	if (h2_frame_header_put(out, 8, H2_PING, flags, 0) < 0)
		return -1;
	return buf_append(out, opaque, 8);
}

int h2_put_rst_stream(struct buf *out, uint32_t stream_id, uint32_t code)
{
	if (h2_frame_header_put(out, 4, H2_RST_STREAM, 0, stream_id) < 0)
		return -1;
	return h2_put_u32(out, code);
}

int h2_put_window_update(struct buf *out, uint32_t stream_id, uint32_t increment)
{
	if (h2_frame_header_put(out, 4, H2_WINDOW_UPDATE, 0, stream_id) < 0)
		return -1;
	return h2_put_u32(out, increment & 0x7fffffffu);
}

int h2_put_goaway(struct buf *out, uint32_t last_stream_id, uint32_t code, const char *debug)
{
	size_t n = 0;
	while (debug && debug[n] && n < 256)
		n++;
	if (h2_frame_header_put(out, (uint32_t)(8 + n), H2_GOAWAY, 0, 0) < 0 ||
	    h2_put_u32(out, last_stream_id & 0x7fffffffu) < 0 || h2_put_u32(out, code) < 0)
		return -1;
	return buf_append(out, debug, n);
}

int h2_put_header_block(struct buf *out, uint32_t stream_id, const uint8_t *block, size_t len,
			int end_stream, uint32_t max_frame)
{
	uint8_t type = H2_HEADERS;
	size_t off = 0;

	do {
		size_t n = len - off > max_frame ? max_frame : len - off;
		uint8_t flags = (uint8_t)(off + n == len ? H2_F_END_HEADERS : 0);
		if (type == H2_HEADERS && end_stream)
			flags |= H2_F_END_STREAM;
		if (h2_frame_header_put(out, (uint32_t)n, type, flags, stream_id) < 0 ||
		    buf_append(out, block + off, n) < 0)
			return -1;
		off += n;
		type = H2_CONTINUATION;
	} while (off < len);
	return 0;
}

const char *h2_error_name(uint32_t code)
{
	static const char *const names[] = {
		"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
		"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM",
		"CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
		"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
	};
	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "UNKNOWN_ERROR";
}
