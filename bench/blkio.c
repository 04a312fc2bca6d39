/* I/O inside a container (bench/blockio.py puts it in the rootfs): in a
 * file of SIZE MiB on the file system at DIR, a sequential write (fsync'ed
 * at the end), a sequential read, then 4 KiB writes and reads at random
 * offsets (COUNT each, the writes fsync'ed at the end). O_DIRECT where the
 * file system takes it, so that reads reach the device rather than the
 * guest's page cache. Prints "seq_write MB/s", "seq_read MB/s",
 * "rand_write IOPS", "rand_read IOPS", "direct 0|1".
 * Usage: blkio DIR SIZE_MIB COUNT */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return fprintf(stderr, "usage: blkio DIR SIZE_MIB COUNT\n"), 2;
	char path[4096];
	size_t mib = strtoul(argv[2], NULL, 10), count = strtoul(argv[3], NULL, 10), chunk = 1 << 20;
	snprintf(path, sizeof(path), "%s/blkio.data", argv[1]);
	int direct = 1, fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0) {
		direct = 0;
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	}
	char *buf;
	if (fd < 0 || posix_memalign((void **)&buf, 4096, chunk))
		return perror(path), 1;
	memset(buf, 0x5a, chunk);
	double t = now();
	for (size_t i = 0; i < mib; i++)
		if (pwrite(fd, buf, chunk, (off_t)(i * chunk)) != (ssize_t)chunk)
			return perror("write"), 1;
	fsync(fd);
	printf("seq_write %.1f\n", (double)mib / (now() - t));
	t = now();
	for (size_t i = 0; i < mib; i++)
		if (pread(fd, buf, chunk, (off_t)(i * chunk)) != (ssize_t)chunk)
			return perror("read"), 1;
	printf("seq_read %.1f\n", (double)mib / (now() - t));
	size_t blocks = mib * 256;
	srand(1);
	t = now();
	for (size_t i = 0; i < count; i++)
		if (pwrite(fd, buf, 4096, (off_t)((size_t)rand() % blocks) * 4096) != 4096)
			return perror("write"), 1;
	fsync(fd);
	printf("rand_write %.0f\n", (double)count / (now() - t));
	t = now();
	for (size_t i = 0; i < count; i++)
		if (pread(fd, buf, 4096, (off_t)((size_t)rand() % blocks) * 4096) != 4096)
			return perror("read"), 1;
	printf("rand_read %.0f\n", (double)count / (now() - t));
	printf("direct %d\n", direct);
	unlink(path);
	return 0;
}
