/* grpc.AgentService: container and process lifecycle (create, start,
 * exec, signal, wait, remove). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "guest/guest.h"
#include "guest/plan.h"
#include "guest/proc.h"
#include "rpc/rpc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"

/* Pipes (or a terminal) for the plan's stdio, our ends into proc. */
static int make_stdio(struct spawn_plan *plan, struct guest_proc *p, struct error **err)
{
	p->in = p->out = p->err = p->pty = -1;
	if (plan->terminal) {
		int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		char *name = m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 ? ptsname(m) : NULL;
		int s = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
		if (s < 0) {
			if (m >= 0)
				close(m);
			return error_set_errno(err, errno, "pseudo-terminal");
		}
		p->pty = m;
		p->in = fcntl(m, F_DUPFD_CLOEXEC, 0);
		p->out = fcntl(m, F_DUPFD_CLOEXEC, 0);
		plan->stdio[0] = s;
		plan->stdio[1] = fcntl(s, F_DUPFD_CLOEXEC, 0);
		plan->stdio[2] = fcntl(s, F_DUPFD_CLOEXEC, 0);
		return 0;
	}
	int fds[3][2];
	for (int i = 0; i < 3; i++)
		if (pipe2(fds[i], O_CLOEXEC) < 0) {
			for (int k = 0; k < i; k++)
				close(fds[k][0]), close(fds[k][1]);
			return error_set_errno(err, errno, "pipe");
		}
	plan->stdio[0] = fds[0][0];
	p->in = fds[0][1];
	p->out = fds[1][0];
	plan->stdio[1] = fds[1][1];
	p->err = fds[2][0];
	plan->stdio[2] = fds[2][1];
	return 0;
}

static void close_child_stdio(struct spawn_plan *plan)
{
	for (int i = 0; i < 3; i++)
		if (plan->stdio[i] >= 0)
			close(plan->stdio[i]);
}

