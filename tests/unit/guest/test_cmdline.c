#include "guest/guest.h"
#include "harness.h"
#include "util/error.h"

#include <string.h>

TEST(guest_cmdline_defaults)
{
	struct guest_opts o;
	struct error *err = NULL;

	CHECK(guest_cmdline_parse("tsc=reliable console=hvc0 panic=1\n", &o, &err) == 0);
	CHECK(!o.debug && !o.use_vsock);
	CHECK_STR(o.channel, "agent.channel.0");
}

TEST(guest_cmdline_agent_options)
{
	struct guest_opts o;
	struct error *err = NULL;

	CHECK(guest_cmdline_parse("panic=1 agent.use_vsock=true  agent.log=debug\tagent.channel=ch1\n",
				  &o, &err) == 0);
	CHECK(o.debug && o.use_vsock);
	CHECK_STR(o.channel, "ch1");
	CHECK(guest_cmdline_parse("agent.use_vsock=false agent.log=info", &o, &err) == 0);
	CHECK(!o.debug && !o.use_vsock);
	/* the last word wins, as the kernel's own parameters */
	CHECK(guest_cmdline_parse("agent.log=debug agent.log=warn", &o, &err) == 0);
	CHECK(!o.debug);
}

TEST(guest_cmdline_bad_values)
{
	struct guest_opts o;
	struct error *err = NULL;

	CHECK(guest_cmdline_parse("agent.use_vsock=maybe", &o, &err) < 0);
	CHECK_STR(err ? err->msg : NULL, "kernel command line: agent.use_vsock: expected true or false");
	error_free(err);
	err = NULL;
	CHECK(guest_cmdline_parse("agent.channel=", &o, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "agent.channel: expected a port name");
	error_free(err);
	err = NULL;
	CHECK(guest_cmdline_parse("agent.channel=0123456789012345678901234567890123456789012345678901234567890123456789",
				  &o, &err) < 0);
	error_free(err);
	err = NULL;
	/* words too long to be ours are skipped */
	char big[600];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK(guest_cmdline_parse(big, &o, &err) == 0);
}
