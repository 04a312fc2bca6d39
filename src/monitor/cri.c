/* The pods' metadata from the CRI (ListPodSandbox on --runtime-endpoint),
 * for the cri_uid, cri_name and cri_namespace labels. */
#include <pb_decode.h>
#include <stdlib.h>
#include <string.h>

#include "cri.pb.h"
#include "monitor/monitor.h"
#include "prom/prom.h"
#include "rpc/rpc.h"
#include "util/error.h"
#include "util/log.h"

static const struct rpc_method list_pods = {
	"/runtime.v1.RuntimeService/ListPodSandbox", runtime_v1_ListPodSandboxRequest_fields,
	runtime_v1_ListPodSandboxResponse_fields, sizeof(runtime_v1_ListPodSandboxRequest),
	sizeof(runtime_v1_ListPodSandboxResponse)
};

static void label(struct buf *b, const char *k, const char *v)
{
	buf_printf(b, "%s%s=\"", b->len ? "," : "", k);
	prom_quote(b, v ? v : "");
	buf_puts(b, "\"");
}

int mon_cri_pods(const char *endpoint, int timeout_ms, struct mon_pod **out, size_t *n,
		 struct error **err)
{
	struct rpc_client c;
	runtime_v1_ListPodSandboxRequest q = runtime_v1_ListPodSandboxRequest_init_zero;
	runtime_v1_ListPodSandboxResponse r = runtime_v1_ListPodSandboxResponse_init_zero;
	*out = NULL;
	*n = 0;
	if (!strncmp(endpoint, "unix://", 7))
		endpoint += 7;
	if (rpc_client_connect_unix(&c, endpoint, err) < 0)
		return -1;
	int rc = rpc_call(&c, &list_pods, &q, &r, timeout_ms, err);
	rpc_client_close(&c);
	if (rc != 0)
		return error_wrap(err, "the CRI at %s: ListPodSandbox", endpoint);
	*out = r.items_count ? calloc(r.items_count, sizeof(**out)) : NULL;
	for (pb_size_t i = 0; *out && i < r.items_count; i++) {
		const runtime_v1_PodSandbox *p = &r.items[i];
		struct mon_pod *m = &(*out)[*n];
		if (!p->id || strlen(p->id) > VM_ID_MAX || !p->has_metadata)
			continue;
		memcpy(m->id, p->id, strlen(p->id) + 1);
		m->labels = (struct buf)BUF_INIT(4096);
		label(&m->labels, "cri_uid", p->metadata.uid);
		label(&m->labels, "cri_name", p->metadata.name);
		label(&m->labels, "cri_namespace", p->metadata.namespace);
		(*n)++;
	}
	pb_release(runtime_v1_ListPodSandboxResponse_fields, &r);
	return 0;
}

void mon_cri_free(struct mon_pod *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_free(&p[i].labels);
	free(p);
}
