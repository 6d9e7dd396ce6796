/*
 * Tests for controlplane/kmethod2.c, peerinfo.c and ncp.c (fact sheet §5,
 * §10): client key-method-2 messages built by hand (with and without
 * credentials and peer-info), every truncation, over-long and malformed
 * strings, the exact server message, the real 2.6.14 peer-info block and
 * IV_PROTO bits, and a table of client/server cipher combinations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmethod2.h"
#include "ncp.h"
#include "peerinfo.h"

/* §5.4: real Debian 2.6.14 client, no GUI */
static const char pi_2614[] =
	"IV_VER=2.6.14\n"
	"IV_PLAT=linux\n"
	"IV_TCPNL=1\n"
	"IV_MTU=1600\n"
	"IV_NCP=2\n"
	"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n"
	"IV_PROTO=990\n"
	"IV_LZO_STUB=1\n"
	"IV_COMP_STUB=1\n"
	"IV_COMP_STUBv2=1\n";

static const char occ_client[] =
	"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,"
	"key-method 2,tls-client";
static const char occ_server[] =
	"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,"
	"key-method 2,tls-server";

/* ---- an independent writer of client messages ---- */

enum { OMIT_CREDS = 1, OMIT_PEER_INFO = 2 };

static size_t
put_str(uint8_t *p, const char *s)
{
	if (!s || !*s) {
		p[0] = p[1] = 0;
		return 2;
	}
	size_t l = strlen(s) + 1;

	p[0] = (uint8_t)(l >> 8);
	p[1] = (uint8_t)l;
	memcpy(p + 2, s, l);
	return 2 + l;
}

/* Offsets of the string boundaries, for the truncation test. */
static size_t off_after_options, off_after_password;

static size_t
build_client(uint8_t *out, uint8_t method, const char *options, const char *user,
	     const char *pass, const char *peer_info, unsigned omit)
{
	size_t n = 0;

	memset(out, 0, 4);
	out[4] = method;
	n = 5;
	for (int i = 0; i < 48 + 64; i++)       /* pre_master, random1, random2 */
		out[n++] = (uint8_t)(0xa0 + i);
	n += put_str(out + n, options);
	off_after_options = n;
	if (!(omit & OMIT_CREDS)) {
		n += put_str(out + n, user);
		n += put_str(out + n, pass);
		off_after_password = n;
		if (!(omit & OMIT_PEER_INFO))
			n += put_str(out + n, peer_info);
	}
	return n;
}

static uint8_t msg[KM2_CLIENT_MSG_MAX + 64];
static struct km2_client_msg m;

static void
check_randoms(const struct km2_client_msg *k)
{
	for (int i = 0; i < 48; i++)
		CHECK_EQ(k->pre_master[i], (uint8_t)(0xa0 + i));
	for (int i = 0; i < 32; i++) {
		CHECK_EQ(k->random1[i], (uint8_t)(0xa0 + 48 + i));
		CHECK_EQ(k->random2[i], (uint8_t)(0xa0 + 80 + i));
	}
}

static void
test_client_full(void)
{
	size_t len = build_client(msg, 2, occ_client, "alice", "s3cret", pi_2614, 0);
	size_t used = 0;

	/* 1: everything present */
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK_EQ(used, len);
	CHECK_EQ(m.method, 2);
	check_randoms(&m);
	CHECK(strcmp(m.options, occ_client) == 0);
	CHECK(m.has_userpass);
	CHECK(!m.creds_too_long);
	CHECK(strcmp(m.username, "alice") == 0);
	CHECK(strcmp(m.password, "s3cret") == 0);
	CHECK(m.has_peer_info);
	CHECK_EQ(m.peer_info_len, strlen(pi_2614));
	CHECK(strcmp(m.peer_info, pi_2614) == 0);

	/* 2: trailing bytes are left to the caller */
	msg[len] = 'P';
	CHECK_EQ(km2_client_parse(msg, len + 1, &m, &used), KM2_OK);
	CHECK_EQ(used, len);

	/* 3: wipe */
	km2_client_msg_wipe(&m);
	CHECK_EQ(m.password[0], 0);
	CHECK_EQ(m.pre_master[0], 0);
	CHECK(!m.has_peer_info);
}

