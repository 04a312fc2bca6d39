/* Finding and loading configuration.toml and its config.d/ drop-ins. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "config/config.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/alloc.h"

static const char *const default_paths[] = { CONFIG_SYSCONFIG_PATH, CONFIG_DEFAULTS_PATH };

const char *const *config_default_paths(size_t *n)
{
	*n = ARRAY_SIZE(default_paths);
	return default_paths;
}

static int must_exist(const char *path, const char *how, char **out, struct error **err)
{
	if (!fs_exists(path))
		return error_set(err, ENOENT, "%s %s: no such file", how, path);
	if (!fs_is_file(path))
		return error_set(err, EINVAL, "%s %s: not a regular file", how, path);
	*out = xstrdup(path);
	return 0;
}

int config_find(const struct config_search *s, char **path, struct error **err)
{
	*path = NULL;
	if (s->explicit_path && *s->explicit_path)
		return must_exist(s->explicit_path, "configuration file", path, err);
	if (s->env_path && *s->env_path)
		return must_exist(s->env_path, "KATA_CONF_FILE", path, err);
	for (size_t i = 0; i < s->ndefaults; i++) {
		if (fs_is_file(s->defaults[i])) {
			*path = xstrdup(s->defaults[i]);
			return 0;
		}
	}
	return 0;
}

static int apply_file(struct config *c, const char *name, struct error **err)
{
	cleanup_free char *data = NULL;
	size_t len;

	if (fs_read_file(name, CONFIG_MAX_FILE, &data, &len, err) < 0)
		return error_wrap(err, "configuration");
	return config_apply(c, name, data, len, err);
}

/* Every file of <dir of path>/config.d, in alphabetical order. */
static int apply_dropins(struct config *c, const char *path, struct error **err)
{
	cleanup_free char *copy = xstrdup(path);
	char **names = NULL, real[PATH_MAX];
	size_t n = 0;
	int r = 0;

	/* Beside the file as found (not its symlink target), named absolutely. */
	cleanup_free char *dir = xasprintf("%s/config.d", realpath(dirname(copy), real) ? real
											: dirname(copy));
	if (fs_list_files(dir, CONFIG_MAX_DROPINS, &names, &n, err) < 0)
		return error_wrap(err, "configuration drop-ins");
	for (size_t i = 0; i < n && r == 0; i++) {
		char *full = xasprintf("%s/%s", dir, names[i]);
		strv_push_owned(&c->dropins, full, 0);
		r = apply_file(c, full, err);
	}
	fs_names_free(names, n);
	return r;
}

int config_load(const char *path, struct config **out, struct error **err)
{
	struct config *c = config_new_defaults(err);
	char resolved[PATH_MAX];

	if (!c)
		return -1;
	if (path) {
		c->path = xstrdup(realpath(path, resolved) ? resolved : path);
		if (apply_file(c, c->path, err) < 0 || apply_dropins(c, path, err) < 0)
			goto fail;
	}
	if (config_validate(c, err) < 0)
		goto fail;
	config_resolve(c);
	*out = c;
	return 0;
fail:
	config_free(c);
	return -1;
}
