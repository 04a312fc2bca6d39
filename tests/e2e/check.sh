#!/bin/sh
# kata-runtime check: the host checks against what the runtime really does,
# the guest asset hashes (at check, at boot, and for a VM template), and the
# release check over TLS against a local HTTPS server (Python's ssl module)
# with certificates the test makes. Usage: tests/e2e/check.sh [BUILD_DIR]
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
B=$(cd "${1:-$top/build}" && pwd)
KR=$B/kata-runtime
FULL=$B/full/kata-runtime # configs/full_defconfig: with the TLS client
PY=/usr/bin/python3
unset KATA_CONF_FILE KATA_CHECK_NO_NETWORK KATA_RELEASE_URL
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

json_get() { $PY -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }
# The names of the checks with status ST in the JSON report on stdin.
names_with() { $PY -c "import json,sys; print([x['name'] for x in json.load(sys.stdin)['checks'] if x['status'] == sys.argv[1]])" "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# A configuration whose assets are small files of the test's own: the
# checks read them, nothing boots them.
fake_config() { # FILE [EXTRA LINES]
	printf 'kernel\n' > "$T/vmlinux"
	printf 'initrd\n' > "$T/initrd.img"
	printf '[hypervisor.qemu]\nkernel = "%s"\ninitrd = "%s"\naccel = "tcg"\n%s\n' \
		"$T/vmlinux" "$T/initrd.img" "${2:-}" > "$1"
}

test_verdict_is_what_the_runtime_does() {
	vm_config "$T/c.toml"
	sed -i 's/^accel = .*/accel = "auto"/' "$T/c.toml"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n
	expect_rc 0
	expect_in "$out" "System is capable of running Kata Containers"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n --json
	expect_rc 0
	accel=$(echo "$out" | json_get '["accelerator"]')
	expect_eq "$(echo "$out" | json_get '["capable"]')" True
	if [ "$accel" = tcg ]; then
		run "$KR" --root "$T/root" --config "$T/c.toml" check -n
		expect_in "$out" "KVM is not usable here ("
		expect_in "$out" "the runtime will use TCG (software emulation, slower)"
	fi
	# the runtime, with the same configuration and cache, boots with that
	sh "$top/scripts/bundle.sh" "$T/b" "$KR" sleep 30 > /dev/null 2>&1 || fail "bundle"
	run "$KR" --root "$T/root" --config "$T/c.toml" run -d -b "$T/b" chk-$$
	expect_rc 0
	pid=$(pgrep -f "qemu-system-x86_64 -name sandbox-chk-$$" | head -1)
	[ -n "$pid" ] || fail "no QEMU for the container"
	tr '\0' ' ' < /proc/$pid/cmdline | grep -q "accel=$accel" ||
		fail "check said $accel, QEMU runs with $(tr '\0' ' ' < /proc/$pid/cmdline)"
	"$KR" --root "$T/root" --config "$T/c.toml" delete -f chk-$$ > /dev/null 2>&1
	pgrep -f "sandbox-chk-$$" > /dev/null && fail "QEMU left"
	true
}

# A KVM on which the guest kernel hangs (a nested one): the probe gives up
# when the guest prints nothing at first, not after the whole boot timeout.
test_kvm_probe_of_a_silent_guest_is_quick() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no usable /dev/kvm to probe"
	cat > "$T/qemu" <<'SH'
#!/bin/sh
case "$*" in
*-kernel*) exec sleep 30 ;; # a guest that never prints
*--version*) echo "QEMU emulator version 7.2.0" ;;
esac
SH
	chmod +x "$T/qemu"
	fake_config "$T/c.toml" "path = \"$T/qemu\""
	sed -i 's/^accel = .*/accel = "auto"/' "$T/c.toml"
	run timeout 10 "$KR" --root "$T/root" --config "$T/c.toml" check -n
	expect_in "$out$err" "printed nothing in 800 ms: it hangs under this KVM"
	run timeout 10 "$KR" --root "$T/root2" --config "$T/c.toml" check -n --json
	expect_eq "$(echo "$out" | json_get '["accelerator"]')" tcg
}

test_verbose_lists_what_passed() {
	fake_config "$T/c.toml"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n --verbose
	expect_rc 0
	expect_in "$err" "INFO: CPU property found: lm (64Bit CPU)"
	expect_in "$err" "INFO: runs: /usr/bin/qemu-system-x86_64 (QEMU): QEMU emulator version"
	expect_in "$err" "INFO: readable: kernel ($T/vmlinux): 7 bytes"
	expect_in "$err" "INFO: QEMU has: virtserialport (agent channel (virtio-serial))"
	expect_in "$err" "INFO: QEMU has: virtio-9p-pci (shared file system (9p))"
	expect_in "$err" "INFO: the runtime will use: tcg (TCG (software emulation, slower))"
	expect_in "$out" "Accelerator: TCG (software emulation, slower), as configured"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n
	expect_not_in "$err" "INFO:"
	# kata-check is the same command
	run "$KR" --root "$T/root" --config "$T/c.toml" kata-check -n
	expect_rc 0
	expect_in "$out" "System is capable of running Kata Containers"
}

