/* grpc.AgentService: the sandbox, containers and their processes. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
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

#define ID_MAX 256

static char *sandbox_id;
pid_t guest_pod_pid;
bool guest_pod_pidns;
static char *mounted[64]; /* storages, unmounted by DestroySandbox */
static size_t nmounted;

int guest_bad_id(const char *what, const char *id, struct error **err)
{
	if (!id || !*id || strlen(id) > ID_MAX || strchr(id, '/'))
		return error_set(err, GRPC_INVALID_ARGUMENT, "%s \"%s\": not a valid id", what,
				 id ? id : ""), GRPC_INVALID_ARGUMENT;
	return 0;
}

int guest_not_found(const char *cid, const char *eid, struct error **err)
{
	if (eid && *eid)
		error_set(err, GRPC_NOT_FOUND, "process %s of container %s does not exist", eid, cid);
	else
		error_set(err, GRPC_NOT_FOUND, "container %s does not exist", cid ? cid : "");
	return GRPC_NOT_FOUND;
}

/* Load the module at path with params: 0 (or loaded already), else the
 * errno of its open or of finit_module. */
static int insmod(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int e = syscall(SYS_finit_module, fd, params, 0) < 0 ? errno : 0;
	close(fd);
	return e == EEXIST ? 0 : e;
}

/* The disks' file systems (ext4), not loaded at boot: the modules of
 * /lib/modules/fs.load, once, in its order. */
static void load_fs_modules(void)
{
	static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
	static bool done;
	char *text = NULL, *save = NULL, path[300];
	pthread_mutex_lock(&once);
	if (!done && fs_read_file("/lib/modules/fs.load", 65536, &text, NULL, NULL) == 0) {
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			snprintf(path, sizeof(path), "/lib/modules/%s", l);
			int e = strchr(l, '/') ? EINVAL : insmod(path, "");
			if (e)
				log_warn("module %s: %s", path, strerror(e));
		}
		free(text);
	}
	done = true;
	pthread_mutex_unlock(&once);
}

int guest_storage_mount(const grpc_Storage *s, char **path, struct error **err)
{
	struct spawn_mount m;
	*path = NULL;
	if (guest_plan_storage(s, &m, err) < 0)
		return GRPC_INVALID_ARGUMENT;
	if (s->driver && !strcmp(s->driver, "blk")) { /* source: the disk's PCI path */
		char name[64];
		dev_t rdev;
		if (guest_block_by_pci(s->source, name, sizeof(name), &rdev, err) < 0)
			return error_wrap(err, "storage %s", m.target), GRPC_NOT_FOUND;
		snprintf(m.source, sizeof(m.source), "/dev/%s", name);
	}
	if (fs_mkdir_p(m.target, 0755, false) < 0)
		return error_set_errno(err, errno, "storage mount point %s", m.target), GRPC_INTERNAL;
	int r = mount(m.source, m.target, m.type, m.flags, m.data[0] ? m.data : NULL);
	if (r < 0 && errno == ENODEV) { /* a file system whose module is not loaded yet */
		load_fs_modules();
		r = mount(m.source, m.target, m.type, m.flags, m.data[0] ? m.data : NULL);
	}
	if (r < 0)
		return error_set_errno(err, errno, "mount %s (%s) on %s", m.source, m.type, m.target),
		       GRPC_INTERNAL;
	if (!(*path = strdup(m.target))) {
		umount2(m.target, MNT_DETACH);
		return error_set(err, GRPC_RESOURCE_EXHAUSTED, "out of memory"), GRPC_RESOURCE_EXHAUSTED;
	}
	return 0;
}

/* Storages: "9p" (the shared directory), "ephemeral" (tmpfs), "blk" (a
 * disk by its PCI path) and anything mount(2) takes as it is. */
static int mount_storage(const grpc_Storage *s, struct error **err)
{
	char *path;
	int r = guest_storage_mount(s, &path, err);
	if (r == 0 && nmounted < sizeof(mounted) / sizeof(mounted[0]))
		mounted[nmounted++] = path;
	else
		free(path);
	return r;
}

static int load_module(const grpc_KernelModule *k, struct error **err)
{
	char path[512], params[1024] = "";
	if (!k->name || !*k->name || strchr(k->name, '/'))
		return error_set(err, GRPC_INVALID_ARGUMENT, "kernel module \"%s\": not a module name",
				 k->name ? k->name : ""), GRPC_INVALID_ARGUMENT;
	for (size_t i = 0; i < k->parameters_count; i++)
		snprintf(params + strlen(params), sizeof(params) - strlen(params), "%s%s", i ? " " : "",
			 k->parameters[i] ? k->parameters[i] : "");
	snprintf(path, sizeof(path), "/lib/modules/%s.ko", k->name);
	int e = insmod(path, params);
	if (e == ENOENT)
		return error_set_errno(err, e, "kernel module %s", path), GRPC_NOT_FOUND;
	if (e)
		return error_set_errno(err, e, "kernel module %s", k->name), GRPC_INTERNAL;
	return 0;
}

