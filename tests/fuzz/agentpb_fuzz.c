// fuzz-srcs: @GEN@/agent.pb.c @GEN@/oci.pb.c @GEN@/types.pb.c @GEN@/google/protobuf/empty.pb.c @NANOPB@
/* libFuzzer target: nanopb decoding of agent requests as the agent receives
 * them; the first byte picks the request type. nanopb is built from Debian's
 * sources with the fuzzer's instrumentation (@NANOPB@), so coverage guides
 * the search through the decoder and the generated descriptors. */
#include <stdint.h>

#include <pb_decode.h>

#include "agent.pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const pb_msgdesc_t *const types[] = {
		grpc_CreateContainerRequest_fields, grpc_ExecProcessRequest_fields,
		grpc_CreateSandboxRequest_fields, grpc_UpdateContainerRequest_fields,
		grpc_UpdateInterfaceRequest_fields, grpc_CopyFileRequest_fields,
		grpc_AddARPNeighborsRequest_fields, grpc_WriteStreamRequest_fields,
	};
	union {
		grpc_CreateContainerRequest a;
		grpc_ExecProcessRequest b;
		grpc_CreateSandboxRequest c;
		grpc_UpdateContainerRequest d;
		grpc_UpdateInterfaceRequest e;
		grpc_CopyFileRequest f;
		grpc_AddARPNeighborsRequest g;
		grpc_WriteStreamRequest h;
	} msg = { 0 };

	if (size < 1)
		return 0;
	const pb_msgdesc_t *t = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	pb_istream_t is = pb_istream_from_buffer(data + 1, size - 1);
	pb_decode(&is, t, &msg); /* releases what it allocated on failure */
	pb_release(t, &msg);
	return 0;
}
