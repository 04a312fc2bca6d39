#!/bin/sh
# Runs every test suite and prints the totals. Usage: tests/run.sh [BUILD_DIR]
# Each suite ends with a line "NAME: N passed, N failed[, N skipped]"; a suite
# that prints no such line, or exits non-zero with no failure counted, counts
# as one failure.
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
P=0 F=0 S=0

suite() {
	name=$1; shift
	echo "== $name"
	log=$(mktemp)
	"$@" > "$log" 2>&1
	status=$?
	cat "$log"
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "FAIL $name: no summary line (exit status $status)"
		F=$((F + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	[ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	P=$((P + p)) F=$((F + f)) S=$((S + ${s:-0}))
}

suite unit "$B/tests/unit-tests"
[ -x "$B/asan/tests/unit-tests" ] && suite unit-asan "$B/asan/tests/unit-tests"
[ -x "$B/full/tests/unit-tests" ] && suite unit-full "$B/full/tests/unit-tests"
suite link "$B/tests/link-deps"
suite layering sh "$top/tests/build/layering.sh" "$B"
suite hpack-nghttp2 "$B/tests/hpack-nghttp2"
suite h2-nghttp2 "$B/tests/h2-nghttp2"
suite rpc-grpcio /usr/bin/python3 "$top/tests/interop/rpc_grpcio.py" "$B/tests/rpc-client"
suite rpc-grpcio-asan /usr/bin/python3 "$top/tests/interop/rpc_grpcio.py" "$B/tests/rpc-client-asan"
suite rpc-grpcio-server /usr/bin/python3 "$top/tests/interop/rpc_grpcio_client.py" "$B/tests/rpc-server" \
	"$B/tests/rpc-deadline"
suite rpc-grpcio-server-asan /usr/bin/python3 "$top/tests/interop/rpc_grpcio_client.py" \
	"$B/tests/rpc-server-asan" "$B/tests/rpc-deadline"
suite yamux "$B/tests/yamux-pair"
suite yamux-asan "$B/tests/yamux-pair-asan"
suite yamux-go sh "$top/tests/interop/yamux_go.sh" "$B"
if grep -q '^#define ENABLE_TTRPC 1' "$B/include/generated/autoconf.h"; then
	suite ttrpc "$B/tests/ttrpc-tool"
	suite ttrpc-asan "$B/tests/ttrpc-tool-asan"
	suite ttrpc-go sh "$top/tests/interop/ttrpc_go.sh" "$B"
fi
suite qmp-fake /usr/bin/python3 "$top/tests/integration/qmp_fake.py" "$B/tests/qmp-tool"
suite qmp-fake-asan /usr/bin/python3 "$top/tests/integration/qmp_fake.py" "$B/tests/qmp-tool-asan"
suite qmp-qemu sh "$top/tests/integration/qmp_qemu.sh" "$B"
suite qemu-driver sh "$top/tests/integration/qemu_driver.sh" "$B"
suite agent-vm sh "$top/tests/integration/agent_vm.sh" "$B"
suite proto-python /usr/bin/python3 "$top/tests/interop/proto_python.py" "$B/tests/pb-sample"
suite cli sh "$top/tests/e2e/cli.sh" "$B"
suite lifecycle sh "$top/tests/e2e/lifecycle.sh" "$B"
suite pods sh "$top/tests/e2e/pods.sh" "$B"
suite devices sh "$top/tests/e2e/devices.sh" "$B"
suite containerd sh "$top/tests/e2e/containerd.sh" "$B"
suite cri sh "$top/tests/e2e/cri.sh" "$B"
suite shimv2 sh "$top/tests/e2e/shimv2.sh" "$B"
suite monitor sh "$top/tests/e2e/monitor.sh" "$B"
suite factory sh "$top/tests/e2e/factory.sh" "$B"
suite network sh "$top/tests/e2e/network.sh" "$B"
suite check sh "$top/tests/e2e/check.sh" "$B"
suite trace sh "$top/tests/e2e/trace.sh" "$B"
suite faults sh "$top/tests/e2e/faults.sh" "$B"
[ -n "${SKIP_BUILD_MATRIX:-}" ] || suite build sh "$top/tests/build/configs.sh" "$B"
suite fuzz sh "$top/tests/fuzz/run.sh" "$B"
suite failmalloc sh "$top/tests/failmalloc/run.sh" "$B"
echo
echo "total: $P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
