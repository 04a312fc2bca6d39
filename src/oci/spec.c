#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/read.h"
#include "oci/spec.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/alloc.h"

const char *const oci_cap_sets[OCI_NCAPS] = { "bounding", "effective", "inheritable",
					      "permitted", "ambient" };

/* The array member key of obj, each element an object: *tok and *n. */
static int objects(const struct json_doc *d, int obj, const char *prefix, const char *key,
		   int *tok, int *n, struct error **err)
{
	*n = 0;
	if (oci_get(d, obj, prefix, key, JSON_ARRAY, tok, err) < 0)
		return -1;
	if (*tok < 0)
		return 0;
	*n = json_size(d, *tok);
	if (*n > OCI_MAX_ITEMS)
		return error_set(err, E2BIG, "%s%s%s: more than %d items", prefix, *prefix ? "." : "",
				 key, OCI_MAX_ITEMS);
	return 0;
}

static int user(const struct json_doc *d, int proc, struct oci_process *p, struct error **err)
{
	int u, arr, n;
	char f[64];

	if (oci_get(d, proc, "process", "user", JSON_OBJECT, &u, err) < 0)
		return -1;
	if (u < 0)
		return 0;
	if (oci_get_u32(d, u, "process.user", "uid", &p->uid, err) < 0 ||
	    oci_get_u32(d, u, "process.user", "gid", &p->gid, err) < 0 ||
	    objects(d, u, "process.user", "additionalGids", &arr, &n, err) < 0)
		return -1;
	if (n)
		p->gids = xcalloc((size_t)n, sizeof(uint32_t));
	for (int i = 0, t = arr + 1; i < n; i++, t = json_next(d, t)) {
		long long v;
		if (json_number(d, t, &v) < 0 || v < 0 || v > UINT32_MAX) {
			snprintf(f, sizeof(f), "process.user.additionalGids[%d]", i);
			return error_set(err, EINVAL, "%s: expected a group id", f);
		}
		p->gids[p->ngids++] = (uint32_t)v;
	}
	return 0;
}

static int rlimits(const struct json_doc *d, int proc, struct oci_process *p, struct error **err)
{
	int arr, n;
	char f[64];

	if (objects(d, proc, "process", "rlimits", &arr, &n, err) < 0)
		return -1;
	if (n)
		p->rlimits = xcalloc((size_t)n, sizeof(*p->rlimits));
	for (int i = 0, t = arr + 1; i < n; i++, t = json_next(d, t)) {
		struct oci_rlimit *r = &p->rlimits[p->nrlimits++];
		snprintf(f, sizeof(f), "process.rlimits[%d]", i);
		if (oci_want(d, t, JSON_OBJECT, f, err) < 0 ||
		    oci_get_str(d, t, f, "type", &r->type, err) < 0 ||
		    oci_get_u64(d, t, f, "soft", &r->soft, err) < 0 ||
		    oci_get_u64(d, t, f, "hard", &r->hard, err) < 0)
			return -1;
		if (!r->type)
			return error_set(err, EINVAL, "%s.type: missing", f);
	}
	return 0;
}

static int process(const struct json_doc *d, int proc, struct oci_process *p, struct error **err)
{
	int t;

	if (oci_want(d, proc, JSON_OBJECT, "process", err) < 0 ||
	    oci_get_bool(d, proc, "process", "terminal", &p->terminal, err) < 0 ||
	    oci_get_strs(d, proc, "process", "args", &p->args, err) < 0 ||
	    oci_get_strs(d, proc, "process", "env", &p->env, err) < 0 ||
	    oci_get_str(d, proc, "process", "cwd", &p->cwd, err) < 0 ||
	    oci_get_bool(d, proc, "process", "noNewPrivileges", &p->no_new_privileges, err) < 0 ||
	    user(d, proc, p, err) < 0 || rlimits(d, proc, p, err) < 0 ||
	    oci_get(d, proc, "process", "consoleSize", JSON_OBJECT, &t, err) < 0)
		return -1;
	if (t >= 0 && (oci_get_u32(d, t, "process.consoleSize", "height", &p->rows, err) < 0 ||
		       oci_get_u32(d, t, "process.consoleSize", "width", &p->columns, err) < 0))
		return -1;
	if (oci_get(d, proc, "process", "capabilities", JSON_OBJECT, &t, err) < 0)
		return -1;
	p->has_caps = t >= 0;
	for (int i = 0; t >= 0 && i < OCI_NCAPS; i++)
		if (oci_get_strs(d, t, "process.capabilities", oci_cap_sets[i], &p->caps[i], err) < 0)
			return -1;
	if (!p->args.n)
		return error_set(err, EINVAL, "process.args: missing or empty");
	if (p->cwd && p->cwd[0] != '/')
		return error_set(err, EINVAL, "process.cwd: \"%s\" is not an absolute path", p->cwd);
	return 0;
}

