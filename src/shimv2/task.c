/* The Task service: each task (a container, or a process exec'd in one) is
 * the sandbox room's, created with no shim of its own (env.inproc): its
 * stdio is relayed here between containerd's FIFOs and the agent (a relay
 * thread per process, agent/relay.c), whose end is the task's exit. */
#include <errno.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.pb.h"
#include "grpc/grpc.h"
#include "shim.pb.h"
#include "shimv2/shimv2.h"
#include "agent/relay.h"
#include "util/error.h"
#include "util/log.h"

struct task {
	char id[VM_ID_MAX + 1], exec_id[VM_ID_MAX + 1]; /* exec_id "" for the container */
	char bundle[PATH_MAX];
	char io[3][PATH_MAX];
	struct sb_env env;	  /* the shim's, or with the task's own configuration */
	struct config *config;	  /* that configuration (the container's task owns it) */
	struct oci_process *spec; /* an exec's, until started */
	int relay_stop;		  /* ends the stdin FIFO's relay: its write end, or -1 */
	char eid[SB_EID_SIZE];	  /* the agent's id of an exec */
	struct agent_relay relay; /* the process's stdio and exit, once relay_open */
	pthread_t relay_th;	  /* running it, once relaying */
	int users;		  /* calls using the relay's agent with no lock held */
	pid_t pid;
	bool started, exited, rootfs, terminal, relay_open, relaying;
	bool is_sandbox; /* its own sandbox (not a pod's container): it has a VM */
	bool oom_on;	 /* its OOM watcher runs */
	pthread_t oom;
	uint32_t status;
	struct timespec exited_at;
	struct task *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct task *tasks;
static bool shutting_down;

/* *err set, and the status code: an answer in one expression. */
#define ERR(code, ...) (error_set(err, __VA_ARGS__), (code))

#define TASK_V2(name) "/containerd.task.v2.Task/" #name

static struct task *find(const char *id, const char *exec_id)
{
	for (struct task *t = tasks; t; t = t->next)
		if (!strcmp(t->id, id ? id : "") && !strcmp(t->exec_id, exec_id ? exec_id : ""))
			return t;
	return NULL;
}

/* The task of a request under the lock, or NOT_FOUND. */
static int task_of(const char *id, const char *exec_id, struct task **t, struct error **err)
{
	*t = find(id, exec_id);
	if (*t)
		return 0;
	error_set(err, ENOENT, "%s%s%s: not found", id ? id : "", exec_id && *exec_id ? " exec " : "",
		  exec_id ? exec_id : "");
	return GRPC_NOT_FOUND;
}

/* The environment container id's calls run in (its configuration), under
 * the lock. */
static struct sb_env env_of(const char *id)
{
	const struct task *t = find(id, NULL);
	return t ? t->env : shimv2.env;
}

static int status_of(int e)
{
	switch (e) {
	case ENOENT: case ESRCH: return GRPC_NOT_FOUND;
	case EEXIST: return GRPC_ALREADY_EXISTS;
	case EINVAL: return GRPC_INVALID_ARGUMENT;
	case EBUSY: case EAGAIN: return GRPC_FAILED_PRECONDITION;
	case ENOTSUP: return GRPC_UNIMPLEMENTED;
	default: return GRPC_UNKNOWN;
	}
}

static int failed(struct error **err)
{
	return status_of(*err ? (*err)->code : EIO);
}

/* ------------------------------------------------------------------ exits */

/* The process's stdio until its output ends, then its exit: the event
 * first, for until t is marked exited no Wait answers and no Delete takes
 * it (so /tasks/exit comes before /tasks/delete). */
static void *relay_main(void *arg)
{
	struct task *t = arg;
	struct error *err = NULL;
	struct timespec at;
	int st = 255;

	if (agent_relay_run(&t->relay, &st, &err) < 0) {
		log_warn("%s: %s", t->id, err->msg);
		error_free(err);
		st = 255;
	}
	clock_gettime(CLOCK_REALTIME, &at);
	if (sb_exited(&t->env, t->id, *t->exec_id ? t->eid : NULL, &err) < 0) {
		log_debug("%s: %s", t->id, err->msg);
		error_free(err);
	}
	uint32_t status = (uint32_t)st & 0xff;
	containerd_events_TaskExit ev = { t->id, *t->exec_id ? t->exec_id : t->id, (uint32_t)t->pid,
					  status, true, { at.tv_sec, (int32_t)at.tv_nsec } };
	shimv2_publish("/tasks/exit", "TaskExit", containerd_events_TaskExit_fields, &ev);
	pthread_mutex_lock(&lock);
	t->status = status;
	t->exited_at = at;
	t->exited = true;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void start_oom_watcher(struct task *t)
{
	if (!t->is_sandbox)
		return; /* a pod's container: its sandbox's watcher sees it */
	t->oom_on = shimv2_oom_watch(&t->oom, &t->env, t->id) == 0;
}

static int start_relay(struct task *t, struct error **err)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	int r = pthread_create(&t->relay_th, &a, relay_main, t);
	pthread_attr_destroy(&a);
	if (r != 0)
		return error_set(err, r, "%s: cannot relay its process", t->id);
	t->relaying = true;
	return 0;
}

/* The relay's thread joined, its connection closed. */
static void end_relay(struct task *t)
{
	if (t->relaying)
		pthread_join(t->relay_th, NULL);
	if (t->relay_open)
		agent_relay_close(&t->relay);
	t->relaying = t->relay_open = false;
}

/* ------------------------------------------------------------------ calls */

/* A call is done with t, which it took under the lock (users++). */
static void task_put(struct task *t)
{
	pthread_mutex_lock(&lock);
	t->users--;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

static struct task *task_new(const char *id, const char *exec_id, const char *bundle,
			     const char *in, const char *out, const char *errp)
{
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->relay_stop = -1;
	t->env = shimv2.env;
	snprintf(t->id, sizeof(t->id), "%s", id ? id : "");
	snprintf(t->exec_id, sizeof(t->exec_id), "%s", exec_id ? exec_id : "");
	snprintf(t->bundle, sizeof(t->bundle), "%s", bundle ? bundle : "");
	snprintf(t->io[0], sizeof(t->io[0]), "%s", in ? in : "");
	snprintf(t->io[1], sizeof(t->io[1]), "%s", out ? out : "");
	snprintf(t->io[2], sizeof(t->io[2]), "%s", errp ? errp : "");
	return t;
}

static int spawn_init(struct task *t, const struct sb_stdio *io, struct error **err)
{
	struct sb_create_opts o = { t->bundle, *io };
	return sb_create(&t->env, t->id, &o, &t->pid, err);
}

static int spawn_exec(struct task *t, const struct sb_stdio *io, struct error **err)
{
	return sb_exec(&t->env, t->id, t->spec, io, &t->pid, t->eid, err);
}

/* t's process made, and its relay connected to the agent with
 * containerd's stdio (a terminal's one stream to stdout). */
static int spawn_with_io(struct task *t, bool terminal,
			 int (*spawn)(struct task *, const struct sb_stdio *, struct error **),
			 struct error **err)
{
	struct sb_stdio io = { 0 };
	struct sb_state s;
	int fds[3];

	if (shimv2_open_stdio(t->id, (const char (*)[PATH_MAX])t->io, terminal, fds, &t->relay_stop,
			      err) < 0)
		return -1;
	if (spawn(t, &io, err) < 0 || sb_state_peek(t->env.root, t->id, &s, err) < 0) {
		shimv2_close_stdio(fds);
		return -1;
	}
	int r = agent_relay_open(&t->relay, s.agent_url, t->id, *t->exec_id ? t->eid : t->id,
				 terminal, fds, err);
	sb_state_free(&s);
	if (r < 0) {
		shimv2_close_stdio(fds);
		return -1;
	}
	t->relay_open = true;
	return 0;
}

/* The configuration the container names (shimv2/taskinfo.c): t's own
 * then, owned by it. */
static int task_config(struct task *t, const containerd_task_v2_CreateTaskRequest *q,
		       struct error **err)
{
	int r = shimv2_task_config(t->id, t->bundle, q, &t->config, err);
	if (r == 0 && t->config)
		t->env.config = t->config;
	return r;
}

static int create(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		  struct error **err)
{
	const containerd_task_v2_CreateTaskRequest *q = req;
	containerd_task_v2_CreateTaskResponse *r = resp;
	(void)ctx, (void)m;
	if (q->checkpoint && *q->checkpoint)
		return ERR(GRPC_UNIMPLEMENTED, ENOTSUP, "create %s: checkpoints are not supported", q->id);
	pthread_mutex_lock(&lock);
	struct task *t = find(q->id, NULL) ? NULL
		: task_new(q->id, NULL, q->bundle, q->stdin_path, q->stdout_path, q->stderr_path);
	pthread_mutex_unlock(&lock);
	if (!t)
		return ERR(GRPC_ALREADY_EXISTS, EEXIST, "task %s exists already", q->id);
	if (task_config(t, q, err) < 0)
		goto fail;
	if (q->rootfs_count && shimv2_mount_rootfs(t->bundle, q->rootfs, q->rootfs_count, err) < 0)
		goto fail;
	t->rootfs = q->rootfs_count > 0;
	t->terminal = q->terminal;
	if (spawn_with_io(t, q->terminal, spawn_init, err) < 0) {
		if (t->pid)
			sb_delete(&t->env, t->id, true, NULL);
		goto fail;
	}
	pthread_mutex_lock(&lock);
	t->next = tasks;
	tasks = t;
	pthread_mutex_unlock(&lock);
	char sandbox[VM_ID_MAX + 1];
	t->is_sandbox = sb_sandbox_of(t->bundle, t->id, sandbox, NULL) == 0 && !*sandbox;
	if (t->is_sandbox)
		shimv2_monitor_start(t->id);
	r->pid = (uint32_t)t->pid;
	containerd_events_TaskIO io = { t->io[0], t->io[1], t->io[2], t->terminal };
	containerd_events_TaskCreate ev = { t->id, t->bundle, q->rootfs_count, q->rootfs, true, io,
					    NULL, r->pid };
	shimv2_publish("/tasks/create", "TaskCreate", containerd_events_TaskCreate_fields, &ev);
	return 0;
fail:
	if (t->rootfs)
		shimv2_umount_rootfs(t->bundle);
	shimv2_relay_stop(&t->relay_stop);
	end_relay(t);
	config_free(t->config);
	free(t);
	return failed(err);
}

static int start(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		 struct error **err)
{
	const containerd_task_v2_StartRequest *q = req;
	containerd_task_v2_StartResponse *r = resp;
	struct task *t;
	(void)ctx, (void)m;
	pthread_mutex_lock(&lock);
	int rc = task_of(q->id, q->exec_id, &t, err);
	if (!rc && t->started)
		rc = ERR(GRPC_FAILED_PRECONDITION, EBUSY, "%s: started already", q->id);
	if (!rc)
		t->started = true; /* no second Start while this one runs */
	pthread_mutex_unlock(&lock);
	if (rc)
		return rc;
	if (!*t->exec_id) {
		if (sb_start(&t->env, t->id, err) < 0)
			goto fail;
		containerd_events_TaskStart ev = { t->id, (uint32_t)t->pid };
		shimv2_publish("/tasks/start", "TaskStart", containerd_events_TaskStart_fields, &ev);
		start_oom_watcher(t);
	} else {
		if (spawn_with_io(t, t->terminal, spawn_exec, err) < 0)
			goto fail;
		containerd_events_TaskExecStarted ev = { t->id, t->exec_id, (uint32_t)t->pid };
		shimv2_publish("/tasks/exec-started", "TaskExecStarted",
			       containerd_events_TaskExecStarted_fields, &ev);
	}
	if (start_relay(t, err) < 0) /* after the start event: the exit comes after it */
		return failed(err);
	r->pid = (uint32_t)t->pid;
	return 0;
fail:
	pthread_mutex_lock(&lock);
	t->started = false;
	pthread_mutex_unlock(&lock);
	return failed(err);
}

static int exec_add(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		    void *resp, struct error **err)
{
	const containerd_task_v2_ExecProcessRequest *q = req;
	(void)ctx, (void)m, (void)resp;
	if (!q->exec_id || !*q->exec_id || !q->has_spec || !q->spec.value)
		return ERR(GRPC_INVALID_ARGUMENT, EINVAL, "exec in %s: no exec id or process", q->id);
	struct oci_process *p = calloc(1, sizeof(*p));
	if (!p || oci_process_parse((const char *)q->spec.value->bytes, q->spec.value->size, p,
				    err) < 0) {
		free(p);
		return error_wrap(err, "exec %s: its process", q->exec_id), GRPC_INVALID_ARGUMENT;
	}
	pthread_mutex_lock(&lock);
	struct task *c = find(q->id, NULL), *t = NULL;
	int rc = 0;
	if (!c)
		rc = task_of(q->id, NULL, &c, err);
	else if (find(q->id, q->exec_id))
		rc = ERR(GRPC_ALREADY_EXISTS, EEXIST, "exec %s exists already in %s", q->exec_id, q->id);
	else if (!(t = task_new(q->id, q->exec_id, c->bundle, q->stdin_path, q->stdout_path,
				q->stderr_path)))
		rc = ERR(GRPC_RESOURCE_EXHAUSTED, ENOMEM, "out of memory");
	if (t) {
		t->env = c->env;
		t->terminal = q->terminal;
		t->spec = p;
		p = NULL;
		t->next = tasks;
		tasks = t;
	}
	pthread_mutex_unlock(&lock);
	if (p) {
		oci_process_free(p);
		free(p);
	}
	if (rc)
		return rc;
	containerd_events_TaskExecAdded ev = { q->id, q->exec_id };
	shimv2_publish("/tasks/exec-added", "TaskExecAdded", containerd_events_TaskExecAdded_fields,
		       &ev);
	return 0;
}

static int wait_exit(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		     void *resp, struct error **err)
{
	const containerd_task_v2_WaitRequest *q = req;
	containerd_task_v2_WaitResponse *r = resp;
	struct task *t;
	(void)ctx, (void)m;
	pthread_mutex_lock(&lock);
	int rc = task_of(q->id, q->exec_id, &t, err);
	while (!rc && !t->exited && !shutting_down)
		pthread_cond_wait(&changed, &lock);
	if (!rc && t->exited) {
		r->exit_status = t->status;
		r->has_exited_at = true;
		r->exited_at = (google_protobuf_Timestamp){ t->exited_at.tv_sec,
							    (int32_t)t->exited_at.tv_nsec };
	} else if (!rc) {
		rc = ERR(GRPC_UNAVAILABLE, ECANCELED, "the shim is shutting down");
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int kill_task(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		     void *resp, struct error **err)
{
	const containerd_task_v2_KillRequest *q = req;
	struct task *t;
	(void)ctx, (void)m, (void)resp;
	pthread_mutex_lock(&lock);
	int rc = task_of(q->id, q->exec_id, &t, err);
	struct agent *a = rc || !t->relay_open ? NULL : &t->relay.agent;
	const char *eid = rc ? "" : t->eid;
	bool init = !rc && !*t->exec_id, gone = !rc && t->exited, idle = !rc && !t->started;
	struct sb_env env = env_of(q->id);
	if (!rc)
		t->users++;
	pthread_mutex_unlock(&lock);
	if (rc)
		return rc;
	int e = 0;
	if (gone && !q->all)
		e = error_set(err, ESRCH, "%s: process already finished", q->id);
	else if (init)
		e = sb_kill(&env, q->id, (int)q->signal, q->all, err);
	else if (!idle) /* an exec not started has nothing to signal */
		e = a ? a->ops->signal_process(a, q->id, eid, (int)q->signal, err)
		      : error_set(err, ESRCH, "%s: exec %s has no process", q->id, q->exec_id);
	task_put(t);
	return e < 0 ? failed(err) : 0;
}

/* Delete answers what the task's exit was. */
static void answer_exit(const struct task *t, containerd_task_v2_DeleteResponse *r)
{
	r->pid = (uint32_t)t->pid;
	r->exit_status = t->exited ? t->status : 0;
	r->has_exited_at = t->exited;
	r->exited_at = (google_protobuf_Timestamp){ t->exited_at.tv_sec,
						    (int32_t)t->exited_at.tv_nsec };
}

static void unlink_task(struct task *t)
{
	for (struct task **p = &tasks; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	pthread_cond_broadcast(&changed);
}

/* t, unlinked (no call takes it any more), once no call uses it. */
static void task_free(struct task *t)
{
	pthread_mutex_lock(&lock);
	while (t->users)
		pthread_cond_wait(&changed, &lock);
	pthread_mutex_unlock(&lock);
	if (t->spec)
		oci_process_free(t->spec);
	free(t->spec);
	shimv2_relay_stop(&t->relay_stop);
	end_relay(t);
	config_free(t->config);
	free(t);
}

static int delete_task(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		       void *resp, struct error **err)
{
	const containerd_task_v2_DeleteRequest *q = req;
	containerd_task_v2_DeleteResponse *r = resp;
	struct task *t;
	(void)ctx, (void)m;
	pthread_mutex_lock(&lock);
	int rc = task_of(q->id, q->exec_id, &t, err);
	if (!rc && t->started && !t->exited)
		rc = ERR(GRPC_FAILED_PRECONDITION, EBUSY, "%s: still running", q->id);
	if (!rc && !*t->exec_id)
		for (struct task *x = tasks; x && !rc; x = x->next)
			if (x != t && !strcmp(x->id, t->id) && x->started && !x->exited)
				rc = ERR(GRPC_FAILED_PRECONDITION, EBUSY, "%s: exec %s is running", t->id,
					 x->exec_id);
	struct task *gone = NULL; /* the container's execs that ended go with it */
	if (!rc && !*t->exec_id)
		for (struct task **p = &tasks; *p;) {
			struct task *x = *p;
			if (x != t && !strcmp(x->id, t->id)) {
				*p = x->next;
				x->next = gone;
				gone = x;
			} else {
				p = &x->next;
			}
		}
	if (!rc)
		unlink_task(t);
	pthread_mutex_unlock(&lock);
	while (gone) {
		struct task *x = gone;
		gone = x->next;
		task_free(x);
	}
	if (rc)
		return rc;
	if (!*t->exec_id) {
		shimv2_monitor_stop(t->id);
		if (t->oom_on)
			shimv2_oom_drain(&t->env, t->id);
		/* never started: its process's shim goes with it */
		if (sb_delete(&t->env, t->id, true, err) < 0)
			log_warn("delete %s: %s", t->id, (*err)->msg);
		error_free(*err);
		*err = NULL;
		shimv2_relay_stop(&t->relay_stop);
		end_relay(t); /* its streams ended with the VM, or its process */
		if (t->oom_on) /* its VM is gone: the watcher's wait ends */
			pthread_join(t->oom, NULL);
		if (t->rootfs)
			shimv2_umount_rootfs(t->bundle);
	}
	answer_exit(t, r);
	containerd_events_TaskDelete ev = { t->id, r->pid, r->exit_status, r->has_exited_at,
					    r->exited_at, *t->exec_id ? t->exec_id : t->id };
	shimv2_publish("/tasks/delete", "TaskDelete", containerd_events_TaskDelete_fields, &ev);
	task_free(t);
	return 0;
}

static int state(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		 struct error **err)
{
	const containerd_task_v2_StateRequest *q = req;
	containerd_task_v2_StateResponse *r = resp;
	struct task *t;
	struct sb_state s;
	(void)ctx, (void)m;
	pthread_mutex_lock(&lock);
	int rc = task_of(q->id, q->exec_id, &t, err);
	if (!rc) {
		r->id = strdup(t->id);
		r->exec_id = strdup(t->exec_id);
		r->bundle = strdup(t->bundle);
		r->stdin_path = strdup(t->io[0]);
		r->stdout_path = strdup(t->io[1]);
		r->stderr_path = strdup(t->io[2]);
		r->pid = (uint32_t)t->pid;
		r->status = t->exited ? containerd_v1_types_Status_STOPPED
			    : t->started ? containerd_v1_types_Status_RUNNING
					 : containerd_v1_types_Status_CREATED;
		r->exit_status = t->status;
		r->has_exited_at = t->exited;
		r->exited_at = (google_protobuf_Timestamp){ t->exited_at.tv_sec,
							    (int32_t)t->exited_at.tv_nsec };
	}
	bool ask = !rc && !*t->exec_id && r->status == containerd_v1_types_Status_RUNNING;
	struct sb_env env = env_of(q->id);
	pthread_mutex_unlock(&lock);
	if (ask && sb_state_get(&env, q->id, &s, NULL) == 0 && s.status == SB_PAUSED)
		r->status = containerd_v1_types_Status_PAUSED;
	return rc;
}

static int pids(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		struct error **err)
{
	const containerd_task_v2_PidsRequest *q = req;
	containerd_task_v2_PidsResponse *r = resp;
	(void)ctx, (void)m;
	pthread_mutex_lock(&lock);
	size_t n = 0;
	for (struct task *t = tasks; t; t = t->next)
		n += !strcmp(t->id, q->id) && t->started && !t->exited;
	r->processes = calloc(n ? n : 1, sizeof(*r->processes));
	for (struct task *t = tasks; r->processes && t; t = t->next)
		if (!strcmp(t->id, q->id) && t->started && !t->exited)
			r->processes[r->processes_count++].pid = (uint32_t)t->pid;
	int rc = find(q->id, NULL) ? 0 : task_of(q->id, NULL, &(struct task *){ NULL }, err);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int pause_or_resume(const char *id, bool pause, struct error **err)
{
	pthread_mutex_lock(&lock);
	struct task *t;
	int rc = task_of(id, NULL, &t, err);
	struct sb_env env = env_of(id);
	pthread_mutex_unlock(&lock);
	if (rc)
		return rc;
	if (sb_pause(&env, id, pause, err) < 0)
		return failed(err);
	containerd_events_TaskPaused ev = { (char *)id };
	if (pause)
		shimv2_publish("/tasks/paused", "TaskPaused", containerd_events_TaskPaused_fields, &ev);
	else
		shimv2_publish("/tasks/resumed", "TaskResumed", containerd_events_TaskResumed_fields,
			       &ev);
	return 0;
}

static int pause_task(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		      void *resp, struct error **err)
{
	(void)ctx, (void)m, (void)resp;
	return pause_or_resume(((const containerd_task_v2_PauseRequest *)req)->id, true, err);
}

static int resume_task(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		       void *resp, struct error **err)
{
	(void)ctx, (void)m, (void)resp;
	return pause_or_resume(((const containerd_task_v2_ResumeRequest *)req)->id, false, err);
}

/* LinuxResources, as containerd sends them: JSON in the Any. */
static int update(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		  struct error **err)
{
	const containerd_task_v2_UpdateTaskRequest *q = req;
	struct oci_resources res;
	(void)ctx, (void)m, (void)resp;
	if (!q->has_resources || !q->resources.value)
		return ERR(GRPC_INVALID_ARGUMENT, EINVAL, "update %s: no resources", q->id);
	memset(&res, 0, sizeof(res));
	if (oci_resources_parse((const char *)q->resources.value->bytes, q->resources.value->size,
				&res, err) < 0)
		return error_wrap(err, "update %s: resources", q->id), GRPC_INVALID_ARGUMENT;
	pthread_mutex_lock(&lock);
	struct sb_env env = env_of(q->id);
	pthread_mutex_unlock(&lock);
	int rc = sb_update(&env, q->id, &res, err) < 0 ? failed(err) : 0;
	oci_resources_free(&res);
	return rc;
}

static int connect_task(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
			void *resp, struct error **err)
{
	const containerd_task_v2_ConnectRequest *q = req;
	containerd_task_v2_ConnectResponse *r = resp;
	(void)ctx, (void)m, (void)err;
	pthread_mutex_lock(&lock);
	struct task *t = find(q->id, NULL);
	r->shim_pid = (uint32_t)getpid();
	r->task_pid = t ? (uint32_t)t->pid : 0;
	pthread_mutex_unlock(&lock);
	r->version = strdup("2");
	return 0;
}

static int shutdown_shim(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
			 void *resp, struct error **err)
{
	const containerd_task_v2_ShutdownRequest *q = req;
	(void)ctx, (void)m, (void)resp, (void)err;
	pthread_mutex_lock(&lock);
	if (!tasks || q->now) {
		shutting_down = true;
		pthread_cond_broadcast(&changed);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

bool shimv2_done(int wait_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&lock);
	if (!shutting_down)
		pthread_cond_timedwait(&changed, &lock, &until);
	bool done = shutting_down;
	pthread_mutex_unlock(&lock);
	return done;
}

static int close_io(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		    void *resp, struct error **err)
{
	const containerd_task_v2_CloseIORequest *q = req;
	struct task *t;
	(void)ctx, (void)m, (void)resp;
	/* the stdin FIFO's relay ends (what it holds goes first), and the
	 * agent is told at the end of the pipe (CloseStdin) */
	pthread_mutex_lock(&lock);
	int rc = task_of(q->id, q->exec_id, &t, err);
	if (!rc && q->close_stdin)
		shimv2_relay_stop(&t->relay_stop);
	pthread_mutex_unlock(&lock);
	return rc;
}

/* The container's cgroup figures, as containerd's cgroup v2 metrics. */
static int stats(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req, void *resp,
		 struct error **err)
{
	const containerd_task_v2_StatsRequest *q = req;
	containerd_task_v2_StatsResponse *r = resp;
	struct agent_stats st;
	struct task *t;
	(void)ctx, (void)m;
	pthread_mutex_lock(&lock);
	int rc = task_of(q->id, NULL, &t, err);
	struct sb_env env = env_of(q->id);
	pthread_mutex_unlock(&lock);
	if (rc)
		return rc;
	memset(&st, 0, sizeof(st));
	if (sb_stats(&env, q->id, &st, err) < 0)
		return failed(err);
	if (shimv2_stats_any(&st, &r->stats) < 0)
		return ERR(GRPC_RESOURCE_EXHAUSTED, ENOMEM, "out of memory");
	r->has_stats = true;
	return 0;
}

static int resize_pty(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
		      void *resp, struct error **err)
{
	const containerd_task_v2_ResizePtyRequest *q = req;
	struct task *t;
	(void)ctx, (void)m, (void)resp;
	pthread_mutex_lock(&lock);
	int rc = task_of(q->id, q->exec_id, &t, err);
	if (!rc && (!t->terminal || !t->relay_open))
		rc = ERR(GRPC_FAILED_PRECONDITION, ENOTTY, "%s: no terminal", q->id);
	struct agent *a = rc ? NULL : &t->relay.agent;
	const char *eid = rc ? "" : t->relay.eid;
	if (!rc)
		t->users++;
	pthread_mutex_unlock(&lock);
	if (rc)
		return rc;
	if (a->ops->tty_resize(a, q->id, eid, q->height, q->width, err) < 0)
		rc = failed(err);
	task_put(t);
	return rc;
}

static int not_supported(struct rpc_ctx *ctx, const struct rpc_method *m, const void *req,
			 void *resp, struct error **err)
{
	(void)ctx, (void)req, (void)resp;
	error_set(err, ENOTSUP, "%s: not supported by this shim", strrchr(m->path, '/') + 1);
	return GRPC_UNIMPLEMENTED;
}

#define M(name, rq, rs) \
	{ TASK_V2(name), containerd_task_v2_##rq##_fields, rs##_fields, \
	  sizeof(containerd_task_v2_##rq), sizeof(rs) }
static const struct rpc_method methods[] = {
	M(State, StateRequest, containerd_task_v2_StateResponse),
	M(Create, CreateTaskRequest, containerd_task_v2_CreateTaskResponse),
	M(Start, StartRequest, containerd_task_v2_StartResponse),
	M(Delete, DeleteRequest, containerd_task_v2_DeleteResponse),
	M(Pids, PidsRequest, containerd_task_v2_PidsResponse),
	M(Pause, PauseRequest, google_protobuf_Empty),
	M(Resume, ResumeRequest, google_protobuf_Empty),
	M(Checkpoint, CheckpointTaskRequest, google_protobuf_Empty),
	M(Kill, KillRequest, google_protobuf_Empty),
	M(Exec, ExecProcessRequest, google_protobuf_Empty),
	M(ResizePty, ResizePtyRequest, google_protobuf_Empty),
	M(CloseIO, CloseIORequest, google_protobuf_Empty),
	M(Update, UpdateTaskRequest, google_protobuf_Empty),
	M(Wait, WaitRequest, containerd_task_v2_WaitResponse),
	M(Stats, StatsRequest, containerd_task_v2_StatsResponse),
	M(Connect, ConnectRequest, containerd_task_v2_ConnectResponse),
	M(Shutdown, ShutdownRequest, google_protobuf_Empty),
};

const struct rpc_handler shimv2_task_handlers[] = {
	{ &methods[0], state, NULL, false },	     { &methods[1], create, NULL, false },
	{ &methods[2], start, NULL, false },	     { &methods[3], delete_task, NULL, false },
	{ &methods[4], pids, NULL, false },	     { &methods[5], pause_task, NULL, false },
	{ &methods[6], resume_task, NULL, false },   { &methods[7], not_supported, NULL, true },
	{ &methods[8], kill_task, NULL, false },     { &methods[9], exec_add, NULL, false },
	{ &methods[10], resize_pty, NULL, true }, { &methods[11], close_io, NULL, true },
	{ &methods[12], update, NULL, false },	     { &methods[13], wait_exit, NULL, false },
	{ &methods[14], stats, NULL, false }, { &methods[15], connect_task, NULL, true },
	{ &methods[16], shutdown_shim, NULL, true },
};
const size_t shimv2_ntask_handlers = sizeof(shimv2_task_handlers) / sizeof(shimv2_task_handlers[0]);
