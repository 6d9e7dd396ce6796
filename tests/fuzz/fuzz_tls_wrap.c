/*
 * Fuzz the control-channel unwrappers with fixed test keys: tls-auth
 * (SHA1 and SHA256, direction-0 server), tls-crypt (server role) and
 * tls-crypt-v2 (server key 00..7f), plus the early-negotiation TLV parser
 * and the key file parsers. Nothing may crash; anything that unwraps must
 * re-wrap with the peer's keys to exactly the input (so it really was
 * authentic, not accepted by a bug), and a tls-crypt-v2 packet can only
 * carry the seed's Kc.
 *
 * fuzz_seed() hands the standalone driver validly wrapped packets, so its
 * bit flips and truncations reach the crypto checks.
 */
#include <stdlib.h>
#include <string.h>

#include "hex.h"

#include "ctl_wire.h"
#include "static_key.h"
#include "tls_auth.h"
#include "tls_crypt.h"
#include "tls_crypt_v2.h"

/* §18.4: the static key of upstream test_pkt.c, as a key file. */
static const char key_file[] =
	"-----BEGIN OpenVPN Static key V1-----\n"
	"37268ea8f95d7f71f9fb8fc03770c460\ndaf714a483d815c013ce0a537efc18f2\n"
	"8f4f172669d9e6a413bac6741d8ea054\n00f49b7fd6326470f23798c606bf53d4\n"
	"de63ebc64ec59d57ce5d04d5b62e68b5\n3ca6e5354351097fa370446c4d269f18\n"
	"7bb6ae54af2dc70ff7317fe2f8754b82\n82aad4202f9fa42c8640245d883e2c54\n"
	"a0c1c489a036cf3a8964d8d289c1583b\n9447c262b1da5fd167a5d27bd5ac5143\n"
	"17bc2343a31a2efc38dd920d910375f5\n1c2e27f3afd36c49269da079f7ce466e\n"
	"bb0f9ad13e9bbb4665974e6bc24b513c\n5700393bf4a3e7f967e2f384069ac8a8\n"
	"e78b18b15604993fd16515cce9c0f3e4\n2b4126b999005ade802797b0eeb8b9e6\n"
	"-----END OpenVPN Static key V1-----\n";

/* Server side (unwraps) and client side (re-wraps) of each mode. */
static struct {
	bool ready;
	struct tls_auth_ctx auth_srv[2], auth_cli[2];   /* SHA1, SHA256 */
	struct tls_crypt_ctx crypt_srv, crypt_cli;
	uint8_t v2_srv[TLS_CRYPT_V2_SERVER_KEY_LEN];
	uint8_t v2_kc[TLS_CRYPT_V2_CLIENT_KEY_LEN];
	struct tls_crypt_ctx v2_cli;
	uint8_t wkc[TLS_CRYPT_V2_WKC_MAX];
	size_t wkc_len;
} k;

static void
keys_init(void)
{
	static const char *const md[2] = { "SHA1", "SHA256" };
	static const uint8_t meta[9] = { TLS_CRYPT_V2_META_TIMESTAMP };
	uint8_t key[STATIC_KEY_LEN];

	if (k.ready)
		return;
	if (static_key_parse(key_file, sizeof(key_file) - 1, key))
		abort();
	for (int i = 0; i < 2; i++)
		if (tls_auth_init(&k.auth_srv[i], key, KEY_DIR_NORMAL, true, md[i]) ||
		    tls_auth_init(&k.auth_cli[i], key, KEY_DIR_INVERSE, false, md[i]))
			abort();
	tls_crypt_init(&k.crypt_srv, key, true);
	tls_crypt_init(&k.crypt_cli, key, false);
	for (int i = 0; i < TLS_CRYPT_V2_SERVER_KEY_LEN; i++)
		k.v2_srv[i] = (uint8_t)i;
	for (int i = 0; i < TLS_CRYPT_V2_CLIENT_KEY_LEN; i++)
		k.v2_kc[i] = (uint8_t)i;
	tls_crypt_init(&k.v2_cli, k.v2_kc, false);
	ssize_t n = tls_crypt_v2_wkc_wrap(k.v2_srv, k.v2_kc, meta, sizeof(meta), k.wkc,
					  sizeof(k.wkc));
	if (n != 299)   /* §18.5 */
		abort();
	k.wkc_len = (size_t)n;
	k.ready = true;
}

static uint8_t out[1 << 17], again[1 << 17];

/* An accepted packet must re-wrap to the input, byte for byte. */
static void
must_equal(ssize_t n, const uint8_t *data, size_t size)
{
	if (n != (ssize_t)size || memcmp(again, data, size) != 0)
		abort();
}

static void
fuzz_auth(const uint8_t *data, size_t size)
{
	for (int i = 0; i < 2; i++) {
		uint32_t id, tm;
		ssize_t n = tls_auth_unwrap(&k.auth_srv[i], data, size, out, sizeof(out), &id, &tm);
		struct ctl_pkt p;

		if (n < 0)
			continue;
		(void)ctl_pkt_parse(out, (size_t)n, &p);
		must_equal(tls_auth_wrap(&k.auth_cli[i], out, (size_t)n, id, tm, again,
					 sizeof(again)), data, size);
	}
}

