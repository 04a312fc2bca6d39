#!/bin/sh
# yamux wire compatibility with hashicorp/yamux (what Kata 1.x's agent and
# proxy use), from Debian's golang-github-hashicorp-yamux-dev:
#   our client -> Go server (echo),  Go client -> our server (echo).
# Usage: tests/interop/yamux_go.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
pair=$B/tests/yamux-pair
passed=0 failed=0 skipped=0
if ! command -v go > /dev/null || [ ! -d /usr/share/gocode/src/github.com/hashicorp/yamux ]; then
	echo "skip: go or golang-github-hashicorp-yamux-dev missing (make deps)"
	echo "yamux-go: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
work=$(mktemp -d /tmp/ukata-yamux.XXXXXX)
trap 'kill $srv 2> /dev/null; rm -rf "$work"' EXIT
if ! (cd "$top/tests/interop/yamux_go" && GO111MODULE=off GOPATH=/usr/share/gocode \
	GOCACHE="$B/gocache" GOFLAGS= go build -o "$work/yamux-go" .); then
	echo "FAIL cannot build the Go peer"
	echo "yamux-go: 0 passed, 1 failed"
	exit 1
fi

result() { # name, status, output
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $1"
		printf '%s\n' "$3"
	fi
}

wait_ready() { # fifo-less: poll for the socket
	i=0
	while [ ! -S "$1" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# Our client against the Go server.
"$work/yamux-go" serve "$work/go.sock" > "$work/go.out" 2>&1 &
srv=$!
wait_ready "$work/go.sock"
out=$(timeout 60 "$pair" connect "$work/go.sock" 2>&1)
result "our client, hashicorp/yamux server" $? "$out"
kill $srv 2> /dev/null
wait $srv 2> /dev/null

# The Go client against our server.
"$pair" serve "$work/our.sock" > "$work/our.out" 2>&1 &
srv=$!
wait_ready "$work/our.sock"
out=$(timeout 60 "$work/yamux-go" connect "$work/our.sock" 2>&1)
result "hashicorp/yamux client, our server" $? "$out"
timeout 10 sh -c "while kill -0 $srv 2> /dev/null; do sleep 0.05; done"
if kill -0 $srv 2> /dev/null; then
	result "our server ends when the Go client hangs up" 1 "still running"
else
	result "our server ends when the Go client hangs up" 0 ""
fi
echo "yamux-go: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
