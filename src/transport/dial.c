/* An address as a connected stream. */
#include <string.h>

#include "transport/transport.h"

int transport_dial(const char *url, struct error **err)
{
	if (!strncmp(url, "vsock://", 8)) {
		uint32_t cid, port;
		if (vsock_parse(url, &cid, &port, err) < 0)
			return -1;
		return vsock_connect(cid, port, err);
	}
	const char *path = !strncmp(url, "unix://", 7) ? url + 7 : url;
	int fd = mux_proxy_dial(path, err);
	return fd != -2 ? fd : unix_connect(path, err);
}
