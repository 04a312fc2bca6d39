#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json/writer.h"
#include "oci/read.h"
#include "sandbox/state.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/proc.h"

#define STATE_MAX (1 << 20)

/* A forced delete waits this long for another command on the container. */
#define SALVAGE_LOCK_MS 5000

const char *const sb_status_names[] = { "creating", "created", "running", "paused", "stopped" };

int sb_check_id(const char *id, struct error **err)
{
	size_t n = strlen(id);
	if (!n || n > VM_ID_MAX ||
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.-") != n ||
	    !strcmp(id, ".") || !strcmp(id, ".."))
		return error_set(err, EINVAL, "invalid container id \"%.*s\": it must be 1 to %d "
				 "of A-Z a-z 0-9 _ + . -", VM_ID_MAX + 1, id, VM_ID_MAX);
	return 0;
}

int sb_dir(const char *root, const char *id, char *out, size_t size, struct error **err)
{
	int n = snprintf(out, size, "%s/%s", root, id);
	/* room for the longest name in it (sockets too: transport/unix.c) */
	if (n < 0 || (size_t)n + 32 >= size)
		return error_set(err, ENAMETOOLONG, "--root %s with container %s: the path is "
				 "too long", root, id);
	return 0;
}

/* flock(fd, LOCK_EX), giving up after wait_ms (-1: never); 0, 1 when it
 * gave up, -1 with errno. */
static int lock_within(int fd, int wait_ms)
{
	for (int waited = 0;; waited += 10) {
		if (flock(fd, LOCK_EX | (wait_ms >= 0 ? LOCK_NB : 0)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK || wait_ms < 0)
			return -1;
		if (waited >= wait_ms)
			return 1;
		usleep(10 * 1000);
	}
}

static int lock_dir(const char *dir, const char *id, int wait_ms, int *lock_fd,
		    struct error **err)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? error_set(err, ENOENT, "container \"%s\" does not exist", id)
				       : error_set_errno(err, errno, "container %s: %s", id, dir);
	int r = lock_within(fd, wait_ms);
	if (r < 0) {
		int e = errno;
		close(fd);
		return error_set_errno(err, e, "container %s: lock %s", id, dir);
	}
	if (r > 0)
		log_warn("container %s: another command has held it for %d s: going on without "
			 "waiting for it", id, wait_ms / 1000);
	/* Deleted while we waited for the lock. */
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
		close(fd);
		return error_set(err, ENOENT, "container \"%s\" does not exist", id);
	}
	*lock_fd = fd;
	return 0;
}

int sb_state_create(const char *root, const char *id, int *lock_fd, struct error **err)
{
	char dir[PATH_MAX];

	if (sb_check_id(id, err) < 0 || sb_dir(root, id, dir, sizeof(dir), err) < 0)
		return -1;
	if (fs_mkdir_p(root, 0711, false) < 0)
		return error_set_errno(err, errno, "--root %s", root);
	if (mkdir(dir, 0700) < 0)
		return errno == EEXIST ? error_set(err, EEXIST, "container \"%s\" exists already", id)
				       : error_set_errno(err, errno, "container %s: %s", id, dir);
	return lock_dir(dir, id, -1, lock_fd, err);
}

static void str_into(const struct json_doc *d, int obj, const char *key, char *out, size_t size)
{
	struct buf b = BUF_INIT(size - 1);
	int t = json_get(d, obj, key);
	*out = 0;
	if (t >= 0 && json_text(d, t, &b) == 0 && b.data)
		memcpy(out, b.data, b.len + 1);
	buf_free(&b);
}

static long long num(const struct json_doc *d, int obj, const char *key)
{
	long long v = 0;
	int t = json_get(d, obj, key);
	return t >= 0 && json_number(d, t, &v) == 0 ? v : 0;
}

static int parse(struct sb_state *s, const char *text, size_t len, struct error **err)
{
	struct json_doc d;
	char status[16];
	struct strv k = { 0 }, v = { 0 };

	if (json_parse(&d, text, len, err) < 0)
		return -1;
	str_into(&d, 0, "bundle", s->bundle, sizeof(s->bundle));
	str_into(&d, 0, "rootfs", s->rootfs, sizeof(s->rootfs));
	str_into(&d, 0, "created", s->created, sizeof(s->created));
	str_into(&d, 0, "agent", s->agent_url, sizeof(s->agent_url));
	str_into(&d, 0, "status", status, sizeof(status));
	s->status = SB_STOPPED;
	for (int i = SB_CREATING; i <= SB_STOPPED; i++)
		if (!strcmp(status, sb_status_names[i]))
			s->status = (enum sb_status)i;
	s->shim = (struct sb_proc){ (pid_t)num(&d, 0, "shim_pid"),
				    (unsigned long long)num(&d, 0, "shim_start") };
	s->proxy = (struct sb_proc){ (pid_t)num(&d, 0, "proxy_pid"),
				     (unsigned long long)num(&d, 0, "proxy_start") };
	s->vsock_cid = (uint32_t)num(&d, 0, "vsock_cid");
	s->terminal = num(&d, 0, "terminal") != 0;
	str_into(&d, 0, "sandbox", s->sandbox, sizeof(s->sandbox));
	if (s->sandbox[0] && sb_check_id(s->sandbox, NULL) < 0)
		s->sandbox[0] = 0, s->status = SB_STOPPED; /* not ours: nothing to reach */
	int r = oci_get_map(&d, 0, "", "annotations", &k, &v, err);
	json_doc_free(&d);
	s->ann_keys = k.v;
	s->ann_values = v.v;
	s->nann = k.n < v.n ? k.n : v.n;
	return r;
}

