#!/bin/sh
# Wire-stack benchmarks, ours against a peer measured in the same run.
# Usage: bench/run.sh BUILD_DIR   (make bench builds and runs it)
#   BENCH_SECONDS  seconds per throughput run (default 2)
# Prints each figure for both and the ratio ours/theirs (for latency and
# memory lower is better; for throughput higher is better).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
secs=${BENCH_SECONDS:-2}
work=$(mktemp -d /tmp/ukata-bench.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2> /dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# start NAME BINARY: a server on $work/NAME.sock fed from a fifo (its stdin)
start() {
	mkfifo "$work/$1.in"
	"$2" serve "$work/$1.sock" < "$work/$1.in" > "$work/$1.out" 2>&1 &
	eval "pid_$1=$!"
	pids="$pids $!"
	exec 3> "$work/$1.in" # hold the fifo open; closing it stops the server
	eval "exec 4>&3"
	i=0
	until grep -q ready "$work/$1.out" 2> /dev/null || [ $i -gt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

measure() { # NAME SERVER_BINARY CLIENT_BINARY [ENV=VALUE for the server]
	name=$1
	senv=${4:-BENCH_QUICK=0}
	mkfifo "$work/$name.in"
	env "$senv" "$2" serve "$work/$name.sock" < "$work/$name.in" > "$work/$name.out" 2>&1 &
	spid=$!
	pids="$pids $spid"
	exec 5> "$work/$name.in"
	i=0
	until grep -q ready "$work/$name.out" 2> /dev/null || [ $i -gt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	s="$work/$name.sock"
	set -- "$3"
	echo "$(rss_kb $spid)" > "$work/$name.rss0"
	"$1" latency "$s" 64 5000 > "$work/$name.lat64"
	"$1" latency "$s" 65536 1000 > "$work/$name.lat64k"
	"$1" throughput "$s" 64 1 "$secs" > "$work/$name.tp64_1"
	"$1" throughput "$s" 64 16 "$secs" > "$work/$name.tp64_16"
	"$1" throughput "$s" 65536 1 "$secs" > "$work/$name.tp64k_1"
	"$1" throughput "$s" 65536 16 "$secs" > "$work/$name.tp64k_16"
	# 100 idle connections, opened by the same client for both servers.
	mkfifo "$work/$name.idle"
	"$B/bench/ukata-bench" idle "$s" 100 < "$work/$name.idle" > "$work/$name.idleout" &
	ipid=$!
	exec 6> "$work/$name.idle"
	i=0
	until grep -q ready "$work/$name.idleout" 2> /dev/null || [ $i -gt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.5
	echo "$(rss_kb $spid)" > "$work/$name.rss100"
	exec 6>&-
	wait $ipid || true
	exec 5>&-
	wait $spid || true
}

measure ukata "$B/bench/ukata-bench" "$B/bench/ukata-bench"
measure quick "$B/bench/ukata-bench" "$B/bench/ukata-bench" BENCH_QUICK=1
measure grpcpp "$B/bench/bench-grpcpp" "$B/bench/bench-grpcpp"

row() { # label file field
	o=$(awk -v f="$3" '{ print $f }' "$work/ukata.$2")
	q=$(awk -v f="$3" '{ print $f }' "$work/quick.$2")
	t=$(awk -v f="$3" '{ print $f }' "$work/grpcpp.$2")
	printf '%-42s %9s %9s %9s %7s %7s\n' "$1" "$o" "$q" "$t" "$(ratio "$o" "$t")" \
		"$(ratio "$q" "$t")"
}

echo "gRPC unary over a unix socket: ukata (client+server) vs gRPC C++ $(pkg-config --modversion grpc++ 2> /dev/null || echo '?')"
echo "  ukata: each call on a worker thread (any handler may block);"
echo "  quick: handlers marked quick run on the connection's thread."
echo "  Concurrent callers share one connection (ukata) or one channel (gRPC C++)."
printf '%-42s %9s %9s %9s %7s %7s\n' "" ukata quick grpc-c++ ratio "ratio(q)"
row "median latency, 64 B request (us)" lat64 1
row "p99 latency, 64 B request (us)" lat64 2
row "median latency, 64 KiB request (us)" lat64k 1
row "p99 latency, 64 KiB request (us)" lat64k 2
row "throughput, 64 B, 1 caller (calls/s)" tp64_1 1
row "throughput, 64 B, 16 callers (calls/s)" tp64_16 1
row "throughput, 64 KiB, 1 caller (calls/s)" tp64k_1 1
row "throughput, 64 KiB, 16 callers (calls/s)" tp64k_16 1
row "server RSS, started (KiB)" rss0 1
row "server RSS, 100 idle connections (KiB)" rss100 1
echo
echo "HPACK decoding of a gRPC request header block (ns per block)"
printf '%-44s %12s %12s %8s\n' "" ukata nghttp2 ratio
"$B/bench/hpack-bench" | while read -r what o t; do
	printf '%-44s %12s %12s %8s\n' "$what" "$o" "$t" "$(ratio "$o" "$t")"
done
echo
echo "size"
sh "$top/scripts/size.sh" "$B/kata-runtime" "$B" | grep -E "^stripped|wire stack|descriptors"
ng=$(size -d /usr/lib/x86_64-linux-gnu/libnghttp2.so.14 2> /dev/null | awk 'NR == 2 { print $1 }')
echo "  libnghttp2.so text, for comparison: ${ng:-?} bytes"