static void
test_client_variants(void)
{
	size_t len, used;

	/* 1: client without auth-user-pass: 00 00 | 00 00 | peer-info */
	len = build_client(msg, 2, occ_client, NULL, NULL, pi_2614, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK(m.has_userpass);
	CHECK_EQ(m.username[0], 0);
	CHECK_EQ(m.password[0], 0);
	CHECK(m.has_peer_info);

	/* 2: empty peer-info (00 00) */
	len = build_client(msg, 2, occ_client, "u", "p", NULL, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK(!m.has_peer_info);
	CHECK_EQ(m.peer_info_len, 0);

	/* 3: ends after the password (no peer-info string at all) */
	len = build_client(msg, 2, occ_client, "u", "p", NULL, OMIT_PEER_INFO);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK(m.has_userpass && !m.has_peer_info);
	CHECK(strcmp(m.password, "p") == 0);

	/* 4: ends after the options */
	len = build_client(msg, 2, occ_client, NULL, NULL, NULL, OMIT_CREDS);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK(!m.has_userpass && !m.has_peer_info);
	CHECK(strcmp(m.options, occ_client) == 0);

	/* 5: options length 0 and length 1 ("") are both accepted */
	len = build_client(msg, 2, NULL, "u", "p", NULL, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK_EQ(m.options[0], 0);
	msg[117] = 0;
	msg[118] = 1;
	memmove(msg + 120, msg + 119, len - 119);
	msg[119] = 0;
	CHECK_EQ(km2_client_parse(msg, len + 1, &m, &used), KM2_OK);
	CHECK_EQ(used, len + 1);
	CHECK(strcmp(m.username, "u") == 0);

	/* 6: key method byte: low nibble 2 required, flags in the high nibble
	 * ignored; the leading uint32 is not checked (2.6) */
	len = build_client(msg, 0x12, occ_client, "u", "p", pi_2614, 0);
	msg[0] = 0xff;
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK_EQ(m.method, 0x12);
	static const uint8_t bad_methods[] = { 0, 1, 3, 0x0f, 0x21 };

	for (size_t i = 0; i < sizeof(bad_methods); i++) {
		msg[4] = bad_methods[i];
		CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_E_METHOD);
		CHECK_EQ(km2_client_parse(msg, 5, &m, &used), KM2_E_METHOD);
	}
}

static void
test_truncations(void)
{
	size_t len = build_client(msg, 2, occ_client, "alice", "s3cret", pi_2614, 0);
	size_t used;
	unsigned ok = 0;

	/* every prefix: INCOMPLETE, except the two places a message may end */
	for (size_t n = 0; n < len; n++) {
		int rc = km2_client_parse(msg, n, &m, &used);

		if (n == off_after_options || n == off_after_password) {
			CHECK_EQ(rc, KM2_OK);
			CHECK_EQ(used, n);
			CHECK(!m.has_peer_info);
			CHECK_EQ(m.has_userpass, n == off_after_password);
			ok++;
		} else {
			if (rc != KM2_INCOMPLETE)
				fprintf(stderr, "prefix %zu: rc %d\n", n, rc);
			CHECK_EQ(rc, KM2_INCOMPLETE);
			CHECK_EQ(used, 0);
			CHECK_EQ(m.username[0], 0);     /* nothing left behind */
		}
	}
	CHECK_EQ(ok, 2);
	CHECK_EQ(km2_client_parse(NULL, 0, &m, &used), KM2_INCOMPLETE);
}

static char big[KM2_USERPASS_MAX + 16];

static const char *
str_of(size_t n, char c)
{
	memset(big, c, n);
	big[n] = '\0';
	return big;
}

static void
test_lengths(void)
{
	size_t len, used;

	/* 1: options of 511 chars (L = 512) fit, 512 chars do not */
	len = build_client(msg, 2, str_of(511, 'o'), "u", "p", NULL, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK_EQ(strlen(m.options), 511);
	len = build_client(msg, 2, str_of(512, 'o'), "u", "p", NULL, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_E_OPTIONS);
	/* ... refused as soon as the length prefix is there */
	CHECK_EQ(km2_client_parse(msg, 119, &m, &used), KM2_E_OPTIONS);
	CHECK_EQ(km2_client_parse(msg, 118, &m, &used), KM2_INCOMPLETE);

	/* 2: username/password up to 4095 chars; longer ones are skipped and
	 * flagged (2.6 answers AUTH_FAILED), the peer-info is still read */
	len = build_client(msg, 2, occ_client, str_of(4095, 'u'), "p", pi_2614, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK_EQ(strlen(m.username), 4095);
	CHECK(!m.creds_too_long);
	len = build_client(msg, 2, occ_client, str_of(4096, 'u'), "pw", pi_2614, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK(m.creds_too_long);
	CHECK_EQ(m.username[0], 0);
	CHECK_EQ(m.password[0], 0);
	CHECK(m.has_peer_info && strcmp(m.peer_info, pi_2614) == 0);
	CHECK_EQ(used, len);
	len = build_client(msg, 2, occ_client, "user", str_of(4096, 'p'), pi_2614, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK(m.creds_too_long);
	CHECK_EQ(m.username[0], 0);
	CHECK(m.has_peer_info);

	/* 3: peer-info up to 4095 chars, then KM2_E_PEERINFO */
	char *pi = malloc(4097);

	memset(pi, 'x', 4096);
	memcpy(pi, "IV_X=", 5);
	pi[4095] = '\0';
	len = build_client(msg, 2, occ_client, "u", "p", pi, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_OK);
	CHECK_EQ(m.peer_info_len, 4095);
	pi[4095] = 'x';
	pi[4096] = '\0';
	len = build_client(msg, 2, occ_client, "u", "p", pi, 0);
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_E_PEERINFO);
	free(pi);
}

static void
test_malformed_strings(void)
{
	size_t len, used;
	size_t uoff;

	/* 1: a string whose last byte is not NUL */
	len = build_client(msg, 2, occ_client, "alice", "pw", NULL, 0);
	uoff = off_after_options;               /* username: 00 06 'alice\0' */
	msg[uoff + 2 + 5] = 'X';
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_E_STRING);
	CHECK_EQ(m.options[0], 0);              /* wiped on error */

	/* 2: embedded NUL ("ali\0e") */
	len = build_client(msg, 2, occ_client, "alice", "pw", NULL, 0);
	msg[uoff + 2 + 3] = 0;
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_E_STRING);

	/* 3: same in options and peer-info */
	len = build_client(msg, 2, occ_client, "alice", "pw", pi_2614, 0);
	msg[117 + 2 + 10] = 0;
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_E_STRING);
	len = build_client(msg, 2, occ_client, "alice", "pw", pi_2614, 0);
	msg[len - 1] = '\n';
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_E_STRING);

	/* 4: a length running past the end is INCOMPLETE, not an error */
	len = build_client(msg, 2, occ_client, "alice", "pw", NULL, 0);
	msg[uoff] = 0x0f;
	CHECK_EQ(km2_client_parse(msg, len, &m, &used), KM2_INCOMPLETE);
}

static void
test_server_message(void)
{
	uint8_t r1[32], r2[32], out[KM2_SERVER_MSG_MAX];
	uint8_t want[KM2_SERVER_MSG_MAX];
	size_t n = 0;

	for (int i = 0; i < 32; i++) {
		r1[i] = (uint8_t)(0x10 + i);
		r2[i] = (uint8_t)(0x80 + i);
	}
	/* 00000000 02 | random1 | random2 | L options\0 | 0000 | 0000 | 0000 */
	memset(want, 0, 4);
	want[4] = 2;
	n = 5;
	memcpy(want + n, r1, 32);
	n += 32;
	memcpy(want + n, r2, 32);
	n += 32;
	want[n++] = 0;
	want[n++] = (uint8_t)(strlen(occ_server) + 1);
	memcpy(want + n, occ_server, strlen(occ_server) + 1);
	n += strlen(occ_server) + 1;
	memset(want + n, 0, 6);
	n += 6;

	int len = km2_server_build(out, sizeof(out), r1, r2, occ_server);

	CHECK_EQ(len, (int)n);
	CHECK_EQ(len, 5 + 64 + 2 + 101 + 6);       /* OCC string: 100 chars + NUL */
	CHECK_MEM(out, want, n);
	/* 2: exactly enough room, one byte short */
	CHECK_EQ(km2_server_build(out, n, r1, r2, occ_server), (int)n);
	CHECK_EQ(km2_server_build(out, n - 1, r1, r2, occ_server), KM2_E_ARG);
	/* 3: options limits: 511 chars ok, 512 refused; "" is 00 01 00 */
	CHECK_EQ(km2_server_build(out, sizeof(out), r1, r2, str_of(511, 'o')),
		 5 + 64 + 2 + 512 + 6);
	CHECK_EQ(km2_server_build(out, sizeof(out), r1, r2, str_of(512, 'o')), KM2_E_ARG);
	CHECK_EQ(km2_server_build(out, sizeof(out), r1, r2, ""), 5 + 64 + 3 + 6);
	CHECK_EQ(out[69], 0);
	CHECK_EQ(out[70], 1);
	CHECK_EQ(out[71], 0);
	CHECK_EQ(km2_server_build(out, sizeof(out), NULL, r2, ""), KM2_E_ARG);

	/* 4: comp-lzo in an OCC string */
	CHECK(!km2_occ_uses_comp(occ_client));
	CHECK(km2_occ_uses_comp("V4,dev-type tun,link-mtu 1542,tun-mtu 1500,proto UDPv4,"
				"comp-lzo,auth SHA1,keysize 128,key-method 2,tls-client"));
}

/* km2_client_build: byte-equal to the hand-built reference, parses back. */
static void
test_client_build(void)
{
	static const struct {
		const char *options, *user, *pass, *peer_info;
		bool userpass;
	} rows[] = {
		{ "V4,dev-type tun,tls-client", NULL, NULL, "IV_VER=2.6.14\nIV_PROTO=990\n", false },
		{ "V4,dev-type tun,tls-client", "alice", "s3cret", "IV_VER=2.6.14\n", true },
		{ "V4", "bob", "", "", true },
		{ "", NULL, NULL, "", false },
	};
	static struct km2_client_msg in, back;
	static uint8_t built[KM2_CLIENT_MSG_MAX];
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		memset(&in, 0, sizeof(in));
		for (int i = 0; i < 48; i++)
			in.pre_master[i] = (uint8_t)(0xa0 + i);
		for (int i = 0; i < 32; i++) {
			in.random1[i] = (uint8_t)(0xa0 + 48 + i);
			in.random2[i] = (uint8_t)(0xa0 + 80 + i);
		}
		snprintf(in.options, sizeof(in.options), "%s", rows[r].options);
		in.has_userpass = rows[r].userpass;
		snprintf(in.username, sizeof(in.username), "%s", rows[r].user ? rows[r].user : "");
		snprintf(in.password, sizeof(in.password), "%s", rows[r].pass ? rows[r].pass : "");
		snprintf(in.peer_info, sizeof(in.peer_info), "%s", rows[r].peer_info);
		size_t want = build_client(msg, 2, rows[r].options, rows[r].user, rows[r].pass, rows[r].peer_info, 0);
		int n = km2_client_build(built, sizeof(built), &in);
		CHECK_EQ(n, (int)want);
		CHECK_MEM(built, msg, want);
		size_t used = 0;
		CHECK_EQ(km2_client_parse(built, (size_t)n, &back, &used), KM2_OK);
		CHECK_EQ(used, (size_t)n);
		check_randoms(&back);
		CHECK_STR(back.options, rows[r].options);
		CHECK_STR(back.username, in.username);
		CHECK_STR(back.peer_info, rows[r].peer_info);
		CHECK_EQ(km2_client_build(built, (size_t)n - 1, &in), KM2_E_ARG);
	}
	memset(in.options, 'o', sizeof(in.options));	/* no NUL within the limit */
	CHECK_EQ(km2_client_build(built, sizeof(built), &in), KM2_E_ARG);
	CHECK_EQ(km2_client_build(built, sizeof(built), NULL), KM2_E_ARG);
}

