#!/bin/sh
# The failmalloc sweep of each peer-fed codec over its seed corpus
# (tests/fuzz/corpus/NAME): every allocation of every input fails in turn;
# a crash, a leak or undefined behaviour on that path fails the codec.
# Usage: tests/failmalloc/run.sh BUILD_DIR
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
passed=0 failed=0
export ASAN_OPTIONS=fast_unwind_on_malloc=0:detect_leaks=1
for f in "$B"/failmalloc/*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	log=$(mktemp)
	if "$f" "$top"/tests/fuzz/corpus/"$name"/* > "$log" 2>&1; then
		passed=$((passed + 1))
		echo "failmalloc $name: $(tail -1 "$log")"
	else
		failed=$((failed + 1))
		echo "FAIL failmalloc $name"
		sed -n '/ERROR: /,/SUMMARY/p' "$log" | head -40
	fi
	rm -f "$log"
done
[ $((passed + failed)) -gt 0 ] || { echo "failmalloc: no binaries in $B/failmalloc"; failed=1; }
echo "failmalloc: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
