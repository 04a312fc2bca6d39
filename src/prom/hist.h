/* Prometheus histograms of durations in milliseconds, with one label
 * (Kata's kata_shim_*_rpc_durations_histogram_milliseconds{action=...}):
 * buckets 1, 2, 4 ... 512 ms and +Inf, as Kata's shim has them. Rows are
 * made as label values are first seen, PROM_HIST_ROWS at most (later
 * values are not counted). Safe to observe from any thread. */
#ifndef PROM_HIST_H
#define PROM_HIST_H

#include <pthread.h>
#include <stdint.h>

#include "util/buf.h"

#define PROM_HIST_BUCKETS 10
#define PROM_HIST_ROWS 48
#define PROM_HIST_VALUE 64

struct prom_hist_row {
	char value[PROM_HIST_VALUE];
	uint64_t le[PROM_HIST_BUCKETS]; /* this bucket's alone: written cumulative */
	uint64_t count, sum_us;
};

struct prom_hist {
	const char *name, *help, *label;
	pthread_mutex_t mu;
	size_t n;
	struct prom_hist_row *row; /* PROM_HIST_ROWS, made at the first observation */
};

#define PROM_HIST_INIT(n_, h_, l_) { .name = (n_), .help = (h_), .label = (l_), .mu = PTHREAD_MUTEX_INITIALIZER }

/* One observation of us microseconds under label value (cut to fit). */
void prom_hist_observe(struct prom_hist *h, const char *value, uint64_t us);
/* HELP, TYPE and each row's _bucket, _sum and _count, appended to out;
 * nothing when nothing was observed. */
int prom_hist_write(struct prom_hist *h, struct buf *out);

#endif
