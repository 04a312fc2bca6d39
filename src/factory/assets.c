/* What a VM template was made from: each asset's path, SHA-256 and file
 * identity (device, inode, size, modification and change times), in
 * assets.json beside the template. A clone first compares the identity
 * (a stat); only when it changed is the file hashed again, and a digest
 * that differs refuses the clone: the template's memory holds the guest
 * the old files booted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "factory/factory.h"
#include "json/read.h"
#include "json/writer.h"
#include "util/digest.h"
#include "util/error.h"
#include "util/fs.h"

#define ASSETS_MAX (16 * 1024)

struct asset {
	const char *name, *path, *want;
};

static unsigned assets(const struct config_qemu *q, struct asset a[3])
{
	unsigned n = 0;
	if (q->kernel && *q->kernel)
		a[n++] = (struct asset){ "kernel", q->kernel, q->kernel_hash };
	if (q->initrd && *q->initrd)
		a[n++] = (struct asset){ "initrd", q->initrd, q->initrd_hash };
	if (q->image && *q->image)
		a[n++] = (struct asset){ "image", q->image, q->image_hash };
	return n;
}

static void identity(const struct stat *st, char *out, size_t size)
{
	snprintf(out, size, "%llu:%llu:%lld:%lld.%09ld:%lld.%09ld", (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino, (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		 (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

int factory_assets_record(const struct config_qemu *q, const char *file, struct error **err)
{
	struct asset a[3];
	struct buf b = BUF_INIT(ASSETS_MAX);
	struct json_writer w;
	char hex[DIGEST_HEX_LEN + 1], id[160];
	struct stat st;
	int r = -1;

	json_begin(&w, &b, true);
	json_obj_begin(&w);
	for (unsigned i = 0, n = assets(q, a); i < n; i++) {
		if (stat(a[i].path, &st) < 0) {
			error_set_errno(err, errno, "%s %s", a[i].name, a[i].path);
			goto out;
		}
		if (digest_file(a[i].path, hex, err) < 0)
			goto out;
		identity(&st, id, sizeof(id));
		json_key(&w, a[i].name);
		json_obj_begin(&w);
		json_key(&w, "path");
		json_str(&w, a[i].path);
		json_key(&w, "sha256");
		json_str(&w, hex);
		json_key(&w, "identity");
		json_str(&w, id);
		json_obj_end(&w);
	}
	json_obj_end(&w);
	if (json_end(&w) < 0 || fs_write_file(file, b.data, b.len, 0600, err) < 0)
		goto out;
	r = 0;
out:
	buf_free(&b);
	return r;
}

static int check_one(const struct asset *a, const struct json_doc *d, int obj,
		     const char *tdir, struct error **err)
{
	char path[4096], sha[DIGEST_HEX_LEN + 1], id[160], now[160], hex[DIGEST_HEX_LEN + 1];
	struct stat st;

	if (obj < 0 || json_copy(d, json_get(d, obj, "path"), path, sizeof(path)) < 0 ||
	    json_copy(d, json_get(d, obj, "sha256"), sha, sizeof(sha)) < 0 ||
	    json_copy(d, json_get(d, obj, "identity"), id, sizeof(id)) < 0)
		return error_set(err, EINVAL, "the template at %s has no record of its %s", tdir,
				 a->name);
	if (strcmp(path, a->path))
		return error_set(err, EINVAL, "the template at %s was made from %s %s, not %s",
				 tdir, a->name, path, a->path);
	if (a->want && *a->want && !digest_equal(a->want, sha))
		return error_set(err, EPERM, "the template at %s was made from a %s with SHA-256 "
				 "%s; [hypervisor.qemu] %s_hash wants %s", tdir, a->name, sha,
				 a->name, a->want);
	if (stat(a->path, &st) < 0)
		return error_set_errno(err, errno, "%s %s", a->name, a->path);
	identity(&st, now, sizeof(now));
	if (!strcmp(now, id))
		return 0;
	if (digest_file(a->path, hex, err) < 0)
		return -1;
	if (strcmp(hex, sha))
		return error_set(err, EPERM, "the template at %s was made from %s %s with SHA-256 "
				 "%s; the file now has %s: the guest in the template is not the "
				 "one it boots (kata-runtime factory destroy, then init)", tdir,
				 a->name, a->path, sha, hex);
	return 0;
}

int factory_assets_check(const struct config_qemu *q, const char *file, const char *tdir,
			 struct error **err)
{
	struct json_doc d = { 0 };
	struct asset a[3];
	char *text = NULL;
	size_t len = 0;
	int r = -1;

	if (fs_read_file(file, ASSETS_MAX, &text, &len, err) < 0)
		return error_wrap(err, "the template's asset record");
	if (json_parse(&d, text, len, err) == 0 && json_type(&d, 0) == JSON_OBJECT) {
		r = 0;
		for (unsigned i = 0, n = assets(q, a); i < n && r == 0; i++)
			r = check_one(&a[i], &d, json_get(&d, 0, a[i].name), tdir, err);
	} else if (!err || !*err) {
		error_set(err, EINVAL, "%s: not a JSON object", file);
	}
	json_doc_free(&d);
	free(text);
	return r;
}
