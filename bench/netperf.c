/* A small TCP measurer for bench/network.py, built static so that it runs
 * in a busybox container as well as on the host:
 *   netperf server PORT            serve until killed: each connection's
 *                                  first byte says 's' (sink everything) or
 *                                  'r' (echo 64-byte requests)
 *   netperf stream ADDR PORT SECS  send for SECS seconds: bytes per second
 *   netperf rr ADDR PORT COUNT     COUNT 64-byte round trips: the median
 *                                  and the 90th percentile in microseconds
 * Every wait is bounded (SO_RCVTIMEO/SO_SNDTIMEO of 10 s). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define MAX_RR 100000

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void bounded(int fd)
{
	struct timeval tv = { 10, 0 };
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int full(int fd, char *p, size_t n, int rd)
{
	while (n) {
		ssize_t k = rd ? read(fd, p, n) : write(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void serve_one(int c)
{
	static char buf[65536];
	char mode;
	bounded(c);
	if (read(c, &mode, 1) != 1)
		return;
	if (mode == 's')
		while (read(c, buf, sizeof(buf)) > 0)
			;
	else
		while (full(c, buf, MSG, 1) == 0 && full(c, buf, MSG, 0) == 0)
			;
}

static int server(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 8) < 0) {
		perror("netperf server");
		return 1;
	}
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0) {
			serve_one(c);
			_exit(0);
		}
		close(c);
	}
}

static int dial(const char *addr, int port, char mode)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "netperf: bad address %s\n", addr);
		return -1;
	}
	bounded(s);
	for (int i = 0; connect(s, (struct sockaddr *)&a, sizeof(a)) < 0; i++) {
		if (i == 50) {
			perror("netperf connect");
			return -1;
		}
		usleep(100 * 1000);
	}
	return write(s, &mode, 1) == 1 ? s : -1;
}

static int stream(const char *addr, int port, double secs)
{
	static char buf[65536];
	int s = dial(addr, port, 's');
	double t0 = now(), t;
	unsigned long long sent = 0;
	if (s < 0)
		return 1;
	while ((t = now()) - t0 < secs) {
		ssize_t k = write(s, buf, sizeof(buf));
		if (k <= 0) {
			perror("netperf stream");
			return 1;
		}
		sent += (unsigned long long)k;
	}
	printf("stream %.0f bytes/s\n", (double)sent / (t - t0));
	close(s);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int rr(const char *addr, int port, int count)
{
	static double us[MAX_RR];
	char buf[MSG] = { 0 };
	int s = dial(addr, port, 'r');
	if (s < 0 || count < 1 || count > MAX_RR)
		return 1;
	for (int i = 0; i < count; i++) {
		double t0 = now();
		if (full(s, buf, MSG, 0) < 0 || full(s, buf, MSG, 1) < 0) {
			perror("netperf rr");
			return 1;
		}
		us[i] = (now() - t0) * 1e6;
	}
	qsort(us, (size_t)count, sizeof(us[0]), cmp);
	printf("rr median %.1f us p90 %.1f us\n", us[count / 2], us[count * 9 / 10]);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "stream"))
		return stream(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "rr"))
		return rr(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: netperf server PORT | stream ADDR PORT SECS | rr ADDR PORT COUNT\n");
	return 2;
}