/* ---- peer-info ---- */

static struct peerinfo pi;

static void
test_peerinfo_2614(void)
{
	peerinfo_parse(&pi, pi_2614, strlen(pi_2614));
	CHECK_EQ(pi.n_pairs, 10);
	CHECK_EQ(pi.n_rejected, 0);
	CHECK_EQ(pi.n_uv, 0);
	CHECK(strcmp(peerinfo_get(&pi, "IV_VER"), "2.6.14") == 0);
	CHECK(strcmp(peerinfo_get(&pi, "IV_PLAT"), "linux") == 0);
	CHECK(strcmp(peerinfo_get(&pi, "IV_CIPHERS"),
		     "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305") == 0);
	CHECK(peerinfo_get(&pi, "IV_HWADDR") == NULL);
	CHECK(peerinfo_get(&pi, "IV_VE") == NULL);
	CHECK(strcmp(peerinfo_key(&pi, 6), "IV_PROTO") == 0);
	CHECK(strcmp(peerinfo_value(&pi, 6), "990") == 0);
	CHECK_EQ(pi.proto, 990);
	CHECK_EQ(pi.ncp, 2);
	CHECK(pi.has_mtu);
	CHECK_EQ(pi.mtu, 1600);
	CHECK(pi.tcpnl);
	CHECK(pi.has_ciphers);
	CHECK(peerinfo_supports_ncp(&pi));
	CHECK_EQ(pi.comp, PI_COMP_LZO_STUB | PI_COMP_STUB | PI_COMP_STUBV2);

	/* 990 = 2+4+8+16+64+128+256+512 */
	const uint32_t set = PI_PROTO_DATA_V2 | PI_PROTO_REQUEST_PUSH | PI_PROTO_TLS_KEY_EXPORT |
		PI_PROTO_AUTH_PENDING_KW | PI_PROTO_DNS_OPTION | PI_PROTO_CC_EXIT_NOTIFY |
		PI_PROTO_AUTH_FAIL_TEMP | PI_PROTO_DYN_TLS_CRYPT;

	CHECK_EQ(set, 990);
	CHECK_EQ(pi.proto & PI_PROTO_NCP_P2P, 0);
	CHECK_EQ(pi.proto & (PI_PROTO_DATA_EPOCH | PI_PROTO_DNS_OPTION_V2 | PI_PROTO_PUSH_UPDATE), 0);
	CHECK_EQ(PI_PROTO_DATA_EPOCH, 1024);
	CHECK_EQ(PI_PROTO_PUSH_UPDATE, 4096);

	/* the same block as it comes out of a parsed key-method-2 message */
	size_t len = build_client(msg, 2, occ_client, "u", "p", pi_2614, 0);

	CHECK_EQ(km2_client_parse(msg, len, &m, NULL), KM2_OK);
	peerinfo_parse(&pi, m.peer_info, m.peer_info_len);
	CHECK_EQ(pi.proto, 990);
	peerinfo_parse(&pi, NULL, 0);
	CHECK_EQ(pi.n_pairs, 0);
	CHECK(!peerinfo_supports_ncp(&pi));
}