static void
fuzz_crypt(const uint8_t *data, size_t size)
{
	uint32_t id, tm;
	ssize_t n = tls_crypt_unwrap(&k.crypt_srv, data, size, out, sizeof(out), &id, &tm);
	struct ctl_pkt p;

	if (n < 0)
		return;
	(void)ctl_pkt_parse(out, (size_t)n, &p);
	must_equal(tls_crypt_wrap(&k.crypt_cli, out, (size_t)n, id, tm, again, sizeof(again)),
		   data, size);
}

static void
fuzz_v2(const uint8_t *data, size_t size)
{
	struct tls_crypt_v2_client cl;
	uint32_t id, tm;
	ssize_t n = tls_crypt_v2_unwrap(k.v2_srv, data, size, &cl, out, sizeof(out), &id, &tm);
	size_t wl, kl;
	const uint8_t *wkc;
	struct ctl_pkt p;
	uint16_t flags;

	if (n < 0)
		return;
	if (memcmp(cl.kc, k.v2_kc, sizeof(k.v2_kc)) != 0 ||
	    tls_crypt_v2_split(data, size, &wl, &wkc, &kl) != 0)
		abort();
	if (ctl_pkt_parse(out, (size_t)n, &p) == 0)
		(void)early_neg_parse(p.payload, p.payload_len, &flags);
	must_equal(tls_crypt_v2_client_wrap(&k.v2_cli, out, (size_t)n, id, tm, wkc, kl, again,
					    sizeof(again)), data, size);
	tls_crypt_v2_client_wipe(&cl);
}

static void
fuzz_parsers(const uint8_t *data, size_t size)
{
	uint8_t key[STATIC_KEY_LEN];
	struct tls_crypt_v2_client_key ck;
	struct tls_crypt_v2_client cl;
	uint16_t flags;

	(void)early_neg_parse(data, size, &flags);
	(void)static_key_parse((const char *)data, size, key);
	(void)tls_crypt_v2_client_key_parse((const char *)data, size, &ck);
	(void)tls_crypt_v2_wkc_unwrap(k.v2_srv, data, size, &cl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	keys_init();
	fuzz_auth(data, size);
	fuzz_crypt(data, size);
	fuzz_v2(data, size);
	fuzz_parsers(data, size);
	return 0;
}

/* --- seeds ---------------------------------------------------------------- */

#define unhex test_unhex

/* §2.2 plaintexts that the seeds wrap. */
static const char reset_plain[] = "38 6891923fa3103437 00 00000000";
static const char ctl_plain[] =
	"20 6891923fa3103437 02 00000001 00000000 9236ec326dd3ce9a 00000002 16030300051400000c01";
static const char v3_plain[] = "50 6891923fa3103437 00 00000000";
static const char wkc_v1_plain[] =
	"58 6891923fa3103437 01 00000000 9236ec326dd3ce9a 00000001 160301";

static ssize_t
seed_wrap(unsigned kind, const char *plain_hex, uint8_t *buf, size_t cap)
{
	uint8_t plain[128];
	size_t n = unhex(plain_hex, plain, sizeof(plain));

	switch (kind) {
	case 0:
	case 1:
		return tls_auth_wrap(&k.auth_cli[kind], plain, n, 3, 0x61d3bf6c, buf, cap);
	case 2:
		return tls_crypt_wrap(&k.crypt_cli, plain, n, 3, 0x61d3f8e1, buf, cap);
	default:
		return tls_crypt_v2_client_wrap(&k.v2_cli, plain, n, 0x0f000001, 0x68a40b00,
						k.wkc, k.wkc_len, buf, cap);
	}
}

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	ssize_t n;

	keys_init();
	switch (idx % 9) {
	case 0:         /* §18.4 tls-auth reset, verbatim */
		return unhex("38 de694c5c7bfba274 93537c1ded4e781529ae7cfe4b8c6d6b2b51f05a"
			     " 00000001 61d3bf6c 00 00000000", buf, cap);
	case 1:         /* §18.4 tls-crypt reset, verbatim */
		return unhex("38 f419cb12d1f9e48f 00000001 61d3f8e1"
			     " 330206f56802be44fbed905064e3db43416bec5e526719462b7eb90c96defc9b"
			     " 05c44879f7", buf, cap);
	case 2: n = seed_wrap(0, ctl_plain, buf, cap); break;
	case 3: n = seed_wrap(1, reset_plain, buf, cap); break;
	case 4: n = seed_wrap(2, ctl_plain, buf, cap); break;
	case 5: n = seed_wrap(3, v3_plain, buf, cap); break;
	case 6: n = seed_wrap(3, wkc_v1_plain, buf, cap); break;
	case 7:
		return unhex("7777 0003 aabbcc 0001 0002 0001", buf, cap);
	default:
		n = sizeof(key_file) - 1 <= cap ? (ssize_t)(sizeof(key_file) - 1) : 0;
		memcpy(buf, key_file, (size_t)n);
		break;
	}
	return n > 0 ? (size_t)n : 0;
}