static int mounts(const struct json_doc *d, int root, struct oci_spec *s, struct error **err)
{
	int arr, n;
	char f[64];

	if (objects(d, root, "", "mounts", &arr, &n, err) < 0)
		return -1;
	if (n)
		s->mounts = xcalloc((size_t)n, sizeof(*s->mounts));
	for (int i = 0, t = arr + 1; i < n; i++, t = json_next(d, t)) {
		struct oci_mount *m = &s->mounts[s->nmounts++];
		snprintf(f, sizeof(f), "mounts[%d]", i);
		if (oci_want(d, t, JSON_OBJECT, f, err) < 0 ||
		    oci_get_str(d, t, f, "destination", &m->destination, err) < 0 ||
		    oci_get_str(d, t, f, "type", &m->type, err) < 0 ||
		    oci_get_str(d, t, f, "source", &m->source, err) < 0 ||
		    oci_get_strs(d, t, f, "options", &m->options, err) < 0)
			return -1;
		if (!m->destination || m->destination[0] != '/')
			return error_set(err, EINVAL, "%s.destination: missing or not absolute", f);
	}
	return 0;
}

bool oci_namespace_known(const char *type)
{
	static const char *const known[] = { "pid", "network", "mount", "ipc",
					      "uts", "user", "cgroup", "time" };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(type, known[i]))
			return true;
	return false;
}

static int namespaces(const struct json_doc *d, int linux_, struct oci_spec *s,
		      struct error **err)
{
	int arr, n;
	char f[64];

	if (objects(d, linux_, "linux", "namespaces", &arr, &n, err) < 0)
		return -1;
	if (n)
		s->namespaces = xcalloc((size_t)n, sizeof(*s->namespaces));
	for (int i = 0, t = arr + 1; i < n; i++, t = json_next(d, t)) {
		struct oci_namespace *ns = &s->namespaces[s->nnamespaces++];
		snprintf(f, sizeof(f), "linux.namespaces[%d]", i);
		if (oci_want(d, t, JSON_OBJECT, f, err) < 0 ||
		    oci_get_str(d, t, f, "type", &ns->type, err) < 0 ||
		    oci_get_str(d, t, f, "path", &ns->path, err) < 0)
			return -1;
		if (!ns->type)
			return error_set(err, EINVAL, "%s.type: missing", f);
		if (!oci_namespace_known(ns->type))
			return error_set(err, EINVAL, "%s.type: \"%s\" is not a namespace type (pid, "
					 "network, mount, ipc, uts, user, cgroup, time)", f, ns->type);
		for (size_t k = 0; k + 1 < s->nnamespaces; k++)
			if (!strcmp(s->namespaces[k].type, ns->type))
				return error_set(err, EINVAL, "%s.type: namespace \"%s\" given twice", f,
						 ns->type);
	}
	return 0;
}

static int resources(const struct json_doc *d, int res, const char *f, struct oci_resources *r,
		     struct error **err)
{
	int m, c, p, b;
	char fm[80], fc[80], fp[80], fb[80];