static int create_sandbox(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			  void *resp, struct error **err)
{
	const grpc_CreateSandboxRequest *req = rq;
	(void)ctx, (void)m, (void)resp;
	if (sandbox_id)
		return error_set(err, GRPC_ALREADY_EXISTS, "sandbox %s exists already", sandbox_id),
		       GRPC_ALREADY_EXISTS;
	if (req->hostname && *req->hostname && sethostname(req->hostname, strlen(req->hostname)) < 0)
		return error_set_errno(err, errno, "hostname \"%s\"", req->hostname), GRPC_INVALID_ARGUMENT;
	if (req->dns_count) {
		FILE *f = fopen("/etc/resolv.conf", "we");
		for (size_t i = 0; f && i < req->dns_count; i++)
			fprintf(f, "%s\n", req->dns[i] ? req->dns[i] : "");
		if (!f || fclose(f) != 0)
			return error_set_errno(err, errno, "/etc/resolv.conf"), GRPC_INTERNAL;
	}
	for (size_t i = 0; i < req->kernel_modules_count; i++) {
		int r = load_module(&req->kernel_modules[i], err);
		if (r)
			return r;
	}
	for (size_t i = 0; i < req->storages_count; i++) {
		int r = mount_storage(&req->storages[i], err);
		if (r)
			return r;
	}
	/* UTS and IPC are the pod's (Kata's shared namespaces), and PID with
	 * sandbox_pidns: a holder keeps them for the containers to join. */
	pid_t pod = guest_spawn_pod(req->hostname ? req->hostname : "", req->sandbox_pidns, err);
	if (pod < 0)
		return GRPC_INTERNAL;
	pthread_mutex_lock(&guest_lock);
	guest_pod_pid = pod;
	guest_pod_pidns = req->sandbox_pidns;
	pthread_mutex_unlock(&guest_lock);
	sandbox_id = strdup(req->sandbox_id && *req->sandbox_id ? req->sandbox_id : "sandbox");
	log_info("sandbox %s created", sandbox_id);
	return 0;
}

/* Kill what runs and wait (up to timeout_s, 0: for ever) until it is gone;
 * with guest_lock held. */
int guest_stop_container(struct guest_container *c, unsigned timeout_s)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_s;
	for (struct guest_proc *p = c->procs; p; p = p->next)
		if (!p->exited && p->pid > 0)
			kill(p->pid, SIGKILL);
	for (;;) {
		bool all = true;
		for (struct guest_proc *p = c->procs; p; p = p->next)
			all = all && (p->exited || p->pid <= 0);
		if (all)
			return 0;
		if (timeout_s ? pthread_cond_timedwait(&guest_exit_cond, &guest_lock, &until) == ETIMEDOUT
			      : pthread_cond_wait(&guest_exit_cond, &guest_lock) != 0)
			return -1;
	}
}

void guest_storages_unmount(struct guest_container *c)
{
	while (c->nstorages) {
		char *p = c->storages[--c->nstorages];
		umount2(p, MNT_DETACH);
		free(p);
	}
}

void guest_unlink_container(struct guest_container *c)
{
	for (struct guest_container **pp = &guest_containers; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->cgroup[0])
		rmdir(c->cgroup);
	guest_storages_unmount(c); /* its rootfs disk: the disk may go next */
	guest_container_free(c);
}

static int destroy_sandbox(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			   void *resp, struct error **err)
{
	(void)ctx, (void)m, (void)rq, (void)resp, (void)err;
	pthread_mutex_lock(&guest_lock);
	while (guest_containers) {
		guest_stop_container(guest_containers, 10);
		guest_unlink_container(guest_containers);
	}
	if (guest_pod_pid > 0)
		kill(guest_pod_pid, SIGKILL); /* the reaper reaps it */
	guest_pod_pid = 0;
	pthread_mutex_unlock(&guest_lock);
	while (nmounted) {
		char *p = mounted[--nmounted];
		umount2(p, MNT_DETACH);
		free(p);
	}
	free(sandbox_id);
	sandbox_id = NULL;
	return 0;
}

const struct rpc_handler guest_sandbox_handlers[] = {
	{ RPC_AGENT(CreateSandbox), create_sandbox, NULL, false },
	{ RPC_AGENT(DestroySandbox), destroy_sandbox, NULL, false },
};
const size_t guest_nsandbox_handlers = sizeof(guest_sandbox_handlers) / sizeof(guest_sandbox_handlers[0]);

