#include "cli/host_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "util/error.h"
#include "util/fs.h"

#define HOST_FILE_MAX (256 * 1024)

static void copy_trimmed(char *out, size_t size, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

bool cpuinfo_field(const char *text, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *eol = strchr(l, '\n');
		size_t len = eol ? (size_t)(eol - l) : strlen(l);
		if (len == 0)
			return false; /* end of the first CPU's block */
		if (strncmp(l, name, nlen) || !strchr(" \t:", l[nlen]))
			continue;
		const char *colon = memchr(l, ':', len);
		if (!colon)
			continue;
		copy_trimmed(out, size, colon + 1, len - (size_t)(colon + 1 - l));
		return true;
	}
	return false;
}

bool cpuinfo_has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = flags; (p = strstr(p, flag)); p += n) {
		bool start = p == flags || p[-1] == ' ' || p[-1] == '\t';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n';
		if (start && end)
			return true;
	}
	return false;
}

bool os_release_field(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, klen) || l[klen] != '=')
			continue;
		const char *v = l + klen + 1, *eol = strchr(v, '\n');
		size_t len = eol ? (size_t)(eol - v) : strlen(v);
		if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
			v++, len -= 2;
		copy_trimmed(out, size, v, len);
		return true;
	}
	return false;
}

static const char *go_arch(const char *m)
{
	static const char *const map[][2] = { { "x86_64", "amd64" }, { "aarch64", "arm64" },
					      { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
					      { "i686", "386" } };
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(m, map[i][0]))
			return map[i][1];
	return m;
}

static void read_text(const char *path, char **out)
{
	struct error *err = NULL;
	*out = NULL;
	if (fs_read_file(path, HOST_FILE_MAX, out, NULL, &err) < 0) {
		error_free(err);
		*out = NULL;
	}
}

void host_info_read(struct host_info *h)
{
	struct utsname u;
	char *text, flags[4096] = "";

	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0) {
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
		snprintf(h->arch, sizeof(h->arch), "%s", go_arch(u.machine));
	}
	read_text("/etc/os-release", &text);
	if (text) {
		os_release_field(text, "NAME", h->distro_name, sizeof(h->distro_name));
		os_release_field(text, "VERSION_ID", h->distro_version, sizeof(h->distro_version));
		free(text);
	}
	read_text("/proc/cpuinfo", &text);
	if (text) {
		cpuinfo_field(text, "vendor_id", h->cpu_vendor, sizeof(h->cpu_vendor));
		cpuinfo_field(text, "model name", h->cpu_model, sizeof(h->cpu_model));
		cpuinfo_field(text, "flags", flags, sizeof(flags));
		free(text);
	}
	h->vm_capable = (cpuinfo_has_flag(flags, "vmx") || cpuinfo_has_flag(flags, "svm")) &&
			cpuinfo_has_flag(flags, "lm") && cpuinfo_has_flag(flags, "sse4_1");
	h->vsock = fs_exists("/dev/vhost-vsock");
}