	snprintf(fm, sizeof(fm), "%s.memory", f);
	snprintf(fc, sizeof(fc), "%s.cpu", f);
	snprintf(fp, sizeof(fp), "%s.pids", f);
	snprintf(fb, sizeof(fb), "%s.blockIO", f);
	if (oci_want(d, res, JSON_OBJECT, f, err) < 0 ||
	    oci_get(d, res, f, "memory", JSON_OBJECT, &m, err) < 0 ||
	    oci_get(d, res, f, "cpu", JSON_OBJECT, &c, err) < 0 ||
	    oci_get(d, res, f, "pids", JSON_OBJECT, &p, err) < 0 ||
	    oci_get(d, res, f, "blockIO", JSON_OBJECT, &b, err) < 0)
		return -1;
	uint32_t w = 0;
	if ((m >= 0 && (oci_get_i64(d, m, fm, "limit", &r->memory_limit, err) < 0 ||
			oci_get_i64(d, m, fm, "reservation", &r->memory_reservation, err) < 0 ||
			oci_get_i64(d, m, fm, "swap", &r->memory_swap, err) < 0)) ||
	    (c >= 0 && (oci_get_u64(d, c, fc, "shares", &r->cpu_shares, err) < 0 ||
			oci_get_i64(d, c, fc, "quota", &r->cpu_quota, err) < 0 ||
			oci_get_u64(d, c, fc, "period", &r->cpu_period, err) < 0 ||
			oci_get_str(d, c, fc, "cpus", &r->cpu_cpus, err) < 0 ||
			oci_get_str(d, c, fc, "mems", &r->cpu_mems, err) < 0)) ||
	    (p >= 0 && oci_get_i64(d, p, fp, "limit", &r->pids_limit, err) < 0) ||
	    (b >= 0 && oci_get_u32(d, b, fb, "weight", &w, err) < 0))
		return -1;
	if (w > 1000)
		return error_set(err, EINVAL, "%s.weight: %u is out of range (10-1000)", fb, w);
	r->blkio_weight = (uint16_t)w;
	return 0;
}

static int linux_section(const struct json_doc *d, int root, struct oci_spec *s,
			 struct error **err)
{
	int l, res;

	if (oci_get(d, root, "", "linux", JSON_OBJECT, &l, err) < 0)
		return -1;
	if (l < 0)
		return 0;
	if (namespaces(d, l, s, err) < 0 || oci_devices(d, l, s, err) < 0 ||
	    oci_get_str(d, l, "linux", "cgroupsPath", &s->cgroups_path, err) < 0 ||
	    oci_get_map(d, l, "linux", "sysctl", &s->sysctl_keys, &s->sysctl_values, err) < 0 ||
	    oci_get_strs(d, l, "linux", "maskedPaths", &s->masked_paths, err) < 0 ||
	    oci_get_strs(d, l, "linux", "readonlyPaths", &s->readonly_paths, err) < 0 ||
	    oci_get(d, l, "linux", "resources", JSON_OBJECT, &res, err) < 0)
		return -1;
	return res >= 0 ? resources(d, res, "linux.resources", &s->resources, err) : 0;
}

static int parse_doc(struct json_doc *d, const char *text, size_t len, struct error **err)
{
	if (len > OCI_MAX_BYTES)
		return error_set(err, E2BIG, "larger than %u bytes", OCI_MAX_BYTES);
	if (json_parse(d, text, len, err) < 0)
		return -1;
	if (json_type(d, 0) != JSON_OBJECT) {
		json_doc_free(d);
		return error_set(err, EINVAL, "not a JSON object");
	}
	return 0;
}

int oci_spec_parse(const char *text, size_t len, struct oci_spec *s, struct error **err)
{
	struct json_doc d;
	int root, proc, r = -1;

	memset(s, 0, sizeof(*s));
	if (parse_doc(&d, text, len, err) < 0)
		return -1;
	if (oci_get_str(&d, 0, "", "ociVersion", &s->version, err) < 0 ||
	    oci_get(&d, 0, "", "root", JSON_OBJECT, &root, err) < 0 ||
	    (root >= 0 && (oci_get_str(&d, root, "root", "path", &s->root_path, err) < 0 ||
			   oci_get_bool(&d, root, "root", "readonly", &s->root_readonly, err) < 0)) ||
	    oci_get_str(&d, 0, "", "hostname", &s->hostname, err) < 0 ||
	    oci_get(&d, 0, "", "process", JSON_OBJECT, &proc, err) < 0 ||
	    (proc >= 0 && process(&d, proc, &s->process, err) < 0) || mounts(&d, 0, s, err) < 0 ||
	    oci_get_map(&d, 0, "", "annotations", &s->ann_keys, &s->ann_values, err) < 0 ||
	    linux_section(&d, 0, s, err) < 0)
		goto out;
	s->has_process = proc >= 0;
	if (!s->version)
		error_set(err, EINVAL, "ociVersion: missing");
	else if (!s->root_path || !*s->root_path)
		error_set(err, EINVAL, "root.path: missing");
	else if (!s->has_process)
		error_set(err, EINVAL, "process: missing");
	else
		r = 0;
out:
	json_doc_free(&d);
	if (r < 0)
		oci_spec_free(s);
	return r;
}

