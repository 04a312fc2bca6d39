/* Containers and processes: lookups, and exit statuses from the reaper. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/proc.h"

pthread_mutex_t guest_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t guest_exit_cond = PTHREAD_COND_INITIALIZER;
struct guest_container *guest_containers;

struct guest_container *guest_container_find(const char *id)
{
	for (struct guest_container *c = guest_containers; c; c = c->next)
		if (!strcmp(c->id, id))
			return c;
	return NULL;
}

struct guest_proc *guest_proc_find(struct guest_container *c, const char *exec_id)
{
	if (!c)
		return NULL;
	if (!exec_id || !*exec_id)
		return c->init;
	for (struct guest_proc *p = c->procs; p; p = p->next)
		if (!strcmp(p->exec_id, exec_id))
			return p;
	return NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void guest_proc_free(struct guest_proc *p)
{
	if (!p)
		return;
	close_fd(&p->in);
	close_fd(&p->out);
	close_fd(&p->err);
	close_fd(&p->pty);
	close_fd(&p->start);
	close_fd(&p->status);
	free(p->exec_id);
	free(p);
}

void guest_container_free(struct guest_container *c)
{
	if (!c)
		return;
	while (c->procs) {
		struct guest_proc *p = c->procs;
		c->procs = p->next;
		guest_proc_free(p);
	}
	free(c->id);
	free(c);
}

void guest_proc_exited(pid_t pid, int st)
{
	pthread_mutex_lock(&guest_lock);
	for (struct guest_container *c = guest_containers; c; c = c->next)
		for (struct guest_proc *p = c->procs; p; p = p->next)
			if (p->pid == pid && !p->exited) {
				p->exited = true;
				p->exit_status = WIFSIGNALED(st) ? 128 + WTERMSIG(st)
								 : WEXITSTATUS(st);
			}
	pthread_cond_broadcast(&guest_exit_cond);
	pthread_mutex_unlock(&guest_lock);
}