static void
test_peerinfo_rules(void)
{
	static const char text[] =
		"IV_VER=3.10\r\n"               /* CRLF */
		"\n"                            /* empty: skipped, not counted */
		"FOO=bar\n"                     /* 1: not IV_/UV_ */
		"IV_NOEQUALS\n"                 /* 2 */
		"=value\n"                      /* 3 */
		"IV-DASH=1\n"                   /* 4: '-' in key */
		"iv_lower=1\n"                  /* 5: prefix is case-sensitive */
		"UV_NAME=a b$c(d`e\tf\n"        /* sanitised */
		"IV_PROTO=2\n"
		"IV_PROTO=990\n"                /* second: kept, not decoded */
		"UV_XIV_NCP=2\n"                /* not IV_NCP */
		"IV_HWADDR=00:11:22:33:44:55\n"
		"IV_SSL=OpenSSL 3.0.15 3 Sep 2024\n"
		"IV_MTU=1500x\n"
		"IV_LZ4v2=1\n"
		"IV_LZO=0\n"
		"IV_TCPNL=2\n"
		"IV_GUI_VER=OpenVPN_Connect_3.5";   /* last line without '\n' */

	peerinfo_parse(&pi, text, sizeof(text) - 1);
	CHECK_EQ(pi.n_rejected, 5);
	CHECK_EQ(pi.n_pairs, 12);
	CHECK(strcmp(peerinfo_get(&pi, "IV_VER"), "3.10") == 0);
	CHECK(strcmp(peerinfo_get(&pi, "UV_NAME"), "a_b_c_d_e_f") == 0);
	CHECK_EQ(pi.proto, 2);
	CHECK_EQ(pi.ncp, 0);
	CHECK(strcmp(peerinfo_get(&pi, "IV_SSL"), "OpenSSL_3.0.15_3_Sep_2024") == 0);
	CHECK(strcmp(peerinfo_get(&pi, "IV_HWADDR"), "00:11:22:33:44:55") == 0);
	CHECK(pi.has_mtu);
	CHECK_EQ(pi.mtu, 1500);
	CHECK_EQ(pi.comp, PI_COMP_LZ4V2);
	CHECK(!pi.tcpnl);
	CHECK(!pi.has_ciphers);
	CHECK(strcmp(peerinfo_get(&pi, "IV_GUI_VER"), "OpenVPN_Connect_3.5") == 0);
	CHECK_EQ(pi.n_uv, 2);
	CHECK(strcmp(peerinfo_key(&pi, pi.uv[0]), "UV_NAME") == 0);
	CHECK(strcmp(peerinfo_key(&pi, pi.uv[1]), "UV_XIV_NCP") == 0);

	/* numbers */
	static const struct { const char *text; uint32_t proto; } protos[] = {
		{ "IV_PROTO=abc", 0 }, { "IV_PROTO=-5", 0 }, { "IV_PROTO=0", 0 },
		{ "IV_PROTO=6", 6 }, { "IV_PROTO=8094", 8094 }, { "IV_PROTO=+990", 990 },
		{ "IV_PROTO=99999999999", 2147483647 }, { "IV_PROTO=", 0 },
	};
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		peerinfo_parse(&pi, protos[i].text, strlen(protos[i].text));
		CHECK_EQ(pi.proto, protos[i].proto);
	}
	peerinfo_parse(&pi, "IV_NCP=2\nIV_MTU=abc", 19);
	CHECK_EQ(pi.ncp, 2);
	CHECK(!pi.has_mtu);
	CHECK(peerinfo_supports_ncp(&pi));
	peerinfo_parse(&pi, "IV_CIPHERS=\n", 12);
	CHECK(pi.has_ciphers);
	CHECK(peerinfo_supports_ncp(&pi));

	/* a NUL ends the text */
	peerinfo_parse(&pi, "IV_VER=1\0IV_PROTO=990\n", 22);
	CHECK_EQ(pi.n_pairs, 1);
	CHECK_EQ(pi.proto, 0);
}

