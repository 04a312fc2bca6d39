#include "https/client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "https/resp.h"
#include "util/error.h"

static const char *const system_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Alpine */
	"/etc/pki/tls/certs/ca-bundle.crt",   /* Fedora, RHEL */
	"/etc/ssl/cert.pem",
};

struct io {
	int fd;
	long long deadline;
	int timed_out;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when fd is ready for ev before the deadline; 0 (timed_out set) when not. */
static int wait_fd(struct io *io, short ev)
{
	for (;;) {
		long long left = io->deadline - now_ms();
		struct pollfd p = { io->fd, ev, 0 };
		if (left <= 0) {
			io->timed_out = 1;
			return 0;
		}
		int r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (r > 0 || (r < 0 && errno != EINTR))
			return 1;
	}
}

static int io_send(void *ctx, const unsigned char *b, size_t n)
{
	struct io *io = ctx;
	if (!wait_fd(io, POLLOUT))
		return MBEDTLS_ERR_SSL_TIMEOUT;
	ssize_t w = send(io->fd, b, n, MSG_NOSIGNAL);
	if (w >= 0)
		return (int)w;
	if (errno == EINTR || errno == EAGAIN)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
						     : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int io_recv(void *ctx, unsigned char *b, size_t n)
{
	struct io *io = ctx;
	if (!wait_fd(io, POLLIN))
		return MBEDTLS_ERR_SSL_TIMEOUT;
	ssize_t r = recv(io->fd, b, n, 0);
	if (r >= 0)
		return (int)r;
	if (errno == EINTR || errno == EAGAIN)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

int https_url_split(const char *url, char *host, size_t hsize, char *port, size_t psize,
		    char *path, size_t pathsize, struct error **err)
{
	if (strncmp(url, "https://", 8))
		return error_set(err, EINVAL, "%s: not an https:// URL", url);
	const char *h = url + 8, *end = h + strcspn(h, "/?#"), *colon = NULL;
	const char *hend = end;
	if (*h == '[') { /* an IPv6 literal */
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (!rb)
			return error_set(err, EINVAL, "%s: unterminated [ in the host", url);
		colon = rb[1] == ':' ? rb + 1 : NULL;
		h++, hend = rb;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		if (colon)
			hend = colon;
	}
	if (memchr(h, '@', (size_t)(end - h)))
		return error_set(err, EINVAL, "%s: credentials in the URL are not supported", url);
	size_t hl = (size_t)(hend - h), pl = colon ? (size_t)(end - colon - 1) : 3;
	if (!hl || hl >= hsize)
		return error_set(err, EINVAL, "%s: bad host", url);
	if (colon && (!pl || pl >= psize || pl > 5 || strspn(colon + 1, "0123456789") < pl))
		return error_set(err, EINVAL, "%s: bad port", url);
	if (strlen(*end == '/' ? end : "/") >= pathsize)
		return error_set(err, EINVAL, "%s: path too long", url);
	memcpy(host, h, hl);
	host[hl] = 0;
	snprintf(port, psize, "%.*s", (int)pl, colon ? colon + 1 : "443");
	snprintf(path, pathsize, "%s", *end == '/' ? end : "/");
	if (strpbrk(path, " \r\n") || strpbrk(host, " \r\n/"))
		return error_set(err, EINVAL, "%s: spaces or line breaks in the URL", url);
	return 0;
}

static int connect_one(const struct addrinfo *a, struct io *io)
{
	int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			a->ai_protocol);
	if (fd < 0)
		return -1;
	io->fd = fd;
	if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
		int e = 0;
		socklen_t el = sizeof(e);
		if (errno != EINPROGRESS || !wait_fd(io, POLLOUT) ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e) {
			close(fd);
			errno = io->timed_out ? ETIMEDOUT : e ? e : errno;
			return -1;
		}
	}
	return fd;
}

static int dial(const char *host, const char *port, struct io *io, struct error **err)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	hints.ai_socktype = SOCK_STREAM;
	int r = getaddrinfo(host, port, &hints, &res);
	if (r)
		return error_set(err, EHOSTUNREACH, "resolving %s: %s", host,
				 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	int fd = -1, e = ECONNREFUSED;
	for (struct addrinfo *a = res; a && fd < 0 && !io->timed_out; a = a->ai_next)
		if ((fd = connect_one(a, io)) < 0)
			e = errno;
	freeaddrinfo(res);
	if (fd < 0)
		return error_set_errno(err, e, "connecting to %s port %s", host, port);
	return 0;
}

struct tls {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
};

static void tls_free(struct tls *t)
{
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
}

static int load_ca(struct tls *t, const char *file, struct error **err)
{
	const char *env = getenv("SSL_CERT_FILE");
	if (!file || !*file)
		file = env && *env ? env : NULL;
	for (size_t i = 0; !file && i < sizeof(system_bundles) / sizeof(*system_bundles); i++)
		if (access(system_bundles[i], R_OK) == 0)
			file = system_bundles[i];
	if (!file)
		return error_set(err, ENOENT, "no system CA bundle (%s): set a CA file",
				 system_bundles[0]);
	int r = mbedtls_x509_crt_parse_file(&t->ca, file);
	if (r < 0 || t->ca.version == 0) /* r > 0: some certificates were skipped */
		return error_set(err, EINVAL, "CA file %s: no certificate could be read (-0x%04x)",
				 file, (unsigned)-r);
	return 0;
}

static int tls_setup(struct tls *t, const struct https_get *g, const char *host, struct io *io,
		     struct error **err)
{
	static const char pers[] = "ukata-https";
	mbedtls_ssl_init(&t->ssl);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_entropy_init(&t->entropy);
	if (load_ca(t, g->ca_file, err) < 0)
		return -1;
	if (mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
				  (const unsigned char *)pers, sizeof(pers) - 1) ||
	    mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT))
		return error_set(err, EIO, "TLS: setting up the random generator or defaults");
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
	if (mbedtls_ssl_setup(&t->ssl, &t->conf) || mbedtls_ssl_set_hostname(&t->ssl, host))
		return error_set(err, EIO, "TLS: setting up the session for %s", host);
	mbedtls_ssl_set_bio(&t->ssl, io, io_send, io_recv, NULL);
	return 0;
}

