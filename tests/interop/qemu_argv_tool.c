/* Prints the QEMU argv we build, one argument a line, for tests that run it:
 *   qemu-argv RUN_DIR MODE TOML
 * MODE: boot, template:MEMFILE or clone:MEMFILE; TOML is applied on top of
 * the built-in configuration (e.g. "[hypervisor.qemu]\nkernel = ..."). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "hypervisor/qemu/qemu.h"
#include "util/error.h"

int main(int argc, char **argv)
{
	struct error *err = NULL;
	struct strv v;

	if (argc < 4) {
		fprintf(stderr, "usage: qemu-argv RUN_DIR MODE TOML\n");
		return 2;
	}
	struct config *c = config_new_defaults(&err);
	if (!c || config_apply(c, "argv", argv[3], strlen(argv[3]), &err) < 0 ||
	    config_validate(c, &err) < 0) {
		fprintf(stderr, "error: %s\n", err->msg);
		return 1;
	}
	struct vm_launch l = { .mode = VM_BOOT, .accel = "tcg", .vhost_fd = -1,
			       .maxmem_mib = 1024 };
	static struct vm vm;
	vm_init(&vm, &qemu_ops, "test", argv[1]);
	if (!strncmp(argv[2], "template:", 9)) {
		l.mode = VM_TEMPLATE;
		l.mem_path = argv[2] + 9;
	} else if (!strncmp(argv[2], "clone:", 6)) {
		l.mode = VM_CLONE;
		l.mem_path = argv[2] + 6;
	}
	if (qemu_argv(&c->qemu, &vm, &l, &v, &err) < 0) {
		fprintf(stderr, "error: %s\n", err->msg);
		return 1;
	}
	for (size_t i = 0; i < v.n; i++)
		printf("%s\n", v.v[i]);
	strv_free(&v);
	config_free(c);
	return 0;
}