test_missing_assets_and_qemu_are_errors() {
	fake_config "$T/c.toml" 'path = "/nonexistent/qemu"'
	rm "$T/initrd.img"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n
	expect_rc 1
	expect_in "$err" "ERROR: cannot be read: initrd ($T/initrd.img): No such file or directory"
	expect_in "$err" "ERROR: does not run: /nonexistent/qemu (QEMU)"
	expect_in "$err" "ERROR: System is not capable of running Kata Containers"
	[ -z "$out" ] || fail "stdout: $out"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n --json
	expect_rc 1
	expect_eq "$(echo "$out" | json_get '["capable"]')" False
	expect_eq "$(echo "$out" | names_with error)" "['/nonexistent/qemu', 'initrd']"
}

test_strict_counts_warnings() {
	fake_config "$T/c.toml"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n --json
	warnings=$(echo "$out" | names_with warning)
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n --strict
	if [ "$warnings" = "[]" ]; then
		expect_rc 0
		expect_in "$out" "Version consistency of Kata Containers is verified"
	else
		expect_rc 1
		expect_in "$err" "ERROR: System is not capable of running Kata Containers"
	fi
	# accel = "kvm" where KVM cannot boot the guest is an error, not a warning
	vm_config "$T/k.toml"
	sed -i 's/^accel = .*/accel = "auto"/' "$T/k.toml"
	run "$KR" --root "$T/root" --config "$T/k.toml" check -n --json
	[ "$(echo "$out" | json_get '["accelerator"]')" = tcg ] || return 0
	sed -i 's/^accel = .*/accel = "kvm"/' "$T/k.toml"
	run "$KR" --root "$T/root" --config "$T/k.toml" check -n
	expect_rc 1
	expect_in "$err" "ERROR: "
	expect_in "$err" "ERROR: System is not capable of running Kata Containers"
}

test_asset_hashes_checked() {
	fake_config "$T/c.toml"
	printf 'kernel_hash = "%s"\ninitrd_hash = "%s"\n' "$(sha "$T/vmlinux")" \
		"$(sha "$T/initrd.img" | tr a-f A-F)" >> "$T/c.toml"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n -v
	expect_rc 0
	expect_in "$err" "INFO: SHA-256 matches: kernel_hash ($T/vmlinux): $(sha "$T/vmlinux")"
	expect_in "$err" "INFO: SHA-256 matches: initrd_hash"
	echo tampered >> "$T/initrd.img"
	run "$KR" --root "$T/root" --config "$T/c.toml" check -n
	expect_rc 1
	expect_in "$err" "ERROR: SHA-256 mismatch: initrd_hash ($T/initrd.img): the file has SHA-256 $(sha "$T/initrd.img"), initrd_hash wants"
	# a malformed hash is a configuration error naming the key and line
	fake_config "$T/d.toml" 'image_hash = "abc"'
	run "$KR" --root "$T/root" --config "$T/d.toml" check -n
	expect_rc 1
	expect_in "$err" "[hypervisor.qemu] image_hash ($T/d.toml:5): \"abc\" is not a SHA-256"
	fake_config "$T/e.toml" "image_hash = \"$(sha "$T/vmlinux")\""
	run "$KR" --root "$T/root" --config "$T/e.toml" check -n
	expect_rc 1
	expect_in "$err" "image_hash ($T/e.toml:5) is set but image is not"
}

test_hash_mismatch_refused_at_boot() {
	vm_config "$T/c.toml"
	sh "$top/scripts/bundle.sh" "$T/b" "$KR" echo booted > /dev/null 2>&1 || fail "bundle"
	printf 'kernel_hash = "%s"\ninitrd_hash = "%s"\n' "$(sha "$B/guest/vmlinux")" \
		"$(sha "$B/guest/initrd.img")" >> "$T/c.toml"
	run "$KR" --root "$T/root" --config "$T/c.toml" run -b "$T/b" good-$$
	expect_rc 0
	expect_in "$out" "booted"
	sed -i "s/^initrd_hash = .*/initrd_hash = \"$(printf '%064d' 0)\"/" "$T/c.toml"
	run "$KR" --root "$T/root" --config "$T/c.toml" run -b "$T/b" bad-$$
	expect_rc 1
	expect_in "$err" "[hypervisor.qemu] initrd_hash: $B/guest/initrd.img has SHA-256 $(sha "$B/guest/initrd.img"), not $(printf '%064d' 0): refusing to boot a guest asset that changed"
	pgrep -f "sandbox-bad-$$" > /dev/null && fail "a QEMU was started"
	[ -e "$T/root/bad-$$" ] && fail "state left behind"
	true
}

