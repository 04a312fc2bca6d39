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

# The TLS client (and mbedtls' TLS and X.509 code) only where
# CONFIG_CHECK_RELEASE is; SHA-256 only with CONFIG_ASSET_HASH.
test_tls_and_hashing_compiled_out() {
	for n in defconfig tiny_defconfig full_defconfig; do
		[ -x "$B/cfg/$n/kata-runtime" ] || build $n
	done
	syms() { nm "$B/cfg/$1/kata-runtime" | awk '{print $NF}'; }
	syms full_defconfig | grep -qx mbedtls_ssl_handshake || fail "full: no TLS client"
	syms full_defconfig | grep -qx https_get || fail "full: no https_get"
	for n in defconfig tiny_defconfig; do
		syms $n | grep -E -x 'mbedtls_ssl_[a-z_]+|mbedtls_x509_[a-z_]+|https_get' &&
			fail "$n: the TLS client is linked"
	done
	syms defconfig | grep -qx mbedtls_sha256_update_ret || fail "defconfig: no SHA-256"
	syms tiny_defconfig | grep -E -x 'mbedtls_[a-z0-9_]+' && fail "tiny: mbedtls is linked"
	printf '[hypervisor.qemu]\nkernel_hash = "%064d"\n' 0 > c.toml
	run "$B/cfg/tiny_defconfig/kata-runtime" --config c.toml state x
	expect_rc 1
	expect_in "$err" "[hypervisor.qemu] kernel_hash ($T/c.toml:2): guest asset hashing (CONFIG_ASSET_HASH) is not built in"
	true
}

# make size-report: every configuration builds and meets its goal (full
# 1 MiB, tiny 256 KiB, guest 200 KiB stripped).
test_size_report() {
	run sh "$top/scripts/size-report.sh" "$B"
	expect_rc 0
	for n in full_defconfig tiny_defconfig guest_defconfig; do
		echo "$out" | grep -q "^$n .* ok$" || fail "$n: $(echo "$out" | grep "^$n")"
	done
	for n in defconfig allnoconfig allyesconfig; do
		echo "$out" | grep -q "^$n  *[0-9]" || fail "no size for $n"
	done
	# the symbol compare names what one has and the other has not
	run sh "$top/scripts/size-report.sh" --compare "$B/cfg/tiny_defconfig" "$B/cfg/defconfig"
	expect_rc 0
	expect_in "$out" "add/remove: "
	echo "$out" | grep -q "^cmd_env  *- " || fail "cmd_env not listed as added: $out"
	run sh "$top/scripts/size-report.sh" --compare "$B/cfg/defconfig" "$B/cfg/defconfig"
	expect_in "$out" "add/remove: 0/0 grow/shrink: 0/0 up/down: 0/0 (0)"
}

