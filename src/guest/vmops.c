/* grpc.AgentService on the VM itself: hot-added CPUs and memory online,
 * entropy, guest details, the clock, memory probing, copying files in. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent.pb.h"
#include "grpc/grpc.h"
#include "guest/guest.h"
#include "guest/proc.h"
#include "guest/spawn.h"
#include "rpc/pbbytes.h"
#include "rpc/rpc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "version.h"

#define COPY_ROOT "/run/kata-containers"
#define ONLINE_WAIT_MS 5000
#define MEM_WAIT_MS 1000

/* Bring online what is offline under dir: the entries named prefix and a
 * number, their file (".../online" takes "1", memory's "state" "online");
 * returns how many came online. */
static int online(const char *dir, const char *prefix, const char *file, const char *offline,
		  const char *on)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t plen = strlen(prefix);
	int n = 0;

	while (d && (e = readdir(d))) {
		const char *num = e->d_name + plen;
		char path[320], *text = NULL;
		if (strncmp(e->d_name, prefix, plen) || !*num || strspn(num, "0123456789") != strlen(num))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name, file);
		if (fs_read_file(path, 64, &text, NULL, NULL) == 0 &&
		    !strncmp(text, offline, strlen(offline)) && fs_write_text(path, on) == 0)
			n++;
		free(text);
	}
	if (d)
		closedir(d);
	return n;
}

static int online_cpu_mem(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
			  void *resp, struct error **err)
{
	const grpc_OnlineCPUMemRequest *req = rq;
	(void)ctx, (void)m, (void)resp;
	/* hot-added CPUs show up a moment after the host added them */
	int cpus = 0;
	for (int waited = 0; waited <= ONLINE_WAIT_MS; waited += 50) {
		cpus += online("/sys/devices/system/cpu", "cpu", "online", "0", "1");
		if (cpus >= (int)req->nb_cpus)
			break;
		usleep(50 * 1000);
	}
	if (cpus < (int)req->nb_cpus)
		return error_set(err, GRPC_DEADLINE_EXCEEDED, "%d of %u CPUs came online", cpus,
				 req->nb_cpus), GRPC_DEADLINE_EXCEEDED;
	/* the request does not say how much memory came: a block the host has
	 * just added may still be on its way, so look again for a moment */
	int mem = 0;
	for (int waited = 0; !req->cpu_only && waited <= MEM_WAIT_MS; waited += 50) {
		mem += online("/sys/devices/system/memory", "memory", "state", "offline", "online");
		if (mem)
			break;
		usleep(50 * 1000);
	}
	log_info("online: %d CPUs, %d memory blocks", cpus, mem);
	return 0;
}

struct rand_pool {
	int entropy_count; /* bits */
	int buf_size;
	unsigned char buf[4096];
};

static int reseed(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq, void *resp,
		  struct error **err)
{
	const grpc_ReseedRandomDevRequest *req = rq;
	const struct buf *data = req->data.arg;
	struct rand_pool pool;
	(void)ctx, (void)m, (void)resp;
	if (!data || !data->len || data->len > sizeof(pool.buf))
		return error_set(err, GRPC_INVALID_ARGUMENT, "reseed: 1 to %zu bytes of data",
				 sizeof(pool.buf)), GRPC_INVALID_ARGUMENT;
	pool.entropy_count = (int)data->len * 8;
	pool.buf_size = (int)data->len;
	memcpy(pool.buf, data->data, data->len);
	int fd = open("/dev/random", O_RDWR | O_CLOEXEC);
	/* RNDADDENTROPY, then RNDRESEEDCRNG */
	int r = fd < 0 ? -1 : ioctl(fd, 0x40085203, &pool);
	if (r == 0)
		r = ioctl(fd, 0x5207);
	int e = errno;
	if (fd >= 0)
		close(fd);
	return r < 0 ? (error_set_errno(err, e, "reseeding /dev/random"), GRPC_INTERNAL) : 0;
}

static void reseed_prepare(void *req, struct buf *scratch)
{
	pb_bytes_in(&((grpc_ReseedRandomDevRequest *)req)->data, scratch);
}

static int details(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq, void *resp,
		   struct error **err)
{
	const grpc_GuestDetailsRequest *req = rq;
	grpc_GuestDetailsResponse *out = resp;
	char *text = NULL;
	(void)ctx, (void)m;
	if (req->mem_block_size) {
		if (fs_read_file("/sys/devices/system/memory/block_size_bytes", 64, &text, NULL, err) < 0)
			return GRPC_INTERNAL;
		out->mem_block_size_bytes = strtoull(text, NULL, 16);
		free(text);
	}
	if (req->mem_hotplug_probe)
		out->support_mem_hotplug_probe = access("/sys/devices/system/memory/probe", W_OK) == 0;
	static char *storages[] = { "9p", "ephemeral", "local" };
	out->has_agent_details = true;
	out->agent_details.version = strdup(UKATA_VERSION);
	out->agent_details.init_daemon = getpid() == 1;
	out->agent_details.storage_handlers_count = 3;
	out->agent_details.storage_handlers = calloc(3, sizeof(char *));
	for (int i = 0; out->agent_details.storage_handlers && i < 3; i++)
		out->agent_details.storage_handlers[i] = strdup(storages[i]);
	return 0;
}