static void
test_peerinfo_bounds(void)
{
	static char text[8192];
	size_t n = 0;

	/* 1: 70 lines, 64 kept */
	for (int i = 0; i < 70; i++)
		n += (size_t)sprintf(text + n, "UV_V%d=%d\n", i, i);
	peerinfo_parse(&pi, text, n);
	CHECK_EQ(pi.n_pairs, PEERINFO_PAIRS_MAX);
	CHECK_EQ(pi.n_uv, PEERINFO_PAIRS_MAX);
	CHECK_EQ(pi.n_rejected, 6);
	CHECK(strcmp(peerinfo_get(&pi, "UV_V63"), "63") == 0);
	CHECK(peerinfo_get(&pi, "UV_V64") == NULL);

	/* 2: a 255-byte line is kept, a 256-byte one dropped */
	n = (size_t)sprintf(text, "UV_A=");
	memset(text + n, 'a', 250);
	n += 250;
	text[n++] = '\n';
	memcpy(text + n, "UV_B=", 5);
	memset(text + n + 5, 'b', 251);
	n += 256;
	peerinfo_parse(&pi, text, n);
	CHECK_EQ(pi.n_pairs, 1);
	CHECK_EQ(pi.n_rejected, 1);
	CHECK_EQ(strlen(peerinfo_get(&pi, "UV_A")), 250);

	/* 3: text storage full: 40 lines of 200 bytes > 4096 */
	n = 0;
	for (int i = 0; i < 40; i++) {
		n += (size_t)sprintf(text + n, "UV_L%02d=", i);
		memset(text + n, 'v', 192);
		n += 192;
		text[n++] = '\n';
	}
	peerinfo_parse(&pi, text, n);
	CHECK_EQ(pi.n_pairs, 4096 / 201);
	CHECK_EQ(pi.n_rejected, 40 - 4096 / 201);
	CHECK(pi.text_len <= PEERINFO_TEXT_MAX);
}

