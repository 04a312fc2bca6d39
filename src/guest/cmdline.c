/* The agent's options on the kernel command line, as Kata 1.x reads them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guest/guest.h"
#include "util/error.h"

static int boolean(const char *word, const char *v, bool *out, struct error **err)
{
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return error_set(err, EINVAL, "kernel command line: %s: expected true or false", word);
	return 0;
}

int guest_cmdline_parse(const char *text, struct guest_opts *o, struct error **err)
{
	char word[256];

	memset(o, 0, sizeof(*o));
	snprintf(o->channel, sizeof(o->channel), "agent.channel.0");
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, " \t\n");
		if (n > 0 && n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = 0;
			char *v = strchr(word, '=');
			const char *val = v ? v + 1 : "";
			if (v)
				*v = 0;
			int r = 0;
			if (!strcmp(word, "agent.log"))
				o->debug = !strcmp(val, "debug");
			else if (!strcmp(word, "agent.use_vsock"))
				r = boolean("agent.use_vsock", val, &o->use_vsock, err);
			else if (!strcmp(word, "agent.trace")) {
				if (strcmp(val, "isolated") && strcmp(val, "collated"))
					r = error_set(err, EINVAL, "kernel command line: agent.trace: "
						      "expected isolated or collated");
				o->trace = true;
			} else if (!strcmp(word, "agent.channel")) {
				if (!*val || strlen(val) >= sizeof(o->channel))
					r = error_set(err, EINVAL, "kernel command line: agent.channel: "
						      "expected a port name of at most %zu bytes",
						      sizeof(o->channel) - 1);
				else
					snprintf(o->channel, sizeof(o->channel), "%s", val);
			}
			if (r < 0)
				return -1;
		}
		p += n;
		p += strspn(p, " \t\n");
	}
	return 0;
}
