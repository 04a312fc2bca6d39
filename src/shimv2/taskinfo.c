/* What a task is given and gives that is containerd's format, not the
 * Task service's: the configuration its create names (the runtime
 * options, the spec's annotation) and its cgroup figures as containerd's
 * cgroup v2 metrics. */
#include <errno.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups_v2.pb.h"
#include "runtimeoptions.pb.h"
#include "shimv2/shimv2.h"
#include "util/error.h"

int shimv2_task_config(const char *id, const char *bundle,
		       const containerd_task_v2_CreateTaskRequest *q, struct config **out,
		       struct error **err)
{
	runtimeoptions_v1_Options o = runtimeoptions_v1_Options_init_zero;
	struct oci_spec spec;
	char *path = NULL;
	*out = NULL;
	if (q->has_options && q->options.value && q->options.type_url &&
	    strstr(q->options.type_url, "runtimeoptions.v1.Options")) {
		pb_istream_t is = pb_istream_from_buffer(q->options.value->bytes,
							 q->options.value->size);
		if (!pb_decode(&is, runtimeoptions_v1_Options_fields, &o))
			return error_set(err, EINVAL, "create %s: the runtime options do not decode",
					 id);
		if (o.config_path && *o.config_path)
			path = strdup(o.config_path);
		pb_release(runtimeoptions_v1_Options_fields, &o);
	}
	if (!path && oci_spec_load(bundle, &spec, NULL) == 0) {
		const char *a = oci_annotation(&spec, "io.katacontainers.config_path");
		path = a && *a ? strdup(a) : NULL;
		oci_spec_free(&spec);
	}
	if (!path)
		return 0;
	int r = config_load(path, out, err);
	if (r < 0)
		error_wrap(err, "create %s: its configuration", id);
	free(path);
	return r;
}

int shimv2_stats_any(const struct agent_stats *st, google_protobuf_Any *out)
{
	io_containerd_cgroups_v2_Metrics mt = {
		true, { st->pids_current, st->pids_limit },
		true, { st->cpu_total_ns / 1000, st->cpu_user_ns / 1000, st->cpu_kernel_ns / 1000 },
		true, { st->mem_cache, st->mem_usage, st->mem_limit },
	};
	size_t size = 0;
	pb_get_encoded_size(&size, io_containerd_cgroups_v2_Metrics_fields, &mt);
	pb_bytes_array_t *v = malloc(PB_BYTES_ARRAY_T_ALLOCSIZE(size));
	char *type = strdup("io.containerd.cgroups.v2.Metrics");
	if (!v || !type) {
		free(v);
		free(type);
		return -1;
	}
	pb_ostream_t os = pb_ostream_from_buffer(v->bytes, size);
	pb_encode(&os, io_containerd_cgroups_v2_Metrics_fields, &mt);
	v->size = (pb_size_t)size;
	out->type_url = type;
	out->value = v; /* pb_release of the response frees both */
	return 0;
}