/* ---- NCP ---- */

static void
test_ncp_list(void)
{
	struct ncp_list l;
	char err[200], out[128];

	CHECK_EQ(ncp_list_parse(NCP_DEFAULT_DATA_CIPHERS, &l, err, sizeof(err)), 0);
	CHECK_EQ(l.n, 3);
	CHECK_EQ(l.c[0], NCP_AES_256_GCM);
	CHECK_EQ(l.c[1], NCP_AES_128_GCM);
	CHECK_EQ(l.c[2], NCP_CHACHA20_POLY1305);
	CHECK_EQ(ncp_list_format(&l, out, sizeof(out)), 41);
	CHECK(strcmp(out, NCP_DEFAULT_DATA_CIPHERS) == 0);
	CHECK_EQ(ncp_list_format(&l, out, 41), -1);

	static const struct {
		const char *in;
		int rc;
		const char *norm;
	} t[] = {
		/* 1 */ { "aes-128-gcm:?BF-CBC", 0, "AES-128-GCM" },
		/* 2 */ { "chacha20-poly1305:id-aes256-GCM", 0, "CHACHA20-POLY1305:AES-256-GCM" },
		/* 3 */ { "AES-256-GCM::AES-128-GCM:", 0, "AES-256-GCM:AES-128-GCM" },
		/* 4 */ { "AES-256-GCM:AES-256-GCM:aes-256-gcm", 0, "AES-256-GCM" },
		/* 5 */ { "?foo:AES-128-GCM", 0, "AES-128-GCM" },
		/* 6 */ { "AES-256-CBC", -1, NULL },
		/* 7 */ { "AES-256-GCM:BF-CBC", -1, NULL },
		/* 8 */ { "?BF-CBC", -1, NULL },
		/* 9 */ { "", -1, NULL },
		/* 10 */ { "AES-192-GCM", -1, NULL },
		/* 11 */ { "none", -1, NULL },
		/* 12 */ { "AES-256-GCMX", -1, NULL },
		/* 13 */ { "?", -1, NULL },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = ncp_list_parse(t[i].in, &l, err, sizeof(err));

		if (rc != t[i].rc)
			fprintf(stderr, "ncp_list case %zu (%s): rc %d: %s\n", i + 1, t[i].in, rc, err);
		CHECK_EQ(rc, t[i].rc);
		if (rc == 0) {
			ncp_list_format(&l, out, sizeof(out));
			CHECK(strcmp(out, t[i].norm) == 0);
		} else {
			CHECK(err[0] != '\0');
		}
	}
	CHECK_EQ(ncp_list_parse("BF-CBC", &l, NULL, 0), -1);

	CHECK_EQ(ncp_cipher_key_len(NCP_AES_128_GCM), 16);
	CHECK_EQ(ncp_cipher_key_len(NCP_AES_256_GCM), 32);
	CHECK_EQ(ncp_cipher_key_len(NCP_CHACHA20_POLY1305), 32);
	CHECK_EQ(ncp_cipher_key_len(NCP_CIPHER_NONE), 0);
	CHECK(strcmp(ncp_cipher_name(NCP_CHACHA20_POLY1305), "CHACHA20-POLY1305") == 0);
	CHECK(strcmp(ncp_cipher_name(NCP_CIPHER_NONE), "none") == 0);
	CHECK_EQ(ncp_cipher_from_name("Chacha20-Poly1305", 17), NCP_CHACHA20_POLY1305);
	CHECK_EQ(ncp_cipher_from_name("AES-128-GCMX", 11), NCP_AES_128_GCM);   /* length-bounded */
	CHECK_EQ(ncp_cipher_from_name("AES-128-GC", 10), NCP_CIPHER_NONE);
}

