// fuzz-srcs: @GEN@/agent.pb.c @GEN@/oci.pb.c @GEN@/types.pb.c @GEN@/google/protobuf/empty.pb.c @NANOPB@ src/guest/plan.c src/guest/mounts.c src/guest/devices.c src/util/fs.c src/util/log.c src/util/buf.c src/util/alloc.c src/json/writer.c src/util/error.c
/* libFuzzer target: the agent's handling of what it is asked, without a
 * VM. The first byte picks the request; the rest is its protobuf, decoded
 * by nanopb built with the fuzzer's instrumentation, then planned as the
 * handlers plan it: CreateContainer's OCI spec (rootfs, mounts, masked and
 * read-only paths, sysctls, the process: args, env, user, rlimits,
 * capabilities; linux.devices) and its storages, ExecProcess's process, CreateSandbox's
 * storages. Nothing is mounted or started: the plans are what the child of
 * the clone would act on, and every bound there is checked here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pb_decode.h>

#include "agent.pb.h"
#include "guest/plan.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void storages(const grpc_Storage *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct spawn_mount m;
		struct error *err = NULL;
		if (guest_plan_storage(&s[i], &m, &err) == 0) {
			/* what mount(2) would get is terminated and bounded */
			if (strnlen(m.target, sizeof(m.target)) == sizeof(m.target) ||
			    strnlen(m.type, sizeof(m.type)) == sizeof(m.type) ||
			    strnlen(m.data, sizeof(m.data)) == sizeof(m.data))
				abort();
		}
		error_free(err);
	}
}

static void plan(int init, const void *spec_or_proc)
{
	struct spawn_plan p;
	struct error *err = NULL;
	memset(&p, 0, sizeof(p));
	int r = init ? guest_plan_container(&p, spec_or_proc, &err)
		     : guest_plan_process(&p, spec_or_proc, &err);
	if (r == 0 && (!p.argv || !p.argv[0] || !p.envp))
		abort(); /* a plan the child would exec with nothing */
	/* linux.devices, none hot-plugged (a blk Device would wait for its
	 * disk): the nodes to make are relative, bounded and typed */
	const grpc_Spec *spec = spec_or_proc;
	if (r == 0 && init && guest_plan_devices(&p, &spec->Linux, NULL, 0, &err) == 0)
		for (size_t i = 0; i < p.ndevices; i++)
			if (p.devices[i].path[0] == '/' ||
			    strnlen(p.devices[i].path, sizeof(p.devices[i].path)) == sizeof(p.devices[i].path) ||
			    !(S_ISCHR(p.devices[i].mode) || S_ISFIFO(p.devices[i].mode)))
				abort();
	guest_plan_free(&p);
	error_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	pb_istream_t is = pb_istream_from_buffer(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: {
		grpc_CreateContainerRequest req = grpc_CreateContainerRequest_init_zero;
		if (pb_decode(&is, grpc_CreateContainerRequest_fields, &req)) {
			if (req.has_OCI)
				plan(1, &req.OCI);
			storages(req.storages, req.storages_count);
		}
		pb_release(grpc_CreateContainerRequest_fields, &req);
		break;
	}
	case 1: {
		grpc_ExecProcessRequest req = grpc_ExecProcessRequest_init_zero;
		if (pb_decode(&is, grpc_ExecProcessRequest_fields, &req) && req.has_process)
			plan(0, &req.process);
		pb_release(grpc_ExecProcessRequest_fields, &req);
		break;
	}
	default: {
		grpc_CreateSandboxRequest req = grpc_CreateSandboxRequest_init_zero;
		if (pb_decode(&is, grpc_CreateSandboxRequest_fields, &req))
			storages(req.storages, req.storages_count);
		pb_release(grpc_CreateSandboxRequest_fields, &req);
		break;
	}
	}
	return 0;
}
