/* OOM kills in a sandbox's VM as /tasks/oom events: a watcher waiting on
 * the agent's GetOOMEvent, and a last look before the VM goes. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "events.pb.h"
#include "shimv2/shimv2.h"
#include "util/error.h"

/* The OOM kills in a sandbox's VM (GetOOMEvent), each a TaskOOM, until
 * the sandbox is deleted (its VM gone ends a wait at once). */
struct watch {
	const struct sb_env *env;
	const char *id;
};

static void *oom_main(void *arg)
{
	struct watch w = *(struct watch *)arg;
	char cid[VM_ID_MAX + 1];
	free(arg);
	for (;;) { /* until the VM is gone: an OOM kill may end the container */
		struct error *err = NULL;
		int r = sb_oom_wait(w.env, w.id, cid, sizeof(cid), 5000, &err);
		int code = err ? err->code : 0;
		error_free(err);
		if (r == 0 && *cid) {
			containerd_events_TaskOOM ev = { cid };
			shimv2_publish("/tasks/oom", "TaskOOM", containerd_events_TaskOOM_fields, &ev);
		} else if (r < 0 && code != ETIMEDOUT) {
			if (code == ESRCH || code == ENOENT || code == ENOTSUP)
				break;
			usleep(500 * 1000);
		}
	}
	return NULL;
}

/* Before a sandbox's VM goes: the OOM kills not told yet (the one that
 * ended its container may be): one quick ask each, none waited for. */
void shimv2_oom_drain(const struct sb_env *env, const char *id)
{
	char cid[VM_ID_MAX + 1];
	for (int i = 0; i < 64 && sb_oom_wait(env, id, cid, sizeof(cid), 200, NULL) == 0 &&
			*cid; i++) {
		containerd_events_TaskOOM ev = { cid };
		shimv2_publish("/tasks/oom", "TaskOOM", containerd_events_TaskOOM_fields, &ev);
	}
}

int shimv2_oom_watch(pthread_t *th, const struct sb_env *env, const char *id)
{
	struct watch *w = malloc(sizeof(*w));
	if (!w)
		return -1;
	*w = (struct watch){ env, id };
	if (pthread_create(th, NULL, oom_main, w) == 0)
		return 0;
	free(w);
	return -1;
}