static void
test_occ_cipher(void)
{
	char c[64];

	CHECK(ncp_occ_cipher("V4,dev-type tun,link-mtu 1557,tun-mtu 1500,proto UDPv4,"
			     "cipher AES-256-CBC,auth SHA1,keysize 256,key-method 2,tls-client",
			     c, sizeof(c)));
	CHECK(strcmp(c, "AES-256-CBC") == 0);
	CHECK(ncp_occ_cipher("V4,cipher BF-CBC", c, sizeof(c)));
	CHECK(strcmp(c, "BF-CBC") == 0);
	CHECK(ncp_occ_cipher("cipher AES-128-GCM,auth SHA1", c, sizeof(c)));
	CHECK(strcmp(c, "AES-128-GCM") == 0);
	CHECK(ncp_occ_cipher("V4,cipher [null-cipher],auth SHA1", c, sizeof(c)));
	CHECK(strcmp(c, "none") == 0);
	CHECK(!ncp_occ_cipher(occ_client, c, sizeof(c)));
	CHECK(!ncp_occ_cipher("V4,cipher ", c, sizeof(c)));
	CHECK(!ncp_occ_cipher("V4,ciphers X,xcipher Y", c, sizeof(c)));
	CHECK(!ncp_occ_cipher("V4,cipher AES-256-GCM", c, 11));
	CHECK(ncp_occ_cipher("V4,cipher AES-256-GCM", c, 12));
}

enum { F_PUSH = 1, F_OCC = 2, F_FALLBACK = 4 };

struct ncp_case {
	const char *server;
	const char *peer_info;          /* NULL: none sent */
	const char *occ;                /* client OCC cipher, NULL: none */
	enum ncp_cipher fallback;
	int rc;
	enum ncp_cipher want;
	unsigned flags;                 /* expected push_cipher / via_occ / via_fallback */
};

#define C26 "IV_NCP=2\nIV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n"
#define C25 "IV_NCP=2\nIV_CIPHERS=AES-256-GCM:AES-128-GCM\nIV_PROTO=6\n"
#define C24 "IV_VER=2.4.12\nIV_NCP=2\nIV_PROTO=2\n"
#define C23 "IV_VER=2.3.18\nIV_PLAT=linux\n"
#define CO3 "IV_CIPHERS=AES-128-CBC:AES-192-CBC:AES-256-CBC:AES-128-GCM:AES-192-GCM:" \
	"AES-256-GCM:CHACHA20-POLY1305\nIV_PROTO=8094\n"
#define DEF NCP_DEFAULT_DATA_CIPHERS

