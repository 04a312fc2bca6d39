/* Every key of [hypervisor.qemu], [factory], [agent.kata], [runtime],
 * [proxy.kata], [shim.kata] and [netmon] with Kata 1.x's defaults
 * (reference §3), plus indep_iothreads (Kata 4.x), accel, the asset hashes
 * and the release check's keys (ours). */
#include "config/schema.h"

#include <stdint.h>
#include <string.h>

#include "autoconf.h"
#include "config/config.h"

#define Q "hypervisor.qemu"
#define F(field) offsetof(struct config, field)
/* Each takes, after its fields, what else it is: .vm = "Name" (fixed at
 * boot: in the VM compatibility key), .env = "Name" (in env), .boot,
 * .zero_default. */
#define ENTRY(t, k, ty, fld, ...) { .table = t, .key = #k, .type = ty, .off = F(fld), __VA_ARGS__ }
#define STR(t, k, fld, d, ...) ENTRY(t, k, KEY_STR, fld, .def_str = d, .missing = GATE, __VA_ARGS__)
#define ENUM(t, k, fld, d, ch, ...) \
	ENTRY(t, k, KEY_STR, fld, .def_str = d, .choices = ch, .missing = GATE, __VA_ARGS__)
#define BOOL(t, k, fld, d, ...) \
	ENTRY(t, k, KEY_BOOL, fld, .def_int = d, .max = 1, .missing = GATE, __VA_ARGS__)
#define U32(t, k, fld, d, lo, hi, ...) \
	ENTRY(t, k, KEY_U32, fld, .def_int = d, .min = lo, .max = hi, .missing = GATE, __VA_ARGS__)
#define I32(t, k, fld, d, ...)                                                          \
	ENTRY(t, k, KEY_I32, fld, .def_int = d, .min = INT32_MIN, .max = INT32_MAX, .missing = GATE, \
	      __VA_ARGS__)
#define STRV(t, k, fld, ...) ENTRY(t, k, KEY_STRV, fld, .missing = GATE, __VA_ARGS__)
/* Keys of an optional feature: GATE names it when the build leaves it out. */
#define GATE NULL
#define FEATURE(X, what) IF_##X(NULL) IF_NOT_##X(what " (CONFIG_" #X ")")

#ifdef CONFIG_RELEASE_URL
#define RELEASE_URL CONFIG_RELEASE_URL
#else
#define RELEASE_URL ""
#endif

static const char *const machine_types[] = { "q35", "pc", "microvm", NULL };
static const char *const accels[] = { "auto", "kvm", "tcg", NULL };
static const char *const shared_fss[] = { "virtio-9p", "virtio-fs", NULL };
static const char *const fs_caches[] = { "none", "auto", "always", NULL };
static const char *const block_drivers[] = { "virtio-scsi", "virtio-blk", "virtio-mmio",
					     "nvdimm", "virtio-blk-ccw", NULL };
static const char *const trace_modes[] = { "dynamic", "static", NULL };
static const char *const trace_types[] = { "isolated", "collated", NULL };
static const char *const net_models[] = { "tcfilter", "default", "macvtap", "none", NULL };

_Static_assert(sizeof(struct config) < 65536, "key_desc.off is 16 bits");

/* The hypervisor's table first: HypervisorType in the VM key is its NAME
 * (hypervisor.NAME). */
