/* HTTP/2 frames (RFC 9113 §4, §6): constants and writers into a buffer. */
#ifndef HTTP2_FRAME_H
#define HTTP2_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN 24
#define H2_FRAME_HEADER_LEN 9
#define H2_DEFAULT_FRAME_SIZE 16384
#define H2_MAX_FRAME_SIZE_LIMIT 16777215
#define H2_DEFAULT_WINDOW 65535
#define H2_MAX_WINDOW 2147483647

enum h2_frame_type {
	H2_DATA = 0, H2_HEADERS = 1, H2_PRIORITY = 2, H2_RST_STREAM = 3, H2_SETTINGS = 4,
	H2_PUSH_PROMISE = 5, H2_PING = 6, H2_GOAWAY = 7, H2_WINDOW_UPDATE = 8,
	H2_CONTINUATION = 9,
};

enum h2_flag {
	H2_F_END_STREAM = 0x1, H2_F_ACK = 0x1, H2_F_END_HEADERS = 0x4, H2_F_PADDED = 0x8,
	H2_F_PRIORITY = 0x20,
};

enum h2_setting_id {
	H2_SET_HEADER_TABLE_SIZE = 1, H2_SET_ENABLE_PUSH = 2, H2_SET_MAX_CONCURRENT_STREAMS = 3,
	H2_SET_INITIAL_WINDOW_SIZE = 4, H2_SET_MAX_FRAME_SIZE = 5, H2_SET_MAX_HEADER_LIST_SIZE = 6,
};

enum h2_error_code {
	H2_NO_ERROR = 0, H2_PROTOCOL_ERROR = 1, H2_INTERNAL_ERROR = 2, H2_FLOW_CONTROL_ERROR = 3,
	H2_SETTINGS_TIMEOUT = 4, H2_STREAM_CLOSED = 5, H2_FRAME_SIZE_ERROR = 6,
	H2_REFUSED_STREAM = 7, H2_CANCEL = 8, H2_COMPRESSION_ERROR = 9, H2_CONNECT_ERROR = 10,
	H2_ENHANCE_YOUR_CALM = 11, H2_INADEQUATE_SECURITY = 12, H2_HTTP_1_1_REQUIRED = 13,
};

struct h2_frame_header {
	uint32_t length; /* 24 bits */
	uint8_t type;
	uint8_t flags;
	uint32_t stream_id; /* 31 bits; the reserved bit is dropped */
};

void h2_frame_header_parse(const uint8_t in[H2_FRAME_HEADER_LEN], struct h2_frame_header *h);
int h2_frame_header_put(struct buf *out, uint32_t length, uint8_t type, uint8_t flags,
			uint32_t stream_id);
int h2_put_u32(struct buf *out, uint32_t v);
uint32_t h2_get_u32(const uint8_t *p);

int h2_put_settings_ack(struct buf *out);
int h2_put_ping(struct buf *out, uint8_t flags, const uint8_t opaque[8]);
int h2_put_rst_stream(struct buf *out, uint32_t stream_id, uint32_t code);
int h2_put_window_update(struct buf *out, uint32_t stream_id, uint32_t increment);
int h2_put_goaway(struct buf *out, uint32_t last_stream_id, uint32_t code, const char *debug);
/* A header block as HEADERS plus CONTINUATION frames of at most max_frame bytes. */
int h2_put_header_block(struct buf *out, uint32_t stream_id, const uint8_t *block, size_t len,
			int end_stream, uint32_t max_frame);

const char *h2_error_name(uint32_t code);

#endif
