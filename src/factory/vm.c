/* A VM's description on the wire, and moving a VM into a sandbox. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "factory/factory.h"
#include "hypervisor/hypervisor.h"
#include "json/read.h"
#include "json/writer.h"
#include "util/error.h"

#define DESC_MAX (FACTORY_KEY_MAX + 3 * PATH_MAX)

int factory_vm_encode(const struct vm *vm, struct buf *out)
{
	struct json_writer w;
	char qmp[PATH_MAX + 16];

	snprintf(qmp, sizeof(qmp), "%s/qmp.sock", vm->dir);
	json_begin(&w, out, false);
	json_obj_begin(&w);
	/* Kata's qemuGrpc: what a Kata client reads. */
	json_key(&w, "ID");
	json_str(&w, vm->id);
	json_key(&w, "QmpChannelpath");
	json_str(&w, qmp);
	json_key(&w, "State");
	json_obj_begin(&w);
	json_obj_end(&w);
	json_key(&w, "NvdimmCount");
	json_uint(&w, 0);
	json_key(&w, "QemuSMP");
	json_obj_begin(&w);
	json_key(&w, "CPUs");
	json_uint(&w, vm->cpus);
	json_obj_end(&w);
	/* Ours: the whole description. */
	json_key(&w, "ukata");
	json_obj_begin(&w);
	json_key(&w, "dir");
	json_str(&w, vm->dir);
	json_key(&w, "pid");
	json_int(&w, vm->pid);
	json_key(&w, "agent");
	json_str(&w, vm->agent_url);
	json_key(&w, "cid");
	json_uint(&w, vm->vsock_cid);
	json_key(&w, "cpus");
	json_uint(&w, vm->cpus);
	json_key(&w, "memory");
	json_uint(&w, vm->memory_mib);
	json_key(&w, "paused");
	json_bool(&w, vm->paused);
	json_key(&w, "key");
	json_str(&w, vm->key);
	json_obj_end(&w);
	json_obj_end(&w);
	return json_end(&w);
}

static int text_field(const struct json_doc *d, int obj, const char *k, char *out, size_t size)
{
	struct buf b = BUF_INIT(size - 1);
	int t = json_get(d, obj, k), r = t < 0 || json_text(d, t, &b) < 0 ? -1 : 0;
	if (r == 0)
		snprintf(out, size, "%s", b.data ? b.data : "");
	buf_free(&b);
	return r;
}

static int num_field(const struct json_doc *d, int obj, const char *k, long long max,
		     long long *v)
{
	int t = json_get(d, obj, k);
	return t < 0 || json_number(d, t, v) < 0 || *v < 0 || *v > max ? -1 : 0;
}

int factory_vm_decode(const char *text, size_t len, struct vm *vm, struct error **err)
{
	struct json_doc d = { 0 };
	long long pid, cid, cpus, mem;
	const char *bad = NULL;

	memset(vm, 0, sizeof(*vm));
	if (len > DESC_MAX)
		return error_set(err, E2BIG, "VM description: longer than %d bytes", DESC_MAX);
	if (json_parse(&d, text, len, err) < 0)
		return error_wrap(err, "VM description");
	int u = json_type(&d, 0) == JSON_OBJECT ? json_get(&d, 0, "ukata") : -1;
	if (u < 0 || json_type(&d, u) != JSON_OBJECT)
		bad = "ukata";
	else if (text_field(&d, 0, "ID", vm->id, sizeof(vm->id)) < 0)
		bad = "ID";
	else if (text_field(&d, u, "dir", vm->dir, sizeof(vm->dir)) < 0 || vm->dir[0] != '/')
		bad = "ukata.dir";
	else if (num_field(&d, u, "pid", 4194304, &pid) < 0 || pid == 0)
		bad = "ukata.pid";
	else if (text_field(&d, u, "agent", vm->agent_url, sizeof(vm->agent_url)) < 0)
		bad = "ukata.agent";
	else if (num_field(&d, u, "cid", UINT32_MAX, &cid) < 0)
		bad = "ukata.cid";
	else if (num_field(&d, u, "cpus", 4096, &cpus) < 0)
		bad = "ukata.cpus";
	else if (num_field(&d, u, "memory", UINT32_MAX, &mem) < 0)
		bad = "ukata.memory";
	else if (text_field(&d, u, "key", vm->key, sizeof(vm->key)) < 0)
		bad = "ukata.key";
	if (!bad) {
		int p = json_get(&d, u, "paused");
		size_t n;
		const char *v = p < 0 ? "" : json_raw(&d, p, &n);
		vm->paused = p >= 0 && n == 4 && !memcmp(v, "true", 4);
		vm->pid = (pid_t)pid;
		vm->vsock_cid = (uint32_t)cid;
		vm->cpus = (uint32_t)cpus;
		vm->memory_mib = (uint32_t)mem;
	}
	json_doc_free(&d);
	if (bad)
		return error_set(err, EINVAL, "VM description: %s: missing or not valid", bad);
	return 0;
}

/* The run files, moved one by one: the share and the agent's socket
 * first, then the hypervisor's (what finds the VM last). */
static const char *run_file(const struct vm *vm, size_t i)
{
	static const char *const ours[] = { "shared", "kata.sock" };
	return i < 2 ? ours[i] : vm->hv->run_files[i - 2];
}

int factory_vm_move(struct vm *vm, const char *dir, struct error **err)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	size_t i;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, errno, "VM %s: %s", vm->id, dir);
	for (i = 0; run_file(vm, i); i++) {
		snprintf(from, sizeof(from), "%s/%s", vm->dir, run_file(vm, i));
		snprintf(to, sizeof(to), "%s/%s", dir, run_file(vm, i));
		/* Only the agent's socket may be missing (vsock has none). */
		if (rename(from, to) < 0 && (errno != ENOENT || i != 1))
			break;
	}
	if (run_file(vm, i)) {
		int e = errno;
		while (i-- > 0) { /* put back what moved */
			snprintf(from, sizeof(from), "%s/%s", vm->dir, run_file(vm, i));
			snprintf(to, sizeof(to), "%s/%s", dir, run_file(vm, i));
			rename(to, from);
		}
		return error_set_errno(err, e, "VM %s: moving %s into %s", vm->id, vm->dir, dir);
	}
	rmdir(vm->dir);
	snprintf(vm->dir, sizeof(vm->dir), "%s", dir);
	if (agent_url_is_noop(vm->agent_url))
		snprintf(vm->agent_url, sizeof(vm->agent_url), "%s%s", AGENT_NOOP_URL, dir);
	else if (!vm->vsock_cid)
		snprintf(vm->agent_url, sizeof(vm->agent_url), "%s/kata.sock", dir);
	return 0;
}
