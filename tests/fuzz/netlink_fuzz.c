// fuzz-srcs: src/net/netlink.c src/util/buf.c src/util/error.c src/util/alloc.c
/* libFuzzer target: a netlink reply, walked message by message with each
 * fixed header size the agent expects, every attribute looked up. */
#include <stdint.h>

#include "net/netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t hdrs[] = { 0, 8, 12, 16 }; /* ack, ifaddrmsg/rtmsg, ndmsg, ifinfomsg */
	for (size_t h = 0; h < sizeof(hdrs) / sizeof(hdrs[0]); h++) {
		size_t off = 0;
		struct nl_msg m;
		for (int i = 0; i < 1000 && nl_next(data, size, &off, hdrs[h], &m) == 0; i++)
			for (uint16_t t = 0; t < 16; t++) {
				size_t n;
				const uint8_t *a = nl_find(m.attrs, m.attrs_len, t, &n);
				if (a && n) /* reads of the payload stay inside the input */
					(void)(volatile uint8_t)a[n - 1];
			}
	}
	return 0;
}
