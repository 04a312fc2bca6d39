/* Large bytes fields as nanopb callbacks (see proto/ukata.options). */
#ifndef RPC_PBBYTES_H
#define RPC_PBBYTES_H

#include <pb.h>
#include <stddef.h>

#include "util/buf.h"

struct pb_bytes_view {
	const void *data;
	size_t len;
};

/* Encode the field from view (which must outlive the encode). */
void pb_bytes_out(pb_callback_t *cb, struct pb_bytes_view *view);
/* Encode the field from src's bytes (src must outlive the encode). */
void pb_bytes_out_buf(pb_callback_t *cb, struct buf *src);
/* Decode the field by appending it to dst (bounded by dst->max). */
void pb_bytes_in(pb_callback_t *cb, struct buf *dst);

#endif
