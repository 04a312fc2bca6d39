/* Typed reads of JSON members with the field named in every error: the
 * OCI room's helpers (oci/read.c). An absent member leaves *out as it is. */
#ifndef OCI_READ_H
#define OCI_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "json/read.h"
#include "oci/spec.h"

struct error;

/* tok is of type t, or an error "field: expected ...". */
int oci_want(const struct json_doc *d, int tok, enum json_type t, const char *field,
	     struct error **err);
/* A string token's value, unescaped and bounded; NULL with *err. */
char *oci_string(const struct json_doc *d, int tok, const char *field, struct error **err);
/* Members of obj by key (prefix names obj: "process"). */
int oci_get_str(const struct json_doc *d, int obj, const char *prefix, const char *key,
		char **out, struct error **err);
int oci_get_bool(const struct json_doc *d, int obj, const char *prefix, const char *key,
		 bool *out, struct error **err);
int oci_get_u64(const struct json_doc *d, int obj, const char *prefix, const char *key,
		uint64_t *out, struct error **err);
int oci_get_i64(const struct json_doc *d, int obj, const char *prefix, const char *key,
		int64_t *out, struct error **err);
int oci_get_u32(const struct json_doc *d, int obj, const char *prefix, const char *key,
		uint32_t *out, struct error **err);
int oci_get_strs(const struct json_doc *d, int obj, const char *prefix, const char *key,
		 struct strv *out, struct error **err);
/* A string map (annotations, sysctl) into keys and values. */
int oci_get_map(const struct json_doc *d, int obj, const char *prefix, const char *key,
		struct strv *keys, struct strv *values, struct error **err);
/* The member's token, checked to be of type t; 0 when absent (*tok = -1). */
int oci_get(const struct json_doc *d, int obj, const char *prefix, const char *key,
	    enum json_type t, int *tok, struct error **err);
/* linux.devices (oci/devices.c) of the linux object. */
int oci_devices(const struct json_doc *d, int linux_, struct oci_spec *s, struct error **err);

#endif
