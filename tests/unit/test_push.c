/*
 * Tests for controlplane/push.c (fact sheet §9): PUSH_REPLY for subnet,
 * net30 and p2p with the exact strings 2.6 sends (the subnet one is the
 * real capture of §9.3), splitting at PUSH_BUNDLE_SIZE with
 * push-continuation, protocol-flags per IV_PROTO, the AUTH_FAILED /
 * RESTART / AUTH_PENDING / INFO_PRE builders, and the classification of
 * received control messages.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "peerinfo.h"
#include "push.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static char out[8192];

/* out holds exactly one message equal to want */
#define CHECK_ONE(rc, n, want) do { \
	CHECK_EQ((rc), (int)strlen(want) + 1); \
	CHECK_EQ((n), 1); \
	if (strcmp(out, (want)) != 0) \
		fprintf(stderr, "got  %s\nwant %s\n", out, (want)); \
	CHECK(strcmp(out, (want)) == 0); \
} while (0)

static const char token[] = "SESS_ID_AT_"
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/0123456789abcdef";

static const char pi_2614[] = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
	"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n"
	"IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n";

static void
test_subnet_capture(void)
{
	/* §9.3: server 10.8.0.0 255.255.255.0, topology subnet, keepalive 10 60,
	 * push "route 192.168.77.0 255.255.255.0", auth-gen-token */
	static const char *const admin[] = { "route 192.168.77.0 255.255.255.0" };
	struct push_global g = {
		.push = admin, .n_push = 1, .topology = PUSH_TOPO_SUBNET,
		.server_network = IP(10, 8, 0, 0), .server_netmask = IP(255, 255, 255, 0),
		.keepalive_ping = 10, .keepalive_restart = 60,
	};
	struct push_client c = {
		.ifconfig = true, .ifconfig_local = IP(10, 8, 0, 2),
		.ifconfig_remote_netmask = IP(255, 255, 255, 0),
		.auth_token = token, .cipher = "AES-256-GCM",
	};
	struct peerinfo pi;
	unsigned n = 0;

	peerinfo_parse(&pi, pi_2614, strlen(pi_2614));
	push_client_caps(&c, &pi, true, 0, 1500);
	CHECK(c.peer_id_set);
	CHECK_EQ(c.proto_flags, PUSH_PF_CC_EXIT | PUSH_PF_TLS_EKM | PUSH_PF_DYN_TLS_CRYPT);
	CHECK(c.tun_mtu_set);

	int rc = push_reply_build(&g, &c, out, sizeof(out), &n);

	CHECK_ONE(rc, n, "PUSH_REPLY,route 192.168.77.0 255.255.255.0,route-gateway 10.8.0.1,"
		  "topology subnet,ping 10,ping-restart 60,ifconfig 10.8.0.2 255.255.255.0,"
		  "peer-id 0,auth-token SESS_ID_AT_0123456789abcdefghijklmnopqrstuvwxyz"
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZ+/0123456789abcdef,cipher AES-256-GCM,"
		  "protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500");
	CHECK_EQ(strlen(token), 91);

	/* exactly enough room, one byte short */
	CHECK_EQ(push_reply_build(&g, &c, out, (size_t)rc, &n), rc);
	CHECK_EQ(push_reply_build(&g, &c, out, (size_t)rc - 1, &n), -1);
	CHECK_EQ(n, 0);
}