# Every optional feature builds alone on allnoconfig (on its base), brings
# its symbols and costs what its prompt says; each such build's unit tests
# pass and its binary runs.
test_each_feature_alone() {
	visible=$(awk '/^config /{ s = $2; next } s && /^[ \t]*bool[ \t]+"/ { print s } /^[ \t]*$/{ s = "" }' \
		"$top/Kconfig" "$top"/src/*/Kconfig | sort)
	listed=$(grep -v '^#' "$top/tests/build/features.txt" | awk 'NF { print $1 }' | sort)
	expect_eq "$listed" "$visible"
	run sh "$top/scripts/size-costs.sh" --check "$B"
	[ "$rc" -eq 0 ] || fail "$err"
	for d in $(cat "$B/feat/built"); do
		"$d/tests/unit-tests" > "$T/unit.log" 2>&1 ||
			fail "$(basename "$d"): unit tests: $(tail -5 "$T/unit.log")"
		"$d/kata-runtime" --version > /dev/null || fail "$(basename "$d"): --version"
	done
}

# tiny_defconfig: what it leaves out is gone and its keys are refused.
test_tiny_refuses_left_out_features() {
	[ -x "$B/cfg/tiny_defconfig/kata-runtime" ] || build tiny_defconfig
	k="$B/cfg/tiny_defconfig/kata-runtime"
	for c in ps events update env check factory kata-network agent; do
		run "$k" "$c"
		expect_rc 1
		expect_in "$err" "unknown command \"$c\""
	done
	printf '[factory]\nenable_template = true\n' > c.toml
	run "$k" --config c.toml state x
	expect_rc 1
	expect_in "$err" "[factory] enable_template ($T/c.toml:2): VM templates (CONFIG_FACTORY_TEMPLATE) is not built in"
	printf '[hypervisor.qemu]\nenable_iothreads = true\n' > c.toml
	run "$k" --config c.toml state x
	expect_in "$err" "IOThreads (CONFIG_IOTHREADS) is not built in"
	printf '[runtime]\nenable_debug = true\n' > c.toml
	run "$k" --config c.toml state x
	expect_in "$err" "debug logging (CONFIG_LOG_DEBUG) is not built in"
	printf '[runtime]\nenable_tracing = true\n' > c.toml
	run "$k" --config c.toml state x
	expect_in "$err" "[runtime] enable_tracing ($T/c.toml:2): tracing (CONFIG_TRACE) is not built in"
	run "$k" --trace state x
	expect_rc 1
	expect_in "$err" "--trace"
	# the shipped configuration asks for nothing tiny leaves out
	run "$k" --config "$top/configs/configuration.toml" state x
	expect_eq "$err" 'kata-runtime: container "x" does not exist'
	# at their defaults they ask for nothing missing
	printf '[factory]\nenable_template = false\n[hypervisor.qemu]\nenable_iothreads = false\n' > c.toml
	run "$k" --config c.toml state x
	expect_in "$err" 'container "x" does not exist'
	nm "$B/cfg/tiny_defconfig/kata-runtime" | awk '{ print $NF }' |
		grep -E -x 'cmd_ps|cmd_events|cmd_update|factory_template_make|vmcache_serve|sb_net_setup|cmd_agent|trace_begin_at|rpc_call_traced' &&
		fail "tiny links what it leaves out"
	true
}

test_install_layout() {
	d=$B/cfg/defconfig
	[ -x "$d/kata-runtime" ] || build defconfig
	make -s -C "$top" O="$d" KCONFIG_CONFIG="$d/.config" install DESTDIR="$T/root" PREFIX=/usr \
		> log 2>&1 || { cat log; fail "make install"; }
	[ -x "$T/root/usr/bin/kata-runtime" ] || fail "no binary"
	expect_eq "$(readlink "$T/root/usr/bin/kata-agent")" kata-runtime
	cmp -s "$T/root/usr/share/defaults/kata-containers/configuration.toml" \
		"$top/configs/configuration.toml" || fail "configuration not installed"
	grep -q '^ExecStart=/usr/bin/kata-runtime --cache-server$' \
		"$T/root/lib/systemd/system/kata-vmcache.service" || fail "VMCache unit not installed"
	run "$T/root/usr/bin/kata-agent"
	expect_in "$err" "no virtio-serial port named agent.channel.0"
}

test_autoconf_rewritten_only_on_change() {
	printf 'CONFIG_CMD_ENV=y\n' > dot
	sh "$top/scripts/gen-config-h.sh" dot out.h "$top/Kconfig" "$top"/src/*/Kconfig
	grep -q "define ENABLE_CMD_ENV 1" out.h || fail "ENABLE_CMD_ENV"
	grep -q "define IF_CMD_CHECK(...)\$" out.h || fail "IF_CMD_CHECK"
	grep -q 'define CONFIG_DEFAULT_ROOT' out.h && fail "unset string emitted"
	touch -d "2000-01-01" out.h
	sh "$top/scripts/gen-config-h.sh" dot out.h "$top/Kconfig" "$top"/src/*/Kconfig
	[ "$(stat -c %Y out.h)" = "$(date -d 2000-01-01 +%s)" ] || fail "rewritten without a change"
	printf 'CONFIG_CMD_ENV=y\nCONFIG_CMD_CHECK=y\n' > dot
	sh "$top/scripts/gen-config-h.sh" dot out.h "$top/Kconfig" "$top"/src/*/Kconfig
	[ "$(stat -c %Y out.h)" != "$(date -d 2000-01-01 +%s)" ] || fail "not rewritten on a change"
}

# A rebuild after touching a header recompiles its includers and nothing else.
test_header_dependencies() {
	d=$B/cfg/deps
	rm -rf "$d"
	mkdir -p "$d"
	cp "$top/configs/defconfig" "$d/.config"
	export KCONFIG_CONFIG="$d/.config"
	make -s -C "$top" O="$d" -j2 > log 2>&1 || { cat log; fail build; }
	touch "$top/src/cli/env_emit.h"
	make -C "$top" O="$d" > log 2>&1 || { cat log; fail rebuild; }
	compiled=$(grep -o 'CC *src/[a-z_/]*\.c' log | awk '{print $2}' | sort | tr '\n' ' ')
	expect_eq "$compiled" "src/cli/cmd_env.c src/cli/env_emit.c "
	make -C "$top" O="$d" > log 2>&1
	grep -q "CC " log && fail "an up-to-date tree recompiled: $(cat log)"
	# A configuration that changes the compiler flags rebuilds every object.
	sed -i 's/^CONFIG_OPTIMIZE_SIZE=y/# CONFIG_OPTIMIZE_SIZE is not set/' "$d/.config"
	make -C "$top" O="$d" > log 2>&1
	expect_eq "$(grep -c 'CC *src/util/buf.c' log)" 1
	rm -rf "$d"
}

run_suite build
status=$?
echo "stripped sizes (bytes):"
sed 's/^/  /' "$SIZES"
exit $status
