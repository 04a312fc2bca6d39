/* Which sandbox a container belongs to, from its spec's annotations:
 * always built, so that a build without pods refuses a pod's container. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sandbox/internal.h"
#include "util/error.h"

/* The engines' annotations (Kata's CRIContainerTypeKeyList and
 * CRISandboxNameKeyList): containerd's CRI, CRI-O, dockershim. */
static const struct {
	const char *type, *sandbox_id, *sandbox_word;
} engines[] = {
	{ "io.kubernetes.cri.container-type", "io.kubernetes.cri.sandbox-id", "sandbox" },
	{ "io.kubernetes.cri-o.ContainerType", "io.kubernetes.cri-o.SandboxID", "sandbox" },
	{ "io.kubernetes.docker.type", "io.kubernetes.sandbox.id", "podsandbox" },
};

static const char *annotation(const struct oci_spec *spec, const char *key)
{
	for (size_t i = 0; i < spec->ann_keys.n && i < spec->ann_values.n; i++)
		if (!strcmp(spec->ann_keys.v[i], key))
			return spec->ann_values.v[i];
	return NULL;
}

int sb_pod_role(const struct oci_spec *spec, const char *id, char *sandbox, const char **key,
		struct error **err)
{
	*sandbox = 0;
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		const char *type = annotation(spec, engines[i].type), *sid;
		if (!type)
			continue;
		if (!strcmp(type, engines[i].sandbox_word))
			return 0;
		if (strcmp(type, "container"))
			return error_set(err, EINVAL, "annotation %s: unknown container type \"%s\" "
					 "(%s or container)", engines[i].type, type,
					 engines[i].sandbox_word);
		*key = engines[i].sandbox_id;
		sid = annotation(spec, *key);
		if (!sid || !*sid)
			return error_set(err, EINVAL, "annotation %s is \"container\": annotation %s "
					 "(its sandbox) is missing", engines[i].type, *key);
		if (sb_check_id(sid, err) < 0)
			return error_wrap(err, "annotation %s", *key);
		if (!strcmp(sid, id))
			return error_set(err, EINVAL, "annotation %s: container %s cannot be its own "
					 "sandbox", *key, id);
		snprintf(sandbox, VM_ID_MAX + 1, "%s", sid);
		return 0;
	}
	return 0;
}

int sb_sandbox_of(const char *bundle, const char *id, char sandbox[VM_ID_MAX + 1],
		  struct error **err)
{
	struct oci_spec spec;
	const char *key;
	if (oci_spec_load(bundle, &spec, err) < 0)
		return -1;
	int r = sb_pod_role(&spec, id, sandbox, &key, err);
	oci_spec_free(&spec);
	return r;
}