int oci_spec_load(const char *bundle, struct oci_spec *s, struct error **err)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;

	memset(s, 0, sizeof(*s));
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path))
		return error_set(err, ENAMETOOLONG, "bundle %s: path too long", bundle);
	if (fs_read_file(path, OCI_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	int r = oci_spec_parse(text, len, s, err);
	free(text);
	if (r < 0)
		return error_wrap(err, "%s", path);
	if (s->root_path[0] != '/') { /* relative to the bundle */
		char *abs = xasprintf("%s/%s", bundle, s->root_path);
		free(s->root_path);
		s->root_path = abs;
	}
	return 0;
}

int oci_process_parse(const char *text, size_t len, struct oci_process *p, struct error **err)
{
	struct json_doc d;

	memset(p, 0, sizeof(*p));
	if (parse_doc(&d, text, len, err) < 0)
		return -1;
	int r = process(&d, 0, p, err);
	json_doc_free(&d);
	if (r < 0)
		oci_process_free(p);
	return r;
}

int oci_resources_parse(const char *text, size_t len, struct oci_resources *r,
			struct error **err)
{
	struct json_doc d;

	memset(r, 0, sizeof(*r));
	if (parse_doc(&d, text, len, err) < 0)
		return -1;
	int rc = resources(&d, 0, "resources", r, err);
	json_doc_free(&d);
	if (rc < 0)
		oci_resources_free(r);
	return rc;
}

void oci_process_free(struct oci_process *p)
{
	free(p->gids);
	strv_free(&p->args);
	strv_free(&p->env);
	free(p->cwd);
	for (int i = 0; i < OCI_NCAPS; i++)
		strv_free(&p->caps[i]);
	for (size_t i = 0; i < p->nrlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

void oci_resources_free(struct oci_resources *r)
{
	free(r->cpu_cpus);
	free(r->cpu_mems);
	memset(r, 0, sizeof(*r));
}

void oci_spec_free(struct oci_spec *s)
{
	free(s->version);
	free(s->root_path);
	free(s->hostname);
	oci_process_free(&s->process);
	for (size_t i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		strv_free(&s->mounts[i].options);
	}
	free(s->mounts);
	strv_free(&s->ann_keys);
	strv_free(&s->ann_values);
	for (size_t i = 0; i < s->nnamespaces; i++) {
		free(s->namespaces[i].type);
		free(s->namespaces[i].path);
	}
	free(s->namespaces);
	free(s->cgroups_path);
	strv_free(&s->sysctl_keys);
	strv_free(&s->sysctl_values);
	strv_free(&s->masked_paths);
	strv_free(&s->readonly_paths);
	oci_resources_free(&s->resources);
	for (size_t i = 0; i < s->ndevices; i++)
		free(s->devices[i].path);
	free(s->devices);
	memset(s, 0, sizeof(*s));
}

const char *oci_annotation(const struct oci_spec *s, const char *key)
{
	for (size_t i = 0; i < s->ann_keys.n && i < s->ann_values.n; i++)
		if (!strcmp(s->ann_keys.v[i], key))
			return s->ann_values.v[i];
	return NULL;
}

const struct oci_namespace *oci_namespace(const struct oci_spec *s, const char *type)
{
	for (size_t i = 0; i < s->nnamespaces; i++)
		if (!strcmp(s->namespaces[i].type, type))
			return &s->namespaces[i];
	return NULL;
}
