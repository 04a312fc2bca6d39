/* OCI structs to the agent protocol's (agent/spec.c). */
#ifndef AGENT_SPEC_H
#define AGENT_SPEC_H

#include <stdbool.h>

#include "oci.pb.h"
#include "oci/spec.h"

struct error;

/* rlimits: room for p->nrlimits entries, or NULL to send none. */
void agent_process_to_pb(grpc_Process *out, const struct oci_process *p,
			 grpc_POSIXRlimit *rlimits);
/* True when any resource is set. */
bool agent_resources_to_pb(grpc_LinuxResources *out, const struct oci_resources *r);
/* root.path becomes rootfs (the guest's path). */
int agent_spec_to_pb(grpc_Spec *out, const struct oci_spec *s, const char *rootfs,
		     struct error **err);
void agent_spec_release(grpc_Spec *s);

#endif
