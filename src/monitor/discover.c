/* Sandboxes under the monitor's roots, found again when the roots change
 * (inotify) and every 5 s. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "monitor/monitor.h"
#include "sandbox/state.h"
#include "util/log.h"

#define MON_MAX_SANDBOXES 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mon_sandbox *found;
static size_t nfound;
static char *const *roots;
static size_t nroots;
static int ino = -1;

static void add(struct mon_sandbox **v, size_t *n, const char *root, const char *id)
{
	struct sb_state s;
	if (*n >= MON_MAX_SANDBOXES || strlen(root) >= PATH_MAX || sb_check_id(id, NULL) < 0 ||
	    sb_state_peek(root, id, &s, NULL) < 0)
		return;
	bool own = !s.sandbox[0];
	sb_state_free(&s);
	struct mon_sandbox *g = own ? realloc(*v, (*n + 1) * sizeof(**v)) : NULL;
	if (!g)
		return;
	*v = g;
	snprintf(g[*n].root, sizeof(g[*n].root), "%s", root);
	snprintf(g[*n].id, sizeof(g[*n].id), "%.*s", VM_ID_MAX, id);
	(*n)++;
}

static bool has_state(const char *dir, const char *name)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s/state.json", dir, name);
	return access(p, F_OK) == 0;
}

/* The sandboxes of dir; depth 0: a namespace directory holds more. */
static void scan(const char *dir, int depth, struct mon_sandbox **v, size_t *n)
{
	DIR *d = opendir(dir);
	if (ino >= 0)
		inotify_add_watch(ino, dir, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
					    IN_ONLYDIR);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		if (has_state(dir, e->d_name)) {
			add(v, n, dir, e->d_name);
		} else if (depth == 0) {
			char sub[PATH_MAX];
			if (snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) < (int)sizeof(sub))
				scan(sub, 1, v, n);
		}
	}
	if (d)
		closedir(d);
}

static void refresh(void)
{
	struct mon_sandbox *v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < nroots; i++)
		scan(roots[i], 0, &v, &n);
	pthread_mutex_lock(&lock);
	free(found);
	found = v;
	nfound = n;
	pthread_mutex_unlock(&lock);
}

static void *watch(void *arg)
{
	char ev[4096];
	int quiet = 0;
	(void)arg;
	for (;;) {
		struct pollfd p = { ino, POLLIN, 0 };
		int r = ino >= 0 ? poll(&p, 1, 1000) : (sleep(1), 0);
		bool changed = false;
		if (r > 0)
			changed = read(ino, ev, sizeof(ev)) > 0;
		if (changed)
			usleep(200 * 1000); /* its state is written a moment later */
		if (changed || ++quiet >= 5) {
			refresh();
			quiet = 0;
		}
	}
	return NULL;
}

int mon_discover_start(char *const *r, size_t n)
{
	pthread_t th;
	roots = r;
	nroots = n;
	if ((ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0)
		log_warn("kata-monitor: inotify: %s: the roots are read every 5 s", strerror(errno));
	refresh();
	if (pthread_create(&th, NULL, watch, NULL) != 0)
		return -1;
	pthread_detach(th);
	return 0;
}

size_t mon_sandboxes(struct mon_sandbox **out)
{
	pthread_mutex_lock(&lock);
	size_t n = nfound;
	*out = n ? malloc(n * sizeof(**out)) : NULL;
	if (*out)
		memcpy(*out, found, n * sizeof(**out));
	else
		n = 0;
	pthread_mutex_unlock(&lock);
	return n;
}
