/* vsock without a vsock transport (none on these machines): the parts that
 * are not syscalls, and the errors the syscalls give here. */
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "transport/transport.h"
#include "util/error.h"

TEST(vsock_parse_addresses)
{
	uint32_t cid = 0, port = 0;
	struct error *err = NULL;

	CHECK(vsock_parse("vsock://3:1024", &cid, &port, NULL) == 0 && cid == 3 && port == 1024);
	CHECK(vsock_parse("4294967294:1", &cid, &port, NULL) == 0 && cid == 4294967294u);
	CHECK(vsock_parse("vsock://3:4294967295", &cid, &port, NULL) == 0 && port == UINT32_MAX);
	static const char *bad[] = { "vsock://3", "vsock://:1024", "vsock://3:", "vsock://x:1",
				     "vsock://3:1024x", "vsock://-1:2", "vsock://3:4294967296",
				     "vsock://99999999999:1", "unix:///x", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(vsock_parse(bad[i], &cid, &port, &err) < 0);
		CHECK_CONTAINS(err ? err->msg : NULL, "not a vsock address");
		error_free(err);
		err = NULL;
	}
	CHECK(vsock_parse("vsock://4294967295:1", &cid, &port, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "no VM has CID 4294967295");
	error_free(err);
}

TEST(vsock_sockaddr_layout)
{
	struct vsock_sockaddr sa;
	const unsigned char *b = (const unsigned char *)&sa;

	CHECK(sizeof(sa) == sizeof(struct sockaddr)); /* the kernel's struct sockaddr_vm */
	CHECK(offsetof(struct vsock_sockaddr, port) == 4);
	CHECK(offsetof(struct vsock_sockaddr, cid) == 8);
	vsock_addr(&sa, 0x01020304, 1024);
	CHECK(sa.family == 40 && sa.port == 1024 && sa.cid == 0x01020304);
	CHECK(b[2] == 0 && b[3] == 0 && b[12] == 0 && b[15] == 0);
}

TEST(vsock_errors_name_the_address)
{
	struct error *err = NULL;

	/* No VM with CID 3 answers here: connect fails, naming the address. */
	int fd = vsock_connect(3, 1024, &err);
	CHECK(fd < 0);
	if (fd >= 0)
		close(fd);
	CHECK_CONTAINS(err ? err->msg : NULL, "vsock://3:1024");
	error_free(err);
}