const struct key_desc config_keys[] = {
	STR(Q, path, qemu.path, "/usr/bin/qemu-system-x86_64",
	    .vm = "HypervisorPath", .env = "Path"),
	STR(Q, kernel, qemu.kernel, "/usr/share/kata-containers/vmlinuz.container",
	    .vm = "KernelPath"),
	STR(Q, initrd, qemu.initrd, "/usr/share/kata-containers/kata-containers-initrd.img",
	    .vm = "InitrdPath"),
	STR(Q, image, qemu.image, "",
	    .vm = "ImagePath"),
	STR(Q, firmware, qemu.firmware, "",
	    .vm = "FirmwarePath"),
	ENUM(Q, machine_type, qemu.machine_type, "q35", machine_types,
	    .vm = "MachineType", .env = "MachineType"),
	STR(Q, machine_accelerators, qemu.machine_accelerators, "",
	    .vm = "MachineAccelerators"),
	ENUM(Q, accel, qemu.accel, "auto", accels,
	    .vm = "Accel", .boot = BOOT_ACCEL, .env = "Accel"),
	STR(Q, cpu_features, qemu.cpu_features, "pmu=off",
	    .vm = "CPUFeatures", .env = "CPUFeatures"),
	STR(Q, kernel_params, qemu.kernel_params, "",
	    .vm = "KernelParams"),
	I32(Q, default_vcpus, qemu.default_vcpus, 1,
	    .env = "DefaultVCPUs", .zero_default = 1),
	U32(Q, default_maxvcpus, qemu.default_maxvcpus, 0, 0, 240,
	    .vm = "DefaultMaxVCPUs", .env = "DefaultMaxVCPUs"),
	U32(Q, default_memory, qemu.default_memory, 2048, 0, UINT32_MAX,
	    .env = "DefaultMemory", .zero_default = 1),
	U32(Q, memory_slots, qemu.memory_slots, 10, 0, 256,
	    .vm = "MemSlots", .env = "MemorySlots"),
	U32(Q, memory_offset, qemu.memory_offset, 0, 0, UINT32_MAX),
	BOOL(Q, enable_virtio_mem, qemu.enable_virtio_mem, 0),
	U32(Q, default_bridges, qemu.default_bridges, 1, 0, 5,
	    .vm = "DefaultBridges"),
	BOOL(Q, disable_block_device_use, qemu.disable_block_device_use, 0),
	ENUM(Q, shared_fs, qemu.shared_fs, "virtio-9p", shared_fss,
	    .vm = "SharedFS", .env = "SharedFS"),
	STR(Q, virtio_fs_daemon, qemu.virtio_fs_daemon, "/usr/bin/virtiofsd",
	    .env = "VirtioFSDaemon"),
	STRV(Q, valid_virtio_fs_daemon_paths, qemu.valid_virtio_fs_daemon_paths),
	U32(Q, virtio_fs_cache_size, qemu.virtio_fs_cache_size, 0, 0, UINT32_MAX),
	ENUM(Q, virtio_fs_cache, qemu.virtio_fs_cache, "none", fs_caches),
	STRV(Q, virtio_fs_extra_args, qemu.virtio_fs_extra_args),
	U32(Q, msize_9p, qemu.msize_9p, 8192, 4096, 1048576,
	    .vm = "Msize9p", .env = "Msize9p"),
	ENUM(Q, block_device_driver, qemu.block_device_driver, "virtio-scsi", block_drivers,
	    .vm = "BlockDeviceDriver", .env = "BlockDeviceDriver"),
	BOOL(Q, block_device_cache_set, qemu.block_device_cache_set, 0),
	BOOL(Q, block_device_cache_direct, qemu.block_device_cache_direct, 0),
	BOOL(Q, block_device_cache_noflush, qemu.block_device_cache_noflush, 0),
#undef GATE
#define GATE FEATURE(IOTHREADS, "IOThreads")
	BOOL(Q, enable_iothreads, qemu.enable_iothreads, 0,
	    .vm = "EnableIOThreads", .env = "EnableIOThreads"),
	U32(Q, indep_iothreads, qemu.indep_iothreads, 0, 0, 50,
	    .vm = "IndepIOThreads", .boot = BOOT_IF_IOTHREADS, .env = "IndepIOThreads"),
#undef GATE
#define GATE NULL
	BOOL(Q, enable_mem_prealloc, qemu.enable_mem_prealloc, 0),
	BOOL(Q, enable_hugepages, qemu.enable_hugepages, 0,
	    .vm = "HugePages"),
	BOOL(Q, enable_vhost_user_store, qemu.enable_vhost_user_store, 0),
	STR(Q, vhost_user_store_path, qemu.vhost_user_store_path,
	    "/var/run/kata-containers/vhost-user/"),
	STRV(Q, valid_vhost_user_store_paths, qemu.valid_vhost_user_store_paths),
	BOOL(Q, enable_iommu, qemu.enable_iommu, 0,
	    .vm = "IOMMU"),
	BOOL(Q, enable_iommu_platform, qemu.enable_iommu_platform, 0),
	STR(Q, file_mem_backend, qemu.file_mem_backend, "",
	    .vm = "FileBackedMemRootDir"),
	STRV(Q, valid_file_mem_backends, qemu.valid_file_mem_backends),
	STRV(Q, pflashes, qemu.pflashes),
	BOOL(Q, enable_swap, qemu.enable_swap, 0),
	BOOL(Q, enable_debug, qemu.enable_debug, 0,
	    .env = "Debug"),
	BOOL(Q, disable_nesting_checks, qemu.disable_nesting_checks, 0),
#undef GATE
#define GATE FEATURE(TRANSPORT_VSOCK, "the vsock agent channel")
	BOOL(Q, use_vsock, qemu.use_vsock, 0,
	    .vm = "UseVSock", .env = "UseVSock"),
#undef GATE
#define GATE NULL
	BOOL(Q, disable_image_nvdimm, qemu.disable_image_nvdimm, 0),
	BOOL(Q, hotplug_vfio_on_root_bus, qemu.hotplug_vfio_on_root_bus, 0,
	    .env = "HotplugVFIOOnRootBus"),
	U32(Q, pcie_root_port, qemu.pcie_root_port, 0, 0, 32,
	    .vm = "PCIeRootPort", .env = "PCIeRootPort"),
	BOOL(Q, disable_vhost_net, qemu.disable_vhost_net, 0),
	STR(Q, entropy_source, qemu.entropy_source, "/dev/urandom",
	    .vm = "EntropySource", .env = "EntropySource"),
	STR(Q, guest_hook_path, qemu.guest_hook_path, ""),
	STRV(Q, enable_annotations, qemu.enable_annotations),
	STRV(Q, valid_hypervisor_paths, qemu.valid_hypervisor_paths),
#undef GATE
#define GATE FEATURE(ASSET_HASH, "guest asset hashing")
	STR(Q, kernel_hash, qemu.kernel_hash, "",
	    .vm = "KernelHash"),
	STR(Q, initrd_hash, qemu.initrd_hash, "",
	    .vm = "InitrdHash"),
	STR(Q, image_hash, qemu.image_hash, "",
	    .vm = "ImageHash"),
#undef GATE
#define GATE NULL

#undef GATE
#define GATE FEATURE(FACTORY_TEMPLATE, "VM templates")
	BOOL("factory", enable_template, factory.enable_template, 0),
	STR("factory", template_path, factory.template_path, "/run/vc/vm/template"),
#undef GATE
#define GATE NULL
#undef GATE
#define GATE FEATURE(FACTORY_VMCACHE, "VMCache")
	U32("factory", vm_cache_number, factory.vm_cache_number, 0, 0, 1024),
	STR("factory", vm_cache_endpoint, factory.vm_cache_endpoint,
	    "/var/run/kata-containers/cache.sock"),
#undef GATE
#define GATE NULL

#undef GATE
#define GATE FEATURE(AGENT_KATA, "the kata agent")
	BOOL("agent.kata", enable_debug, agent.enable_debug, 0,
	    .vm = "AgentDebug"),
	BOOL("agent.kata", enable_tracing, agent.enable_tracing, 0),
	ENUM("agent.kata", trace_mode, agent.trace_mode, "dynamic", trace_modes),
	ENUM("agent.kata", trace_type, agent.trace_type, "isolated", trace_types,
	    .vm = "AgentTrace", .boot = BOOT_IF_STATIC_TRACE),
	STRV("agent.kata", kernel_modules, agent.kernel_modules),
#undef GATE
#define GATE NULL

#undef GATE
#define GATE FEATURE(LOG_DEBUG, "debug logging")
	BOOL("runtime", enable_debug, runtime.enable_debug, 0),
#undef GATE
#define GATE FEATURE(TRACE, "tracing")
	BOOL("runtime", enable_tracing, runtime.enable_tracing, 0),
	STR("runtime", trace_file, runtime.trace_file, ""),
	STR("runtime", trace_collector, runtime.trace_collector, ""),
#undef GATE
#define GATE NULL
	ENUM("runtime", internetworking_model, runtime.internetworking_model, "tcfilter",
	     net_models),
	BOOL("runtime", disable_guest_seccomp, runtime.disable_guest_seccomp, 0),
	BOOL("runtime", disable_new_netns, runtime.disable_new_netns, 0),
	BOOL("runtime", sandbox_cgroup_only, runtime.sandbox_cgroup_only, 0),
	BOOL("runtime", enable_agent_pidns, runtime.enable_agent_pidns, 0),
	STRV("runtime", experimental, runtime.experimental),
#undef GATE
#define GATE FEATURE(CHECK_RELEASE, "the release check")
	STR("runtime", release_url, runtime.release_url, RELEASE_URL),
	STR("runtime", release_ca_file, runtime.release_ca_file, ""),
	U32("runtime", release_timeout, runtime.release_timeout, 10, 1, 300),
#undef GATE
#define GATE NULL

	STR("proxy.kata", path, proxy.path, "/usr/libexec/kata-containers/kata-proxy"),
	BOOL("proxy.kata", enable_debug, proxy.enable_debug, 0),
	STR("shim.kata", path, shim.path, "/usr/libexec/kata-containers/kata-shim"),
	BOOL("shim.kata", enable_debug, shim.enable_debug, 0),
	BOOL("shim.kata", enable_tracing, shim.enable_tracing, 0),
	STR("netmon", path, netmon.path, "/usr/libexec/kata-containers/kata-netmon"),
	BOOL("netmon", enable_debug, netmon.enable_debug, 0),
	BOOL("netmon", enable_netmon, netmon.enable_netmon, 0),
};

const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

const struct key_desc *config_key_find(const char *table, const char *key, size_t *index)
{
	for (size_t i = 0; i < config_nkeys; i++) {
		if (!strcmp(config_keys[i].table, table) && !strcmp(config_keys[i].key, key)) {
			if (index)
				*index = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

int config_table_known(const char *table)
{
	if (!strcmp(table, "agent.noop")) /* no keys: its header chooses the agent */
		return 1;
	for (size_t i = 0; i < config_nkeys; i++)
		if (!strcmp(config_keys[i].table, table))
			return 1;
	return 0;
}