/* Spawn plan's process into a new guest_proc. */
static struct guest_proc *spawn(struct spawn_plan *plan, const char *exec_id, struct error **err)
{
	struct guest_proc *p = calloc(1, sizeof(*p));
	if (!p || !(p->exec_id = strdup(exec_id))) {
		free(p);
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	p->start = p->status = -1;
	if (make_stdio(plan, p, err) < 0) {
		guest_proc_free(p);
		return NULL;
	}
	p->pid = guest_spawn(plan, &p->start, &p->status, err);
	close_child_stdio(plan);
	if (p->pid < 0) {
		guest_proc_free(p);
		return NULL;
	}
	return p;
}

/* Put pid in the container's cgroup, when it has one. */
static void cgroup_add(const struct guest_container *c, pid_t pid)
{
	char procs[300], text[32];
	if (!c->cgroup[0])
		return;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", c->cgroup);
	snprintf(text, sizeof(text), "%d", (int)pid);
	if (fs_write_text(procs, text) < 0)
		log_warn("container %s: %s: %s", c->id, procs, strerror(errno));
}

/* The container's cgroup: /sys/fs/cgroup/kata/<id>, with pid in it. */
static void cgroup_join(struct guest_container *c, pid_t pid)
{
	static const char *const parents[] = { "/sys/fs/cgroup/cgroup.subtree_control",
					       "/sys/fs/cgroup/kata/cgroup.subtree_control" };
	static const char *const ctl[] = { "+cpu", "+memory", "+pids" };
	mkdir("/sys/fs/cgroup/kata", 0755);
	for (size_t i = 0; i < 2; i++) /* the controllers the RPCs use, one by one */
		for (size_t k = 0; k < 3; k++)
			if (fs_write_text(parents[i], ctl[k]) < 0)
				log_debug("%s: %s: %s", parents[i], ctl[k], strerror(errno));
	snprintf(c->cgroup, sizeof(c->cgroup), "/sys/fs/cgroup/kata/%s", c->id);
	if (mkdir(c->cgroup, 0755) < 0 && errno != EEXIST) {
		log_warn("container %s: cgroup %s: %s", c->id, c->cgroup, strerror(errno));
		c->cgroup[0] = 0;
		return;
	}
	cgroup_add(c, pid);
}

/* A container never linked (its create failed): its storages unmounted. */
static void discard(struct guest_container *c)
{
	guest_storages_unmount(c);
	guest_container_free(c);
}

static int create_container(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			    void *resp, struct error **err)
{
	const grpc_CreateContainerRequest *req = rq;
	struct spawn_plan plan;
	int r;
	(void)ctx, (void)m, (void)resp;

	if ((r = guest_bad_id("container_id", req->container_id, err)))
		return r;
	if (!req->has_OCI)
		return error_set(err, GRPC_INVALID_ARGUMENT, "container %s: no OCI spec",
				 req->container_id), GRPC_INVALID_ARGUMENT;
	if (guest_plan_container(&plan, &req->OCI, err) < 0 ||
	    guest_plan_devices(&plan, &req->OCI.Linux, req->devices, req->devices_count, err) < 0) {
		guest_plan_free(&plan);
		error_wrap(err, "container %s", req->container_id);
		return GRPC_INVALID_ARGUMENT;
	}
	struct guest_container *c = calloc(1, sizeof(*c));
	if (!c || !(c->id = strdup(req->container_id))) {
		free(c);
		guest_plan_free(&plan);
		return error_set(err, GRPC_RESOURCE_EXHAUSTED, "out of memory"), GRPC_RESOURCE_EXHAUSTED;
	}
	/* Its storages (a rootfs on a disk) before it starts, its own */
	for (size_t i = 0; i < req->storages_count; i++) {
		r = i < GUEST_MAX_STORAGES ? guest_storage_mount(&req->storages[i],
								 &c->storages[c->nstorages], err)
					   : (error_set(err, GRPC_INVALID_ARGUMENT, "more than %d storages",
							GUEST_MAX_STORAGES), GRPC_INVALID_ARGUMENT);
		if (r) {
			discard(c);
			guest_plan_free(&plan);
			error_wrap(err, "container %s", req->container_id);
			return r;
		}
		c->nstorages++;
	}
	snprintf(c->rootfs, sizeof(c->rootfs), "%s", plan.rootfs);
	pthread_mutex_lock(&guest_lock);
	if (guest_container_find(req->container_id)) {
		pthread_mutex_unlock(&guest_lock);
		discard(c);
		guest_plan_free(&plan);
		return error_set(err, GRPC_ALREADY_EXISTS, "container %s exists already",
				 req->container_id), GRPC_ALREADY_EXISTS;
	}
	/* A spec's hostname is set in the pod's UTS namespace, as runc does in
	 * a joined one (the CRI gives every container the pod's). */
	plan.pod_pid = guest_pod_pid;
	plan.pod_pidns = guest_pod_pidns && req->sandbox_pidns;
	struct guest_proc *p = spawn(&plan, req->exec_id ? req->exec_id : "", err);
	guest_plan_free(&plan);
	if (!p) {
		pthread_mutex_unlock(&guest_lock);
		discard(c);
		error_wrap(err, "container %s", req->container_id);
		return GRPC_FAILED_PRECONDITION;
	}
	c->init = c->procs = p;
	cgroup_join(c, p->pid);
	c->next = guest_containers;
	guest_containers = c;
	pthread_mutex_unlock(&guest_lock);
	log_info("container %s created (pid %d)", c->id, (int)p->pid);
	return 0;
}

/* Let p exec (with guest_lock held; the child answers at once). */
static int start(struct guest_proc *p, const char *cid, struct error **err)
{
	int r = guest_spawn_start(p->start, p->status, err);
	p->start = p->status = -1;
	if (r < 0) {
		error_wrap(err, "container %s", cid);
		return GRPC_FAILED_PRECONDITION;
	}
	return 0;
}

static int start_container(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			   void *resp, struct error **err)
{
	const grpc_StartContainerRequest *req = rq;
	(void)ctx, (void)m, (void)resp;
	pthread_mutex_lock(&guest_lock);
	struct guest_container *c = guest_container_find(req->container_id ? req->container_id : "");
	int r = !c ? guest_not_found(req->container_id, NULL, err)
	      : c->started ? (error_set(err, GRPC_FAILED_PRECONDITION, "container %s is started already",
					c->id), GRPC_FAILED_PRECONDITION)
			   : start(c->init, c->id, err);
	if (r == 0)
		c->started = true;
	pthread_mutex_unlock(&guest_lock);
	return r;
}

static int exec_process(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			void *resp, struct error **err)
{
	const grpc_ExecProcessRequest *req = rq;
	struct spawn_plan plan = { .stdio = { -1, -1, -1 } };
	int r;
	(void)ctx, (void)m, (void)resp;
	if ((r = guest_bad_id("exec_id", req->exec_id, err)))
		return r;
	if (!req->has_process)
		return error_set(err, GRPC_INVALID_ARGUMENT, "exec %s: no process", req->exec_id),
		       GRPC_INVALID_ARGUMENT;
	if (guest_plan_process(&plan, &req->process, err) < 0) {
		guest_plan_free(&plan);
		error_wrap(err, "exec %s", req->exec_id);
		return GRPC_INVALID_ARGUMENT;
	}
	plan.stdio[0] = plan.stdio[1] = plan.stdio[2] = -1;
	pthread_mutex_lock(&guest_lock);
	struct guest_container *c = guest_container_find(req->container_id ? req->container_id : "");
	struct guest_proc *p = NULL;
	if (!c)
		r = guest_not_found(req->container_id, NULL, err);
	else if (guest_proc_find(c, req->exec_id))
		r = (error_set(err, GRPC_ALREADY_EXISTS, "process %s of container %s exists already",
			       req->exec_id, c->id), GRPC_ALREADY_EXISTS);
	else if (!c->started || c->init->exited)
		r = (error_set(err, GRPC_FAILED_PRECONDITION, "container %s is not running", c->id),
		     GRPC_FAILED_PRECONDITION);
	else if (c->paused)
		r = (error_set(err, GRPC_FAILED_PRECONDITION, "container %s is paused", c->id),
		     GRPC_FAILED_PRECONDITION);
	if (!r) {
		plan.join_pid = c->init->pid;
		p = spawn(&plan, req->exec_id, err);
		r = p ? 0 : (error_wrap(err, "exec %s", req->exec_id), GRPC_FAILED_PRECONDITION);
	}
	if (p) {
		cgroup_add(c, p->pid);
		p->next = c->init->next;
		c->init->next = p;
		r = start(p, c->id, err);
	}
	pthread_mutex_unlock(&guest_lock);
	guest_plan_free(&plan);
	return r;
}

static int signal_process(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			  void *resp, struct error **err)
{
	const grpc_SignalProcessRequest *req = rq;
	(void)ctx, (void)m, (void)resp;
	if (req->signal == 0 || req->signal >= 65)
		return error_set(err, GRPC_INVALID_ARGUMENT, "signal %u: not a signal", req->signal),
		       GRPC_INVALID_ARGUMENT;
	pthread_mutex_lock(&guest_lock);
	struct guest_container *c = guest_container_find(req->container_id ? req->container_id : "");
	bool all = !req->exec_id || !*req->exec_id;
	struct guest_proc *one = all ? NULL : guest_proc_find(c, req->exec_id);
	int r = 0;
	if (!c || (!all && !one))
		r = guest_not_found(req->container_id, req->exec_id, err);
	for (struct guest_proc *p = r ? NULL : c->procs; p; p = p->next)
		if ((all || p == one) && !p->exited && p->pid > 0 && kill(p->pid, (int)req->signal) < 0 &&
		    errno != ESRCH)
			r = (error_set_errno(err, errno, "signal %u to %d", req->signal, (int)p->pid),
			     GRPC_INTERNAL);
	pthread_mutex_unlock(&guest_lock);
	return r;
}

static int wait_process(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			void *resp, struct error **err)
{
	const grpc_WaitProcessRequest *req = rq;
	grpc_WaitProcessResponse *out = resp;
	(void)ctx, (void)m;
	pthread_mutex_lock(&guest_lock);
	for (;;) {
		struct guest_container *c = guest_container_find(req->container_id ? req->container_id : "");
		struct guest_proc *p = guest_proc_find(c, req->exec_id);
		if (!p) {
			pthread_mutex_unlock(&guest_lock);
			return guest_not_found(req->container_id, req->exec_id, err);
		}
		if (p->exited) {
			out->status = p->exit_status;
			pthread_mutex_unlock(&guest_lock);
			return 0;
		}
		pthread_cond_wait(&guest_exit_cond, &guest_lock);
	}
}

static int remove_container(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			    void *resp, struct error **err)
{
	const grpc_RemoveContainerRequest *req = rq;
	(void)ctx, (void)m, (void)resp;
	pthread_mutex_lock(&guest_lock);
	struct guest_container *c = guest_container_find(req->container_id ? req->container_id : "");
	int r = 0;
	if (!c)
		r = guest_not_found(req->container_id, NULL, err);
	else if (guest_stop_container(c, req->timeout) < 0)
		r = (error_set(err, GRPC_DEADLINE_EXCEEDED, "container %s: its processes did not end "
			       "in %u s", c->id, req->timeout), GRPC_DEADLINE_EXCEEDED);
	else
		guest_unlink_container(c);
	pthread_mutex_unlock(&guest_lock);
	return r;
}

const struct rpc_handler guest_process_handlers[] = {
	{ RPC_AGENT(CreateContainer), create_container, NULL, false },
	{ RPC_AGENT(StartContainer), start_container, NULL, false },
	{ RPC_AGENT(ExecProcess), exec_process, NULL, false },
	{ RPC_AGENT(SignalProcess), signal_process, NULL, true },
	{ RPC_AGENT(WaitProcess), wait_process, NULL, false },
	{ RPC_AGENT(RemoveContainer), remove_container, NULL, false },
};
const size_t guest_nprocess_handlers = sizeof(guest_process_handlers) / sizeof(guest_process_handlers[0]);
