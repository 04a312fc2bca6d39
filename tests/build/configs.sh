#!/bin/sh
# Builds allnoconfig, allyesconfig and every file in configs/ side by side
# (each in BUILD_DIR/cfg/NAME with its own KCONFIG_CONFIG), checks that each
# binary is static and runs, runs its unit tests, checks that a disabled
# command is gone, and prints the table of stripped sizes.
# Usage: tests/build/configs.sh [BUILD_DIR]
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
B=$(mkdir -p "${1:-$top/build}" && cd "${1:-$top/build}" && pwd)
SIZES=$B/cfg/sizes.txt
mkdir -p "$B/cfg"
: > "$SIZES"

build() {
	name=$1
	d=$B/cfg/$name
	mkdir -p "$d"
	export KCONFIG_CONFIG="$d/.config"
	make -s -C "$top" O="$d" "$name" > "$d/build.log" 2>&1 &&
		make -s -C "$top" -j2 O="$d" all unit-tests >> "$d/build.log" 2>&1 ||
		{ tail -20 "$d/build.log"; fail "$name does not build"; }
	file "$d/kata-runtime" | grep -q "statically linked" || fail "$name: not static"
	run "$d/kata-runtime" --version
	expect_rc 0
	run "$d/tests/unit-tests"
	expect_rc 0
	strip -o "$d/stripped" "$d/kata-runtime"
	echo "$name $(stat -c %s "$d/stripped")" >> "$SIZES"
}

test_allnoconfig() {
	build allnoconfig
	d=$B/cfg/allnoconfig
	run "$d/kata-runtime" env
	expect_rc 1
	expect_in "$err" 'unknown command "env"'
	run "$d/kata-runtime" --help
	expect_not_in "$out" "  env "
	expect_not_in "$out" "  create "
	nm "$d/kata-runtime" | grep -q -w cmd_env && fail "cmd_env still linked in allnoconfig"
	run "$d/kata-runtime" --log-format json version
	expect_rc 1
	expect_in "$err" "json is not built in"
	true
}

test_allyesconfig() {
	build allyesconfig
	nm "$B/cfg/allyesconfig/kata-runtime" | grep -q -w cmd_env || fail "cmd_env missing"
}

test_defconfigs() {
	for f in "$top"/configs/*defconfig; do
		build "$(basename "$f")"
	done
	run "$B/cfg/tiny_defconfig/kata-runtime" env
	expect_in "$err" 'unknown command "env"'
	run "$B/cfg/guest_defconfig/kata-runtime" --help
	expect_in "$out" "  agent "
	expect_not_in "$out" "  create "
}

run_suite build
status=$?
echo "stripped sizes (bytes):"
sed 's/^/  /' "$SIZES"
exit $status
