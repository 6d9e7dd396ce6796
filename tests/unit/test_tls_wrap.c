/*
 * Tests for the control-channel protection layers (fact sheet §2.3-§2.8):
 * static_key.c, tls_auth.c, tls_crypt.c, tls_crypt_v2.c and ctl_replay.h.
 *
 * Exact vectors: §18.3 (tls-crypt primitive with the dyn-tls-crypt key),
 * §18.4 (tls-auth and tls-crypt client resets with the upstream static
 * key, unwrapped and re-wrapped byte for byte), §18.5 (WKc unwrap and
 * re-wrap), §18.6 (the real capture: client reset decrypted, server reset
 * re-wrapped to the captured bytes). §18.7 lists plaintexts only (no wire
 * bytes, no Kc of that capture), so the v3 tests use the §18.5 keys and
 * check the layout §18.7 shows.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "harness.h"
#include "hex.h"
#include "ctl_replay.h"
#include "ctl_wire.h"
#include "static_key.h"
#include "tls_auth.h"
#include "tls_crypt.h"
#include "tls_crypt_v2.h"

/* Hex string (white space and '|' ignored) -> bytes; returns the count. */
#define unhex(s, out) test_unhex((s), (out), SIZE_MAX)

/* --- the upstream static key of test_pkt.c (§18.4) ------------------------ */

static const char upstream_key_hex[] =
	"37268ea8f95d7f71f9fb8fc03770c460 daf714a483d815c013ce0a537efc18f2"
	"8f4f172669d9e6a413bac6741d8ea054 00f49b7fd6326470f23798c606bf53d4"
	"de63ebc64ec59d57ce5d04d5b62e68b5 3ca6e5354351097fa370446c4d269f18"
	"7bb6ae54af2dc70ff7317fe2f8754b82 82aad4202f9fa42c8640245d883e2c54"
	"a0c1c489a036cf3a8964d8d289c1583b 9447c262b1da5fd167a5d27bd5ac5143"
	"17bc2343a31a2efc38dd920d910375f5 1c2e27f3afd36c49269da079f7ce466e"
	"bb0f9ad13e9bbb4665974e6bc24b513c 5700393bf4a3e7f967e2f384069ac8a8"
	"e78b18b15604993fd16515cce9c0f3e4 2b4126b999005ade802797b0eeb8b9e6";

/* The same key as a file: comments and inline tags around the block. */
static const char upstream_key_file[] =
	"#\n# 2048 bit OpenVPN static key\n#\n<tls-auth>\n"
	"-----BEGIN OpenVPN Static key V1-----\n"
	"37268ea8f95d7f71f9fb8fc03770c460\ndaf714a483d815c013ce0a537efc18f2\n"
	"8f4f172669d9e6a413bac6741d8ea054\n00f49b7fd6326470f23798c606bf53d4\n"
	"de63ebc64ec59d57ce5d04d5b62e68b5\n3ca6e5354351097fa370446c4d269f18\n"
	"7bb6ae54af2dc70ff7317fe2f8754b82\n82aad4202f9fa42c8640245d883e2c54\n"
	"a0c1c489a036cf3a8964d8d289c1583b\n9447c262b1da5fd167a5d27bd5ac5143\n"
	"17bc2343a31a2efc38dd920d910375f5\n1c2e27f3afd36c49269da079f7ce466e\n"
	"bb0f9ad13e9bbb4665974e6bc24b513c\n5700393bf4a3e7f967e2f384069ac8a8\n"
	"e78b18b15604993fd16515cce9c0f3e4\n2b4126b999005ade802797b0eeb8b9e6\n"
	"-----END OpenVPN Static key V1-----\n</tls-auth>\n# trailing comment\n";

static uint8_t upstream_key[STATIC_KEY_LEN];

/* Replace the first occurrence of from by to (same or any length) in a copy. */
static char *
edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t a = (size_t)(at - text), f = strlen(from), t = strlen(to);
	char *s = malloc(strlen(text) - f + t + 1);

	memcpy(s, text, a);
	memcpy(s + a, to, t);
	strcpy(s + a + t, at + f);
	return s;
}

static int
parse_str(const char *s, uint8_t out[STATIC_KEY_LEN])
{
	return static_key_parse(s, strlen(s), out);
}

static void
test_static_key(void)
{
	uint8_t k[STATIC_KEY_LEN], want[STATIC_KEY_LEN];
	char *s;

	CHECK_EQ(unhex(upstream_key_hex, want), STATIC_KEY_LEN);
	CHECK_EQ(parse_str(upstream_key_file, k), 0);
	CHECK_MEM(k, want, STATIC_KEY_LEN);
	memcpy(upstream_key, k, sizeof(k));

	/* CRLF line ends, upper-case hex, a byte split across two lines */
	s = edit(upstream_key_file, "V1-----\n", "V1-----\r\n");
	CHECK_EQ(parse_str(s, k), 0);
	free(s);
	s = edit(upstream_key_file, "37268ea8f95d7f71", "37268EA8F95D7F7\n1");
	CHECK_EQ(parse_str(s, k), 0);
	CHECK_MEM(k, want, STATIC_KEY_LEN);
	free(s);
	/* not NUL-terminated: the length bounds the parse */
	CHECK_EQ(static_key_parse(upstream_key_file, strlen(upstream_key_file) - 20, k), 0);

	static const char *const bad[][2] = {
		{ "-----END OpenVPN Static key V1-----", "" },           /* no footer */
		{ "-----BEGIN OpenVPN Static key V1-----", "-----BEGIN OpenVPN Static key V2-----" },
		{ "e78b18b15604993fd16515cce9c0f3e4\n", "" },             /* 240 bytes */
		{ "2b4126b999005ade802797b0eeb8b9e6", "2b4126b999005ade802797b0eeb8b9e600" },
		{ "2b4126b999005ade802797b0eeb8b9e6", "2b4126b999005ade802797b0eeb8b9e" }, /* odd */
		{ "9447c262b1da5fd1", "9447c262b1da5fdg" },              /* non-hex */
		{ "9447c262b1da5fd167a5d27bd5ac5143\n", "9447c262b1da5fd167a5d27bd5ac5143\n# x\n" },
		{ "-----END OpenVPN Static key V1-----", "-----END OpenVPN Static key V2-----" },
		{ "-----BEGIN", " -----BEGIN" },                         /* header not at line start */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(k, 0xaa, sizeof(k));
		s = edit(upstream_key_file, bad[i][0], bad[i][1]);
		CHECK_EQ(parse_str(s, k), -1);
		uint8_t zero[STATIC_KEY_LEN] = { 0 };
		CHECK_MEM(k, zero, STATIC_KEY_LEN);     /* wiped on failure */
		free(s);
	}
	CHECK_EQ(static_key_parse("", 0, k), -1);
}