static const struct ncp_case ncp_cases[] = {
	/* 1 */ { DEF, C26, NULL, 0, 0, NCP_AES_256_GCM, F_PUSH },
	/* 2 */ { "CHACHA20-POLY1305:AES-256-GCM", C26, NULL, 0, 0, NCP_CHACHA20_POLY1305, F_PUSH },
	/* 3 */ { "AES-128-GCM", C26, NULL, 0, 0, NCP_AES_128_GCM, F_PUSH },
	/* 4 */ { "CHACHA20-POLY1305", C25, NULL, 0, -1, 0, 0 },
	/* 5 */ { "CHACHA20-POLY1305", C25, NULL, NCP_AES_256_GCM, -1, 0, 0 },
	/* 6: 2.4 = IV_NCP=2 only: AES-256-GCM:AES-128-GCM */
	/* 6 */ { DEF, C24, "AES-256-CBC", 0, 0, NCP_AES_256_GCM, F_PUSH },
	/* 7 */ { "CHACHA20-POLY1305:AES-128-GCM", C24, "AES-256-CBC", 0, 0, NCP_AES_128_GCM, F_PUSH },
	/* 8: 2.4 with its OCC cipher in our list (poor man's NCP) */
	/* 8 */ { "CHACHA20-POLY1305", C24, "CHACHA20-POLY1305", 0, 0, NCP_CHACHA20_POLY1305, F_PUSH | F_OCC },
	/* 9 */ { "CHACHA20-POLY1305", C24, "AES-256-CBC", NCP_CHACHA20_POLY1305, -1, 0, 0 },
	/* 10: 2.3: OCC cipher only; BF-CBC never matches, fallback not used */
	/* 10 */ { DEF, C23, "BF-CBC", NCP_AES_256_GCM, -1, 0, 0 },
	/* 11 */ { DEF, C23, "AES-128-GCM", 0, 0, NCP_AES_128_GCM, F_OCC },
	/* 12 */ { DEF, C23, NULL, NCP_AES_128_GCM, 0, NCP_AES_128_GCM, F_FALLBACK },
	/* 13 */ { DEF, C23, NULL, 0, -1, 0, 0 },
	/* 14 */ { DEF, NULL, NULL, NCP_AES_256_GCM, 0, NCP_AES_256_GCM, F_FALLBACK },
	/* 15 */ { DEF, NULL, NULL, 0, -1, 0, 0 },
	/* 16 */ { DEF, NULL, "aes-256-gcm", 0, 0, NCP_AES_256_GCM, F_OCC },
	/* 17: IV_CIPHERS present: the OCC cipher is not trusted */
	/* 17 */ { "AES-128-GCM", "IV_CIPHERS=AES-256-GCM\n", "AES-128-GCM", 0, -1, 0, 0 },
	/* 18: empty IV_CIPHERS: NCP-capable, nothing in common; fallback ok without OCC */
	/* 18 */ { DEF, "IV_CIPHERS=\n", NULL, NCP_AES_128_GCM, 0, NCP_AES_128_GCM, F_PUSH | F_FALLBACK },
	/* 19 */ { DEF, "IV_CIPHERS=\n", "AES-128-GCM", NCP_AES_128_GCM, -1, 0, 0 },
	/* 20: openvpn3 announces CBC ciphers too: the server's order decides */
	/* 20 */ { DEF, CO3, NULL, 0, 0, NCP_AES_256_GCM, F_PUSH },
	/* 21 */ { "CHACHA20-POLY1305:AES-128-GCM", CO3, NULL, 0, 0, NCP_CHACHA20_POLY1305, F_PUSH },
	/* 22 */ { DEF, "IV_CIPHERS=aes-128-gcm\n", NULL, 0, 0, NCP_AES_128_GCM, F_PUSH },
	/* 23 */ { DEF, "IV_CIPHERS=id-aes256-GCM\n", NULL, 0, 0, NCP_AES_256_GCM, F_PUSH },
	/* 24 */ { DEF, "IV_CIPHERS=BF-CBC:AES-256-CBC\n", NULL, NCP_AES_256_GCM, -1, 0, 0 },
	/* 25 */ { DEF, C23, "none", NCP_AES_256_GCM, -1, 0, 0 },
	/* 26: IV_NCP=1 is not NCP: OCC decides, cipher not pushed */
	/* 26 */ { DEF, "IV_NCP=1\n", "AES-256-GCM", 0, 0, NCP_AES_256_GCM, F_OCC },
	/* 27: UV_ lookalike does not count */
	/* 27 */ { DEF, "UV_IV_CIPHERS=AES-256-GCM\n", NULL, 0, -1, 0, 0 },
	/* 28: p2p client (NCP_P2P bit) still negotiated like any other */
	/* 28 */ { "AES-128-GCM:AES-256-GCM", "IV_CIPHERS=AES-256-GCM:AES-128-GCM\nIV_PROTO=42\n",
		   NULL, 0, 0, NCP_AES_128_GCM, F_PUSH },
	/* 29: odd separators in the client list */
	/* 29 */ { DEF, "IV_CIPHERS=::CHACHA20-POLY1305::\n", NULL, 0, 0, NCP_CHACHA20_POLY1305, F_PUSH },
};

static void
test_ncp_table(void)
{
	for (size_t i = 0; i < sizeof(ncp_cases) / sizeof(ncp_cases[0]); i++) {
		const struct ncp_case *t = &ncp_cases[i];
		struct ncp_list l;
		struct ncp_result r;

		CHECK_EQ(ncp_list_parse(t->server, &l, NULL, 0), 0);
		if (t->peer_info)
			peerinfo_parse(&pi, t->peer_info, strlen(t->peer_info));
		int rc = ncp_select(&l, t->peer_info ? &pi : NULL, t->occ, t->fallback, &r);
		unsigned flags = (r.push_cipher ? F_PUSH : 0) | (r.via_occ ? F_OCC : 0) |
			(r.via_fallback ? F_FALLBACK : 0);

		if (rc != t->rc || r.cipher != t->want || flags != t->flags)
			fprintf(stderr, "ncp case %zu: rc %d cipher %d flags %u\n", i + 1, rc,
				r.cipher, flags);
		CHECK_EQ(rc, t->rc);
		CHECK_EQ(r.cipher, t->want);
		CHECK_EQ(flags, t->flags);
	}
	CHECK(strcmp(NCP_AUTH_FAILED_REASON,
		     "Data channel cipher negotiation failed (no shared cipher)") == 0);
}

int
main(void)
{
	test_client_full();
	test_client_variants();
	test_truncations();
	test_lengths();
	test_malformed_strings();
	test_server_message();
	test_client_build();
	test_peerinfo_2614();
	test_peerinfo_rules();
	test_peerinfo_bounds();
	test_ncp_list();
	test_occ_cipher();
	test_ncp_table();
	return harness_done("kmethod2");
}
