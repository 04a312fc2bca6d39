/* linux.devices: the device nodes a container gets, as runc reads them
 * (type c, u, b or p; major and minor for all but p; fileMode 0666, uid
 * and gid 0 when absent). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/read.h"
#include "util/alloc.h"
#include "util/error.h"

static int device(const struct json_doc *d, int t, const char *f, struct oci_device *v,
		  struct error **err)
{
	char *type = NULL;
	v->major = v->minor = -1;
	v->file_mode = 0666;
	if (oci_want(d, t, JSON_OBJECT, f, err) < 0 ||
	    oci_get_str(d, t, f, "path", &v->path, err) < 0 ||
	    oci_get_str(d, t, f, "type", &type, err) < 0 ||
	    oci_get_i64(d, t, f, "major", &v->major, err) < 0 ||
	    oci_get_i64(d, t, f, "minor", &v->minor, err) < 0 ||
	    oci_get_u32(d, t, f, "fileMode", &v->file_mode, err) < 0 ||
	    oci_get_u32(d, t, f, "uid", &v->uid, err) < 0 || oci_get_u32(d, t, f, "gid", &v->gid, err) < 0) {
		free(type);
		return -1;
	}
	v->type = type && strlen(type) == 1 && strchr("cubp", type[0]) ? type[0] : 0;
	free(type);
	if (!v->path || v->path[0] != '/')
		return error_set(err, EINVAL, "%s.path: missing or not absolute", f);
	if (!v->type)
		return error_set(err, EINVAL, "%s.type: missing or not c, u, b or p", f);
	if (v->type == 'u')
		v->type = 'c';
	/* the kernel's dev_t: a 12-bit major, a 20-bit minor */
	if (v->type != 'p' && (v->major < 0 || v->major > 4095 || v->minor < 0 || v->minor > 0xfffff))
		return error_set(err, EINVAL, "%s: %s needs a major (0-4095) and a minor (0-1048575)",
				 f, v->path);
	if (v->file_mode > 0177777)
		return error_set(err, EINVAL, "%s.fileMode: %o is not a file mode", f, v->file_mode);
	v->file_mode &= 07777; /* the type bits some writers add, as runc drops them */
	return 0;
}

int oci_devices(const struct json_doc *d, int linux_, struct oci_spec *s, struct error **err)
{
	int arr, n;
	char f[64];

	if (oci_get(d, linux_, "linux", "devices", JSON_ARRAY, &arr, err) < 0)
		return -1;
	if (arr < 0)
		return 0;
	n = json_size(d, arr);
	if (n > OCI_MAX_ITEMS)
		return error_set(err, E2BIG, "linux.devices: more than %d items", OCI_MAX_ITEMS);
	if (n)
		s->devices = xcalloc((size_t)n, sizeof(*s->devices));
	for (int i = 0, t = arr + 1; i < n; i++, t = json_next(d, t)) {
		snprintf(f, sizeof(f), "linux.devices[%d]", i);
		if (device(d, t, f, &s->devices[s->ndevices++], err) < 0)
			return -1;
	}
	return 0;
}
