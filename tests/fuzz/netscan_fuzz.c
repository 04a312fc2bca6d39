// fuzz-srcs: src/net/scan.c src/net/netlink.c src/util/buf.c src/util/error.c src/util/log.c src/json/writer.c src/util/alloc.c
/* libFuzzer target: the replies of a namespace's link, address, route and
 * neighbour dumps as the host reads them (net_scan_feed with each fixed
 * header size), then the endpoints, routes and neighbours picked. */
#include <stdint.h>
#include <stdlib.h>

#include "net/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t hdrs[] = { 16, 8, 12 }; /* ifinfomsg, ifaddrmsg, rtmsg/ndmsg */
	struct net_scan *sc = calloc(1, sizeof(*sc));
	struct net_sandbox *s = calloc(1, sizeof(*s));
	if (!sc || !s)
		goto out;
	for (size_t h = 0; h < sizeof(hdrs) / sizeof(hdrs[0]); h++) {
		size_t off = 0;
		struct nl_msg m;
		for (int i = 0; i < 1000 && nl_next(data, size, &off, hdrs[h], &m) == 0; i++)
			net_scan_feed(sc, &m);
	}
	net_scan_finish(sc, s, false);
out:
	free(sc);
	free(s);
	return 0;
}
