#!/bin/sh
# ttrpc wire compatibility with containerd's own (Debian's
# golang-github-containerd-ttrpc-dev, what containerd and its shims speak):
#   the Go client -> our server, our client -> the Go server, with the
#   ttrpc-tool and ttrpc_go checks (echo, error status, unknown method,
#   120 KB, over 4 MiB, concurrent calls, timeouts).
# Usage: tests/interop/ttrpc_go.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
tool=$B/tests/ttrpc-tool-asan
if ! command -v go > /dev/null || [ ! -d /usr/share/gocode/src/github.com/containerd/ttrpc ]; then
	echo "skip: go or golang-github-containerd-ttrpc-dev missing (make deps)"
	echo "ttrpc-go: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
work=$(mktemp -d /tmp/ukata-ttrpc.XXXXXX)
srv=
trap '[ -n "$srv" ] && kill $srv 2> /dev/null; rm -rf "$work"' EXIT
if ! (cd "$top/tests/interop/ttrpc_go" && GO111MODULE=off GOPATH=/usr/share/gocode \
	GOCACHE="$B/gocache" GOFLAGS= go build -o "$work/ttrpc-go" .); then
	echo "FAIL cannot build the Go peer"
	echo "ttrpc-go: 0 passed, 1 failed"
	exit 1
fi
passed=0 failed=0

# serve_on SERVER...: SERVER serve $sock, in the background ($srv).
serve_on() {
	sock=$work/$passed$failed.sock
	"$@" serve "$sock" > "$work/srv.out" 2>&1 &
	srv=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
}
result() { # NAME RC OUTPUT
	if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else
		failed=$((failed + 1))
		echo "FAIL $1"
		printf '%s\n' "$3"
	fi
	kill $srv 2> /dev/null
	wait $srv 2> /dev/null
	srv=
}

serve_on "$tool"
out=$(timeout 60 "$work/ttrpc-go" connect "$sock" 2>&1)
result "containerd's ttrpc client, our server" $? "$out"
serve_on "$work/ttrpc-go"
out=$(timeout 60 "$tool" connect "$sock" 2>&1)
result "our client, containerd's ttrpc server" $? "$out"
echo "ttrpc-go: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
