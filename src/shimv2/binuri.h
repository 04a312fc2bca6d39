/* containerd's binary:// stdio URIs (shimv2/binuri.c). */
#ifndef SHIMV2_BINURI_H
#define SHIMV2_BINURI_H

#include "util/strv.h"

struct error;

/* A binary:// stdio URI as the logging binary's argv: its path, then each
 * query parameter's key and value (when not empty), percent-decoded. */
int shimv2_binary_uri(const char *uri, struct strv *argv, struct error **err);

#endif