/* What an mbedtls error means, for the few a user meets. */
static const char *tls_reason(int r)
{
	switch (r) {
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: return "the server sent a fatal alert";
	case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE: return "no cipher suite in common";
	case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION: return "no TLS version in common";
	case MBEDTLS_ERR_SSL_INVALID_RECORD: return "not a TLS record (is the server TLS?)";
	case MBEDTLS_ERR_SSL_CONN_EOF:
	case MBEDTLS_ERR_NET_CONN_RESET: return "the server closed the connection";
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED: return "socket error";
	default: return "TLS error";
	}
}

static int tls_fail(struct tls *t, struct io *io, int r, const char *during, int timeout_ms,
		    struct error **err)
{
	if (io->timed_out || r == MBEDTLS_ERR_SSL_TIMEOUT)
		return error_set(err, ETIMEDOUT, "no answer within %d ms (%s)", timeout_ms, during);
	if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		char info[512], *p;
		mbedtls_x509_crt_verify_info(info, sizeof(info), "",
					     mbedtls_ssl_get_verify_result(&t->ssl));
		while ((p = strrchr(info, '\n')) && !p[1])
			*p = 0;
		while ((p = strchr(info, '\n')))
			*p = ';';
		return error_set(err, EPERM, "the server's certificate was refused: %s", info);
	}
	return error_set(err, EPROTO, "%s: %s (-0x%04x)", during, tls_reason(r), (unsigned)-r);
}

static int exchange(struct tls *t, struct io *io, const struct https_get *g, const char *req,
		    struct http1_resp *resp, struct error **err)
{
	int r;
	while ((r = mbedtls_ssl_handshake(&t->ssl)) != 0)
		if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE)
			return tls_fail(t, io, r, "TLS handshake", g->timeout_ms, err);
	for (size_t off = 0, n = strlen(req); off < n;) {
		r = mbedtls_ssl_write(&t->ssl, (const unsigned char *)req + off, n - off);
		if (r > 0)
			off += (size_t)r;
		else if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE)
			return tls_fail(t, io, r, "sending the request", g->timeout_ms, err);
	}
	unsigned char b[4096];
	for (;;) {
		r = mbedtls_ssl_read(&t->ssl, b, sizeof(b));
		if (r > 0) {
			int done = http1_resp_feed(resp, (const char *)b, (size_t)r, err);
			if (done)
				return done < 0 ? -1 : 0;
		} else if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
			   r == MBEDTLS_ERR_SSL_CONN_EOF || r == MBEDTLS_ERR_NET_CONN_RESET) {
			return http1_resp_eof(resp, err);
		} else if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) {
			return tls_fail(t, io, r, "reading the response", g->timeout_ms, err);
		}
	}
}

int https_get(const struct https_get *g, int *status, struct buf *body, struct error **err)
{
	char host[256], port[8], path[2048], req[2600];
	struct io io = { -1, now_ms() + g->timeout_ms, 0 };
	struct http1_resp *resp;
	struct tls t;

	if (https_url_split(g->url, host, sizeof(host), port, sizeof(port), path, sizeof(path),
			    err) < 0)
		return -1;
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: %s%s%s\r\nUser-Agent: %s\r\n"
		 "Accept: application/json\r\nConnection: close\r\n\r\n",
		 path, host, strcmp(port, "443") ? ":" : "", strcmp(port, "443") ? port : "",
		 g->user_agent ? g->user_agent : "ukata");
	if (!(resp = malloc(sizeof(*resp))))
		return error_set(err, ENOMEM, "%s", g->url);
	http1_resp_init(resp, body, g->max_body);
	int r = -1;
	if (dial(host, port, &io, err) == 0) {
		if (tls_setup(&t, g, host, &io, err) == 0 &&
		    (r = exchange(&t, &io, g, req, resp, err)) == 0) {
			*status = resp->status;
			mbedtls_ssl_close_notify(&t.ssl);
		}
		tls_free(&t);
		close(io.fd);
	}
	free(resp);
	return r < 0 ? error_wrap(err, "%s", g->url) : 0;
}