static void
test_net30_p2p(void)
{
	struct push_global g = {
		.topology = PUSH_TOPO_NET30, .server_network = IP(10, 8, 0, 0),
		.server_netmask = IP(255, 255, 255, 0),
		.keepalive_ping = 10, .keepalive_restart = 120,
	};
	struct push_client c = {
		.ifconfig = true, .ifconfig_local = IP(10, 8, 0, 6),
		.ifconfig_remote_netmask = push_net30_peer(IP(10, 8, 0, 6)),
		.cipher = "AES-128-GCM",
	};
	struct peerinfo pi;
	unsigned n;
	int rc;

	/* 1: net30 (2.6 default), a 2.5 client: IV_PROTO=6, no EKM, no IV_MTU */
	peerinfo_parse(&pi, "IV_VER=2.5.9\nIV_PROTO=6\nIV_NCP=2\n", 33);
	push_client_caps(&c, &pi, true, 1, 1500);
	CHECK_EQ(c.proto_flags, 0);
	CHECK(!c.tun_mtu_set);
	rc = push_reply_build(&g, &c, out, sizeof(out), &n);
	CHECK_ONE(rc, n, "PUSH_REPLY,route 10.8.0.1,topology net30,ping 10,ping-restart 120,"
		  "ifconfig 10.8.0.6 10.8.0.5,peer-id 1,cipher AES-128-GCM");

	/* 2: client-to-client pushes the whole server network */
	g.client_to_client = true;
	rc = push_reply_build(&g, &c, out, sizeof(out), &n);
	CHECK_ONE(rc, n, "PUSH_REPLY,route 10.8.0.0 255.255.255.0,topology net30,ping 10,"
		  "ping-restart 120,ifconfig 10.8.0.6 10.8.0.5,peer-id 1,cipher AES-128-GCM");

	/* 3: p2p: route only with client-to-client; EKM without cc-exit uses
	 * key-derivation; a 2.4 client without IV_PROTO DATA_V2 gets no peer-id */
	g.topology = PUSH_TOPO_P2P;
	g.client_to_client = false;
	g.keepalive_ping = 0;
	c.ifconfig_local = IP(10, 8, 0, 10);
	c.ifconfig_remote_netmask = IP(10, 8, 0, 1);
	peerinfo_parse(&pi, "IV_PROTO=12\n", 12);           /* REQUEST_PUSH + TLS_KEY_EXPORT */
	push_client_caps(&c, &pi, true, 7, 1500);
	rc = push_reply_build(&g, &c, out, sizeof(out), &n);
	CHECK_ONE(rc, n, "PUSH_REPLY,topology p2p,ifconfig 10.8.0.10 10.8.0.1,"
		  "cipher AES-128-GCM,key-derivation tls-ekm");

	/* 4: IPv6 too (server-ipv6 adds tun-ipv6 after the admin lines) */
	static const char *const admin[] = { "redirect-gateway def1 bypass-dhcp",
					     "dhcp-option DNS 10.8.0.1" };

	g.topology = PUSH_TOPO_SUBNET;
	g.push = admin;
	g.n_push = 2;
	g.server_ipv6 = true;
	c.ifconfig_local = IP(10, 8, 0, 2);
	c.ifconfig_remote_netmask = IP(255, 255, 255, 0);
	c.ifconfig_ipv6 = true;
	inet_pton(AF_INET6, "fd00::1000", &c.ipv6_local);
	inet_pton(AF_INET6, "fd00::1", &c.ipv6_remote);
	c.ipv6_netbits = 64;
	peerinfo_parse(&pi, "IV_PROTO=8094\nIV_CIPHERS=AES-256-GCM\nIV_MTU=1500\n", 48);
	push_client_caps(&c, &pi, false, 3, 1400);          /* no EKM on our side */
	c.cipher = "AES-256-GCM";
	rc = push_reply_build(&g, &c, out, sizeof(out), &n);
	CHECK_ONE(rc, n, "PUSH_REPLY,redirect-gateway def1 bypass-dhcp,dhcp-option DNS 10.8.0.1,"
		  "tun-ipv6,route-gateway 10.8.0.1,topology subnet,"
		  "ifconfig-ipv6 fd00::1000/64 fd00::1,ifconfig 10.8.0.2 255.255.255.0,peer-id 3,"
		  "cipher AES-256-GCM,protocol-flags cc-exit,tun-mtu 1400");

	/* 5: client-specific push lines come after the global ones */
	static const char *const ccd[] = { "route 172.16.0.0 255.255.0.0" };
	struct push_global g2 = { .push = admin, .n_push = 1 };
	struct push_client c2 = { .push = ccd, .n_push = 1 };

	rc = push_reply_build(&g2, &c2, out, sizeof(out), &n);
	CHECK_ONE(rc, n, "PUSH_REPLY,redirect-gateway def1 bypass-dhcp,route 172.16.0.0 255.255.0.0");

	/* 6: nothing to push: a bare PUSH_REPLY */
	rc = push_reply_build(NULL, NULL, out, sizeof(out), &n);
	CHECK_ONE(rc, n, "PUSH_REPLY");
	struct push_global empty = { 0 };
	struct push_client none = { 0 };

	rc = push_reply_build(&empty, &none, out, sizeof(out), &n);
	CHECK_ONE(rc, n, "PUSH_REPLY");

	/* 7: net30 peer of every address in a /30 */
	CHECK_EQ(push_net30_peer(IP(10, 8, 0, 4)), IP(10, 8, 0, 5));
	CHECK_EQ(push_net30_peer(IP(10, 8, 0, 7)), IP(10, 8, 0, 5));
	CHECK_EQ(push_net30_peer(IP(10, 8, 1, 254)), IP(10, 8, 1, 253));
}