static int set_time(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq, void *resp,
		    struct error **err)
{
	const grpc_SetGuestDateTimeRequest *req = rq;
	struct timeval tv = { (time_t)req->Sec, (suseconds_t)req->Usec };
	(void)ctx, (void)m, (void)resp;
	if (req->Usec < 0 || req->Usec >= 1000000 || req->Sec < 0)
		return error_set(err, GRPC_INVALID_ARGUMENT, "time %" PRId64 ".%06" PRId64 ": out of range",
				 req->Sec, req->Usec), GRPC_INVALID_ARGUMENT;
	return settimeofday(&tv, NULL) < 0 ? (error_set_errno(err, errno, "settimeofday"), GRPC_INTERNAL) : 0;
}

static int probe(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq, void *resp,
		 struct error **err)
{
	const grpc_MemHotplugByProbeRequest *req = rq;
	(void)ctx, (void)m, (void)resp;
	for (size_t i = 0; i < req->memHotplugProbeAddr_count; i++) {
		char addr[32];
		snprintf(addr, sizeof(addr), "0x%" PRIx64, req->memHotplugProbeAddr[i]);
		if (fs_write_text("/sys/devices/system/memory/probe", addr) < 0)
			return error_set_errno(err, errno, "probing memory at %s", addr), GRPC_INTERNAL;
	}
	return 0;
}

/* CopyFile: only below COPY_ROOT; chunks at their offsets into PATH.tmp,
 * renamed to PATH once the last byte came. */

static int copy_file(struct rpc_ctx *ctx, const struct rpc_method *m, const void *rq,
		     void *resp, struct error **err)
{
	const grpc_CopyFileRequest *req = rq;
	const struct buf *data = req->data.arg;
	char tmp[4200];
	(void)ctx, (void)m, (void)resp;
	if (!req->path || !guest_path_is_clean_under(req->path, COPY_ROOT))
		return error_set(err, GRPC_INVALID_ARGUMENT, "copy: \"%s\" is not a path below %s",
				 req->path ? req->path : "", COPY_ROOT), GRPC_INVALID_ARGUMENT;
	size_t len = data ? data->len : 0;
	if (req->offset < 0 || req->file_size < 0 || (uint64_t)req->offset + len > (uint64_t)req->file_size)
		return error_set(err, GRPC_INVALID_ARGUMENT, "copy %s: %zu bytes at %" PRId64
				 " do not fit in %" PRId64, req->path, len, req->offset, req->file_size),
		       GRPC_INVALID_ARGUMENT;
	if (fs_mkdir_p(req->path, req->dir_mode ? req->dir_mode : 0755, true) < 0)
		return error_set_errno(err, errno, "copy: the directories of %s", req->path), GRPC_INTERNAL;
	snprintf(tmp, sizeof(tmp), "%s.tmp", req->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC | (req->offset ? 0 : O_TRUNC),
		      req->file_mode ? req->file_mode & 07777 : 0644);
	ssize_t w = fd < 0 ? -1 : len ? pwrite(fd, data->data, len, req->offset) : 0;
	int e = errno;
	if (fd >= 0 && (w < 0 || fchown(fd, req->uid, req->gid) < 0))
		e = errno, w = -1;
	if (fd >= 0)
		close(fd);
	if (w < 0 || (size_t)w != len)
		return error_set_errno(err, e, "copy: %s", tmp), GRPC_INTERNAL;
	if ((uint64_t)req->offset + len == (uint64_t)req->file_size && rename(tmp, req->path) < 0)
		return error_set_errno(err, errno, "copy: %s", req->path), GRPC_INTERNAL;
	return 0;
}

static void copy_prepare(void *req, struct buf *scratch)
{
	pb_bytes_in(&((grpc_CopyFileRequest *)req)->data, scratch);
}

const struct rpc_handler guest_vm_handlers[] = {
	{ RPC_AGENT(OnlineCPUMem), online_cpu_mem, NULL, false },
	{ RPC_AGENT(ReseedRandomDev), reseed, reseed_prepare, true },
	{ RPC_AGENT(GetGuestDetails), details, NULL, true },
	{ RPC_AGENT(SetGuestDateTime), set_time, NULL, true },
	{ RPC_AGENT(MemHotplugByProbe), probe, NULL, true },
	{ RPC_AGENT(CopyFile), copy_file, copy_prepare, false },
};
const size_t guest_nvm_handlers = sizeof(guest_vm_handlers) / sizeof(guest_vm_handlers[0]);
