/* The OCI runtime spec (a bundle's config.json) as plain C: the parts a VM
 * runtime passes on or acts on. Sans-I/O except oci_spec_load. Bounded:
 * CONFIG_MAX_BYTES of JSON, OCI_MAX_ITEMS per array or map, OCI_MAX_STRING
 * per string; every error names the field ("process.args[2]: expected a
 * string"). Everything is malloc'ed and freed by oci_spec_free. */
#ifndef OCI_SPEC_H
#define OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strv.h"

#define OCI_MAX_BYTES (4u << 20)
#define OCI_MAX_ITEMS 4096
#define OCI_MAX_STRING 65536

struct error;

enum { OCI_CAP_BOUNDING, OCI_CAP_EFFECTIVE, OCI_CAP_INHERITABLE, OCI_CAP_PERMITTED,
       OCI_CAP_AMBIENT, OCI_NCAPS };
extern const char *const oci_cap_sets[OCI_NCAPS]; /* "bounding", ... */

struct oci_rlimit {
	char *type;
	uint64_t soft, hard;
};

struct oci_process {
	bool terminal;
	uint32_t rows, columns; /* consoleSize, 0 when absent */
	uint32_t uid, gid;
	uint32_t *gids; /* user.additionalGids */
	size_t ngids;
	struct strv args, env;
	char *cwd;
	bool has_caps;
	struct strv caps[OCI_NCAPS];
	struct oci_rlimit *rlimits;
	size_t nrlimits;
	bool no_new_privileges;
};

struct oci_mount {
	char *destination, *type, *source;
	struct strv options;
};

struct oci_namespace {
	char *type, *path; /* path NULL: a new one */
};

/* linux.resources; zero means not set (as the agent reads them). */
struct oci_resources {
	int64_t memory_limit, memory_reservation, memory_swap;
	uint64_t cpu_shares, cpu_period;
	int64_t cpu_quota;
	char *cpu_cpus, *cpu_mems;
	int64_t pids_limit;
	uint16_t blkio_weight;
};

/* linux.devices[]: type 'c', 'b' or 'p' ("u" is read as 'c'). */
struct oci_device {
	char *path;
	char type;
	int64_t major, minor;
	uint32_t file_mode, uid, gid;
};
struct oci_spec {
	char *version; /* ociVersion */
	char *root_path;
	bool root_readonly;
	char *hostname;
	bool has_process;
	struct oci_process process;
	struct oci_mount *mounts;
	size_t nmounts;
	struct strv ann_keys, ann_values; /* annotations, in file order */
	struct oci_namespace *namespaces;
	size_t nnamespaces;
	char *cgroups_path;
	struct strv sysctl_keys, sysctl_values;
	struct strv masked_paths, readonly_paths;
	struct oci_resources resources;
	struct oci_device *devices;
	size_t ndevices;
};

/* Parse config.json text. Returns 0, or -1 with *err naming the field. */
int oci_spec_parse(const char *text, size_t len, struct oci_spec *s, struct error **err);
/* bundle/config.json; errors start with the file's path. root.path is made
 * absolute (relative to the bundle). */
int oci_spec_load(const char *bundle, struct oci_spec *s, struct error **err);
void oci_spec_free(struct oci_spec *s);

/* A process object on its own (exec --process FILE). */
int oci_process_parse(const char *text, size_t len, struct oci_process *p, struct error **err);
void oci_process_free(struct oci_process *p);
/* A LinuxResources object on its own (update --resources FILE). */
int oci_resources_parse(const char *text, size_t len, struct oci_resources *r,
			struct error **err);
void oci_resources_free(struct oci_resources *r);

/* The value of annotation key, or NULL. */
const char *oci_annotation(const struct oci_spec *s, const char *key);
/* The namespace of type ("network", "pid", ...), or NULL. */
const struct oci_namespace *oci_namespace(const struct oci_spec *s, const char *type);
/* One of the namespace types of the OCI runtime spec. */
bool oci_namespace_known(const char *type);

/* What `spec` writes (oci/default.c). */
extern const char oci_default_spec[];

#endif
