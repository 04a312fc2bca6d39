/* Small filesystem helpers; every read is bounded. */
#ifndef UTIL_FS_H
#define UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>

struct error;

/* Read all of path into a NUL-terminated *out (caller frees). A file larger
 * than max bytes is an error naming the path. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct error **err);

/* The names of the regular files (links followed) in dir, sorted by strcmp,
 * skipping names starting with '.'. A missing directory gives 0 names.
 * More than max entries is an error. Free with fs_names_free(). */
int fs_list_files(const char *dir, size_t max, char ***names, size_t *n, struct error **err);
void fs_names_free(char **names, size_t n);

/* mkdir -p: path and its missing parents with mode (no allocation: safe in
 * a child after clone). With parents_only the last component is left out.
 * Returns 0, or -1 with errno from the first mkdir that failed otherwise
 * than EEXIST. */
int fs_mkdir_p(const char *path, unsigned mode, bool parents_only);
/* Replace path with len bytes of data, through path.tmp (synced) and a
 * rename, then the directory synced: a reader sees the old file or the
 * new one, never a part, and the new one survives a crash. -1 with *err. */
int fs_write_file(const char *path, const void *data, size_t len, unsigned mode,
		  struct error **err);
/* path made absolute lexically: "//", "." and trailing "/" dropped, ".."
 * taking the component before it (as Go's filepath.Clean on an absolute
 * path). in and out may not overlap; out has size bytes. -1 when path is
 * not absolute or out is too small. */
int fs_path_clean(const char *path, char *out, size_t size);
/* Write text to an existing file (sysfs, procfs, cgroupfs) in one write;
 * 0, or -1 with errno. No allocation: safe in a child after clone. */
int fs_write_text(const char *path, const char *text);

/* n random bytes from the kernel (getrandom); 0, or -1 with errno. */
int fs_random(void *out, size_t n);

bool fs_is_file(const char *path);
bool fs_exists(const char *path);

#endif