static void
test_proto_flags(void)
{
	static const struct { uint32_t proto; bool ekm; uint32_t flags; const char *push; } t[] = {
		/* 1 */ { 990, true, PUSH_PF_CC_EXIT | PUSH_PF_TLS_EKM | PUSH_PF_DYN_TLS_CRYPT,
			  "PUSH_REPLY,protocol-flags cc-exit tls-ekm dyn-tls-crypt" },
		/* 2 */ { 990, false, PUSH_PF_CC_EXIT, "PUSH_REPLY,protocol-flags cc-exit" },
		/* 3 */ { 6, true, 0, "PUSH_REPLY" },
		/* 4 */ { 2, true, 0, "PUSH_REPLY" },
		/* 5 */ { 8, true, PUSH_PF_TLS_EKM, "PUSH_REPLY,key-derivation tls-ekm" },
		/* 6: 2.6 sends dyn-tls-crypt even without cc-exit */
		/* 6 */ { 8 | 512, true, PUSH_PF_TLS_EKM | PUSH_PF_DYN_TLS_CRYPT,
			  "PUSH_REPLY,key-derivation tls-ekm,protocol-flags dyn-tls-crypt" },
		/* 7 */ { 128 | 8, true, PUSH_PF_CC_EXIT | PUSH_PF_TLS_EKM,
			  "PUSH_REPLY,protocol-flags cc-exit tls-ekm" },
		/* 8: openvpn3 typical */
		/* 8 */ { 8094, true, PUSH_PF_CC_EXIT | PUSH_PF_TLS_EKM | PUSH_PF_DYN_TLS_CRYPT,
			  "PUSH_REPLY,protocol-flags cc-exit tls-ekm dyn-tls-crypt" },
		/* 9 */ { 0, true, 0, "PUSH_REPLY" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct push_client c = { .proto_flags = push_proto_flags(t[i].proto, t[i].ekm) };
		unsigned n;

		CHECK_EQ(c.proto_flags, t[i].flags);
		int rc = push_reply_build(NULL, &c, out, sizeof(out), &n);

		CHECK_ONE(rc, n, t[i].push);
	}

	/* no peer-info at all: nothing peer-dependent */
	struct push_client c = { 0 };

	push_client_caps(&c, NULL, true, 5, 1500);
	CHECK(!c.peer_id_set && !c.tun_mtu_set);
	CHECK_EQ(c.proto_flags, 0);
}

/* Rebuild the option list from split messages; checks the framing rules. */
static size_t
unsplit(const char *msgs, int total, unsigned n_msgs, char *opts, size_t *max_msg)
{
	const char *p = msgs;
	size_t olen = 0;

	*max_msg = 0;
	opts[0] = '\0';
	for (unsigned i = 0; i < n_msgs; i++) {
		size_t l = strlen(p);
		const char *tail = n_msgs == 1 ? NULL : i + 1 < n_msgs ?
			",push-continuation 2" : ",push-continuation 1";
		size_t body = l;

		CHECK(strncmp(p, "PUSH_REPLY,", 11) == 0);
		if (tail) {
			CHECK(l > strlen(tail) && strcmp(p + l - strlen(tail), tail) == 0);
			body = l - strlen(tail);
		}
		CHECK(strstr(p, "push-continuation") == (tail ? p + body + 1 : NULL));
		memcpy(opts + olen, p + 10, body - 10);  /* keeps the leading ',' */
		olen += body - 10;
		opts[olen] = '\0';
		if (l + 1 > *max_msg)
			*max_msg = l + 1;
		p += l + 1;
	}
	CHECK_EQ(p - msgs, total);
	return olen;
}

static void
test_split(void)
{
	static char opt[20][120];
	const char *list[20];
	static char want[16384], got[16384];
	size_t wl = 0, max_msg;
	unsigned n;

	/* 1: 20 options of 100 bytes: 9 + 9 + 2 (10 + 101 * 9 = 919; 919 + 100 >= 940) */
	for (int i = 0; i < 20; i++) {
		snprintf(opt[i], sizeof(opt[i]), "setenv-safe V%02d ", i);
		memset(opt[i] + 16, 'a' + i, 84);
		opt[i][100] = '\0';
		list[i] = opt[i];
		wl += (size_t)sprintf(want + wl, ",%s", opt[i]);
	}
	struct push_global g = { .push = list, .n_push = 20 };
	int rc = push_reply_build(&g, NULL, out, sizeof(out), &n);

	CHECK_EQ(n, 3);
	CHECK(rc > 0);
	unsplit(out, rc, n, got, &max_msg);
	CHECK(strcmp(got, want) == 0);
	CHECK_EQ(strlen(out), 10 + 9 * 101 + 20);       /* first message: 939 + NUL */
	CHECK(max_msg <= PUSH_BUNDLE_SIZE);

	/* 2: the boundary: after 3 x 255-byte options (length 778), an option
	 * of 161 bytes still fits (778 + 161 < 940), one of 162 does not */
	static char o255[3][256], last[200];
	const char *l4[4] = { o255[0], o255[1], o255[2], last };

	for (int i = 0; i < 3; i++) {
		memset(o255[i], 'x' + i, 255);
		o255[i][255] = '\0';
	}
	memset(last, 'L', 161);
	last[161] = '\0';
	g.push = l4;
	g.n_push = 4;
	rc = push_reply_build(&g, NULL, out, sizeof(out), &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(rc, 10 + 3 * 256 + 162 + 1);
	last[161] = 'L';
	last[162] = '\0';
	rc = push_reply_build(&g, NULL, out, sizeof(out), &n);
	CHECK_EQ(n, 2);
	CHECK_EQ(strlen(out), 10 + 3 * 256 + 20);
	CHECK(strcmp(out + strlen(out) + 1, "PUSH_REPLY,") > 0);
	CHECK(strcmp(out + strlen(out) + 1 + 11 + 162, ",push-continuation 1") == 0);

	/* 3: per-client options continue the split */
	struct push_client c = { .cipher = "AES-256-GCM", .peer_id_set = true, .peer_id = 9 };

	g.push = list;
	g.n_push = 18;                  /* fills exactly two messages of 9 */
	rc = push_reply_build(&g, &c, out, sizeof(out), &n);
	CHECK_EQ(n, 3);
	unsplit(out, rc, n, got, &max_msg);
	want[18 * 101] = '\0';
	strcat(want, ",peer-id 9,cipher AES-256-GCM");
	if (strcmp(got, want) != 0)
		fprintf(stderr, "got  %s\nwant %s\n", got, want);
	CHECK(strcmp(got, want) == 0);

	/* 4: a long list: every message < 1024 and nothing lost */
	static char many[200][48];
	const char *ml[200];

	wl = 0;
	for (int i = 0; i < 200; i++) {
		snprintf(many[i], sizeof(many[i]), "route 10.%d.%d.0 255.255.255.0", i / 250, i);
		ml[i] = many[i];
		wl += (size_t)sprintf(want + wl, ",%s", many[i]);
	}
	g.push = ml;
	g.n_push = 200;
	rc = push_reply_build(&g, NULL, out, sizeof(out), &n);
	CHECK(rc > 0 && n > 5);
	unsplit(out, rc, n, got, &max_msg);
	CHECK(strcmp(got, want) == 0);
	CHECK(max_msg <= PUSH_BUNDLE_SIZE - PUSH_BUNDLE_SLACK + 21);
	CHECK_EQ(push_reply_build(&g, NULL, out, 4000, &n), -1);   /* too small */
}

static void
test_invalid_options(void)
{
	static char o256[300];
	const char *bad[] = { "route 1.2.3.4,route 5.6.7.8", "", "echo a\tb", "echo \x7f",
			      o256 };
	unsigned n = 99;

	memset(o256, 'o', 256);
	o256[256] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct push_global g = { .push = &bad[i], .n_push = 1 };

		CHECK_EQ(push_reply_build(&g, NULL, out, sizeof(out), &n), -1);
		CHECK_EQ(n, 0);
	}
	o256[255] = '\0';
	const char *ok = o256;
	struct push_global g = { .push = &ok, .n_push = 1 };

	CHECK_EQ(push_reply_build(&g, NULL, out, sizeof(out), &n), 10 + 1 + 255 + 1);
	struct push_client c = { .auth_token = "bad,token" };

	CHECK_EQ(push_reply_build(NULL, &c, out, sizeof(out), &n), -1);
	struct push_client p = { .peer_id_set = true, .peer_id = PUSH_PEER_ID_MAX };

	CHECK_EQ(push_reply_build(NULL, &p, out, sizeof(out), &n), 10 + 1 + 16 + 1);
	CHECK(strcmp(out, "PUSH_REPLY,peer-id 16777214") == 0);
	p.peer_id = 0xFFFFFF;
	CHECK_EQ(push_reply_build(NULL, &p, out, sizeof(out), &n), -1);
	CHECK_EQ(push_reply_build(NULL, NULL, NULL, 100, &n), -1);
	CHECK_EQ(push_reply_build(NULL, NULL, out, 10, &n), -1);
	CHECK_EQ(push_reply_build(NULL, NULL, out, 11, &n), 11);
}

static void
test_builders(void)
{
	static char reason[2000];
	unsigned one = 1;
	int rc;

	/* 1: auth-token refresh after a renegotiation */
	rc = push_reply_auth_token(out, sizeof(out), token);
	CHECK_ONE(rc, one, "PUSH_REPLY,auth-token SESS_ID_AT_0123456789abcdefghijklmnopqrstuvwxyz"
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZ+/0123456789abcdef");
	CHECK_EQ(push_reply_auth_token(out, sizeof(out), NULL), -1);

	/* 2: AUTH_FAILED */
	CHECK_ONE(ctlmsg_auth_failed(out, sizeof(out), NULL), one, "AUTH_FAILED");
	CHECK_ONE(ctlmsg_auth_failed(out, sizeof(out), ""), one, "AUTH_FAILED");
	CHECK_ONE(ctlmsg_auth_failed(out, sizeof(out),
				     "Data channel cipher negotiation failed (no shared cipher)"),
		  one, "AUTH_FAILED,Data channel cipher negotiation failed (no shared cipher)");
	CHECK_ONE(ctlmsg_auth_failed(out, sizeof(out), "SESSION: token expired"), one,
		  "AUTH_FAILED,SESSION: token expired");
	CHECK_ONE(ctlmsg_auth_failed(out, sizeof(out), "bad\npass\x01"), one,
		  "AUTH_FAILED,bad_pass_");
	memset(reason, 'r', sizeof(reason) - 1);
	CHECK_EQ(ctlmsg_auth_failed(out, sizeof(out), reason), PUSH_BUNDLE_SIZE);
	CHECK_EQ(strlen(out), PUSH_BUNDLE_SIZE - 1);
	CHECK_EQ(ctlmsg_auth_failed(out, 12, NULL), 12);
	CHECK_EQ(ctlmsg_auth_failed(out, 11, NULL), -1);

	/* 3: AUTH_FAILED,TEMP */
	CHECK_ONE(ctlmsg_auth_failed_temp(out, sizeof(out), 0, CTL_ADVANCE_DEFAULT, "try later"),
		  one, "AUTH_FAILED,TEMP:try later");
	CHECK_ONE(ctlmsg_auth_failed_temp(out, sizeof(out), 30, CTL_ADVANCE_NO, "busy"), one,
		  "AUTH_FAILED,TEMP[backoff 30,advance no]:busy");
	CHECK_ONE(ctlmsg_auth_failed_temp(out, sizeof(out), 0, CTL_ADVANCE_REMOTE, NULL), one,
		  "AUTH_FAILED,TEMP[advance remote]:");
	CHECK_ONE(ctlmsg_auth_failed_temp(out, sizeof(out), 5, CTL_ADVANCE_ADDR, "x"), one,
		  "AUTH_FAILED,TEMP[backoff 5,advance addr]:x");
	CHECK_EQ(ctlmsg_auth_failed_temp(out, sizeof(out), 5, (enum ctlmsg_advance)9, "x"), -1);

	/* 4: RESTART / HALT */
	CHECK_ONE(ctlmsg_restart(out, sizeof(out), false, 0, NULL), one, "RESTART");
	CHECK_ONE(ctlmsg_restart(out, sizeof(out), true, 0, ""), one, "HALT");
	CHECK_ONE(ctlmsg_restart(out, sizeof(out), false, CTL_RESTART_KEEP_CREDS, "server restart"),
		  one, "RESTART,[P]server restart");
	CHECK_ONE(ctlmsg_restart(out, sizeof(out), false,
				 CTL_RESTART_KEEP_CREDS | CTL_RESTART_NEXT_SERVER, NULL),
		  one, "RESTART,[PN]");
	CHECK_ONE(ctlmsg_restart(out, sizeof(out), true, 0, "maintenance"), one, "HALT,maintenance");

	/* 5: AUTH_PENDING depends on IV_PROTO bit 4 */
	CHECK_ONE(ctlmsg_auth_pending(out, sizeof(out), 990, 300), one, "AUTH_PENDING,timeout 300");
	CHECK_ONE(ctlmsg_auth_pending(out, sizeof(out), 6, 300), one, "AUTH_PENDING");

	/* 6: INFO_PRE / INFO; refused (not cut) above 1024 bytes */
	CHECK_ONE(ctlmsg_info_pre(out, sizeof(out), "WEB_AUTH::https://sso.example.com/auth?s=1"),
		  one, "INFO_PRE,WEB_AUTH::https://sso.example.com/auth?s=1");
	CHECK_ONE(ctlmsg_info_pre(out, sizeof(out), "CR_TEXT:R,E:Enter your OTP"), one,
		  "INFO_PRE,CR_TEXT:R,E:Enter your OTP");
	memset(reason, 'u', sizeof(reason));
	reason[1014] = '\0';            /* 9 + 1014 + 1 = 1024 */
	CHECK_EQ(ctlmsg_info_pre(out, sizeof(out), reason), PUSH_BUNDLE_SIZE);
	reason[1014] = 'u';
	reason[1015] = '\0';
	CHECK_EQ(ctlmsg_info_pre(out, sizeof(out), reason), -1);
	CHECK_EQ(ctlmsg_info_pre(out, sizeof(out), NULL), -1);
	CHECK_ONE(ctlmsg_info(out, sizeof(out), "hello"), one, "INFO,hello");
}

static void
test_classify(void)
{
	static const struct {
		const char *msg;
		enum ctlmsg_type type;
		const char *arg;
	} t[] = {
		/* 1 */ { "PUSH_REQUEST", CTL_PUSH_REQUEST, "" },
		/* 2 */ { "PUSH_REQUEST,", CTL_PUSH_REQUEST, "" },
		/* 3 */ { "PUSH_REQUESTS", CTL_UNKNOWN, "" },
		/* 4 */ { "push_request", CTL_UNKNOWN, "" },
		/* 5 */ { "EXIT", CTL_EXIT, "" },
		/* 6 */ { "EXITED", CTL_UNKNOWN, "" },
		/* 7 */ { "AUTH_FAILED", CTL_AUTH_FAILED, "" },
		/* 8 */ { "AUTH_FAILED,SESSION: token expired", CTL_AUTH_FAILED, "SESSION: token expired" },
		/* 9 */ { "AUTH_PENDING,timeout 300", CTL_AUTH_PENDING, "timeout 300" },
		/* 10 */ { "INFO_PRE,WEB_AUTH::https://x/y", CTL_INFO_PRE, "WEB_AUTH::https://x/y" },
		/* 11 */ { "INFO", CTL_INFO, "" },
		/* 12 */ { "INFO,hello, world", CTL_INFO, "hello, world" },
		/* 13 */ { "INFORMATION", CTL_UNKNOWN, "" },
		/* 14 */ { "CR_RESPONSE,dGVzdA==", CTL_CR_RESPONSE, "dGVzdA==" },
		/* 15 */ { "RESTART,[P]bye", CTL_RESTART, "[P]bye" },
		/* 16 */ { "HALT", CTL_HALT, "" },
		/* 17 */ { "PUSH_REPLY,route 10.0.0.0 255.0.0.0", CTL_PUSH_REPLY, "route 10.0.0.0 255.0.0.0" },
		/* 18 */ { "PUSH_UPDATE,tun-mtu 1400", CTL_PUSH_UPDATE, "tun-mtu 1400" },
		/* 19 */ { "ACC,42,x", CTL_ACC, "42,x" },
		/* 20 */ { "RELAY", CTL_RELAY, "" },
		/* 21 */ { "", CTL_UNKNOWN, "" },
		/* 22 */ { "HELLO", CTL_UNKNOWN, "" },
		/* 23 */ { "EXIT\x01", CTL_INVALID, "" },
		/* 24 */ { "PUSH_REQUEST\t", CTL_INVALID, "" },
		/* 25 */ { "INFO,caf\xc3\xa9", CTL_INVALID, "" },
		/* 26 */ { ",PUSH_REQUEST", CTL_UNKNOWN, "" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ctlmsg c;

		ctlmsg_classify(t[i].msg, strlen(t[i].msg), &c);
		if (c.type != t[i].type)
			fprintf(stderr, "classify case %zu: type %d\n", i + 1, c.type);
		CHECK_EQ(c.type, t[i].type);
		CHECK_EQ(c.arg_len, strlen(t[i].arg));
		CHECK(memcmp(c.arg, t[i].arg, c.arg_len) == 0);
	}
	/* not NUL-terminated input */
	struct ctlmsg c;

	ctlmsg_classify("EXITxyz", 4, &c);
	CHECK_EQ(c.type, CTL_EXIT);
	ctlmsg_classify(NULL, 0, &c);
	CHECK_EQ(c.type, CTL_UNKNOWN);
	CHECK(strcmp(ctlmsg_type_name(CTL_PUSH_REQUEST), "PUSH_REQUEST") == 0);
	CHECK(strcmp(ctlmsg_type_name(CTL_INFO_PRE), "INFO_PRE") == 0);
	CHECK(strcmp(ctlmsg_type_name(CTL_INVALID), "?") == 0);
}

/* Split a record and classify every message; types joined by ' '.
 * Returns where ctlmsg_next() stopped. */
static size_t
split_all(const char *rec, size_t len, char *types, size_t cap)
{
	size_t off = 0, tl = 0;
	const char *m;
	size_t ml;

	types[0] = '\0';
	while (ctlmsg_next((const uint8_t *)rec, len, &off, &m, &ml)) {
		struct ctlmsg c;

		CHECK(ml > 0);
		ctlmsg_classify(m, ml, &c);
		tl += (size_t)snprintf(types + tl, cap - tl, "%s%s", tl ? " " : "",
				       ctlmsg_type_name(c.type));
	}
	CHECK(off <= len);
	CHECK(memchr(rec + off, 0, len - off) == NULL);
	return off;
}

static void
test_split_record(void)
{
	static const struct {
		const char *rec;
		size_t len;
		const char *types;
		size_t stop;            /* start of the unterminated tail, or len */
	} t[] = {
		/* 1 */ { "PUSH_REQUEST\0", 13, "PUSH_REQUEST", 13 },
		/* 2 */ { "PUSH_REQUEST\0EXIT\0", 18, "PUSH_REQUEST EXIT", 18 },
		/* 3 */ { "PUSH_REQUEST\r\n\0", 15, "PUSH_REQUEST", 15 },
		/* 4 */ { "\0\0PUSH_REQUEST\0", 15, "PUSH_REQUEST", 15 },
		/* 5: unterminated: left for the caller (2.6 drops it) */
		/* 5 */ { "PUSH_REQUEST", 12, "", 0 },
		/* 6 */ { "EXIT\0PUSH_REQ", 13, "EXIT", 5 },
		/* 7 */ { "EXIT\0X", 6, "EXIT", 5 },
		/* 8 */ { "\0", 1, "", 1 },
		/* 9 */ { "", 0, "", 0 },
		/* 10 */ { "A\0", 2, "?", 2 },
		/* 11: CR inside is not stripped: invalid */
		/* 11 */ { "EX\rIT\0INFO,x\0", 13, "? INFO", 13 },
		/* 12 */ { "\r\n\0EXIT\0\r", 9, "EXIT", 8 },
	};
	char types[200];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t stop = split_all(t[i].rec, t[i].len, types, sizeof(types));

		if (strcmp(types, t[i].types) != 0 || stop != t[i].stop)
			fprintf(stderr, "record case %zu: '%s' stop %zu\n", i + 1, types, stop);
		CHECK(strcmp(types, t[i].types) == 0);
		CHECK_EQ(stop, t[i].stop);
	}
	/* an accumulating caller: the tail completes on the next read */
	static const char two[] = "PUSH_REQ" "UEST\0";
	size_t off = 0;
	const char *m;
	size_t ml;

	CHECK(!ctlmsg_next((const uint8_t *)two, 8, &off, &m, &ml));
	CHECK_EQ(off, 0);
	CHECK(ctlmsg_next((const uint8_t *)two, sizeof(two) - 1, &off, &m, &ml));
	CHECK_EQ(ml, 12);
	CHECK_EQ(off, 13);

	/* a PUSH_REPLY built here splits back into its messages */
	static const char *const admin[] = { "route 192.168.77.0 255.255.255.0" };
	struct push_global g = { .push = admin, .n_push = 1 };
	unsigned n;
	int rc = push_reply_build(&g, NULL, out, sizeof(out), &n);

	split_all(out, (size_t)rc, types, sizeof(types));
	CHECK(strcmp(types, "PUSH_REPLY") == 0);
}

int
main(void)
{
	test_subnet_capture();
	test_net30_p2p();
	test_proto_flags();
	test_split();
	test_invalid_options();
	test_builders();
	test_classify();
	test_split_record();
	return harness_done("push");
}
