/* Encodes a CreateContainerRequest with a full OCI Spec (pb-sample encode),
 * or decodes one from stdin and prints selected fields (pb-sample decode),
 * so that tests/interop/proto_python.py can cross-check nanopb's encoding
 * with Python's protobuf in both directions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "agent.pb.h"

static char *S(const char *s) { return (char *)s; }

static int encode(void)
{
	grpc_CreateContainerRequest req = grpc_CreateContainerRequest_init_zero;
	grpc_Spec *spec = &req.OCI;
	grpc_Process *proc = &spec->Process;
	grpc_Mount mounts[2] = { grpc_Mount_init_zero, grpc_Mount_init_zero };
	grpc_Spec_AnnotationsEntry ann[1] = { grpc_Spec_AnnotationsEntry_init_zero };
	grpc_POSIXRlimit rl[1] = { grpc_POSIXRlimit_init_zero };
	char *args[] = { S("sh"), S("-c"), S("echo caf\xc3\xa9") };
	char *env[] = { S("PATH=/bin"), S("TERM=xterm") };
	char *mopts[] = { S("nosuid"), S("noexec") };

	req.container_id = S("web");
	req.exec_id = S("web");
	req.agent_pidns = true;
	req.has_OCI = true;
	spec->Version = S("1.0.2");
	spec->has_Process = spec->has_Root = spec->has_Linux = true;
	spec->Hostname = S("box");
	spec->Mounts = mounts;
	spec->Mounts_count = 2;
	spec->Annotations = ann;
	spec->Annotations_count = 1;
	ann[0].key = S("io.kubernetes.cri.container-type");
	ann[0].value = S("sandbox");
	proc->Terminal = true;
	proc->Args = args;
	proc->Args_count = 3;
	proc->Env = env;
	proc->Env_count = 2;
	proc->Cwd = S("/");
	proc->OOMScoreAdj = -500;
	proc->Rlimits = rl;
	proc->Rlimits_count = 1;
	rl[0].Type = S("RLIMIT_NOFILE");
	rl[0].Hard = 1024;
	rl[0].Soft = 512;
	spec->Root.Path = S("/run/kata-containers/shared/containers/web/rootfs");
	mounts[0].destination = S("/proc");
	mounts[0].type = S("proc");
	mounts[0].source = S("proc");
	mounts[1].destination = S("/dev/shm");
	mounts[1].type = S("tmpfs");
	mounts[1].options = mopts;
	mounts[1].options_count = 2;
	spec->Linux.CgroupsPath = S("/kata/web");
	spec->Linux.has_Resources = true;
	spec->Linux.Resources.has_Memory = true;
	spec->Linux.Resources.Memory.Limit = 128 << 20;

	size_t size;
	if (!pb_get_encoded_size(&size, grpc_CreateContainerRequest_fields, &req))
		return 1;
	uint8_t *buf = malloc(size);
	pb_ostream_t os = pb_ostream_from_buffer(buf, size);
	if (!pb_encode(&os, grpc_CreateContainerRequest_fields, &req)) {
		fprintf(stderr, "encode: %s\n", PB_GET_ERROR(&os));
		return 1;
	}
	fwrite(buf, 1, os.bytes_written, stdout);
	free(buf);
	return 0;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

static int decode(void)
{
	static uint8_t in[1 << 20];
	size_t n = fread(in, 1, sizeof(in), stdin);
	grpc_CreateContainerRequest req = grpc_CreateContainerRequest_init_zero;
	pb_istream_t is = pb_istream_from_buffer(in, n);
	if (!pb_decode(&is, grpc_CreateContainerRequest_fields, &req)) {
		fprintf(stderr, "decode: %s\n", PB_GET_ERROR(&is));
		return 1;
	}
	const grpc_Spec *s = &req.OCI;
	printf("id=%s\n", str(req.container_id));
	printf("hostname=%s\n", str(s->Hostname));
	for (pb_size_t i = 0; i < s->Process.Args_count; i++)
		printf("arg=%s\n", s->Process.Args[i]);
	printf("oom=%lld\n", (long long)s->Process.OOMScoreAdj);
	for (pb_size_t i = 0; i < s->Mounts_count; i++)
		printf("mount=%s:%u\n", str(s->Mounts[i].destination),
		       (unsigned)s->Mounts[i].options_count);
	for (pb_size_t i = 0; i < s->Annotations_count; i++)
		printf("annotation=%s=%s\n", str(s->Annotations[i].key), str(s->Annotations[i].value));
	printf("memory=%lld\n", (long long)s->Linux.Resources.Memory.Limit);
	printf("agent_pidns=%d\n", req.agent_pidns);
	pb_release(grpc_CreateContainerRequest_fields, &req);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "encode"))
		return encode();
	if (argc > 1 && !strcmp(argv[1], "decode"))
		return decode();
	fprintf(stderr, "usage: pb-sample encode|decode\n");
	return 2;
}
