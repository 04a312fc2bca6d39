/* OCI structs (oci/) to the agent protocol's (proto/oci.proto). The
 * protocol structs point into the OCI ones: only the arrays are allocated
 * here, and agent_spec_release frees them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/spec.h"
#include "util/error.h"
#include "util/alloc.h"

void agent_process_to_pb(grpc_Process *out, const struct oci_process *p,
			 grpc_POSIXRlimit *rlimits)
{
	memset(out, 0, sizeof(*out));
	out->Terminal = p->terminal;
	if (p->rows || p->columns) {
		out->has_ConsoleSize = true;
		out->ConsoleSize = (grpc_Box){ p->rows, p->columns };
	}
	out->has_User = true;
	out->User.UID = p->uid;
	out->User.GID = p->gid;
	out->User.AdditionalGids_count = (pb_size_t)p->ngids;
	out->User.AdditionalGids = p->gids;
	out->Args_count = (pb_size_t)p->args.n;
	out->Args = p->args.v;
	out->Env_count = (pb_size_t)p->env.n;
	out->Env = p->env.v;
	out->Cwd = p->cwd ? p->cwd : "/";
	out->NoNewPrivileges = p->no_new_privileges;
	if (p->has_caps) {
		grpc_LinuxCapabilities *c = &out->Capabilities;
		out->has_Capabilities = true;
		c->Bounding_count = (pb_size_t)p->caps[OCI_CAP_BOUNDING].n;
		c->Bounding = p->caps[OCI_CAP_BOUNDING].v;
		c->Effective_count = (pb_size_t)p->caps[OCI_CAP_EFFECTIVE].n;
		c->Effective = p->caps[OCI_CAP_EFFECTIVE].v;
		c->Inheritable_count = (pb_size_t)p->caps[OCI_CAP_INHERITABLE].n;
		c->Inheritable = p->caps[OCI_CAP_INHERITABLE].v;
		c->Permitted_count = (pb_size_t)p->caps[OCI_CAP_PERMITTED].n;
		c->Permitted = p->caps[OCI_CAP_PERMITTED].v;
		c->Ambient_count = (pb_size_t)p->caps[OCI_CAP_AMBIENT].n;
		c->Ambient = p->caps[OCI_CAP_AMBIENT].v;
	}
	for (size_t i = 0; rlimits && i < p->nrlimits; i++)
		rlimits[i] = (grpc_POSIXRlimit){ p->rlimits[i].type, p->rlimits[i].hard,
						 p->rlimits[i].soft };
	out->Rlimits_count = rlimits ? (pb_size_t)p->nrlimits : 0;
	out->Rlimits = rlimits;
}

bool agent_resources_to_pb(grpc_LinuxResources *out, const struct oci_resources *r)
{
	memset(out, 0, sizeof(*out));
	out->has_Memory = r->memory_limit || r->memory_reservation || r->memory_swap;
	out->Memory.Limit = r->memory_limit;
	out->Memory.Reservation = r->memory_reservation;
	out->Memory.Swap = r->memory_swap;
	out->has_CPU = r->cpu_shares || r->cpu_quota || r->cpu_period || r->cpu_cpus || r->cpu_mems;
	out->CPU.Shares = r->cpu_shares;
	out->CPU.Quota = r->cpu_quota;
	out->CPU.Period = r->cpu_period;
	out->CPU.Cpus = r->cpu_cpus;
	out->CPU.Mems = r->cpu_mems;
	out->has_Pids = r->pids_limit != 0;
	out->Pids.Limit = r->pids_limit;
	out->has_BlockIO = r->blkio_weight != 0;
	out->BlockIO.Weight = r->blkio_weight;
	return out->has_Memory || out->has_CPU || out->has_Pids || out->has_BlockIO;
}

static void *array(size_t n, size_t size)
{
	return n ? xcalloc(n, size) : NULL;
}

int agent_spec_to_pb(grpc_Spec *out, const struct oci_spec *s, const char *rootfs,
		     struct error **err)
{
	memset(out, 0, sizeof(*out));
	out->Version = s->version;
	out->has_Root = true;
	out->Root.Path = (char *)rootfs;
	out->Root.Readonly = s->root_readonly;
	out->Hostname = s->hostname;
	grpc_POSIXRlimit *rl = array(s->process.nrlimits, sizeof(*rl));
	out->Mounts = array(s->nmounts, sizeof(grpc_Mount));
	out->Annotations = array(s->ann_keys.n, sizeof(grpc_Spec_AnnotationsEntry));
	out->Linux.Sysctl = array(s->sysctl_keys.n, sizeof(grpc_Linux_SysctlEntry));
	out->Linux.Namespaces = array(s->nnamespaces, sizeof(grpc_LinuxNamespace));
	out->Linux.Devices = array(s->ndevices, sizeof(grpc_LinuxDevice));
	out->has_Process = true;
	agent_process_to_pb(&out->Process, &s->process, rl);
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct oci_mount *m = &s->mounts[i];
		out->Mounts[i] = (grpc_Mount){ m->destination, m->source ? m->source : "",
					       m->type ? m->type : "", (pb_size_t)m->options.n,
					       m->options.v };
	}
	out->Mounts_count = (pb_size_t)s->nmounts;
	for (size_t i = 0; i < s->ann_keys.n && i < s->ann_values.n; i++)
		out->Annotations[out->Annotations_count++] =
			(grpc_Spec_AnnotationsEntry){ s->ann_keys.v[i], s->ann_values.v[i] };
	out->has_Linux = true;
	for (size_t i = 0; i < s->sysctl_keys.n && i < s->sysctl_values.n; i++)
		out->Linux.Sysctl[out->Linux.Sysctl_count++] =
			(grpc_Linux_SysctlEntry){ s->sysctl_keys.v[i], s->sysctl_values.v[i] };
	/* The guest makes its own namespaces: host paths mean nothing there.
	 * The container shares the VM's network, and the guest's cgroup
	 * namespace is its own (Kata's constraintGRPCSpec). */
	for (size_t i = 0; i < s->nnamespaces; i++)
		if (strcmp(s->namespaces[i].type, "network") && strcmp(s->namespaces[i].type, "cgroup"))
			out->Linux.Namespaces[out->Linux.Namespaces_count++] =
				(grpc_LinuxNamespace){ s->namespaces[i].type, "" };
	for (size_t i = 0; i < s->ndevices; i++) {
		const struct oci_device *d = &s->devices[i];
		out->Linux.Devices[out->Linux.Devices_count++] = (grpc_LinuxDevice){
			d->path, d->type == 'b' ? "b" : d->type == 'p' ? "p" : "c", d->major, d->minor,
			d->file_mode, d->uid, d->gid };
	}
	out->Linux.has_Resources = agent_resources_to_pb(&out->Linux.Resources, &s->resources);
	out->Linux.CgroupsPath = s->cgroups_path;
	out->Linux.MaskedPaths_count = (pb_size_t)s->masked_paths.n;
	out->Linux.MaskedPaths = s->masked_paths.v;
	out->Linux.ReadonlyPaths_count = (pb_size_t)s->readonly_paths.n;
	out->Linux.ReadonlyPaths = s->readonly_paths.v;
	return 0;
}

void agent_spec_release(grpc_Spec *s)
{
	free(s->Process.Rlimits);
	free(s->Mounts);
	free(s->Annotations);
	free(s->Linux.Sysctl);
	free(s->Linux.Namespaces);
	free(s->Linux.Devices);
	memset(s, 0, sizeof(*s));
}
