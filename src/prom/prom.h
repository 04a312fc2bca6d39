/* Prometheus text exposition, merged (sans-I/O): the texts of several
 * sources (a shim, an agent, a monitor's own) into one in which each
 * family's HELP, TYPE and samples come together once, a label (sandbox_id)
 * added to the samples that lack it. Bounded: PROM_MAX_FAMILIES families,
 * PROM_MAX_LINE bytes a line, the set's max bytes in all. */
#ifndef PROM_PROM_H
#define PROM_PROM_H

#include <stddef.h>

#include "util/buf.h"

struct error;

#define PROM_MAX_FAMILIES 1024
#define PROM_MAX_LINE 4096

struct prom_family;
struct prom_set {
	struct prom_family *f;
	size_t n, bytes, max;
};

void prom_init(struct prom_set *s, size_t max_bytes);
/* The n bytes of text, each sample with labels (`k="v",...`, quoted as
 * the format has it) added when key is not NULL and the sample has no
 * label key. EPROTO for a malformed line (naming its number), E2BIG past
 * a bound; the lines before it are kept. */
int prom_add(struct prom_set *s, const char *text, size_t n, const char *key,
	     const char *labels, struct error **err);
/* v as a label value (\\, \" and \n escaped), appended to out. */
int prom_quote(struct buf *out, const char *v);
int prom_write(const struct prom_set *s, struct buf *out);
void prom_free(struct prom_set *s);

#endif