static void
test_key_slices(void)
{
	struct key_slices ks;
	const uint8_t *k = upstream_key;

	CHECK_EQ(static_key_slices(k, KEY_DIR_NORMAL, &ks), 0);
	CHECK(ks.send_cipher == k && ks.send_hmac == k + 64 &&
	      ks.recv_cipher == k + 128 && ks.recv_hmac == k + 192);
	CHECK_EQ(static_key_slices(k, KEY_DIR_INVERSE, &ks), 0);
	CHECK(ks.send_cipher == k + 128 && ks.send_hmac == k + 192 &&
	      ks.recv_cipher == k && ks.recv_hmac == k + 64);
	CHECK_EQ(static_key_slices(k, KEY_DIR_NONE, &ks), 0);
	CHECK(ks.send_cipher == k && ks.send_hmac == k + 64 &&
	      ks.recv_cipher == k && ks.recv_hmac == k + 64);
	CHECK_EQ(static_key_slices(k, 2, &ks), -1);
	CHECK_EQ(static_key_dir_for_role(true), KEY_DIR_NORMAL);
	CHECK_EQ(static_key_dir_for_role(false), KEY_DIR_INVERSE);
}

/* --- §18.4 tls-auth ------------------------------------------------------- */

static const char tls_auth_reset_hex[] =
	"38 de694c5c7bfba274 93537c1ded4e781529ae7cfe4b8c6d6b2b51f05a 00000001 61d3bf6c 00 00000000";

static void
test_tls_auth_vector(void)
{
	struct tls_auth_ctx srv, cli;
	uint8_t wire[64], plain[64], back[64], want[16];
	uint32_t id = 0, tm = 0;
	size_t n = unhex(tls_auth_reset_hex, wire);
	struct ctl_pkt p;

	CHECK_EQ(n, 42);
	/* a direction-0 server receives with keys[1].hmac (bytes 192..211) */
	CHECK_EQ(tls_auth_init(&srv, upstream_key, KEY_DIR_NORMAL, true, NULL), 0);
	CHECK_EQ(tls_auth_overhead(&srv), 28);
	ssize_t m = tls_auth_unwrap(&srv, wire, n, plain, sizeof(plain), &id, &tm);
	CHECK_EQ(m, 14);
	CHECK_EQ(id, 1);
	CHECK_EQ(tm, 0x61d3bf6c);
	CHECK_MEM(plain, want, unhex("38 de694c5c7bfba274 00 00000000", want));
	CHECK_EQ(ctl_pkt_parse(plain, (size_t)m, &p), 0);
	CHECK(p.opcode == 7 && p.n_acks == 0 && p.has_msg_id && p.msg_id == 0);

	/* a direction-1 client re-wraps it to the same bytes */
	CHECK_EQ(tls_auth_init(&cli, upstream_key, KEY_DIR_INVERSE, false, "SHA1"), 0);
	CHECK_EQ(tls_auth_wrap(&cli, plain, (size_t)m, id, tm, back, sizeof(back)), (ssize_t)n);
	CHECK_MEM(back, wire, n);

	/* wrong direction or bidirectional keys: HMAC fails */
	struct tls_auth_ctx bad;
	CHECK_EQ(tls_auth_init(&bad, upstream_key, KEY_DIR_INVERSE, true, "SHA1"), 0);
	CHECK_EQ(tls_auth_unwrap(&bad, wire, n, plain, sizeof(plain), &id, &tm), CTL_ERR_AUTH);
	CHECK_EQ(tls_auth_init(&bad, upstream_key, KEY_DIR_NONE, true, "SHA1"), 0);
	CHECK_EQ(tls_auth_unwrap(&bad, wire, n, plain, sizeof(plain), &id, &tm), CTL_ERR_AUTH);
	/* different digest: the HMAC length moves every field; 42 bytes are
	 * less than 9 + 32 + 8, and SHA1 packets with payload fail the HMAC */
	CHECK_EQ(tls_auth_init(&bad, upstream_key, KEY_DIR_NORMAL, true, "SHA256"), 0);
	CHECK_EQ(tls_auth_unwrap(&bad, wire, n, plain, sizeof(plain), &id, &tm), CTL_ERR_SHORT);
	uint8_t longer[64] = { 0 };
	memcpy(longer, wire, n);
	CHECK_EQ(tls_auth_unwrap(&bad, longer, sizeof(longer), back, sizeof(back), &id, &tm),
		 CTL_ERR_AUTH);

	/* short and capacity errors */
	CHECK_EQ(tls_auth_unwrap(&srv, wire, 9 + 20 + 7, plain, sizeof(plain), &id, &tm),
		 CTL_ERR_SHORT);
	CHECK_EQ(tls_auth_unwrap(&srv, wire, n, plain, 13, &id, &tm), CTL_ERR_SPACE);
	CHECK_EQ(tls_auth_unwrap(&srv, wire, n, plain, 14, &id, &tm), 14);
	CHECK_EQ(tls_auth_wrap(&cli, plain, 14, id, tm, back, 41), CTL_ERR_SPACE);
	CHECK_EQ(tls_auth_wrap(&cli, plain, 8, id, tm, back, sizeof(back)), CTL_ERR_SHORT);
	tls_auth_wipe(&srv);
	tls_auth_wipe(&cli);
	tls_auth_wipe(&bad);
}