test_template_refuses_changed_assets() {
	vm_config "$T/c.toml"
	cp "$B/guest/initrd.img" "$T/initrd.img"
	sed -i "s|^initrd = .*|initrd = \"$T/initrd.img\"|" "$T/c.toml"
	printf '[factory]\nenable_template = true\ntemplate_path = "%s/tpl"\n' "$T" >> "$T/c.toml"
	sh "$top/scripts/bundle.sh" "$T/b" "$KR" echo cloned > /dev/null 2>&1 || fail "bundle"
	run "$KR" --root "$T/root" --config "$T/c.toml" factory init
	expect_rc 0
	[ -f "$T/tpl/assets.json" ] || fail "no asset record"
	expect_in "$(cat "$T/tpl/assets.json")" "$(sha "$T/initrd.img")"
	touch "$T/initrd.img" # a new identity, the same digest: still a clone
	run "$KR" --root "$T/root" --config "$T/c.toml" --log "$T/log" run -b "$T/b" t1-$$
	expect_rc 0
	expect_in "$out" "cloned"
	expect_not_in "$(cat "$T/log" 2> /dev/null)" "booting the VM directly"
	# another guest at the same path: the template's memory is not it
	cp "$B/guest/initrd-idle.img" "$T/initrd.img" 2> /dev/null ||
		{ cp "$B/guest/initrd.img" "$T/initrd.img"; echo x >> "$T/initrd.img"; }
	run "$KR" --root "$T/root" --config "$T/c.toml" --log "$T/log" run -b "$T/b" t2-$$
	expect_in "$(cat "$T/log")" "the file now has $(sha "$T/initrd.img")"
	expect_in "$(cat "$T/log")" "booting the VM directly"
	"$KR" --root "$T/root" --config "$T/c.toml" factory destroy > /dev/null 2>&1
	true
}

# ---- the release check

