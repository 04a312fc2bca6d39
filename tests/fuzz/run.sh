#!/bin/sh
# Runs each libFuzzer target for a bounded time from its committed seed
# corpus (tests/fuzz/corpus/NAME); new inputs go to a temporary directory.
# Usage: tests/fuzz/run.sh BUILD_DIR   (FUZZ_SECONDS, default 20)
# Each must reach FUZZ_MIN_COV coverage points (20; a blind one had 5): a blind one fails.
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
secs=${FUZZ_SECONDS:-20}
MIN_COV=${FUZZ_MIN_COV:-20}
passed=0 failed=0
for f in "$B"/fuzz/*_fuzz; do
	[ -x "$f" ] || continue
	name=$(basename "$f" _fuzz)
	work=$(mktemp -d /tmp/ukata-fuzz.XXXXXX)
	"$f" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work" "$top/tests/fuzz/corpus/$name" > "$work/log" 2>&1
	st=$?
	# A fuzzer must see the code it feeds: one whose target is built
	# without instrumentation (a prebuilt library) stays at a few points.
	cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$work/log" | tail -1)
	if [ "$st" -eq 0 ] && [ "${cov:-0}" -lt "$MIN_COV" ]; then
		failed=$((failed + 1))
		echo "FAIL fuzz $name: coverage ${cov:-none} points, under $MIN_COV: is its code instrumented?"
	elif [ "$st" -eq 0 ]; then
		passed=$((passed + 1))
		echo "fuzz $name: $(grep -m1 stat::number_of_executed_units "$work/log" | awk '{print $2}') runs, coverage $cov points, no findings"
	else
		failed=$((failed + 1))
		echo "FAIL fuzz $name"
		# The report (not only its tail) and the input, to reproduce it.
		sed -n '/ERROR: /,/SUMMARY/p' "$work/log" | head -60
		tail -5 "$work/log"
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
			[ -f "$a" ] || continue
			echo "input $(basename "$a") (hex):"
			od -An -tx1 -v "$a" | head -64
		done
	fi
	rm -rf "$work"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