static void
test_tls_auth_init_args(void)
{
	struct tls_auth_ctx c;

	CHECK_EQ(tls_auth_init(&c, upstream_key, 0, true, NULL), 0);
	CHECK_EQ(c.hmac_len, 20);
	CHECK_EQ(tls_auth_init(&c, upstream_key, 0, true, "sha256"), 0);
	CHECK_EQ(c.hmac_len, 32);
	CHECK_EQ(tls_auth_init(&c, upstream_key, 0, true, "SHA512"), 0);
	CHECK_EQ(c.hmac_len, 64);
	CHECK_EQ(tls_auth_init(&c, upstream_key, 0, true, "SHA384"), 0);
	CHECK_EQ(c.hmac_len, 48);
	CHECK_EQ(tls_auth_init(&c, upstream_key, 2, true, "SHA1"), CTL_ERR_ARG);
	CHECK_EQ(tls_auth_init(&c, upstream_key, 0, true, "no-such-digest"), CTL_ERR_ARG);
	CHECK_EQ(tls_auth_init(&c, upstream_key, 0, true, "SHAKE128"), CTL_ERR_ARG);
	CHECK_EQ(tls_auth_init(&c, upstream_key, 0, true, ""), CTL_ERR_ARG);
	tls_auth_wipe(&c);
}

/* A P_CONTROL_V1 with two ACKs and a payload, in the §2.2 layout. */
static size_t
sample_control(uint8_t *out)
{
	return unhex("20 0102030405060708 02 00000003 00000002 a1a2a3a4a5a6a7a8 00000004"
		     " 1703030020 00112233445566778899aabbccddeeff 0123456789abcdef0123456789abcdef",
		     out);
}

/* Every single-bit flip of a wrapped packet must fail to unwrap. */
typedef ssize_t (*unwrap_fn)(const void *ctx, const uint8_t *in, size_t len, uint8_t *out,
			     size_t cap, uint32_t *id, uint32_t *tm);

static ssize_t
unwrap_auth(const void *ctx, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
	    uint32_t *id, uint32_t *tm)
{
	return tls_auth_unwrap(ctx, in, len, out, cap, id, tm);
}

static ssize_t
unwrap_crypt(const void *ctx, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
	     uint32_t *id, uint32_t *tm)
{
	return tls_crypt_unwrap(ctx, in, len, out, cap, id, tm);
}

static ssize_t
unwrap_v2(const void *ctx, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
	  uint32_t *id, uint32_t *tm)
{
	struct tls_crypt_v2_client cl;
	ssize_t n = tls_crypt_v2_unwrap(ctx, in, len, &cl, out, cap, id, tm);

	tls_crypt_v2_client_wipe(&cl);
	return n;
}