static int state_open(const char *root, const char *id, struct sb_state *s, int *lock_fd,
		      bool salvage, struct error **err);

int sb_state_peek(const char *root, const char *id, struct sb_state *s, struct error **err)
{
	char path[PATH_MAX + 16], *text = NULL;
	size_t len;

	memset(s, 0, sizeof(*s));
	if (sb_check_id(id, err) < 0 || sb_dir(root, id, s->dir, sizeof(s->dir), err) < 0)
		return -1;
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(path, sizeof(path), "%s/state.json", s->dir);
	if (fs_read_file(path, STATE_MAX, &text, &len, NULL) < 0) {
		if (access(s->dir, F_OK) < 0)
			return error_set(err, ENOENT, "container \"%s\" does not exist", id);
		s->status = SB_CREATING;
		return 0;
	}
	int r = parse(s, text, len, err);
	free(text);
	if (r < 0)
		sb_state_free(s);
	return r < 0 ? error_wrap(err, "container %s: %s", id, path) : 0;
}

int sb_pod_members(const char *root, const char *id, struct strv *out, struct error **err)
{
	char **ids;
	size_t n;
	struct sb_state s;

	*out = (struct strv){ 0 };
	if (sb_state_list(root, &ids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ids[i], id) && sb_state_peek(root, ids[i], &s, NULL) == 0) {
			if (!strcmp(s.sandbox, id))
				strv_push(out, ids[i]);
			sb_state_free(&s);
		}
	}
	struct strv all = { ids, n };
	strv_free(&all);
	return 0;
}

int sb_state_open(const char *root, const char *id, struct sb_state *s, int *lock_fd,
		  struct error **err)
{
	return state_open(root, id, s, lock_fd, false, err);
}

int sb_state_salvage(const char *root, const char *id, struct sb_state *s, int *lock_fd,
		     struct error **err)
{
	return state_open(root, id, s, lock_fd, true, err);
}

static int state_open(const char *root, const char *id, struct sb_state *s, int *lock_fd,
		      bool salvage, struct error **err)
{
	char path[PATH_MAX + 16], *text = NULL;
	size_t len;

	memset(s, 0, sizeof(*s));
	*lock_fd = -1;
	if (sb_check_id(id, err) < 0 || sb_dir(root, id, s->dir, sizeof(s->dir), err) < 0 ||
	    lock_dir(s->dir, id, salvage ? SALVAGE_LOCK_MS : -1, lock_fd, err) < 0)
		return -1;
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(path, sizeof(path), "%s/state.json", s->dir);
	if (fs_read_file(path, STATE_MAX, &text, &len, NULL) < 0) {
		/* A create killed before its first write: only delete can act. */
		s->status = SB_CREATING;
		return 0;
	}
	struct error *e = NULL;
	int r = parse(s, text, len, &e);
	free(text);
	if (r < 0 && salvage) {
		/* Taking it down needs nothing from the file: what runs names the
		 * directory, and the VM's and network's files are beside it. */
		log_warn("container %s: %s: %s: taking down what is there", id, path, e->msg);
		error_free(e);
		sb_state_free(s);
		/* what parse filled goes; the id and directory stay */
		s->bundle[0] = s->rootfs[0] = s->created[0] = s->agent_url[0] = 0;
		s->shim = s->proxy = (struct sb_proc){ 0 };
		s->vsock_cid = 0;
		s->terminal = false;
		s->sandbox[0] = 0;
		s->status = SB_CREATING;
		return 0;
	}
	if (r < 0 && err)
		*err = e;
	else
		error_free(e);
	if (r < 0) {
		close(*lock_fd);
		*lock_fd = -1;
		sb_state_free(s);
		return error_wrap(err, "container %s: %s", id, path);
	}
	return 0;
}

