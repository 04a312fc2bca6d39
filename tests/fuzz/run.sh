#!/bin/sh
# Runs each libFuzzer target for a bounded time from its committed seed
# corpus (tests/fuzz/corpus/NAME); new inputs go to a temporary directory.
# Usage: tests/fuzz/run.sh BUILD_DIR   (FUZZ_SECONDS, default 20)
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
secs=${FUZZ_SECONDS:-20}
passed=0 failed=0
for f in "$B"/fuzz/*_fuzz; do
	[ -x "$f" ] || continue
	name=$(basename "$f" _fuzz)
	work=$(mktemp -d /tmp/ukata-fuzz.XXXXXX)
	if "$f" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work" "$top/tests/fuzz/corpus/$name" > "$work/log" 2>&1; then
		passed=$((passed + 1))
		echo "fuzz $name: $(grep -m1 stat::number_of_executed_units "$work/log" | awk '{print $2}') runs, no findings"
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
