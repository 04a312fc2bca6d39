/* The runtime configuration (configuration.toml), reference §3. */
#ifndef CONFIG_CONFIG_H
#define CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strv.h"

struct error;

struct config_qemu {
	char *path, *kernel, *initrd, *image, *firmware, *machine_type, *machine_accelerators;
	char *cpu_features, *kernel_params, *accel;
	int32_t default_vcpus;
	uint32_t default_maxvcpus, default_memory, memory_slots, memory_offset;
	bool enable_virtio_mem;
	uint32_t default_bridges;
	bool disable_block_device_use;
	char *shared_fs, *virtio_fs_daemon;
	struct strv valid_virtio_fs_daemon_paths;
	uint32_t virtio_fs_cache_size;
	char *virtio_fs_cache;
	struct strv virtio_fs_extra_args;
	uint32_t msize_9p;
	char *block_device_driver;
	bool block_device_cache_set, block_device_cache_direct, block_device_cache_noflush;
	bool enable_iothreads;
	uint32_t indep_iothreads;
	bool enable_mem_prealloc, enable_hugepages, enable_vhost_user_store;
	char *vhost_user_store_path;
	struct strv valid_vhost_user_store_paths;
	bool enable_iommu, enable_iommu_platform;
	char *file_mem_backend;
	struct strv valid_file_mem_backends, pflashes;
	bool enable_swap, enable_debug, disable_nesting_checks, use_vsock, disable_image_nvdimm;
	bool hotplug_vfio_on_root_bus;
	uint32_t pcie_root_port;
	bool disable_vhost_net;
	char *entropy_source, *guest_hook_path;
	struct strv enable_annotations, valid_hypervisor_paths;
	char *kernel_hash, *initrd_hash, *image_hash; /* SHA-256 hex, "" = not checked */
};

struct config_factory {
	bool enable_template;
	char *template_path;
	uint32_t vm_cache_number;
	char *vm_cache_endpoint;
};

struct config_agent {
	bool enable_debug, enable_tracing;
	char *trace_mode, *trace_type;
	struct strv kernel_modules;
	/* An [agent.noop] table: the noop agent instead of kata. */
	bool noop;
	const char *noop_file;
	int noop_line;
};

struct config_runtime {
	bool enable_debug, enable_tracing;
	char *internetworking_model;
	bool disable_guest_seccomp, disable_new_netns, sandbox_cgroup_only, enable_agent_pidns;
	struct strv experimental;
	char *release_url, *release_ca_file; /* check's release check (CHECK_RELEASE) */
	uint32_t release_timeout;	     /* seconds */
	char *trace_file;		     /* "": --root's trace.json */
	char *trace_collector;		     /* OTLP/HTTP on loopback, or "" */
};

struct config_component {
	char *path;
	bool enable_debug, enable_tracing, enable_netmon;
};

struct config {
	struct config_qemu qemu;
	struct config_factory factory;
	struct config_agent agent;
	struct config_runtime runtime;
	struct config_component proxy, shim, netmon;

	char *path;            /* resolved main file, NULL: built-in defaults */
	struct strv dropins;   /* config.d files applied, in order */
	struct strv warnings;  /* unknown keys and tables, file:line named */
	int *origin_line;      /* per key: line where it was last set, 0 = default */
	const char **origin_file;
};

/* Where to look: --config, then $KATA_CONF_FILE, then the defaults in order. */
struct config_search {
	const char *explicit_path; /* --config/--kata-config, may be NULL */
	const char *env_path;      /* $KATA_CONF_FILE, may be NULL */
	const char *const *defaults;
	size_t ndefaults;
};

#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_DROPINS 64

/* Built-in defaults only. */
struct config *config_new_defaults(struct error **err);
/* Find the file by the search order (an explicit path or $KATA_CONF_FILE
 * that does not exist is an error; none found is not: *path = NULL). */
int config_find(const struct config_search *s, char **path, struct error **err);
/* Load: defaults, then the file (if any), then its config.d/ drop-ins. */
int config_load(const char *path, struct config **out, struct error **err);
/* Apply one TOML document on top of c (used for the file and each drop-in). */
int config_apply(struct config *c, const char *name, const char *data, size_t len,
		 struct error **err);
/* Defaults for what the schema says 0 stands for (default_vcpus 0 or
 * less, default_memory 0: Kata's), once every file is applied: users of
 * the configuration find the values the VM gets. */
void config_resolve(struct config *c);
/* Cross-key checks once every file is applied. */
int config_validate(const struct config *c, struct error **err);
void config_free(struct config *c);

const char *const *config_default_paths(size_t *n);

#endif
