#include <stdlib.h>
#include <string.h>

#include "agent.pb.h"
#include "guest/guest.h"
#include "harness.h"
#include "prom/prom.h"
#include "rpc/rpc.h"
#include "util/error.h"

/* GetMetrics on this host's /proc: Kata's families, each sample a name,
 * labels and a number, and the text one prom_add takes whole. */
TEST(guest_metrics_text)
{
	grpc_GetMetricsRequest rq = grpc_GetMetricsRequest_init_zero;
	grpc_Metrics out = grpc_Metrics_init_zero;
	struct error *err = NULL;
	CHECK(guest_metrics_handlers[0].fn(NULL, NULL, &rq, &out, &err) == 0);
	CHECK(out.metrics != NULL);
	const char *t = out.metrics;
	CHECK(strstr(t, "\nkata_guest_meminfo{item=\"MemTotal\"} ") != NULL);
	CHECK(strstr(t, "\nkata_guest_vm_stat{item=\"nr_free_pages\"} ") != NULL);
	CHECK(strstr(t, "\nkata_guest_netdev_stat{interface=\"lo\",item=\"recv_bytes\"} ") != NULL);
	CHECK(strstr(t, "\nkata_guest_load{item=\"load1\"} ") != NULL);
	CHECK(strstr(t, "\nkata_agent_threads ") != NULL);
	/* MemTotal in bytes: the kB figure times 1024 */
	const char *m = strstr(t, "item=\"MemTotal\"} ") + 17;
	CHECK(strtoull(m, NULL, 10) % 1024 == 0 && strtoull(m, NULL, 10) > (1ull << 20));
	for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
		if (*l != '#') {
			const char *v = strchr(l, ' ');
			CHECK(v && (v[1] >= '0' && v[1] <= '9'));
		}
		if (!strchr(l, '\n'))
			break;
	}
	struct prom_set s;
	prom_init(&s, 1 << 20);
	CHECK(prom_add(&s, t, strlen(t), "sandbox_id", "sandbox_id=\"x\"", &err) == 0);
	prom_free(&s);
	free(out.metrics);
	error_free(err);
}
