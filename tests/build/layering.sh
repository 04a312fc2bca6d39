#!/bin/sh
# The layering check (scripts/layering.py) on the tree, and on copies of it
# with one violation each, which it must catch.
# Usage: tests/build/layering.sh [BUILD_DIR]
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
CHECK="/usr/bin/python3 $top/scripts/layering.py"

copy() {
	cp -r "$top/src" "$T/src"
	cp "$top/docs/architecture.md" "$T/arch.md"
}

test_the_tree_keeps_its_layers() {
	run $CHECK "$top/src" "$top/docs/architecture.md"
	expect_rc 0
	expect_eq "$out" ""
}

test_a_lower_room_including_a_higher_one_fails() {
	copy
	sed -i '1i #include "sandbox/sandbox.h"' "$T/src/util/buf.c"
	run $CHECK "$T/src" "$T/arch.md"
	expect_rc 1
	expect_in "$out" "src/util/buf.c:1: util (layer 0) includes sandbox/ (layer 5)"
}

test_qemu_named_outside_the_hypervisor_fails() {
	copy
	printf 'static int x(void) { return qemu_hotplug(0, 0, 0); }\n' >> "$T/src/sandbox/exec.c"
	printf '#include "hypervisor/qemu/qemu.h"\n' >> "$T/src/factory/boot.c"
	printf '/* qemu_in_a_comment */ static const char *s = "qemu_in_a_string";\n' \
		>> "$T/src/agent/noop.c"
	run $CHECK "$T/src" "$T/arch.md"
	expect_rc 1
	expect_in "$out" "src/sandbox/exec.c:"
	expect_in "$out" ": qemu_hotplug outside hypervisor/"
	expect_in "$out" "src/factory/boot.c:"
	expect_in "$out" ": includes hypervisor/qemu/ outside hypervisor/"
	expect_not_in "$out" "agent/noop.c"
}

test_a_room_the_table_does_not_place_fails() {
	copy
	mkdir "$T/src/newroom"
	printf 'int f(void);\n' > "$T/src/newroom/a.c"
	run $CHECK "$T/src" "$T/arch.md"
	expect_rc 1
	expect_in "$out" "room newroom is not in the layering table"
	# placed in the document, it passes
	sed -i 's/| 4 | drivers | hypervisor /| 4 | drivers | newroom hypervisor /' "$T/arch.md"
	run $CHECK "$T/src" "$T/arch.md"
	expect_rc 0
}

run_suite layering
