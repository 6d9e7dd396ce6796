/*
 * Configuration parser: accepted configs with their values, rejected lines
 * with the exact error text, derived values of 'server' and 'keepalive',
 * and client-config-dir files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

/* Enough for cp_config_finish() to pass. */
#define BASE "ca ca.crt\ncert server.crt\nkey server.key\nserver 10.8.0.0 255.255.255.0\n"

static const char full_conf[] =
	"# dpvpn test: a realistic OpenVPN 2.6 server.conf\n"
	"; OpenVPN comments start with '#' or ';'\n"
	"port 1194\n"
	"proto udp\n"
	"local 192.0.2.10\n"
	"dev tun\n"
	"topology subnet\n"
	"server 10.8.0.0 255.255.255.0\n"
	"ifconfig-pool-persist /var/lib/dpvpn/ipp.txt 300\n"
	"push \"route 192.168.10.0 255.255.255.0\"\n"
	"push \"dhcp-option DNS 10.8.0.1\"   # resolver on the server\n"
	"push 'dhcp-option DOMAIN corp.example'\n"
	"push \"redirect-gateway def1 bypass-dhcp\"\n"
	"route 192.168.20.0 255.255.255.0\n"
	"client-config-dir /etc/dpvpn/ccd\n"
	"client-to-client\n"
	"duplicate-cn\n"
	"keepalive 10 120\n"
	"\n"
	"<ca>\n"
	"-----BEGIN CERTIFICATE-----\r\n"
	"MIIBszCCAVmgAwIBAgIUQ2E=\r\n"
	"-----END CERTIFICATE-----\r\n"
	"</ca>\n"
	"cert \"/etc/dpvpn/server cert.crt\"\n"
	"key /etc/dpvpn/server.key\n"
	"dh none\n"
	"crl-verify /etc/dpvpn/crl.pem\n"
	"  <tls-crypt>\n"
	"#\n"
	"# 2048 bit OpenVPN static key\n"
	"#\n"
	"-----BEGIN OpenVPN Static key V1-----\n"
	"37268ea8f95d7f71f9fb8fc03770c460\n"
	"-----END OpenVPN Static key V1-----\n"
	"  </tls-crypt>   trailing words after the end tag are ignored\n"
	"tls-crypt-v2 /etc/dpvpn/tc2-server.key force-cookie\n"
	"data-ciphers aes-256-gcm:CHACHA20-POLY1305:?AES-192-GCM\n"
	"data-ciphers-fallback AES-128-GCM\n"
	"cipher AES-256-CBC\n"
	"auth sha256\n"
	"tls-version-min 1.2 or-highest\n"
	"tls-cipher TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384\n"
	"tls-ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256\n"
	"remote-cert-tls client\n"
	"verify-client-cert optional\n"
	"user-pass-db /etc/dpvpn/users.db\n"
	"username-as-common-name\n"
	"auth-gen-token 3600 600 external-auth\n"
	"auth-gen-token-secret /etc/dpvpn/token.key\n"
	"max-clients 500\n"
	"connect-freq 20 2\n"
	"connect-freq-initial 5000 1\n"
	"reneg-sec 7200 3600\n"
	"hand-window 30\n"
	"tran-window 60\n"
	"tls-timeout 4\n"
	"replay-window 128 30\n"
	"explicit-exit-notify 2\n"
	"compress stub-v2\n"
	"allow-compression asym\n"
	"tun-mtu 1400\n"
	"mssfix 1360 mtu\n"
	"max-packet-size 1300\n"
	"sndbuf 393216\n"
	"rcvbuf 393216\n"
	"txqueuelen 1000\n"
	"user nobody\n"
	"group nogroup\n"
	"persist-key\n"
	"persist-tun\n"
	"status /run/dpvpn/status.log 10\n"
	"status-version 3\n"
	"log-append /var/log/dpvpn.log\n"
	"verb 3\n"
	"mute 20\n"
	"daemon dpvpnd\n"
	"writepid /run/dpvpn/dpvpnd.pid\n"
	"management /run/dpvpn/mgmt.sock unix /etc/dpvpn/mgmt.pw\n"
	"management-client-auth\n"
	"management-hold\n"
	"management-log-cache 500\n"
	"management-client-user root\n"
	"management-client-group dpvpn\n"
	"dataplane ipc:///run/dpvpn/dp0.sock\n"
	"mode server\n"
	"tls-server\n"
	"--float\n"
	"fast-io\n";

