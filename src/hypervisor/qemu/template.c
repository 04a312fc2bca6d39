/* VM templates: a template's guest memory lives in a shared file; its
 * device state is saved with x-ignore-shared migration (the memory is not
 * copied); a clone maps the file privately and loads the state. The state
 * file travels as a file descriptor (getfd, "fd:" URI): no shell runs. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "hypervisor/qemu/qemu.h"
#include "util/error.h"

#define MIGRATE_TIMEOUT_MS 60000
#define STATE_FD "ukata-state"

/* getfd and then cmd (migrate or migrate-incoming) on fd:STATE_FD. */
static int migrate_fd(struct vm *vm, int fd, bool incoming, struct error **err)
{
	const char *uri = "fd:" STATE_FD;
	int r = qmp_migrate_set_capability(&vm->drv->qmp, "x-ignore-shared", true, MIGRATE_TIMEOUT_MS,
					   err);
	if (r == 0)
		r = qmp_getfd(&vm->drv->qmp, fd, STATE_FD, MIGRATE_TIMEOUT_MS, err);
	close(fd); /* QEMU has its own copy now */
	if (r == 0)
		r = incoming ? qmp_migrate_incoming(&vm->drv->qmp, uri, MIGRATE_TIMEOUT_MS, err)
			     : qmp_migrate(&vm->drv->qmp, uri, MIGRATE_TIMEOUT_MS, err);
	if (r == 0)
		r = qmp_migrate_wait(&vm->drv->qmp, MIGRATE_TIMEOUT_MS, err);
	return r;
}

int qemu_save_state(struct vm *vm, const char *state_path, struct error **err)
{
	if (vm->pid <= 0 || !vm->drv)
		return error_set(err, EPIPE, "VM %s: not running", vm->id);
	int fd = open(state_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, errno, "VM %s: template state %s", vm->id, state_path);
	if (qmp_stop(&vm->drv->qmp, MIGRATE_TIMEOUT_MS, err) < 0) {
		close(fd);
		unlink(state_path);
		return error_wrap(err, "VM %s: saving the template state to %s", vm->id, state_path);
	}
	if (migrate_fd(vm, fd, false, err) < 0) {
		unlink(state_path);
		return error_wrap(err, "VM %s: saving the template state to %s", vm->id, state_path);
	}
	return 0;
}

int qemu_load_state(struct vm *vm, const char *state_path, struct error **err)
{
	int fd = open(state_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "VM %s: template state %s", vm->id, state_path);
	if (migrate_fd(vm, fd, true, err) < 0)
		return error_wrap(err, "VM %s: loading the template state %s", vm->id, state_path);
	return 0;
}
