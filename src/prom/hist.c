/* Duration histograms in Prometheus text (see hist.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom/hist.h"
#include "prom/prom.h"

void prom_hist_observe(struct prom_hist *h, const char *value, uint64_t us)
{
	unsigned b = 0;
	while (b < PROM_HIST_BUCKETS && us > (1000ull << b))
		b++; /* le="2^b" holds durations up to 2^b ms */
	pthread_mutex_lock(&h->mu);
	if (!h->row && !(h->row = calloc(PROM_HIST_ROWS, sizeof(*h->row)))) {
		pthread_mutex_unlock(&h->mu);
		return; /* not counted: no memory */
	}
	size_t i = 0;
	while (i < h->n && strncmp(h->row[i].value, value, PROM_HIST_VALUE - 1))
		i++;
	if (i == h->n && h->n < PROM_HIST_ROWS) {
		snprintf(h->row[i].value, PROM_HIST_VALUE, "%s", value);
		h->n++;
	}
	if (i < h->n) {
		struct prom_hist_row *r = &h->row[i];
		if (b < PROM_HIST_BUCKETS)
			r->le[b]++;
		r->count++;
		r->sum_us += us;
	}
	pthread_mutex_unlock(&h->mu);
}

static int row(struct buf *out, const char *name, const char *label, struct buf *q,
		const struct prom_hist_row *r)
{
	uint64_t n = 0;
	int e = 0;
	for (unsigned b = 0; b < PROM_HIST_BUCKETS; b++) {
		n += r->le[b];
		e |= buf_printf(out, "%s_bucket{%s=\"%s\",le=\"%u\"} %llu\n", name, label, q->data, 1u << b,
			   (unsigned long long)n);
	}
	e |= buf_printf(out, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", name, label, q->data,
		   (unsigned long long)r->count);
	e |= buf_printf(out, "%s_sum{%s=\"%s\"} %llu.%03llu\n", name, label, q->data,
		   (unsigned long long)(r->sum_us / 1000), (unsigned long long)(r->sum_us % 1000));
	e |= buf_printf(out, "%s_count{%s=\"%s\"} %llu\n", name, label, q->data,
		   (unsigned long long)r->count);
	return e;
}

int prom_hist_write(struct prom_hist *h, struct buf *out)
{
	int r = 0;
	pthread_mutex_lock(&h->mu);
	if (h->n)
		r |= buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", h->name, h->help, h->name);
	for (size_t i = 0; i < h->n; i++) {
		struct buf q = BUF_INIT(4 * PROM_HIST_VALUE);
		r |= prom_quote(&q, h->row[i].value) | buf_puts(&q, "");
		if (r == 0)
			r = row(out, h->name, h->label, &q, &h->row[i]);
		buf_free(&q);
	}
	pthread_mutex_unlock(&h->mu);
	return r ? -1 : 0;
}