int sb_state_write(const struct sb_state *s, struct error **err)
{
	struct buf b = BUF_INIT(STATE_MAX);
	struct json_writer w;
	char path[PATH_MAX + 16];

	json_begin(&w, &b, true);
	json_obj_begin(&w);
	json_key(&w, "id"), json_str(&w, s->id);
	json_key(&w, "status"), json_str(&w, sb_status_names[s->status]);
	json_key(&w, "bundle"), json_str(&w, s->bundle);
	json_key(&w, "rootfs"), json_str(&w, s->rootfs);
	json_key(&w, "created"), json_str(&w, s->created);
	json_key(&w, "agent"), json_str(&w, s->agent_url);
	json_key(&w, "shim_pid"), json_int(&w, s->shim.pid);
	json_key(&w, "shim_start"), json_uint(&w, s->shim.start);
	json_key(&w, "proxy_pid"), json_int(&w, s->proxy.pid);
	json_key(&w, "proxy_start"), json_uint(&w, s->proxy.start);
	json_key(&w, "vsock_cid"), json_uint(&w, s->vsock_cid);
	json_key(&w, "terminal"), json_int(&w, s->terminal);
	if (s->sandbox[0])
		json_key(&w, "sandbox"), json_str(&w, s->sandbox);
	json_key(&w, "annotations");
	json_obj_begin(&w);
	for (size_t i = 0; i < s->nann; i++)
		json_key(&w, s->ann_keys[i]), json_str(&w, s->ann_values[i]);
	json_obj_end(&w);
	json_obj_end(&w);
	if (json_end(&w) < 0 || buf_putc(&b, '\n') < 0) {
		buf_free(&b);
		return error_set(err, ENOMEM, "container %s: state too large", s->id);
	}
	snprintf(path, sizeof(path), "%s/state.json", s->dir);
	int r = fs_write_file(path, b.data, b.len, 0600, err);
	buf_free(&b);
	return r < 0 ? error_wrap(err, "container %s", s->id) : 0;
}

void sb_state_free(struct sb_state *s)
{
	struct strv k = { s->ann_keys, s->nann }, v = { s->ann_values, s->nann };
	strv_free(&k);
	strv_free(&v);
	s->ann_keys = s->ann_values = NULL;
	s->nann = 0;
}

bool sb_proc_alive(const struct sb_proc *p)
{
	if (p->pid <= 0)
		return false;
	unsigned long long now = proc_start_time(p->pid);
	return now && (!p->start || now == p->start);
}

bool sb_proc_stopped(pid_t pid)
{
	char st = proc_state(pid);
	return st == 'T' || st == 't';
}

void sb_vm_dir(const struct sb_state *s, char *out, size_t size)
{
	const char *slash = strrchr(s->dir, '/');
	if (!s->sandbox[0] || !slash)
		snprintf(out, size, "%s", s->dir);
	else
		snprintf(out, size, "%.*s/%s", (int)(slash - s->dir), s->dir, s->sandbox);
}

pid_t sb_vm_pid(const struct sb_state *s)
{
	char pidfile[PATH_MAX + 8], dir[PATH_MAX], *text = NULL;
	pid_t pid = 0;
	sb_vm_dir(s, dir, sizeof(dir));
	snprintf(pidfile, sizeof(pidfile), "%.*s/pid", PATH_MAX, dir);
	if (fs_read_file(pidfile, 64, &text, NULL, NULL) == 0)
		pid = (pid_t)atoi(text);
	free(text);
	return pid;
}

void sb_proc_set(struct sb_proc *p, pid_t pid)
{
	p->pid = pid;
	p->start = proc_start_time(pid);
}

enum sb_status sb_state_status(const struct sb_state *s)
{
	struct sb_proc qemu = { 0 };

	if (s->status == SB_CREATING || s->status == SB_STOPPED)
		return s->status;
	if (!sb_proc_alive(&s->shim))
		return SB_STOPPED;
	qemu.pid = sb_vm_pid(s);
	return sb_proc_alive(&qemu) ? s->status : SB_STOPPED;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sb_state_list(const char *root, char ***ids, size_t *n, struct error **err)
{
	struct strv out = { 0 };
	DIR *d = opendir(root);
	struct dirent *e;

	*ids = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : error_set_errno(err, errno, "--root %s", root);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && sb_check_id(e->d_name, NULL) == 0 && e->d_type == DT_DIR)
			strv_push(&out, e->d_name);
	closedir(d);
	if (out.n)
		qsort(out.v, out.n, sizeof(char *), cmp);
	*ids = out.v;
	*n = out.n;
	return 0;
}

void sb_now_rfc3339(char *out, size_t size)
{
	struct timespec ts;
	char when[LOG_TIME_MAX];

	clock_gettime(CLOCK_REALTIME, &ts);
	log_time_text(&ts, when);
	snprintf(out, size, "%s", when);
}
