#include <errno.h>
#include <stdlib.h>

#include "harness.h"
#include "shimv2/binuri.h"
#include "util/error.h"

/* argv joined with '|', or the error's code as "E<code>" */
static char *parse(const char *uri)
{
	static char out[1024];
	struct strv v;
	struct error *err = NULL;
	if (shimv2_binary_uri(uri, &v, &err) < 0) {
		snprintf(out, sizeof(out), "E%d %s", err->code, err->msg);
		error_free(err);
		return out;
	}
	out[0] = 0;
	for (size_t i = 0; i < v.n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "|" : "", v.v[i]);
	CHECK(v.v[v.n] == NULL);
	strv_free(&v);
	return out;
}

TEST(binary_uri_is_path_then_keys_and_values)
{
	CHECK_STR(parse("binary:///usr/bin/logger"), "/usr/bin/logger");
	CHECK_STR(parse("binary:///l?--log-driver=awslogs&--arg1=value1"),
		  "/l|--log-driver|awslogs|--arg1|value1");
	CHECK_STR(parse("binary:///my%20dir/l?k=a%20b+c&flag&=&e="), "/my dir/l|k|a b c|flag|e");
	CHECK_STR(parse("binary:///l?"), "/l");
}

TEST(binary_uri_refuses_what_it_cannot_run)
{
	CHECK_CONTAINS(parse("binary://relative/l"), "E22 ");
	CHECK_CONTAINS(parse("binary://"), "not binary:///ABSOLUTE/PATH");
	CHECK_CONTAINS(parse("file:///l"), "E22 ");
	CHECK_CONTAINS(parse("binary:///l%2"), "E22 ");
	CHECK_CONTAINS(parse("binary:///l%00x"), "E22 ");
	CHECK_CONTAINS(parse("binary:///l?k=%zz"), "a malformed argument");
	char big[200];
	strcpy(big, "binary:///l?");
	for (int i = 0; i < 70; i++)
		strcat(big, "a&");
	CHECK_CONTAINS(parse(big), "a malformed argument");
}
