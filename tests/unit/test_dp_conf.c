/* Dataplane configuration parser: accepted files and exact error messages. */
#include <arpa/inet.h>

#include "conf.h"
#include "harness.h"

#define BASE "outside port=0 addr=198.18.0.1/24\ninside dev=net_tap0 addr=10.200.0.1/24\n"

struct conf_case {
	const char *text;
	const char *err;	/* NULL: must parse */
};

static const struct conf_case cases[] = {
	/* 1 */ { BASE, NULL },
	/* 2 */ { BASE "udp-port 443\nmax-sessions 100000 # comment\n\n", NULL },
	/* 3 */ { BASE "route 10.201.0.0/16 via 10.200.0.254\n", NULL },
	/* 4 */ { BASE "frobnicate 1\n", "t.conf:3: unknown directive 'frobnicate'" },
	/* 5 */ { BASE "udp-port 0\n", "t.conf:3: bad value '0' (1..65535)" },
	/* 6 */ { BASE "udp-port 65536\n", "t.conf:3: bad value '65536' (1..65535)" },
	/* 7 */ { BASE "udp-port -1\n", "t.conf:3: bad value '-1' (1..65535)" },
	/* 8 */ { BASE "burst 65\n", "t.conf:3: bad value '65' (1..64)" },
	/* 9 */ { BASE "udp-port\n", "t.conf:3: 'udp-port' takes 1..1 arguments" },
	/* 10 */ { "outside port=0\n", "t.conf:1: outside needs addr=A.B.C.D/LEN" },
	/* 11 */ { "outside addr=1.2.3.4/24\n", "t.conf:1: outside needs port=N or dev=NAME" },
	/* 12 */ { "outside port=0 addr=1.2.3.4\n",
		"t.conf:1: bad addr '1.2.3.4' (want a.b.c.d/len, len 1..31)" },
	/* 13 */ { "outside port=0 addr=1.2.3.400/24\n",
		"t.conf:1: bad addr '1.2.3.400/24' (want a.b.c.d/len, len 1..31)" },
	/* 14 */ { "outside port=0 addr=1.2.3.4/24 colour=red\n",
		"t.conf:1: unknown key 'colour' (port, dev, addr, gw)" },
	/* 15 */ { "outside port=0 addr=1.2.3.4/24 gw\n", "t.conf:1: expected KEY=VALUE, got 'gw'" },
	/* 16 */ { BASE "route 10.0.0.0/8 to 1.2.3.4\n",
		"t.conf:3: expected 'route PREFIX via GATEWAY'" },
	/* 17 */ { "outside port=0 addr=198.18.0.1/24\n", "t.conf: both 'outside' and 'inside' are required" },
	/* 18 */ { "", "t.conf: both 'outside' and 'inside' are required" },
	/* 19 */ { BASE "mtu 100\n", "t.conf:3: bad value '100' (576..9000)" },
	/* 20 */ { BASE "max-sessions 8388609\n", "t.conf:3: bad value '8388609' (1..8388608)" },
};

static void
test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dp_conf c;
		char err[512] = "";
		dp_conf_defaults(&c);
		int ret = dp_conf_parse(&c, cases[i].text, strlen(cases[i].text), "t.conf",
			err, sizeof(err));
		if (!cases[i].err) {
			CHECK_EQ(ret, 0);
			if (ret)
				fprintf(stderr, "case %zu: %s\n", i + 1, err);
		} else {
			CHECK_EQ(ret, -1);
			if (strcmp(err, cases[i].err) != 0) {
				fprintf(stderr, "case %zu: got '%s' want '%s'\n", i + 1, err,
					cases[i].err);
				CHECK(0);
			}
		}
	}
}

static void
test_values(void)
{
	struct dp_conf c;
	char err[256];
	const char *t = BASE "udp-port 443\nroute 10.201.0.0/16 via 10.200.0.254\n"
		"outside dev=0000:03:00.0 addr=192.0.2.1/24 gw=192.0.2.254\n";
	dp_conf_defaults(&c);
	CHECK_EQ(dp_conf_parse(&c, t, strlen(t), "t", err, sizeof(err)), 0);
	CHECK_EQ(c.udp_port, 443);
	CHECK_EQ(c.outside.port_id, -1);
	CHECK(strcmp(c.outside.dev, "0000:03:00.0") == 0);
	CHECK_EQ(c.outside.addr, inet_addr("192.0.2.1"));
	CHECK_EQ(c.outside.plen, 24);
	CHECK_EQ(c.outside.gw, inet_addr("192.0.2.254"));
	CHECK_EQ(c.inside.plen, 24);
	CHECK_EQ(c.n_routes, 1);
	CHECK_EQ(c.routes[0].prefix, inet_addr("10.201.0.0"));
	CHECK_EQ(c.routes[0].plen, 16);
	CHECK_EQ(c.routes[0].via, inet_addr("10.200.0.254"));
	CHECK_EQ(c.max_sessions, 65536);	/* default kept */
}

int
main(void)
{
	test_cases();
	test_values();
	return harness_done("dp_conf");
}
