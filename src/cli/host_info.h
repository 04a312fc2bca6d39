/* Facts about the host, as kata-env and kata-check report them. */
#ifndef CLI_HOST_INFO_H
#define CLI_HOST_INFO_H

#include <stdbool.h>
#include <stddef.h>

struct host_info {
	char kernel[128];
	char arch[72];        /* Go's names: amd64, arm64, ... */
	char distro_name[128];
	char distro_version[64];
	char cpu_vendor[64];
	char cpu_model[128];
	bool vm_capable;      /* CPU flags (vmx or svm, lm, sse4_1), as Kata's CPU check */
	bool vsock;           /* /dev/vhost-vsock present */
};

void host_info_read(struct host_info *h);
/* The value of "name" in a /proc/cpuinfo-style block (first CPU only). */
bool cpuinfo_field(const char *text, const char *name, char *out, size_t size);
/* Word-anchored search of a flag in a "flags : a b c" line. */
bool cpuinfo_has_flag(const char *flags, const char *flag);
/* The value of KEY= in os-release text, unquoted. */
bool os_release_field(const char *text, const char *key, char *out, size_t size);

#endif
