/* The compatibility key of a VM made ahead of time. Every setting that is
 * fixed once QEMU runs (the command line, the kernel's parameters, the
 * agent channel) is in it; CPUs and memory are not (they are hot-added). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "factory/factory.h"
#include "json/read.h"
#include "json/writer.h"
#include "util/error.h"

static void str(struct json_writer *w, const char *k, const char *v)
{
	json_key(w, k);
	json_str(w, v ? v : "");
}

static void num(struct json_writer *w, const char *k, unsigned long long v)
{
	json_key(w, k);
	json_uint(w, v);
}

static void flag(struct json_writer *w, const char *k, bool v)
{
	json_key(w, k);
	json_bool(w, v);
}

int factory_key_make(const struct config *c, const char *accel, char *key, size_t size,
		     struct error **err)
{
	const struct config_qemu *q = &c->qemu;
	struct buf b = BUF_INIT(size - 1);
	struct json_writer w;

	json_begin(&w, &b, false);
	json_obj_begin(&w);
	str(&w, "HypervisorType", "qemu");
	str(&w, "HypervisorPath", q->path);
	str(&w, "KernelPath", q->kernel);
	str(&w, "InitrdPath", q->initrd);
	str(&w, "ImagePath", q->image);
	str(&w, "FirmwarePath", q->firmware);
	str(&w, "KernelHash", q->kernel_hash);
	str(&w, "InitrdHash", q->initrd_hash);
	str(&w, "ImageHash", q->image_hash);
	str(&w, "MachineType", q->machine_type);
	str(&w, "MachineAccelerators", q->machine_accelerators);
	str(&w, "Accel", accel);
	str(&w, "CPUFeatures", q->cpu_features);
	str(&w, "KernelParams", q->kernel_params);
	num(&w, "DefaultMaxVCPUs", q->default_maxvcpus);
	num(&w, "MemSlots", q->memory_slots);
	num(&w, "DefaultBridges", q->default_bridges);
	num(&w, "PCIeRootPort", q->pcie_root_port);
	str(&w, "SharedFS", q->shared_fs);
	num(&w, "Msize9p", q->msize_9p);
	flag(&w, "EnableIOThreads", q->enable_iothreads);
	num(&w, "IndepIOThreads", q->enable_iothreads ? q->indep_iothreads : 0);
	flag(&w, "HugePages", q->enable_hugepages);
	str(&w, "FileBackedMemRootDir", q->file_mem_backend);
	flag(&w, "IOMMU", q->enable_iommu);
	str(&w, "EntropySource", q->entropy_source);
	/* These change the kernel's command line too. */
	str(&w, "BlockDeviceDriver", q->block_device_driver);
	str(&w, "AgentTrace", ENABLE_TRACE && c->agent.enable_tracing &&
				      c->agent.trace_mode && !strcmp(c->agent.trace_mode, "static")
			      ? c->agent.trace_type
			      : "");
	str(&w, "AgentType", c->agent.noop ? "noop" : "kata");
	flag(&w, "UseVSock", q->use_vsock);
	flag(&w, "AgentDebug", c->agent.enable_debug);
	json_obj_end(&w);
	if (json_end(&w) < 0) {
		buf_free(&b);
		return error_set(err, E2BIG, "VM compatibility key: longer than %zu bytes", size);
	}
	memcpy(key, b.data, b.len + 1);
	buf_free(&b);
	return 0;
}

/* Every member of a is in b with the same text; the first one that is not
 * named in name. */
static bool covers(const struct json_doc *a, const struct json_doc *b, char *name, size_t size)
{
	int n = json_size(a, 0), k = 1;
	for (int i = 0; i < n; i++, k = json_next(a, k + 1)) {
		size_t kl, al, bl;
		const char *kn = json_raw(a, k, &kl);
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)kl, kn);
		int vb = json_get(b, 0, key);
		const char *av = json_raw(a, k + 1, &al), *bv = vb < 0 ? NULL : json_raw(b, vb, &bl);
		if (!bv || al != bl || memcmp(av, bv, al) ||
		    json_type(a, k + 1) != json_type(b, vb)) {
			snprintf(name, size, "%s", key);
			return false;
		}
	}
	return true;
}

int factory_key_diff(const char *a, const char *b, char *name, size_t size)
{
	struct json_doc da = { 0 }, db = { 0 };
	int r = -1;

	snprintf(name, size, "key");
	if (json_parse(&da, a, strlen(a), NULL) == 0 && json_parse(&db, b, strlen(b), NULL) == 0 &&
	    json_type(&da, 0) == JSON_OBJECT && json_type(&db, 0) == JSON_OBJECT)
		r = covers(&da, &db, name, size) && covers(&db, &da, name, size) ? 0 : 1;
	json_doc_free(&da);
	json_doc_free(&db);
	return r;
}