# Certificates: a CA; localhost signed by it; a name that is not localhost;
# an expired one; a self-signed localhost. Then the server, one port each.
start_server() {
	command -v openssl > /dev/null || skip "no openssl"
	[ -x "$FULL" ] || skip "no $FULL (make full-build)"
	chmod 755 "$T"
	mk() { # NAME CN DAYS [self]
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
			-out "$1.csr" -subj "/CN=$2" > /dev/null 2>&1
		printf 'subjectAltName=DNS:%s\n' "$2" > "$1.ext"
		if [ "${4:-}" = self ]; then
			openssl x509 -req -in "$1.csr" -signkey "$1.key" -out "$1.pem" -days "$3" \
				-extfile "$1.ext" > /dev/null 2>&1
		else
			openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
				-out "$1.pem" -days "$3" -extfile "$1.ext" > /dev/null 2>&1
		fi || fail "openssl: $1"
	}
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out ca.pem -subj /CN=ukata-test-ca -days 2 > /dev/null 2>&1 || fail "openssl CA"
	mk good localhost 2
	mk wrong wrong.example 2
	mk expired localhost -1
	mk self localhost 2 self
	chmod 644 ./*.pem ./*.key
	$PY "$top/tests/e2e/https_server.py" "$T" good=good.pem:good.key \
		wrong=wrong.pem:wrong.key expired=expired.pem:expired.key self=self.pem:self.key \
		> server.log 2>&1 &
	echo $! > server.pid
	for _ in $(seq 50); do [ -f ports ] && break; sleep 0.1; done
	[ -f ports ] || fail "server: $(cat server.log)"
	printf '[hypervisor.qemu]\naccel = "tcg"\n[runtime]\nrelease_ca_file = "%s/ca.pem"\nrelease_timeout = 1\n' \
		"$T" > c.toml
	chmod 644 c.toml ports
}
stop_server() { kill "$(cat "$T/server.pid")" 2> /dev/null; }
port() { awk -v n="$1" '$1 == n { print $2 }' "$T/ports"; }
# As nobody (Kata checks releases only when not root), with URL.
release() { # URL ARGS...
	url=$1
	shift
	run env KATA_RELEASE_URL="$url" $NOBODY "$FULL" --root "$T/root" \
		--config "$T/${CONF:-c.toml}" check "$@"
}

test_release_check_against_local_server() {
	start_server
	u="https://localhost:$(port good)"
	release "$u/releases" --check-version-only
	expect_rc 0
	expect_eq "$out" "Newer minor release available: 0.2.0 (url: https://example.invalid/0.2.0/kata-runtime, date: 2026-11-03T00:00:00Z)"
	release "$u/releases" --check-version-only --include-all-releases
	expect_in "$out" "Newer minor pre-release release available: 0.3.0-rc.1"
	release "$u/releases" --only-list-releases
	expect_rc 0
	expect_eq "$(echo "$out" | cut -d';' -f1 | tr '\n' ' ')" "0.0.9 0.1.0 0.2.0 "
	expect_in "$out" "0.2.0;2026-11-03T00:00:00Z;https://example.invalid/0.2.0/kata-runtime"
	release "$u/none" --check-version-only
	expect_eq "$out" "No newer release available"
	release "$u/empty" --check-version-only
	expect_eq "$out" "No releases available"
	release "$u/ratelimit" --check-version-only
	expect_rc 0
	expect_in "$err" "API rate limit exceeded"
	grep -q "good /releases kata-runtime/0\." requests || fail "User-Agent: $(cat requests)"
	# the full check: the release line first, then the host's verdict
	release "$u/releases"
	expect_in "$out" "Newer minor release available: 0.2.0"
	# the configured URL when the environment names none
	printf 'release_url = "%s/none"\n' "$u" >> c.toml
	run $NOBODY "$FULL" --root "$T/root" --config "$T/c.toml" check --check-version-only
	expect_eq "$out" "No newer release available"
	stop_server
}

test_release_check_refusals() {
	start_server
	u="https://localhost:$(port good)"
	t() { # URL EXPECTED-ERROR
		release "$1" --check-version-only
		[ "$rc" = 1 ] || fail "$1: exit status $rc; stdout: $out; stderr: $err"
		expect_in "$err" "ERROR: release check: "
		expect_in "$err" "$2"
		[ -z "$out" ] || fail "$1: stdout: $out"
	}
	t "https://localhost:$(port wrong)/releases" "the server's certificate was refused: The certificate Common Name (CN) does not match with the expected CN"
	t "https://localhost:$(port self)/releases" "the server's certificate was refused: The certificate is not correctly signed by the trusted CA"
	t "https://localhost:$(port expired)/releases" "the server's certificate was refused: The certificate validity has expired"
	t "$u/truncated" "truncated response: 900 of 1000 body bytes missing"
	t "$u/big" "larger than the limit of 4194304 bytes"
	t "$u/big-chunked" "larger than the limit of 4194304 bytes"
	t "$u/garbage" "$u/garbage: the releases list"
	t "$u/404" "$u/404: HTTP status 404"
	t "$u/slow" "no answer within 1000 ms (reading the response)"
	t "http://localhost:$(port good)/releases" "not an https:// URL"
	# the system's CA bundle does not know the test CA
	sed '/release_ca_file/d' c.toml > s.toml
	chmod 644 s.toml
	CONF=s.toml t "$u/releases" "not correctly signed by the trusted CA"
	stop_server
	t "$u/releases" "connecting to localhost port $(port good)"
}

test_no_network_checks_when_asked_or_root() {
	start_server
	u="https://localhost:$(port good)/releases"
	release "$u" -n
	expect_not_in "$out" "release"
	run env KATA_RELEASE_URL="$u" KATA_CHECK_NO_NETWORK=1 $NOBODY "$FULL" --root "$T/root" \
		--config "$T/c.toml" check --check-version-only
	expect_rc 0
	run env KATA_RELEASE_URL="$u" "$FULL" --root "$T/root" --config "$T/c.toml" check \
		--check-version-only
	expect_rc 0
	expect_in "$err" "WARNING: Not running network checks as super user"
	[ -f requests ] && fail "the server was asked: $(cat requests)"
	stop_server
	# without CONFIG_CHECK_RELEASE the default build says so, and refuses
	# the release keys as not built in
	"$KR" version | grep -q check-release && return 0
	run env KATA_RELEASE_URL="$u" $NOBODY "$KR" --root "$T/root" --config "$T/c.toml" check \
		--check-version-only
	expect_rc 1
	expect_in "$err" "[runtime] release_ca_file ($T/c.toml:4): the release check (CONFIG_CHECK_RELEASE) is not built in"
	grep -v '^release_' "$T/c.toml" > "$T/plain.toml"
	run env KATA_RELEASE_URL="$u" $NOBODY "$KR" --root "$T/root" --config "$T/plain.toml" check \
		--check-version-only
	expect_rc 1
	expect_in "$err" "the release check is not built in (CONFIG_CHECK_RELEASE)"
}

run_suite check