static void
test_defaults(void)
{
	struct cp_config c;
	cp_config_defaults(&c);
	CHECK_EQ(c.port, 1194);
	CHECK_EQ(c.proto, CP_PROTO_UDP);
	CHECK_EQ(c.topology, CP_TOPO_NET30);
	CHECK_EQ(c.max_clients, 1024);
	CHECK_EQ(c.connect_freq_n, 0);
	CHECK_EQ(c.connect_freq_initial_n, 100);
	CHECK_EQ(c.connect_freq_initial_sec, 10);
	CHECK_EQ(c.reneg_sec, 3600);
	CHECK_EQ(c.hand_window, 60);
	CHECK_EQ(c.tran_window, 3600);
	CHECK_EQ(c.tls_timeout, 2);
	CHECK_EQ(c.replay_window, 64);
	CHECK_EQ(c.replay_time, 15);
	CHECK_STR(c.data_ciphers, "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
	CHECK_EQ(c.n_ciphers, 3);
	CHECK_EQ(c.cipher_ids[0], CP_CIPHER_AES_256_GCM);
	CHECK_EQ(c.tls_version_min, 0x0303);
	CHECK_EQ(c.verify_client_cert, CP_VERIFY_REQUIRE);
	CHECK_STR(c.dataplane, "ipc:///run/dpvpn/dataplane.sock");
	CHECK_STR(c.auth, "SHA1");
	CHECK_EQ(c.key_direction, -1);
	CHECK_EQ(c.status_version, 1);
	CHECK_EQ(c.script_security, 1);
	CHECK_EQ(c.max_packet_size, 1250);
	CHECK_EQ(c.mgmt.log_cache, 250);
	cp_config_free(&c);
}

static void
check_full_values(const struct cp_config *c)
{
	CHECK_EQ(c->port, 1194);
	CHECK_STR(c->local, "192.0.2.10");
	CHECK_EQ(c->topology, CP_TOPO_SUBNET);
	CHECK_EQ(c->server_net, IP(10, 8, 0, 0));
	CHECK_EQ(c->server_mask, IP(255, 255, 255, 0));
	CHECK_STR(c->pool_persist_file, "/var/lib/dpvpn/ipp.txt");
	CHECK_EQ(c->pool_persist_sec, 300);
	CHECK_EQ(c->n_push, 4);
	CHECK_STR(c->push[0], "route 192.168.10.0 255.255.255.0");
	CHECK_STR(c->push[1], "dhcp-option DNS 10.8.0.1");
	CHECK_STR(c->push[2], "dhcp-option DOMAIN corp.example");
	CHECK_STR(c->push[3], "redirect-gateway def1 bypass-dhcp");
	CHECK_EQ(c->n_routes, 1);
	CHECK_EQ(c->routes[0].net, IP(192, 168, 20, 0));
	CHECK_STR(c->client_config_dir, "/etc/dpvpn/ccd");
	CHECK(c->client_to_client && c->duplicate_cn);
	CHECK_EQ(c->ca.is_inline, 1);
	CHECK_STR(c->ca.value, "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n"
		"-----END CERTIFICATE-----\n");
	CHECK_STR(c->cert.value, "/etc/dpvpn/server cert.crt");
	CHECK_EQ(c->cert.is_inline, 0);
	CHECK(c->dh_none && !c->dh.value);
	CHECK_STR(c->crl_verify.value, "/etc/dpvpn/crl.pem");
	CHECK_STR(c->tls_crypt.value, "#\n# 2048 bit OpenVPN static key\n#\n"
		"-----BEGIN OpenVPN Static key V1-----\n37268ea8f95d7f71f9fb8fc03770c460\n"
		"-----END OpenVPN Static key V1-----\n");
	CHECK_STR(c->tls_crypt_v2.value, "/etc/dpvpn/tc2-server.key");
	CHECK_EQ(c->tls_crypt_v2_force_cookie, 1);
	CHECK_STR(c->data_ciphers, "AES-256-GCM:CHACHA20-POLY1305");
	CHECK_EQ(c->n_ciphers, 2);
	CHECK_EQ(c->cipher_ids[1], CP_CIPHER_CHACHA20_POLY1305);
	CHECK_EQ(c->fallback_cipher, CP_CIPHER_AES_128_GCM);
	CHECK_STR(c->cipher, "AES-256-CBC");
	CHECK_STR(c->auth, "SHA256");
	CHECK_EQ(c->tls_version_min, 0x0303);
	CHECK_EQ(c->tls_version_or_highest, 1);
	CHECK_STR(c->tls_ciphersuites, "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
	CHECK_EQ(c->remote_cert_tls_client, 1);
	CHECK_EQ(c->verify_client_cert, CP_VERIFY_OPTIONAL);
	CHECK_STR(c->user_pass_db, "/etc/dpvpn/users.db");
	CHECK(c->username_as_cn && c->auth_gen_token && c->auth_gen_token_external);
	CHECK_EQ(c->auth_gen_token_lifetime, 3600);
	CHECK_EQ(c->auth_gen_token_renewal, 600);
	CHECK_STR(c->auth_gen_token_secret.value, "/etc/dpvpn/token.key");
	CHECK_EQ(c->max_clients, 500);
	CHECK_EQ(c->connect_freq_n, 20);
	CHECK_EQ(c->connect_freq_sec, 2);
	CHECK_EQ(c->connect_freq_initial_n, 5000);
	CHECK_EQ(c->connect_freq_initial_sec, 1);
	CHECK_EQ(c->reneg_sec, 7200);
	CHECK_EQ(c->reneg_sec_min, 3600);
	CHECK_EQ(c->hand_window, 30);
	CHECK_EQ(c->tran_window, 60);
	CHECK_EQ(c->tls_timeout, 4);
	CHECK_EQ(c->replay_window, 128);
	CHECK_EQ(c->replay_time, 30);
	CHECK_EQ(c->explicit_exit_notify, 2);
	CHECK_EQ(c->compress, CP_COMP_STUB_V2);
	CHECK_EQ(c->allow_compression, CP_ALLOWCOMP_ASYM);
	CHECK_EQ(c->tun_mtu, 1400);
	CHECK_EQ(c->mssfix, 1360);
	CHECK_EQ(c->mssfix_mode, 1);
	CHECK_EQ(c->max_packet_size, 1300);
	CHECK_EQ(c->sndbuf, 393216);
	CHECK_EQ(c->txqueuelen, 1000);
	CHECK_STR(c->user, "nobody");
	CHECK_STR(c->group, "nogroup");
	CHECK(c->persist_key && c->persist_tun && c->float_ok && c->fast_io && c->daemon);
	CHECK_STR(c->status_file, "/run/dpvpn/status.log");
	CHECK_EQ(c->status_sec, 10);
	CHECK_EQ(c->status_version, 3);
	CHECK_STR(c->log_file, "/var/log/dpvpn.log");
	CHECK_EQ(c->log_append, 1);
	CHECK_EQ(c->verb, 3);
	CHECK_EQ(c->mute, 20);
	CHECK_STR(c->daemon_name, "dpvpnd");
	CHECK_STR(c->writepid, "/run/dpvpn/dpvpnd.pid");
	CHECK(c->mgmt.set && c->mgmt.is_unix && c->mgmt.client_auth && c->mgmt.hold);
	CHECK_STR(c->mgmt.addr, "/run/dpvpn/mgmt.sock");
	CHECK_STR(c->mgmt.pwfile, "/etc/dpvpn/mgmt.pw");
	CHECK_EQ(c->mgmt.log_cache, 500);
	CHECK_STR(c->mgmt.client_user, "root");
	CHECK_STR(c->mgmt.client_group, "dpvpn");
	CHECK_STR(c->dataplane, "ipc:///run/dpvpn/dp0.sock");
}

static void
test_full_config(void)
{
	struct cp_config c;
	char err[512] = "";

	cp_config_defaults(&c);
	CHECK_EQ(cp_config_parse(&c, full_conf, sizeof(full_conf) - 1, "server.conf", err,
		sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(cp_config_finish(&c, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	check_full_values(&c);
	/* subnet: route-gateway and topology after the config's pushes */
	CHECK_EQ(c.derived.server_ip, IP(10, 8, 0, 1));
	CHECK_EQ(c.derived.pool_start, IP(10, 8, 0, 2));
	CHECK_EQ(c.derived.pool_end, IP(10, 8, 0, 254));
	CHECK_EQ(c.derived.ping, 10);
	CHECK_EQ(c.derived.ping_restart, 240);
	CHECK_EQ(c.derived.n_push, 4);
	CHECK_STR(c.derived.push[0], "route-gateway 10.8.0.1");
	CHECK_STR(c.derived.push[1], "topology subnet");
	CHECK_STR(c.derived.push[2], "ping 10");
	CHECK_STR(c.derived.push[3], "ping-restart 120");
	/* finish is repeatable */
	CHECK_EQ(cp_config_finish(&c, err, sizeof(err)), 0);
	CHECK_EQ(c.derived.n_push, 4);
	cp_config_free(&c);
	CHECK(c.ca.value == NULL && c.status_file == NULL && c.mgmt.pwfile == NULL);
}

/* Parses BASE + extra, finishes, returns 0/-1; err gets the message. */
static int
parse_finish(struct cp_config *c, const char *text, char *err, size_t errlen)
{
	cp_config_defaults(c);
	err[0] = '\0';
	if (cp_config_parse(c, text, strlen(text), "t.conf", err, errlen))
		return -1;
	return cp_config_finish(c, err, errlen);
}

struct derived_case {
	const char *extra;
	uint32_t server_ip, net30_peer, pool_start, pool_end;
	int has_pool;
	const char *push[4];
};

static const struct derived_case derived_cases[] = {
	/* 2.6 default topology: net30 */
	{ "", IP(10, 8, 0, 1), IP(10, 8, 0, 2), IP(10, 8, 0, 4), IP(10, 8, 0, 251), 1,
		{ "route 10.8.0.1", "topology net30" } },
	{ "topology net30\nclient-to-client\n", IP(10, 8, 0, 1), IP(10, 8, 0, 2), IP(10, 8, 0, 4),
		IP(10, 8, 0, 251), 1, { "route 10.8.0.0 255.255.255.0", "topology net30" } },
	{ "topology subnet\n", IP(10, 8, 0, 1), 0, IP(10, 8, 0, 2), IP(10, 8, 0, 254), 1,
		{ "route-gateway 10.8.0.1", "topology subnet" } },
	{ "topology subnet\nclient-to-client\n", IP(10, 8, 0, 1), 0, IP(10, 8, 0, 2),
		IP(10, 8, 0, 254), 1, { "route-gateway 10.8.0.1", "topology subnet" } },
	/* a /29 with net30 keeps no reserve at the end */
	{ "server 10.9.0.8 255.255.255.248\n", IP(10, 9, 0, 9), IP(10, 9, 0, 10), IP(10, 9, 0, 12),
		IP(10, 9, 0, 15), 1, { "route 10.9.0.9", "topology net30" } },
	{ "server 172.16.0.0 255.255.0.0\ntopology subnet\n", IP(172, 16, 0, 1), 0,
		IP(172, 16, 0, 2), IP(172, 16, 255, 254), 1,
		{ "route-gateway 172.16.0.1", "topology subnet" } },
	{ "topology subnet\nserver 10.8.0.0 255.255.255.0 nopool\n", IP(10, 8, 0, 1), 0, 0, 0, 0,
		{ "route-gateway 10.8.0.1", "topology subnet" } },
	{ "topology subnet\nserver 10.8.0.0 255.255.255.0 nopool\nifconfig-pool 10.8.0.100 "
		"10.8.0.199\n", IP(10, 8, 0, 1), 0, IP(10, 8, 0, 100), IP(10, 8, 0, 199), 1,
		{ "route-gateway 10.8.0.1", "topology subnet" } },
	/* keepalive I T: ping I, ping-restart 2T here; I and T pushed */
	{ "keepalive 10 60\n", IP(10, 8, 0, 1), IP(10, 8, 0, 2), IP(10, 8, 0, 4), IP(10, 8, 0, 251),
		1, { "route 10.8.0.1", "topology net30", "ping 10", "ping-restart 60" } },
};

static void
test_derived(void)
{
	for (size_t i = 0; i < sizeof(derived_cases) / sizeof(derived_cases[0]); i++) {
		const struct derived_case *t = &derived_cases[i];
		struct cp_config c;
		char text[1024], err[512];
		unsigned want = 0;

		snprintf(text, sizeof(text), "%s%s", BASE, t->extra);
		if (parse_finish(&c, text, err, sizeof(err))) {
			fprintf(stderr, "derived case %zu: %s\n", i, err);
			CHECK(0);
			cp_config_free(&c);
			continue;
		}
		CHECK_EQ(c.derived.server_ip, t->server_ip);
		CHECK_EQ(c.derived.net30_peer, t->net30_peer);
		CHECK_EQ(c.derived.netmask, c.server_mask);
		CHECK_EQ(c.derived.has_pool, t->has_pool);
		CHECK_EQ(c.derived.pool_start, t->pool_start);
		CHECK_EQ(c.derived.pool_end, t->pool_end);
		while (want < 4 && t->push[want])
			want++;
		CHECK_EQ(c.derived.n_push, want);
		for (unsigned k = 0; k < want && k < c.derived.n_push; k++)
			CHECK_STR(c.derived.push[k], t->push[k]);
		cp_config_free(&c);
	}
}

static void
test_keepalive_and_ping(void)
{
	struct cp_config c;
	char err[512];

	CHECK_EQ(parse_finish(&c, BASE "keepalive 15 90\n", err, sizeof(err)), 0);
	CHECK_EQ(c.keepalive_ping, 15);
	CHECK_EQ(c.keepalive_timeout, 90);
	CHECK_EQ(c.derived.ping, 15);
	CHECK_EQ(c.derived.ping_restart, 180);
	cp_config_free(&c);

	CHECK_EQ(parse_finish(&c, BASE "ping 5\nping-restart 30\n", err, sizeof(err)), 0);
	CHECK_EQ(c.derived.ping, 5);
	CHECK_EQ(c.derived.ping_restart, 30);
	CHECK_EQ(c.derived.n_push, 2);	/* nothing pushed for plain ping */
	cp_config_free(&c);
}

/* Quoting rules, seen through directives that store one word. */
struct word_case {
	const char *line;
	const char *want;	/* push[0] */
};

static const struct word_case word_cases[] = {
	{ "push \"route 10.0.0.0 255.0.0.0\"", "route 10.0.0.0 255.0.0.0" },
	{ "push 'dhcp-option DNS 10.0.0.1' ; comment", "dhcp-option DNS 10.0.0.1" },
	{ "push \"a \\\"quoted\\\" word\"", "a \"quoted\" word" },
	{ "push 'single \\ keeps \\\\ backslashes'", "single \\ keeps \\\\ backslashes" },
	{ "push a\\ b\\\\c", "a b\\c" },
	{ "push \"escaped\\ space\"", "escaped space" },
	{ "push abc;def#ghi", "abc;def#ghi" },
	{ "push x\"y'z", "x\"y'z" },
	{ "  \t push\t\"spaced\"\t  \r", "spaced" },
	{ "--push dash", "dash" },
	{ "push \"trailing\" \\", "trailing" },
	{ "push \"comment next\"# here", "comment next" },
	{ "push \"escaped hash\" \\# is a comment too", "escaped hash" },
};

static void
test_words(void)
{
	for (size_t i = 0; i < sizeof(word_cases) / sizeof(word_cases[0]); i++) {
		struct cp_config c;
		char err[512] = "";
		cp_config_defaults(&c);
		int rc = cp_config_parse(&c, word_cases[i].line, strlen(word_cases[i].line), "w",
			err, sizeof(err));
		if (rc)
			fprintf(stderr, "word case %zu: %s\n", i, err);
		CHECK_EQ(rc, 0);
		CHECK_EQ(c.n_push, 1);
		CHECK_STR(c.push[0], word_cases[i].want);
		cp_config_free(&c);
	}
}

/* One bad line each; the whole message is compared. */
struct reject_case {
	const char *text;
	const char *err;
};

static const struct reject_case parse_rejects[] = {
	/* tokenizer */
	{ "push \"abc", "t.conf:1: missing closing double quote" },
	{ "push 'abc", "t.conf:1: missing closing single quote" },
	{ "push a\\q", "t.conf:1: bad backslash escape (only \\\\, \\\" and \\SPACE are allowed; "
		"use single quotes for a literal backslash)" },
	{ "push abc\\", "t.conf:1: backslash at end of line" },
	{ "a b c d e f g h i j k l m n o p q", "t.conf:1: too many words (max 16)" },
	/* unknown, OpenVPN-but-unsupported, refused */
	{ "\n\nfoo bar", "t.conf:3: unknown directive 'foo'" },
	{ "ifconfig-noexec", "t.conf:1: ifconfig-noexec: OpenVPN option not supported by dpvpn" },
	{ "secret static.key", "t.conf:1: secret: static-key mode is not supported (insecure; "
		"use TLS with ca, cert, key)" },
	{ "fragment 1300", "t.conf:1: fragment: not supported (use tun-mtu and mssfix)" },
	{ "ncp-disable", "t.conf:1: ncp-disable: not supported (removed in OpenVPN 2.6; ciphers "
		"are negotiated)" },
	{ "mode p2p", "t.conf:1: mode: 'p2p' is not supported (dpvpnd is a multi-client server: "
		"use 'mode server')" },
	{ "dev tap0", "t.conf:1: dev: 'tap0' is not supported (layer-2 tap; dpvpn is a tun "
		"server)" },
	{ "dev-type tap", "t.conf:1: dev-type: 'tap' is not supported (layer-2 tap; dpvpn is a tun "
		"server)" },
	{ "proto tcp", "t.conf:1: proto: 'tcp' is not supported yet (UDP only)" },
	{ "proto tcp6-server", "t.conf:1: proto: 'tcp6-server' is not supported yet (UDP only)" },
	{ "proto sctp", "t.conf:1: proto: bad value 'sctp' (expected udp, udp4 or udp6)" },
	{ "server-ipv6 fd00::/64", "t.conf:1: server-ipv6: not supported yet" },
	{ "topology p2p", "t.conf:1: topology: 'p2p' is not supported (use subnet or net30)" },
	{ "tls-version-min 1.1", "t.conf:1: tls-version-min: '1.1' is not supported (TLS 1.2 is "
		"the minimum)" },
	{ "client", "t.conf:1: client: client option; dpvpnd is a server" },
	{ "iroute 10.1.0.0 255.255.0.0", "t.conf:1: iroute: only valid in a client-config-dir "
		"file" },
	{ "client-connect /bin/true", "t.conf:1: client-connect: not supported yet (of the "
		"scripts, only auth-user-pass-verify)" },
	/* argument counts */
	{ "port", "t.conf:1: port: expected 1 argument, got 0 (usage: port PORT)" },
	{ "keepalive 10", "t.conf:1: keepalive: expected 2 arguments, got 1 (usage: keepalive "
		"INTERVAL TIMEOUT)" },
	{ "push route 10.0.0.0 255.0.0.0", "t.conf:1: push: expected 1 argument, got 3 (usage: "
		"push \"OPTION ...\")" },
	{ "client-to-client yes", "t.conf:1: client-to-client: expected 0 arguments, got 1 "
		"(usage: client-to-client)" },
	{ "status a b c", "t.conf:1: status: expected 1 to 2 arguments, got 3 (usage: status FILE "
		"[SECONDS])" },
	/* values */
	{ "port 70000", "t.conf:1: port: bad number '70000' (expected 1 to 65535)" },
	{ "port 0x50", "t.conf:1: port: bad number '0x50' (expected 1 to 65535)" },
	{ "max-clients -1", "t.conf:1: max-clients: bad number '-1' (expected 1 to 16777214)" },
	{ "connect-freq-initial 0 10", "t.conf:1: connect-freq-initial: bad number '0' (expected 1 to 1073741824)" },
	{ "connect-freq-initial 100", "t.conf:1: connect-freq-initial: expected 2 arguments, got 1 (usage: connect-freq-initial N SECONDS)" },
	{ "verb 12", "t.conf:1: verb: bad number '12' (expected 0 to 11)" },
	{ "local vpn.example.com", "t.conf:1: local: bad address 'vpn.example.com' (an IPv4 or "
		"IPv6 address; host names are not supported)" },
	{ "server 10.8.0.1 255.255.255.0", "t.conf:1: server: 10.8.0.1 is not a network address "
		"for netmask 255.255.255.0" },
	{ "server 10.8.0.0 255.0.255.0", "t.conf:1: server: netmask 255.0.255.0 is not "
		"contiguous" },
	{ "server 10.0.0.0 255.0.0.0", "t.conf:1: server: netmask 255.0.0.0 is too short (/16 or "
		"longer)" },
	{ "server 10.8.0.0 255.255.255.252", "t.conf:1: server: netmask 255.255.255.252 is too "
		"long for dev tun (/29 or shorter)" },
	{ "server 10.8.0.0 255.255.255.0 pool", "t.conf:1: server: unknown flag 'pool' (expected "
		"nopool)" },
	{ "server 10.8.0 255.255.255.0", "t.conf:1: server: bad IPv4 address '10.8.0'" },
	{ "topology star", "t.conf:1: topology: bad value 'star' (expected net30 or subnet)" },
	{ "ifconfig-pool 10.8.0.9 10.8.0.2", "t.conf:1: ifconfig-pool: start 10.8.0.9 is above "
		"end 10.8.0.2" },
	{ "ifconfig-pool 10.0.0.0 10.1.0.0", "t.conf:1: ifconfig-pool: range too large (max 65536 "
		"addresses)" },
	{ "route 10.1.2.3 255.255.0.0", "t.conf:1: route: 10.1.2.3 has host bits set for netmask "
		"255.255.0.0" },
	{ "push \"route 10.0.0.0 255.0.0.0,ping 1\"", "t.conf:1: push: 'route 10.0.0.0 255.0.0.0,"
		"ping 1': commas and control characters cannot be pushed" },
	{ "push \"\"", "t.conf:1: push: empty option" },
	{ "push \"tab\\\tinside\"", "t.conf:1: push: 'tab\tinside': commas and control "
		"characters cannot be pushed" },
	{ "\n\xEF\xBB\xBFport 1", "t.conf:2: unknown directive '\xEF\xBB\xBFport'" },
	{ "ca \"\"", "t.conf:1: ca: empty file name" },
	{ "tls-auth ta.key 2", "t.conf:1: tls-auth: bad key direction '2' (expected 0 or 1)" },
	{ "key-direction both", "t.conf:1: key-direction: bad value 'both' (expected 0 or 1)" },
	{ "tls-crypt-v2 k.key strict", "t.conf:1: tls-crypt-v2: unknown flag 'strict' (expected "
		"force-cookie or allow-noncookie)" },
	{ "crl-verify crl.pem directory", "t.conf:1: crl-verify: unknown flag 'directory' "
		"(expected dir)" },
	{ "data-ciphers AES-256-GCM:AES-256-CBC", "t.conf:1: data-ciphers: cipher 'AES-256-CBC' "
		"is not supported (AEAD only: AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305)" },
	{ "data-ciphers ?BF-CBC", "t.conf:1: data-ciphers: no supported cipher in '?BF-CBC' (AEAD "
		"only: AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305)" },
	{ "data-ciphers-fallback BF-CBC", "t.conf:1: data-ciphers-fallback: cipher 'BF-CBC' is "
		"not supported (AEAD only: AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305)" },
	{ "auth MD5", "t.conf:1: auth: digest 'MD5' is not supported (SHA1, SHA224, SHA256, "
		"SHA384 or SHA512)" },
	{ "tls-version-min 1.4", "t.conf:1: tls-version-min: bad version '1.4' (expected 1.2 or "
		"1.3)" },
	{ "remote-cert-tls server", "t.conf:1: remote-cert-tls: 'server' is not supported (a "
		"server checks clients: use 'client')" },
	{ "verify-client-cert maybe", "t.conf:1: verify-client-cert: bad value 'maybe' (expected "
		"require, optional or none)" },
	{ "keepalive 60 10", "t.conf:1: keepalive: TIMEOUT 10 must be at least twice INTERVAL 60" },
	{ "keepalive 0 10", "t.conf:1: keepalive: bad number '0' (expected 1 to 1073741824)" },
	{ "reneg-sec 60 120", "t.conf:1: reneg-sec: bad number '120' (expected 0 to 60)" },
	{ "replay-window 70000", "t.conf:1: replay-window: bad number '70000' (expected 0 to "
		"65536)" },
	{ "replay-window 64 601", "t.conf:1: replay-window: bad number '601' (expected 0 to 600)" },
	{ "compress lzma", "t.conf:1: compress: bad value 'lzma' (expected stub, stub-v2, migrate, "
		"lzo, lz4 or lz4-v2)" },
	{ "comp-lzo maybe", "t.conf:1: comp-lzo: bad value 'maybe' (expected yes, no or "
		"adaptive)" },
	{ "allow-compression no\nallow-compression yes", "t.conf:2: allow-compression: cannot "
		"change to 'yes' after 'allow-compression no'" },
	{ "auth-user-pass-verify /bin/check via-stdin", "t.conf:1: auth-user-pass-verify: bad "
		"method 'via-stdin' (expected via-file or via-env)" },
	{ "auth-user-pass-verify /bin/check", "t.conf:1: auth-user-pass-verify: expected 2 "
		"arguments, got 1 (usage: auth-user-pass-verify COMMAND via-file|via-env)" },
	{ "script-security 4", "t.conf:1: script-security: bad number '4' (expected 0 to 3)" },
	{ "auth-gen-token 1 2 3", "t.conf:1: auth-gen-token: too many numbers (expected [LIFETIME "
		"[RENEWAL]] [external-auth])" },
	{ "auth-gen-token external-auth 60", "t.conf:1: auth-gen-token: bad number "
		"'external-auth' (expected 0 to 1073741824)" },
	{ "status-version 4", "t.conf:1: status-version: bad number '4' (expected 1 to 3)" },
	{ "management 127.0.0.1 0", "t.conf:1: management: bad number '0' (expected 1 to 65535)" },
	{ "management localhost 7505", "t.conf:1: management: bad address 'localhost' (an IP "
		"address, or 'management PATH unix')" },
	{ "management 127.0.0.1 7505 stdin", "t.conf:1: management: password file 'stdin' is not "
		"supported (dpvpnd cannot prompt)" },
	{ "management-log-cache 0", "t.conf:1: management-log-cache: bad number '0' (expected 1 to "
		"1073741824)" },
	{ "max-packet-size 100", "t.conf:1: max-packet-size: bad number '100' (expected 154 to "
		"2048)" },
	{ "tun-mtu 100", "t.conf:1: tun-mtu: bad number '100' (expected 576 to 9000)" },
	{ "mssfix 1400 exact", "t.conf:1: mssfix: unknown flag 'exact' (expected mtu or fixed)" },
	{ "dataplane tcp:/x", "t.conf:1: dataplane: bad endpoint 'tcp:/x' (expected ipc://PATH or "
		"tcp://HOST:PORT)" },
	{ "user a-very-long-user-name-that-does-not-fit-in-the-field-of-64-bytes-at-all",
		"t.conf:1: user: 'a-very-long-user-name-that-does-not-fit-in-the-field-of-64-bytes-"
		"at-all' is too long (max 63 characters)" },
	{ "dev tun-with-a-long-name", "t.conf:1: dev: bad device name 'tun-with-a-long-name' (1 to "
		"15 characters)" },
	{ "ifconfig-pool 10.8.0.2 10.8.0.9 255.0.255.0", "t.conf:1: ifconfig-pool: bad netmask "
		"'255.0.255.0'" },
	{ "tls-version-min 1.2 or-lowest", "t.conf:1: tls-version-min: unknown flag 'or-lowest' "
		"(expected or-highest)" },
	{ "allow-compression maybe", "t.conf:1: allow-compression: bad value 'maybe' (expected "
		"no, asym or yes)" },
	{ "reneg-bytes lots", "t.conf:1: reneg-bytes: bad number 'lots'" },
	{ "reneg-pkts 18446744073709551616", "t.conf:1: reneg-pkts: bad number "
		"'18446744073709551616'" },
	{ "management '' unix", "t.conf:1: management: empty socket path" },
	{ "management 127.0.0.1 7505 ''", "t.conf:1: management: empty file name" },
	{ "status s.log soon", "t.conf:1: status: bad number 'soon' (expected 0 to 1073741824)" },
	{ "ifconfig-pool-persist ipp.txt -1", "t.conf:1: ifconfig-pool-persist: bad number '-1' "
		"(expected 0 to 1073741824)" },
	{ "user ''", "t.conf:1: user: empty value" },
	{ "tls-cipher \"\"", "t.conf:1: tls-cipher: empty value" },
	/* inline blocks */
	{ "<ca>\nPEM\n", "t.conf:1: missing '</ca>': inline block not closed" },
	{ "\n<cert>\n</cert>\n", "t.conf:2: empty inline block '<cert>'" },
	{ "<push>\nroute 10.0.0.0\n</push>\n", "t.conf:1: push: cannot be given as an inline "
		"<push> block" },
	{ "<secret>\nkey\n</secret>\n", "t.conf:1: secret: static-key mode is not supported "
		"(insecure; use TLS with ca, cert, key)" },
	{ "<pkcs12>\nMIIK\n</pkcs12>\n", "t.conf:1: pkcs12: not supported yet (use ca, cert and "
		"key PEM files)" },
	{ "<connection>\nremote x\n</connection>\n", "t.conf:1: connection: client option; dpvpnd "
		"is a server" },
	{ "<ca>\nPEM\n</ca>\n</ca>\n", "t.conf:4: '</ca>' without an opening tag" },
	{ "<bogus>\nx\n</bogus>\nport 1", "t.conf:1: unknown directive 'bogus'" },
	{ "<ca>\nPEM\n</ca>\nport x", "t.conf:4: port: bad number 'x' (expected 1 to 65535)" },
};

/* Each parses alone, fails in cp_config_finish. */
static const struct reject_case finish_rejects[] = {
	{ "cert c\nkey k\nserver 10.8.0.0 255.255.255.0\n", "t.conf: missing 'ca' (the CA "
		"certificate that signs client certificates)" },
	{ "ca c\nkey k\nserver 10.8.0.0 255.255.255.0\n", "t.conf: missing 'cert' (the server "
		"certificate)" },
	{ "ca c\ncert c\nserver 10.8.0.0 255.255.255.0\n", "t.conf: missing 'key' (the server "
		"private key)" },
	{ "ca c\ncert c\nkey k\n", "t.conf: missing 'server NETWORK NETMASK' (the tunnel address "
		"pool)" },
	{ BASE "tls-auth ta.key 0\ntls-crypt tc.key\n", "t.conf:6: 'tls-auth' (line 5) and "
		"'tls-crypt' (line 6) cannot be combined" },
	{ BASE "ping-restart 60\nkeepalive 10 60\n", "t.conf:6: 'keepalive' (line 6) and "
		"'ping-restart' (line 5) cannot be combined: keepalive sets ping and "
		"ping-restart" },
	{ BASE "user-pass-db u.db\nscript-security 2\nauth-user-pass-verify /bin/x via-file\n",
		"t.conf:7: 'user-pass-db' (line 5) and 'auth-user-pass-verify' (line 7) cannot be "
		"combined: choose one password check" },
	{ BASE "management-hold\n", "t.conf:5: management-hold: needs 'management'" },
	{ BASE "auth-gen-token-secret s.key\n", "t.conf:5: auth-gen-token-secret: needs "
		"'auth-gen-token'" },
	{ BASE "ccd-exclusive\n", "t.conf:5: ccd-exclusive: needs 'client-config-dir'" },
	{ BASE "auth-user-pass-verify /bin/x via-file\n", "t.conf:5: auth-user-pass-verify: needs "
		"'script-security 2' or higher" },
	{ BASE "verify-client-cert none\n", "t.conf:5: verify-client-cert: 'none' needs "
		"user/password authentication (user-pass-db, auth-user-pass-verify or "
		"management-client-auth)" },
	{ BASE "auth-user-pass-optional\n", "t.conf:5: auth-user-pass-optional: needs "
		"user/password authentication (user-pass-db, auth-user-pass-verify or "
		"management-client-auth)" },
	{ BASE "compress lz4-v2\nallow-compression no\n", "t.conf:6: allow-compression: 'no' "
		"conflicts with the configured compression" },
	{ BASE "ifconfig-pool 10.8.0.10 10.8.0.20\n", "t.conf:5: ifconfig-pool: 'server' "
		"(line 4) already defines the pool; use 'server NETWORK NETMASK nopool' with an "
		"explicit pool" },
	{ "ca c\ncert c\nkey k\nserver 10.8.0.0 255.255.255.0 nopool\n"
		"ifconfig-pool 10.8.1.10 10.8.1.20\n", "t.conf:5: ifconfig-pool: range must lie "
		"inside the host addresses of the 'server' network" },
	{ "ca c\ncert c\nkey k\nserver 10.8.0.0 255.255.255.0 nopool\ntopology subnet\n"
		"ifconfig-pool 10.8.0.1 10.8.0.20\n", "t.conf:6: ifconfig-pool: range contains the "
		"server address" },
	{ "ca c\ncert c\nkey k\nserver 10.8.0.0 255.255.255.0 nopool\n"
		"ifconfig-pool 10.8.0.2 10.8.0.20\n", "t.conf:5: ifconfig-pool: range contains the "
		"server's net30 peer address (NETWORK+2)" },
	{ BASE "management 127.0.0.1 7505\nmanagement-client-group vpn\n", "t.conf:6: "
		"management-client-group: only for a unix socket ('management PATH unix')" },
	{ BASE "dev vpn0\n", "t.conf:5: dev: cannot tell the type of device 'vpn0': add 'dev-type "
		"tun'" },
};

/* Inputs with a NUL byte: a NUL never ends the text early. */
static void
test_nul(void)
{
	static const char line[] = "port 1\0port 2";
	static const char block[] = "<ca>\nPEM\n\0\n</ca>\n";
	struct cp_config c;
	struct cp_ccd cc;
	char err[512];

	cp_config_defaults(&c);
	CHECK_EQ(cp_config_parse(&c, line, sizeof(line) - 1, "t.conf", err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:1: NUL byte in line");
	CHECK_EQ(cp_config_parse(&c, block, sizeof(block) - 1, "t.conf", err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:1: NUL byte in inline block '<ca>' (line 3)");
	CHECK_EQ(cp_ccd_parse(&cc, line, sizeof(line) - 1, "ccd/x", err, sizeof(err)), -1);
	CHECK_STR(err, "ccd/x:1: NUL byte in line");
	cp_config_free(&c);
}

static void
test_rejects(void)
{
	for (size_t i = 0; i < sizeof(parse_rejects) / sizeof(parse_rejects[0]); i++) {
		const struct reject_case *t = &parse_rejects[i];
		struct cp_config c;
		char err[512] = "";
		cp_config_defaults(&c);
		CHECK_EQ(cp_config_parse(&c, t->text, strlen(t->text), "t.conf", err, sizeof(err)),
			-1);
		CHECK_STR(err, t->err);
		cp_config_free(&c);
	}
	for (size_t i = 0; i < sizeof(finish_rejects) / sizeof(finish_rejects[0]); i++) {
		struct cp_config c;
		char err[512];
		CHECK_EQ(parse_finish(&c, finish_rejects[i].text, err, sizeof(err)), -1);
		CHECK_STR(err, finish_rejects[i].err);
		CHECK_EQ(c.derived.n_push, 0);
		cp_config_free(&c);
	}
}

/* Accepted odd-but-valid inputs. */
static void
test_accepts(void)
{
	static const char *const ok[] = {
		BASE "dev tun0\nproto udp6\ntopology net30\n",
		BASE "dev vpn0\ndev-type tun\n",
		BASE "dh dh2048.pem\n<dh>\n-----BEGIN DH PARAMETERS-----\n</dh>\n",
		BASE "tls-auth ta.key 0\nauth SHA512\n",
		BASE "<tls-auth>\nkey\n</tls-auth>\nkey-direction 1\n",
		BASE "verify-client-cert\nverify-client-cert none\nmanagement 127.0.0.1 7505\n"
			"management-client-auth\n",
		BASE "verify-client-cert optional\nscript-security 2\n"
			"auth-user-pass-verify \"/usr/bin/check --strict\" via-env\n",
		BASE "compress\ncomp-lzo no\nallow-compression no\n",
		BASE "data-ciphers AES-128-GCM::aes-128-gcm\nncp-ciphers CHACHA20-POLY1305\n",
		BASE "crl-verify /etc/crl dir\nmssfix\ntun-mtu 1500 1400\n",
		BASE "explicit-exit-notify\nauth-gen-token\nauth-gen-token external-auth\n",
		"\xEF\xBB\xBF" BASE "reneg-bytes 18446744073709551615\nreneg-pkts 0\n",
		BASE "connect-freq 10 60\nreplay-window 0\nmax-clients 16777214\n",
		BASE "local 2001:db8::1\nmanagement ::1 7505 pw.txt\n",
		BASE "route 192.168.1.0 255.255.255.0\nroute 192.168.2.1\n",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cp_config c;
		char err[512];
		int rc = parse_finish(&c, ok[i], err, sizeof(err));
		if (rc)
			fprintf(stderr, "accept case %zu: %s\n", i, err);
		CHECK_EQ(rc, 0);
		cp_config_free(&c);
	}
}

/* Repeated directives replace, and heap strings do not leak (valgrind). */
static void
test_repeat(void)
{
	struct cp_config c;
	char err[512];
	const char *t = BASE "ca other.crt\n<ca>\nPEM\n</ca>\nstatus a\nstatus b 5\n"
		"dh x.pem\ndh none\ncompress lz4\ncomp-lzo\nlog l1\nlog-append l2\nlog l3\n"
		"data-ciphers CHACHA20-POLY1305\nmssfix 0\n";
	CHECK_EQ(parse_finish(&c, t, err, sizeof(err)), 0);
	CHECK_STR(c.ca.value, "PEM\n");
	CHECK_EQ(c.ca.is_inline, 1);
	CHECK_EQ(cp_config_parse(&c, "<ca>\nPEM2\n</ca>\n", 16, "t.conf", err, sizeof(err)), 0);
	CHECK_STR(c.ca.value, "PEM2\n");
	CHECK_STR(c.status_file, "b");
	CHECK_EQ(c.status_sec, 5);
	CHECK(c.dh_none && !c.dh.value);
	CHECK_EQ(c.compress, CP_COMP_LZO_ADAPTIVE);
	CHECK_STR(c.log_file, "l3");
	CHECK_EQ(c.log_append, 0);
	CHECK_EQ(c.n_ciphers, 1);
	CHECK_EQ(c.cipher_ids[0], CP_CIPHER_CHACHA20_POLY1305);
	CHECK_EQ(c.mssfix, 0);
	CHECK_EQ(c.mssfix_default, 0);
	cp_config_free(&c);
}

static void
test_load(void)
{
	char path[] = "/tmp/test_cp_config.XXXXXX";
	struct cp_config c;
	char err[512];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, full_conf, sizeof(full_conf) - 1), (long long)sizeof(full_conf) - 1);
	close(fd);
	cp_config_defaults(&c);
	CHECK_EQ(cp_config_load(&c, path, err, sizeof(err)), 0);
	CHECK_EQ(cp_config_finish(&c, err, sizeof(err)), 0);
	check_full_values(&c);
	cp_config_free(&c);
	unlink(path);

	cp_config_defaults(&c);
	CHECK_EQ(cp_config_load(&c, "/nonexistent/server.conf", err, sizeof(err)), -1);
	CHECK_STR(err, "/nonexistent/server.conf: No such file or directory");
	CHECK_EQ(cp_config_load(&c, "/", err, sizeof(err)), -1);
	CHECK_STR(err, "/: not a regular file of at most 16777216 bytes");
	cp_config_free(&c);
}

static const char ccd_text[] =
	"# client alice\n"
	"ifconfig-push 10.8.0.50 255.255.255.0\n"
	"iroute 192.168.50.0 255.255.255.0\n"
	"iroute 192.168.51.7\n"
	"push \"route 192.168.60.0 255.255.255.0\"\n"
	"push-reset\n"
	"push \"dhcp-option DNS 10.8.0.1\"\n"
	"push 'topology subnet'\n";

static void
test_ccd(void)
{
	struct cp_ccd cc;
	struct cp_config c;
	char err[512] = "";

	CHECK_EQ(cp_ccd_parse(&cc, ccd_text, sizeof(ccd_text) - 1, "ccd/alice", err,
		sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(cc.has_ifconfig, 1);
	CHECK_EQ(cc.ifconfig_local, IP(10, 8, 0, 50));
	CHECK_EQ(cc.ifconfig_remote, IP(255, 255, 255, 0));
	CHECK_EQ(cc.ifconfig_line, 2);
	CHECK_EQ(cc.n_iroute, 2);
	CHECK_EQ(cc.iroute[0].net, IP(192, 168, 50, 0));
	CHECK_EQ(cc.iroute[0].mask, IP(255, 255, 255, 0));
	CHECK_EQ(cc.iroute[1].mask, 0xffffffffu);
	CHECK_EQ(cc.push_reset, 1);
	CHECK_EQ(cc.n_push, 2);	/* the push before push-reset is gone */
	CHECK_STR(cc.push[0], "dhcp-option DNS 10.8.0.1");
	CHECK_STR(cc.push[1], "topology subnet");
	CHECK_EQ(cc.disable, 0);

	CHECK_EQ(cp_ccd_parse(&cc, "disable\n", 8, "ccd/bob", err, sizeof(err)), 0);
	CHECK_EQ(cc.disable, 1);
	CHECK_EQ(cc.n_push, 0);

	/* against a subnet config */
	CHECK_EQ(parse_finish(&c, BASE "topology subnet\n", err, sizeof(err)), 0);
	CHECK_EQ(cp_ccd_parse(&cc, ccd_text, sizeof(ccd_text) - 1, "ccd/alice", err,
		sizeof(err)), 0);
	CHECK_EQ(cp_ccd_check(&c, &cc, "ccd/alice", err, sizeof(err)), 0);
	static const struct reject_case subnet_bad[] = {
		{ "ifconfig-push 10.8.0.1 255.255.255.0", "ccd/x:1: ifconfig-push: 10.8.0.1 is not "
			"a free host address of the server network" },
		{ "\nifconfig-push 10.9.0.5 255.255.255.0", "ccd/x:2: ifconfig-push: 10.9.0.5 is "
			"not a free host address of the server network" },
		{ "ifconfig-push 10.8.0.255 255.255.255.0", "ccd/x:1: ifconfig-push: 10.8.0.255 is "
			"not a free host address of the server network" },
		{ "ifconfig-push 10.8.0.5 10.8.0.6", "ccd/x:1: ifconfig-push: with topology subnet "
			"the second address is the netmask of the server network, not 10.8.0.6" },
	};
	for (size_t i = 0; i < sizeof(subnet_bad) / sizeof(subnet_bad[0]); i++) {
		CHECK_EQ(cp_ccd_parse(&cc, subnet_bad[i].text, strlen(subnet_bad[i].text), "ccd/x",
			err, sizeof(err)), 0);
		CHECK_EQ(cp_ccd_check(&c, &cc, "ccd/x", err, sizeof(err)), -1);
		CHECK_STR(err, subnet_bad[i].err);
	}
	cp_config_free(&c);

	/* against a net30 config: LOCAL REMOTE of one /30 */
	CHECK_EQ(parse_finish(&c, BASE, err, sizeof(err)), 0);
	CHECK_EQ(cp_ccd_parse(&cc, "ifconfig-push 10.8.0.9 10.8.0.10\n", 33, "ccd/n", err,
		sizeof(err)), 0);
	CHECK_EQ(cp_ccd_check(&c, &cc, "ccd/n", err, sizeof(err)), 0);
	CHECK_EQ(cp_ccd_parse(&cc, "ifconfig-push 10.8.0.9 10.8.0.13\n", 33, "ccd/n", err,
		sizeof(err)), 0);
	CHECK_EQ(cp_ccd_check(&c, &cc, "ccd/n", err, sizeof(err)), -1);
	CHECK_STR(err, "ccd/n:1: ifconfig-push: with topology net30 10.8.0.9 and 10.8.0.13 must be "
		"the two host addresses of one /30 block");
	CHECK_EQ(cp_ccd_parse(&cc, "ifconfig-push 10.8.0.2 10.8.0.1\n", 32, "ccd/n", err,
		sizeof(err)), 0);
	CHECK_EQ(cp_ccd_check(&c, &cc, "ccd/n", err, sizeof(err)), -1);
	CHECK_STR(err, "ccd/n:1: ifconfig-push: 10.8.0.2 is not a free host address of the server "
		"network");
	CHECK_EQ(cp_ccd_parse(&cc, "push \"x\"\n", 9, "ccd/n", err, sizeof(err)), 0);
	CHECK_EQ(cp_ccd_check(&c, &cc, "ccd/n", err, sizeof(err)), 0);	/* no ifconfig-push */
	cp_config_free(&c);
}

static const struct reject_case ccd_rejects[] = {
	{ "port 1194", "ccd/x:1: port: not supported in a client-config-dir file" },
	{ "ping 10", "ccd/x:1: ping: not supported in a client-config-dir file" },
	{ "echo hello", "ccd/x:1: echo: not supported in a client-config-dir file" },
	{ "bogus", "ccd/x:1: unknown directive 'bogus'" },
	{ "push-remove route", "ccd/x:1: push-remove: not supported yet" },
	{ "iroute-ipv6 fd00::/64", "ccd/x:1: iroute-ipv6: not supported yet (no IPv6 inside the "
		"tunnel)" },
	{ "ifconfig-push 10.8.0.5", "ccd/x:1: ifconfig-push: expected 2 to 3 arguments, got 1 "
		"(usage: ifconfig-push LOCAL NETMASK|REMOTE)" },
	{ "ifconfig-push 10.8.0.5 255.255.255.0 1.2.3.4", "ccd/x:1: ifconfig-push: the alias "
		"argument is not supported" },
	{ "ifconfig-push host.example 255.255.255.0", "ccd/x:1: ifconfig-push: bad IPv4 address "
		"'host.example'" },
	{ "iroute 10.0.0.0 255.255.0.255", "ccd/x:1: iroute: netmask 255.255.0.255 is not "
		"contiguous" },
	{ "iroute 10.0.0.1 255.255.255.0", "ccd/x:1: iroute: 10.0.0.1 has host bits set for "
		"netmask 255.255.255.0" },
	{ "disable now", "ccd/x:1: disable: expected 0 arguments, got 1 (usage: disable)" },
	{ "push a,b", "ccd/x:1: push: 'a,b': commas and control characters cannot be pushed" },
	{ "\n<ca>\nx\n</ca>", "ccd/x:2: inline block '<ca>' not allowed in a client-config-dir "
		"file" },
	{ "push \"open", "ccd/x:1: missing closing double quote" },
};

static void
test_ccd_rejects(void)
{
	for (size_t i = 0; i < sizeof(ccd_rejects) / sizeof(ccd_rejects[0]); i++) {
		struct cp_ccd cc;
		char err[512] = "";
		const char *t = ccd_rejects[i].text;
		CHECK_EQ(cp_ccd_parse(&cc, t, strlen(t), "ccd/x", err, sizeof(err)), -1);
		CHECK_STR(err, ccd_rejects[i].err);
	}
}

/* Limits: 64 pushes fit, the 65th does not; long words and lines. */
static void
test_limits(void)
{
	struct cp_config c;
	char err[512];
	static char text[CP_CFG_MAX_PUSH * 40 + 64];
	size_t len = 0;

	for (int i = 0; i <= CP_CFG_MAX_PUSH; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "push \"ping %d\"\n", i);
	cp_config_defaults(&c);
	CHECK_EQ(cp_config_parse(&c, text, len, "t.conf", err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:65: push: too many push options (max 64)");
	CHECK_EQ(c.n_push, 64);
	CHECK_STR(c.push[63], "ping 63");
	cp_config_free(&c);

	char word[300], line[1100];
	memset(word, 'a', sizeof(word));
	word[sizeof(word) - 1] = '\0';
	snprintf(line, sizeof(line), "push %s", word);
	cp_config_defaults(&c);
	CHECK_EQ(cp_config_parse(&c, line, strlen(line), "t.conf", err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:1: word too long (max 255 characters)");
	memset(line, ' ', sizeof(line));
	memcpy(line + 1050, "port 1", 6);
	CHECK_EQ(cp_config_parse(&c, line, 1056, "t.conf", err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:1: line too long (max 1023 characters)");
	line[0] = '#';	/* a long comment is fine */
	CHECK_EQ(cp_config_parse(&c, line, 1056, "t.conf", err, sizeof(err)), 0);
	cp_config_free(&c);

	len = 0;
	for (int i = 0; i <= CP_CFG_MAX_ROUTES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "route 10.0.%d.0 "
			"255.255.255.0\n", i);
	cp_config_defaults(&c);
	CHECK_EQ(cp_config_parse(&c, text, len, "t.conf", err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:65: route: too many routes (max 64)");
	cp_config_free(&c);

	struct cp_ccd cc;
	len = 0;
	for (int i = 0; i <= CP_CCD_MAX_IROUTE; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "iroute 10.%d.0.0 "
			"255.255.0.0\n", i);
	CHECK_EQ(cp_ccd_parse(&cc, text, len, "ccd/x", err, sizeof(err)), -1);
	CHECK_STR(err, "ccd/x:65: iroute: too many iroutes (max 64)");
	CHECK_EQ(cc.n_iroute, 64);
}

int
main(void)
{
	test_defaults();
	test_full_config();
	test_derived();
	test_keepalive_and_ping();
	test_words();
	test_nul();
	test_rejects();
	test_accepts();
	test_repeat();
	test_load();
	test_ccd();
	test_ccd_rejects();
	test_limits();
	return harness_done("cp_config");
}
