/* Fuzz the dataplane configuration parser. */
#include <stdio.h>
#include <string.h>

#include "conf.h"

static const char seed_conf[] =
	"name dp0\noutside port=0 addr=198.18.0.1/24 gw=198.18.0.254\n"
	"inside dev=net_tap0 addr=10.200.0.1/24\nroute 10.201.0.0/16 via 10.200.0.254\n"
	"udp-port 1194\ncontrol ipc:///tmp/x\nmax-sessions 1024\n# comment\n";

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	(void)idx;
	size_t n = sizeof(seed_conf) - 1;
	if (n > cap)
		n = cap;
	memcpy(buf, seed_conf, n);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_conf c;
	char err[512];
	dp_conf_defaults(&c);
	(void)dp_conf_parse(&c, (const char *)data, size, "fuzz", err, sizeof(err));
	return 0;
}
