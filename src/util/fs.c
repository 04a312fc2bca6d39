#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/alloc.h"

int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *data = NULL;
	size_t n = 0, cap = 0;
	struct stat st;

	if (fd < 0)
		return error_set_errno(err, errno, "%s", path);
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, errno, "%s", path);
	if (S_ISDIR(st.st_mode))
		return error_set(err, EISDIR, "%s: is a directory", path);
	for (;;) {
		ssize_t r;
		if (n == cap) {
			if (cap > max)
				return error_set(err, EFBIG, "%s: larger than %zu bytes", path, max);
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			data = xrealloc(data, cap + 1);
		}
		r = read(fd, data + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_set_errno(err, errno, "%s", path);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return error_set(err, EFBIG, "%s: larger than %zu bytes", path, max);
	}
	if (!data)
		data = xmalloc(1);
	data[n] = '\0';
	*out = steal_ptr(&data);
	if (len)
		*len = n;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fs_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int fs_list_files(const char *dir, size_t max, char ***names, size_t *n, struct error **err)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t cnt = 0;
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return error_set_errno(err, errno, "%s", dir);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *full = xasprintf("%s/%s", dir, de->d_name);
		bool file = fs_is_file(full);
		free(full);
		if (!file)
			continue;
		if (cnt == max) {
			closedir(d);
			fs_names_free(v, cnt);
			return error_set(err, E2BIG, "%s: more than %zu files", dir, max);
		}
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*names = v;
	*n = cnt;
	return 0;
}

bool fs_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool fs_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

int fs_mkdir_p(const char *path, unsigned mode, bool parents_only)
{
	char p[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, n + 1);
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		bool last = !*s;
		if (last && parents_only)
			return 0;
		*s = 0;
		if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
			return -1;
		if (last)
			return 0;
		*s = '/';
	}
}

/* The directory holding path, synced, so that a rename into it lasts. */
static int sync_parent(const char *path, struct error **err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= sizeof(dir))
		return 0;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (!n)
		snprintf(dir, sizeof(dir), "/");
	else
		memcpy(dir, path, n), dir[n] = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "%s", dir);
	int r = fsync(fd);
	int e = errno;
	close(fd);
	return r < 0 && e != EINVAL ? error_set_errno(err, e, "syncing %s", dir) : 0;
}

int fs_write_file(const char *path, const void *data, size_t len, unsigned mode,
		  struct error **err)
{
	char tmp[PATH_MAX + 8];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return error_set(err, ENAMETOOLONG, "%s", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return error_set_errno(err, errno, "%s", tmp);
	ssize_t w = write(fd, data, len);
	int e = w < 0 ? errno : EIO;
	if ((fsync(fd) < 0 || close(fd) < 0) && w == (ssize_t)len)
		w = -1, e = errno;
	if (w != (ssize_t)len || rename(tmp, path) < 0) {
		e = w != (ssize_t)len ? e : errno;
		unlink(tmp);
		return error_set_errno(err, e, "writing %s", path);
	}
	return sync_parent(path, err);
}

int fs_path_clean(const char *path, char *out, size_t size)
{
	size_t n = 0;

	if (path[0] != '/' || size < 2)
		return -1;
	out[n++] = '/';
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (!len)
			break;
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--; /* the slash before it */
		} else {
			if (n > 1)
				out[n++] = '/';
			if (n + len + 1 > size)
				return -1;
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = 0;
	return 0;
}

int fs_write_text(const char *path, const char *text)
{
	size_t n = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, text, n);
	int e = errno;
	close(fd);
	if (w == (ssize_t)n)
		return 0;
	errno = w < 0 ? e : EIO;
	return -1;
}

int fs_random(void *out, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = getrandom((char *)out + done, n - done, 0);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			done += (size_t)r;
	}
	return 0;
}