static int
bitflips_accepted(unwrap_fn fn, const void *ctx, const uint8_t *wire, size_t n)
{
	uint8_t w[2048], out[2048];
	uint32_t id, tm;
	int accepted = 0;

	for (size_t bit = 0; bit < 8 * n; bit++) {
		memcpy(w, wire, n);
		w[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (fn(ctx, w, n, out, sizeof(out), &id, &tm) >= 0)
			accepted++;
	}
	/* and the untouched packet does unwrap */
	CHECK(fn(ctx, wire, n, out, sizeof(out), &id, &tm) > 0);
	return accepted;
}

static void
test_tls_auth_round_trips(void)
{
	static const char *const digests[] = { "SHA1", "SHA256", "SHA512" };
	static const size_t hlen[] = { 20, 32, 64 };
	uint8_t plain[128], wire[256], back[256];
	size_t n = sample_control(plain);

	for (size_t d = 0; d < 3; d++) {
		struct tls_auth_ctx srv, cli, srv_bi, cli_bi;
		uint32_t id = 0, tm = 0;

		CHECK_EQ(tls_auth_init(&srv, upstream_key, KEY_DIR_NORMAL, true, digests[d]), 0);
		CHECK_EQ(tls_auth_init(&cli, upstream_key, KEY_DIR_INVERSE, false, digests[d]), 0);
		CHECK_EQ(tls_auth_overhead(&srv), hlen[d] + 8);
		/* server -> client and client -> server */
		ssize_t m = tls_auth_wrap(&srv, plain, n, 5, 0x5f000000, wire, sizeof(wire));
		CHECK_EQ(m, (ssize_t)(n + hlen[d] + 8));
		CHECK_MEM(wire, plain, 9);
		CHECK_EQ(tls_auth_unwrap(&cli, wire, (size_t)m, back, sizeof(back), &id, &tm),
			 (ssize_t)n);
		CHECK_MEM(back, plain, n);
		CHECK(id == 5 && tm == 0x5f000000);
		/* the server must not accept its own packets (reflection) */
		CHECK_EQ(tls_auth_unwrap(&srv, wire, (size_t)m, back, sizeof(back), &id, &tm),
			 CTL_ERR_AUTH);
		m = tls_auth_wrap(&cli, plain, n, 7, 9, wire, sizeof(wire));
		CHECK_EQ(tls_auth_unwrap(&srv, wire, (size_t)m, back, sizeof(back), &id, &tm),
			 (ssize_t)n);
		CHECK_MEM(back, plain, n);
		CHECK_EQ(bitflips_accepted(unwrap_auth, &srv, wire, (size_t)m), 0);

		/* no key direction on either side: keys[0] both ways */
		CHECK_EQ(tls_auth_init(&srv_bi, upstream_key, KEY_DIR_NONE, true, digests[d]), 0);
		CHECK_EQ(tls_auth_init(&cli_bi, upstream_key, KEY_DIR_NONE, false, digests[d]), 0);
		m = tls_auth_wrap(&cli_bi, plain, n, 1, 2, wire, sizeof(wire));
		CHECK_EQ(tls_auth_unwrap(&srv_bi, wire, (size_t)m, back, sizeof(back), &id, &tm),
			 (ssize_t)n);
		CHECK_EQ(tls_auth_unwrap(&srv, wire, (size_t)m, back, sizeof(back), &id, &tm),
			 CTL_ERR_AUTH);
		tls_auth_wipe(&srv);
		tls_auth_wipe(&cli);
		tls_auth_wipe(&srv_bi);
		tls_auth_wipe(&cli_bi);
	}
}

/* --- §18.4 tls-crypt, §18.3 primitive ------------------------------------- */

static const char tls_crypt_reset_hex[] =
	"38 | f419cb12d1f9e48f | 00000001 61d3f8e1 |"
	" 330206f56802be44fbed905064e3db43416bec5e526719462b7eb90c96defc9b | 05c44879f7";

static void
test_tls_crypt_vector(void)
{
	struct tls_crypt_ctx srv, cli;
	uint8_t wire[64], plain[64], back[64], want[16];
	uint32_t id = 0, tm = 0;
	size_t n = unhex(tls_crypt_reset_hex, wire);

	CHECK_EQ(n, 54);
	CHECK_EQ(tls_crypt_init(&srv, upstream_key, true), 0);
	CHECK_MEM(srv.recv_ke, upstream_key + 128, 32);         /* keys[1] */
	CHECK_MEM(srv.recv_ka, upstream_key + 192, 32);
	CHECK_MEM(srv.send_ke, upstream_key, 32);               /* keys[0] */
	CHECK_MEM(srv.send_ka, upstream_key + 64, 32);
	ssize_t m = tls_crypt_unwrap(&srv, wire, n, plain, sizeof(plain), &id, &tm);
	CHECK_EQ(m, 14);
	CHECK_EQ(id, 1);
	CHECK_EQ(tm, 0x61d3f8e1);
	CHECK_MEM(plain, want, unhex("38 f419cb12d1f9e48f 00 00000000", want));

	CHECK_EQ(tls_crypt_init(&cli, upstream_key, false), 0);
	CHECK_EQ(tls_crypt_wrap(&cli, plain, (size_t)m, id, tm, back, sizeof(back)), (ssize_t)n);
	CHECK_MEM(back, wire, n);
	/* the server's own keys do not open it */
	CHECK_EQ(tls_crypt_unwrap(&cli, wire, n, plain, sizeof(plain), &id, &tm), CTL_ERR_AUTH);
	CHECK_EQ(bitflips_accepted(unwrap_crypt, &srv, wire, n), 0);
	CHECK_EQ(tls_crypt_unwrap(&srv, wire, 48, plain, sizeof(plain), &id, &tm), CTL_ERR_SHORT);
	CHECK_EQ(tls_crypt_unwrap(&srv, wire, n, plain, 13, &id, &tm), CTL_ERR_SPACE);
	CHECK_EQ(tls_crypt_wrap(&cli, plain, 14, id, tm, back, 53), CTL_ERR_SPACE);
	tls_crypt_wipe(&srv);
	tls_crypt_wipe(&cli);
}

static void
test_tls_crypt_primitive_and_dyn_key(void)
{
	uint8_t ekm[STATIC_KEY_LEN], dyn[STATIC_KEY_LEN], orig[STATIC_KEY_LEN];
	uint8_t ad[8], tag[32], ct[16], pt[16], want[64];
	struct tls_crypt_ctx c;

	/* 2.x unit test: EKM stub = 0xba x 256, header = replay id 1, time 0 */
	memset(ekm, 0xba, sizeof(ekm));
	tls_crypt_dyn_key(ekm, NULL, dyn);
	CHECK_EQ(tls_crypt_init(&c, dyn, true), 0);
	unhex("00000001 00000000", ad);
	CHECK_EQ(tls_crypt_seal(c.send_ke, c.send_ka, ad, 8, (const uint8_t *)"1234567890", 10,
				tag, ct), 0);
	unhex("e319277f1c8d6e6a7796a855337b9cfb56e1f13a870e6647dfa195c92c17a015"
	      "ba4967a11d55ea1a06a7", want);
	CHECK_MEM(tag, want, 32);
	CHECK_MEM(ct, want + 32, 10);
	CHECK_EQ(tls_crypt_open(c.recv_ke, c.recv_ka, ad, 8, tag, ct, 10, pt), 0);
	CHECK_MEM(pt, "1234567890", 10);
	ct[3] ^= 0x10;
	CHECK_EQ(tls_crypt_open(c.recv_ke, c.recv_ka, ad, 8, tag, ct, 10, pt), CTL_ERR_AUTH);
	CHECK_MEM(pt, "\0\0\0\0\0\0\0\0\0\0", 10);      /* no unauthenticated plaintext */

	/* XOR with an all-zero original key changes nothing; another key does */
	memset(orig, 0, sizeof(orig));
	tls_crypt_dyn_key(ekm, orig, orig);
	CHECK_MEM(orig, dyn, STATIC_KEY_LEN);
	memset(orig, 0x42, sizeof(orig));
	tls_crypt_dyn_key(ekm, orig, dyn);
	CHECK_EQ(dyn[0], 0xba ^ 0x42);
	CHECK_EQ(dyn[255], 0xba ^ 0x42);

	/* zero-length plaintext is legal for the primitive */
	CHECK_EQ(tls_crypt_seal(c.send_ke, c.send_ka, ad, 8, NULL, 0, tag, NULL), 0);
	CHECK_EQ(tls_crypt_open(c.send_ke, c.send_ka, ad, 8, tag, NULL, 0, NULL), 0);
	tls_crypt_wipe(&c);
}

/* --- §18.6 real capture --------------------------------------------------- */

static void
capture_key(uint8_t key[STATIC_KEY_LEN])
{
	/* only the 32-byte slices that tls-crypt uses are in the fact sheet */
	memset(key, 0, STATIC_KEY_LEN);
	unhex("9f0c63471241306e6c3abd030782b587a624ab98b6df1ab309b2d88dfc060ef4", key);
	unhex("82b280d441fda969dbd6e8a3985540d9e4b7c51262755f26b2a97d19274a4826", key + 64);
	unhex("618e3667880f9fe6058e6318991d06b0bce3f4122bf906c3941efbfced84c9cb", key + 128);
	unhex("2924b04ce73b62839b374cd7f0c0c2621d514d38204fbb1def87c1c05f2e18ef", key + 192);
}

static const char cap_client_reset[] =
	"38bb731e3f21fc0fbc000000016b0279ee61a26dd5708e70a14c7f383df81156"
	"b16c9877118f6de2892f8ee1f2fb089d44481608af88";
static const char cap_server_reset[] =
	"409236ec326dd3ce9a000000016b0279eeaa7a0fbff0cbade8accfdd62f99093"
	"89c684bbdfe1c8521bdfa2aed858fccb2c0fc92d1803e08056c88d2742364751"
	"db55";

static void
test_capture(void)
{
	uint8_t key[STATIC_KEY_LEN], wire[128], plain[128], back[128], want[64];
	struct tls_crypt_ctx srv, cli;
	uint32_t id = 0, tm = 0;
	struct ctl_pkt p;
	size_t n;
	ssize_t m;

	capture_key(key);
	CHECK_EQ(tls_crypt_init(&srv, key, true), 0);
	CHECK_EQ(tls_crypt_init(&cli, key, false), 0);

	/* C->S reset: the server decrypts with keys[1] to 00 00000000 */
	n = unhex(cap_client_reset, wire);
	CHECK_EQ(n, 54);
	m = tls_crypt_unwrap(&srv, wire, n, plain, sizeof(plain), &id, &tm);
	CHECK_EQ(m, 14);
	CHECK_MEM(plain + 9, "\0\0\0\0\0", 5);
	CHECK(id == 1 && tm == 0x6b0279ee);
	CHECK_EQ(ctl_pkt_parse(plain, (size_t)m, &p), 0);
	CHECK(p.opcode == 7 && p.key_id == 0 && p.n_acks == 0 && p.msg_id == 0);
	unhex("bb731e3f21fc0fbc", want);
	CHECK_MEM(p.sid, want, 8);

	/* S->C reset: build it from fields, wrap with keys[0] -> captured bytes */
	struct ctl_pkt r = {
		.opcode = 8, .n_acks = 1, .acks = { 0 }, .has_msg_id = true, .msg_id = 0,
	};
	unhex("9236ec326dd3ce9a", r.sid);
	memcpy(r.ack_sid, p.sid, 8);
	m = ctl_pkt_build(&r, plain, sizeof(plain));
	CHECK_EQ(m, 26);
	CHECK_MEM(plain, want, unhex("40 9236ec326dd3ce9a 01 00000000 bb731e3f21fc0fbc 00000000",
				     want));
	n = unhex(cap_server_reset, wire);
	CHECK_EQ(n, 66);
	CHECK_EQ(tls_crypt_wrap(&srv, plain, (size_t)m, 1, 0x6b0279ee, back, sizeof(back)), 66);
	CHECK_MEM(back, wire, n);
	/* and the client (keys[0] to decrypt) reads it back */
	CHECK_EQ(tls_crypt_unwrap(&cli, wire, n, back, sizeof(back), &id, &tm), 26);
	CHECK_MEM(back, plain, 26);
	tls_crypt_wipe(&srv);
	tls_crypt_wipe(&cli);
}

/* --- §18.5 tls-crypt-v2 --------------------------------------------------- */

static const char wkc_hex[] =
	"177da5c074a94619b16be4acb71f1a6ccf24f33c6bbaf498459d5f06c369d495"
	"2c78396efd93c2598f4771e068cafca3d2d387d87151392b1f74b43df2913707"
	"2ca3ceae6bf741153c97b0cf6d8386b0ddd4baa201fd024693fa44510e035c29"
	"691009bc2624ad8995f9171c1c1b02d9a7efc02436e868e90085a8276a19a6f7"
	"ce1daf85e16a18c3dd1a9ba46c5ad3deb70edd52f151e1be45dcd788c4c2a494"
	"a8bc504fd650e46306093e7cfa75a1218f44f3277055aeef56dc2a68b5d36dee"
	"ed3d927c407e90b18edacfdec7a6b037b0fe04c1b5c7d0fcea131721479cde64"
	"459faad7b482e276dadcfa7cfc5b34fa149bbf6b49a33a03f1212516aed22162"
	"6c7224d887cabc7f9c90c6376de16c6efd9e70b4f080674b4ece3e08b5323bed"
	"f04e6114df11acb31e012b";

static uint8_t v2_srv[TLS_CRYPT_V2_SERVER_KEY_LEN];
static uint8_t v2_kc[TLS_CRYPT_V2_CLIENT_KEY_LEN];
static uint8_t v2_wkc[TLS_CRYPT_V2_WKC_MAX];
static size_t v2_wkc_len;

/* PEM text of data under name, base64 in 64-column lines, into out. */
static void
make_pem(const char *name, const uint8_t *data, size_t len, char *out)
{
	char b64[2048];
	int n = EVP_EncodeBlock((unsigned char *)b64, data, (int)len);

	out += sprintf(out, "# generated for the test\n-----BEGIN %s-----\n", name);
	for (int i = 0; i < n; i += 64)
		out += sprintf(out, "%.*s\n", n - i < 64 ? n - i : 64, b64 + i);
	sprintf(out, "-----END %s-----\n", name);
}

static void
test_v2_keys(void)
{
	uint8_t buf[TLS_CRYPT_V2_CLIENT_KEY_LEN + TLS_CRYPT_V2_WKC_MAX];
	struct tls_crypt_v2_client_key ck;
	char pem[4096];
	uint8_t k[TLS_CRYPT_V2_SERVER_KEY_LEN];

	for (int i = 0; i < 128; i++)
		v2_srv[i] = (uint8_t)i;
	for (int i = 0; i < 256; i++)
		v2_kc[i] = (uint8_t)i;
	v2_wkc_len = unhex(wkc_hex, v2_wkc);
	CHECK_EQ(v2_wkc_len, 299);

	make_pem("OpenVPN tls-crypt-v2 server key", v2_srv, 128, pem);
	CHECK_EQ(tls_crypt_v2_server_key_parse(pem, strlen(pem), k), 0);
	CHECK_MEM(k, v2_srv, 128);
	make_pem("OpenVPN tls-crypt-v2 server key", v2_srv, 127, pem);
	CHECK_EQ(tls_crypt_v2_server_key_parse(pem, strlen(pem), k), -1);
	make_pem("OpenVPN tls-crypt-v2 client key", v2_srv, 128, pem);
	CHECK_EQ(tls_crypt_v2_server_key_parse(pem, strlen(pem), k), -1);
	CHECK_EQ(tls_crypt_v2_server_key_parse("garbage", 7, k), -1);

	memcpy(buf, v2_kc, 256);
	memcpy(buf + 256, v2_wkc, v2_wkc_len);
	make_pem("OpenVPN tls-crypt-v2 client key", buf, 256 + v2_wkc_len, pem);
	CHECK_EQ(tls_crypt_v2_client_key_parse(pem, strlen(pem), &ck), 0);
	CHECK_MEM(ck.kc, v2_kc, 256);
	CHECK_EQ(ck.wkc_len, 299);
	CHECK_MEM(ck.wkc, v2_wkc, 299);
	/* a WKc whose last two bytes do not give its length */
	make_pem("OpenVPN tls-crypt-v2 client key", buf, 256 + v2_wkc_len - 1, pem);
	CHECK_EQ(tls_crypt_v2_client_key_parse(pem, strlen(pem), &ck), -1);
	make_pem("OpenVPN tls-crypt-v2 server key", buf, 256 + v2_wkc_len, pem);
	CHECK_EQ(tls_crypt_v2_client_key_parse(pem, strlen(pem), &ck), -1);
	tls_crypt_v2_client_key_wipe(&ck);
	tls_crypt_v2_server_key_wipe(k);
}

static void
test_v2_wkc(void)
{
	struct tls_crypt_v2_client cl;
	uint8_t out[TLS_CRYPT_V2_WKC_MAX + 8], meta[TLS_CRYPT_V2_METADATA_MAX + 1];
	int64_t ts = -1;

	CHECK_EQ(tls_crypt_v2_wkc_unwrap(v2_srv, v2_wkc, v2_wkc_len, &cl), 0);
	CHECK_MEM(cl.kc, v2_kc, 256);
	CHECK_EQ(cl.metadata_len, 9);
	CHECK_MEM(cl.metadata, "\x01\0\0\0\0\0\0\0\0", 9);
	CHECK_EQ(tls_crypt_v2_meta_type(&cl), TLS_CRYPT_V2_META_TIMESTAMP);
	CHECK_EQ(tls_crypt_v2_meta_timestamp(&cl, &ts), 0);
	CHECK_EQ(ts, 0);
	/* re-wrap: SIV is deterministic, so the vector comes back exactly */
	CHECK_EQ(tls_crypt_v2_wkc_wrap(v2_srv, cl.kc, cl.metadata, cl.metadata_len, out,
				       sizeof(out)), 299);
	CHECK_MEM(out, v2_wkc, 299);
	CHECK_EQ(tls_crypt_v2_wkc_wrap(v2_srv, cl.kc, cl.metadata, 9, out, 298), CTL_ERR_SPACE);

	/* every bit flip is refused; so are wrong lengths and another server key */
	int accepted = 0;
	for (size_t bit = 0; bit < 8 * v2_wkc_len; bit++) {
		memcpy(out, v2_wkc, v2_wkc_len);
		out[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		accepted += tls_crypt_v2_wkc_unwrap(v2_srv, out, v2_wkc_len, &cl) == 0;
	}
	CHECK_EQ(accepted, 0);
	CHECK_EQ(tls_crypt_v2_wkc_unwrap(v2_srv, v2_wkc, v2_wkc_len - 1, &cl), CTL_ERR_FORMAT);
	CHECK_EQ(tls_crypt_v2_wkc_unwrap(v2_srv, v2_wkc, 100, &cl), CTL_ERR_SHORT);
	uint8_t other[128];
	memcpy(other, v2_srv, 128);
	other[70] ^= 1;
	CHECK_EQ(tls_crypt_v2_wkc_unwrap(other, v2_wkc, v2_wkc_len, &cl), CTL_ERR_AUTH);
	uint8_t zero[256] = { 0 };
	CHECK_MEM(cl.kc, zero, 256);                    /* wiped on failure */

	/* metadata sizes: none, user, the 734-byte maximum, one more */
	CHECK_EQ(tls_crypt_v2_wkc_wrap(v2_srv, v2_kc, NULL, 0, out, sizeof(out)), 290);
	CHECK_EQ(tls_crypt_v2_wkc_unwrap(v2_srv, out, 290, &cl), 0);
	CHECK_EQ(tls_crypt_v2_meta_type(&cl), -1);
	CHECK_EQ(tls_crypt_v2_meta_timestamp(&cl, &ts), -1);
	memcpy(meta, "\x00\xaa\xbb\xcc\xdd", 5);
	CHECK_EQ(tls_crypt_v2_wkc_wrap(v2_srv, v2_kc, meta, 5, out, sizeof(out)), 295);
	CHECK_EQ(tls_crypt_v2_wkc_unwrap(v2_srv, out, 295, &cl), 0);
	CHECK_EQ(tls_crypt_v2_meta_type(&cl), TLS_CRYPT_V2_META_USER);
	CHECK_MEM(cl.metadata, meta, 5);
	memset(meta, 0x5a, sizeof(meta));
	CHECK_EQ(tls_crypt_v2_wkc_wrap(v2_srv, v2_kc, meta, 734, out, sizeof(out)), 1024);
	CHECK_EQ(tls_crypt_v2_wkc_unwrap(v2_srv, out, 1024, &cl), 0);
	CHECK_EQ(cl.metadata_len, 734);
	CHECK_EQ(tls_crypt_v2_wkc_wrap(v2_srv, v2_kc, meta, 735, out, sizeof(out)), CTL_ERR_ARG);
	tls_crypt_v2_client_wipe(&cl);
}

/* A client's opcode 10/11 packet: tls-crypt with Kc (client role) + WKc. */
static size_t
v2_client_packet(const char *plain_hex, uint32_t id, uint8_t *wire)
{
	struct tls_crypt_ctx kc;
	uint8_t plain[256];
	size_t n = unhex(plain_hex, plain);

	tls_crypt_init(&kc, v2_kc, false);
	ssize_t m = tls_crypt_v2_client_wrap(&kc, plain, n, id, 0x68a40b00, v2_wkc, v2_wkc_len,
					     wire, 2048);
	tls_crypt_wipe(&kc);
	CHECK_EQ(m, (ssize_t)(n + 40 + v2_wkc_len));
	return m > 0 ? (size_t)m : 0;
}

static void
test_v2_packets(void)
{
	uint8_t wire[2048], out[2048], want[64];
	struct tls_crypt_v2_client cl;
	uint32_t id = 0, tm = 0;
	struct ctl_pkt p;
	uint16_t flags = 0xffff;

	/* §18.7 #0: V3 reset, replay id 0x0F000001, plaintext 00 00000000, + WKc */
	size_t n = v2_client_packet("50 bb731e3f21fc0fbc 00 00000000", 0x0f000001, wire);
	CHECK_EQ(n, 54 + 299);
	CHECK_EQ(wire[n - 2] << 8 | wire[n - 1], 0x012b);
	ssize_t m = tls_crypt_v2_unwrap(v2_srv, wire, n, &cl, out, sizeof(out), &id, &tm);
	CHECK_EQ(m, 14);
	CHECK_MEM(cl.kc, v2_kc, 256);
	CHECK(id == 0x0f000001 && tm == 0x68a40b00);
	CHECK(early_neg_signalled(id));
	CHECK_EQ(ctl_pkt_parse(out, (size_t)m, &p), 0);
	CHECK(p.opcode == 10 && p.n_acks == 0 && p.msg_id == 0 && p.payload_len == 0);
	CHECK_EQ(early_neg_parse(p.payload, p.payload_len, &flags), 0);
	CHECK_EQ(flags, 0);
	CHECK_EQ(bitflips_accepted(unwrap_v2, v2_srv, wire, n), 0);

	/* §18.7 #1: stateless reply with the RESEND_WKC TLV, tls-crypt with Kc */
	uint8_t tlv[8], rplain[64], rwire[128];
	CHECK_EQ(early_neg_build(EARLY_NEG_FLAG_RESEND_WKC, tlv, sizeof(tlv)), 6);
	CHECK_MEM(tlv, want, unhex("0001 0002 0001", want));
	struct ctl_pkt r = { .opcode = 8, .n_acks = 1, .has_msg_id = true,
			     .payload = tlv, .payload_len = 6 };
	unhex("9236ec326dd3ce9a", r.sid);
	memcpy(r.ack_sid, p.sid, 8);
	m = ctl_pkt_build(&r, rplain, sizeof(rplain));
	CHECK_MEM(rplain + 9, want,
		  unhex("01 00000000 bb731e3f21fc0fbc 00000000 0001 0002 0001", want));
	struct tls_crypt_ctx s_kc, c_kc;
	tls_crypt_init(&s_kc, cl.kc, true);
	tls_crypt_init(&c_kc, v2_kc, false);
	ssize_t w = tls_crypt_wrap(&s_kc, rplain, (size_t)m, 1, 0x68a40b00, rwire, sizeof(rwire));
	CHECK_EQ(w, m + 40);
	CHECK_EQ(tls_crypt_unwrap(&c_kc, rwire, (size_t)w, out, sizeof(out), &id, &tm), m);
	CHECK_EQ(ctl_pkt_parse(out, (size_t)m, &p), 0);
	CHECK_EQ(early_neg_parse(p.payload, p.payload_len, &flags), 0);
	CHECK_EQ(flags, EARLY_NEG_FLAG_RESEND_WKC);

	/* §18.7 #2: WKC_V1, replay 0x0F000002, full path and the "have Kc" path */
	n = v2_client_packet("58 bb731e3f21fc0fbc 01 00000000 9236ec326dd3ce9a 00000001 160301",
			     0x0f000002, wire);
	m = tls_crypt_v2_unwrap(v2_srv, wire, n, &cl, out, sizeof(out), &id, &tm);
	CHECK_EQ(m, 29);
	CHECK_EQ(id, 0x0f000002);
	CHECK_EQ(ctl_pkt_parse(out, (size_t)m, &p), 0);
	CHECK(p.opcode == 11 && p.n_acks == 1 && p.msg_id == 1 && p.payload_len == 3);
	size_t wl, kl;
	const uint8_t *wk;
	CHECK_EQ(tls_crypt_v2_split(wire, n, &wl, &wk, &kl), 0);
	CHECK(wl == n - 299 && wk == wire + wl && kl == 299);
	CHECK_EQ(tls_crypt_unwrap(&s_kc, wire, wl, out, sizeof(out), &id, &tm), 29);

	/* wrong opcodes, truncations, a WKc length beyond the packet */
	CHECK_EQ(tls_crypt_v2_unwrap(v2_srv, wire, 0, &cl, out, sizeof(out), &id, &tm),
		 CTL_ERR_SHORT);
	wire[0] = 0x38;
	CHECK_EQ(tls_crypt_v2_unwrap(v2_srv, wire, n, &cl, out, sizeof(out), &id, &tm),
		 CTL_ERR_OPCODE);
	wire[0] = 0x58;
	CHECK(tls_crypt_v2_unwrap(v2_srv, wire, n - 1, &cl, out, sizeof(out), &id, &tm) < 0);
	CHECK_EQ(tls_crypt_v2_unwrap(v2_srv, wire + n - 299, 299, &cl, out, sizeof(out), &id, &tm),
		 CTL_ERR_OPCODE);
	CHECK_EQ(tls_crypt_v2_split(wire + n - 299, 298, &wl, &wk, &kl), CTL_ERR_SHORT);
	CHECK_EQ(tls_crypt_v2_split(wire, 1, &wl, &wk, &kl), CTL_ERR_SHORT);
	CHECK_EQ(tls_crypt_v2_unwrap(v2_srv, wire, n, &cl, out, 28, &id, &tm), CTL_ERR_SPACE);
	tls_crypt_wipe(&s_kc);
	tls_crypt_wipe(&c_kc);
	tls_crypt_v2_client_wipe(&cl);
}

static void
test_early_neg(void)
{
	uint8_t b[64];
	uint16_t f = 0;

	CHECK(early_neg_signalled(0x0f000001));
	CHECK(early_neg_signalled(0x0f0000ff));
	CHECK(!early_neg_signalled(0x00000001));
	CHECK(!early_neg_signalled(0x0e000001));
	CHECK(early_neg_signalled(0xff000001));         /* 2.x tests the bits, not the byte */
	CHECK_EQ(early_neg_parse(NULL, 0, &f), 0);
	CHECK_EQ(f, 0);
	/* unknown TLV skipped, flags found after it */
	size_t n = unhex("7777 0003 aabbcc 0001 0002 0001", b);
	CHECK_EQ(early_neg_parse(b, n, &f), 0);
	CHECK_EQ(f, 1);
	CHECK_EQ(early_neg_parse(b, n - 1, &f), CTL_ERR_SHORT);
	CHECK_EQ(early_neg_parse(b, 3, &f), CTL_ERR_SHORT);
	n = unhex("0001 0003 000100", b);               /* flags TLV must be 2 bytes */
	CHECK_EQ(early_neg_parse(b, n, &f), CTL_ERR_FORMAT);
	n = unhex("0001 0002 0001 0001 0002 8000", b);  /* several: ORed */
	CHECK_EQ(early_neg_parse(b, n, &f), 0);
	CHECK_EQ(f, 0x8001);
	CHECK_EQ(early_neg_build(1, b, 5), CTL_ERR_SPACE);
}

/* --- §2.8 replay window ---------------------------------------------------- */

static void
test_replay(void)
{
	struct ctl_replay r;

	ctl_replay_init(&r, 0, CTL_REPLAY_BACKTRACK_S_DEFAULT);
	CHECK_EQ(r.window, 64);
	CHECK(!ctl_replay_accept(&r, 0, 100, 1000));            /* id 0 never */
	CHECK(ctl_replay_accept(&r, 0x0f000001, 100, 1000));    /* first packet: any id */
	CHECK(!ctl_replay_accept(&r, 0x0f000001, 100, 1000));   /* duplicate */
	CHECK(ctl_replay_accept(&r, 0x0f000003, 100, 1000));
	CHECK(ctl_replay_accept(&r, 0x0f000002, 100, 1000));    /* late but in window */
	CHECK(!ctl_replay_accept(&r, 0x0f000002, 100, 1000));
	CHECK(ctl_replay_accept(&r, 0x0f000003 + 63, 100, 1001));
	CHECK(!ctl_replay_check(&r, 0x0f000003 - 1, 100, 1001)); /* fell out of the window */
	CHECK(ctl_replay_check(&r, 0x0f000004, 100, 1001));      /* 62 behind, unseen */
	CHECK(!ctl_replay_check(&r, 0x0f000004, 99, 1001));      /* time went back */
	/* 16 s after the newest was seen, older unseen ids have expired */
	CHECK(!ctl_replay_check(&r, 0x0f000004, 100, 1001 + 16));
	CHECK(ctl_replay_check(&r, 0x0f000004, 100, 1001 + 15));
	/* a new sender time restarts the window, even with a low id */
	CHECK(ctl_replay_accept(&r, 1, 101, 1100));
	CHECK(!ctl_replay_accept(&r, 0x0f000100, 100, 1100));
	CHECK(ctl_replay_accept(&r, 3, 101, 1100));
	CHECK(ctl_replay_accept(&r, 2, 101, 1100));
	CHECK(!ctl_replay_accept(&r, 1, 101, 1100));
	/* a jump far past the window forgets everything before it */
	CHECK(ctl_replay_accept(&r, 1000, 101, 1100));
	CHECK(ctl_replay_accept(&r, 999, 101, 1100));
	CHECK(!ctl_replay_accept(&r, 3, 101, 1100));

	ctl_replay_init(&r, 4, 15);
	CHECK(ctl_replay_accept(&r, 10, 5, 0));
	CHECK(ctl_replay_check(&r, 7, 5, 0));
	CHECK(!ctl_replay_check(&r, 6, 5, 0));
}

int
main(void)
{
	test_static_key();
	test_key_slices();
	test_tls_auth_vector();
	test_tls_auth_init_args();
	test_tls_auth_round_trips();
	test_tls_crypt_vector();
	test_tls_crypt_primitive_and_dyn_key();
	test_capture();
	test_v2_keys();
	test_v2_wkc();
	test_v2_packets();
	test_early_neg();
	test_replay();
	return harness_done("tls_wrap");
}
