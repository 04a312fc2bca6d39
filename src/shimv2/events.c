/* Events to containerd: Forward(Envelope) on containerd's ttrpc socket
 * (TTRPC_ADDRESS), the namespace in the call's metadata as containerd
 * wants it. One at a time, in the order they happen. */
#include <errno.h>
#include <pb_encode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events_ttrpc.pb.h"
#include "shimv2/shimv2.h"
#include "util/error.h"
#include "util/log.h"

static const struct rpc_method forward = {
	"/containerd.services.events.ttrpc.v1.Events/Forward",
	containerd_services_events_ttrpc_v1_ForwardRequest_fields, google_protobuf_Empty_fields,
	sizeof(containerd_services_events_ttrpc_v1_ForwardRequest), sizeof(google_protobuf_Empty)
};

static int connect_events(struct shim *s, struct error **err)
{
	const char *addr = getenv("TTRPC_ADDRESS");
	if (s->events_up)
		return 0;
	if (!addr || !*addr)
		return error_set(err, ENOENT, "TTRPC_ADDRESS is not set");
	if (!strncmp(addr, "unix://", 7))
		addr += 7;
	if (ttrpc_client_connect_unix(&s->events, addr, err) < 0)
		return error_wrap(err, "TTRPC_ADDRESS %s", addr);
	s->events.md_key = "containerd-namespace-ttrpc";
	s->events.md_value = s->ns;
	s->events_up = true;
	return 0;
}

void shimv2_publish(const char *topic, const char *type, const pb_msgdesc_t *fields,
		    const void *msg)
{
	struct shim *s = &shimv2;
	struct error *err = NULL;
	size_t size = 0;
	pb_bytes_array_t *value = NULL;
	char url[96];

	snprintf(url, sizeof(url), "containerd.events.%s", type);
	if (!pb_get_encoded_size(&size, fields, msg) || size > 65535 ||
	    !(value = malloc(PB_BYTES_ARRAY_T_ALLOCSIZE(size)))) {
		log_warn("event %s: cannot encode it", topic);
		return;
	}
	pb_ostream_t os = pb_ostream_from_buffer(value->bytes, size);
	pb_encode(&os, fields, msg);
	value->size = (pb_size_t)size;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	containerd_services_events_ttrpc_v1_ForwardRequest req = {
		true,
		{ true, { now.tv_sec, (int32_t)now.tv_nsec }, (char *)s->ns, (char *)topic, true,
		  { url, value } }
	};
	google_protobuf_Empty resp = google_protobuf_Empty_init_zero;
	pthread_mutex_lock(&s->ev_lock);
	int r = connect_events(s, &err);
	if (r == 0 && (r = ttrpc_call(&s->events, &forward, &req, &resp, 5000, &err)) < 0) {
		/* containerd restarted: one more try on a new connection */
		ttrpc_client_close(&s->events);
		s->events_up = false;
		error_free(err), err = NULL;
		if ((r = connect_events(s, &err)) == 0)
			r = ttrpc_call(&s->events, &forward, &req, &resp, 5000, &err);
	}
	pthread_mutex_unlock(&s->ev_lock);
	if (r != 0)
		log_warn("event %s: %s", topic, err ? err->msg : "not sent");
	error_free(err);
	free(value);
}
