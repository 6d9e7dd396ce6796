/*
 * Tests for controlplane/prf.c (fact sheet §6, §18.2): the TLS 1.0 PRF
 * vector of OpenVPN's test_crypto.c, the legacy key expansion vector, a
 * cross-check against OpenSSL's TLS1-PRF KDF (when the provider has it),
 * and the server-side split of a key block (offsets, direction, weak keys).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "harness.h"
#include "prf.h"

static size_t
unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;

		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

#define CHECK_HEX(buf, hex) do { \
	uint8_t want_[512]; \
	size_t n_ = unhex((hex), want_); \
	CHECK_MEM((buf), want_, n_); \
} while (0)

static void
test_tls1_prf_vector(void)
{
	static const char secret[] = "Lorem ipsum dolor sit amet, consectetur adipisici elit, "
		"sed eiusmod tempor incidunt ut labore et dolore magna aliqua.";
	static const char seed[] = "Quis aute iure reprehenderit in voluptate velit esse cillum dolore";
	uint8_t out[32];

	/* §18.2, upstream test_crypto.c */
	CHECK_EQ(prf_tls1((const uint8_t *)secret, strlen(secret), (const uint8_t *)seed,
			  strlen(seed), out, sizeof(out)), 0);
	CHECK_HEX(out, "d98c8518c85e946927916acfc2d592fbb1567e4b4b1459e6a904ac2ddab72d67");

	/* a prefix of a longer output is the shorter output */
	uint8_t longer[100];

	CHECK_EQ(prf_tls1((const uint8_t *)secret, strlen(secret), (const uint8_t *)seed,
			  strlen(seed), longer, sizeof(longer)), 0);
	CHECK_MEM(longer, out, sizeof(out));

	/* bad arguments */
	CHECK_EQ(prf_tls1(NULL, 3, (const uint8_t *)seed, 1, out, 1), -1);
	CHECK_EQ(prf_tls1((const uint8_t *)secret, 0, (const uint8_t *)seed, 1, out, 1), -1);
}

static uint8_t pm[48], cr1[32], cr2[32], sr1[32], sr2[32];
static const uint8_t csid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t ssid[8] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };

static struct prf_legacy_input
vector_input(void)
{
	/* §18.2: consecutive byte values 00..af over the five fields */
	for (int i = 0; i < 48; i++)
		pm[i] = (uint8_t)i;
	for (int i = 0; i < 32; i++) {
		cr1[i] = (uint8_t)(0x30 + i);
		cr2[i] = (uint8_t)(0x50 + i);
		sr1[i] = (uint8_t)(0x70 + i);
		sr2[i] = (uint8_t)(0x90 + i);
	}
	struct prf_legacy_input in = {
		.pre_master = pm, .client_random1 = cr1, .client_random2 = cr2,
		.server_random1 = sr1, .server_random2 = sr2,
		.client_sid = csid, .server_sid = ssid,
	};
	return in;
}

static void
test_key_expansion_vector(void)
{
	struct prf_legacy_input in = vector_input();
	uint8_t master[48], block[256];

	CHECK_EQ(prf_legacy_master(&in, master), 0);
	CHECK_HEX(master, "229883ac5358fb9089fb5833c52bceac5f3a5e821e5b61ff"
		  "489c250ed342fafbf9103f3999f2115fd917576ce0e1b7c5");

	CHECK_EQ(prf_legacy_key_block(&in, block), 0);
	CHECK_HEX(block + 0, "5083f6ce6e319037168e5cd5d21f9a5b31d696e2dc7a161dadeaaefbeb518fa8");
	CHECK_HEX(block + 64, "0d7b8256afc6bd7c9b347fe0e2aa3e1a791aad6dfbb6ee75a6484eb78b798cb5");
	CHECK_HEX(block + 128, "d5a3f0b6cd9db39463fabc4ef744e2189b5572846bc2e41e4e56084f431f5715");
	CHECK_HEX(block + 192, "022922cf7165ecc97a24ae492ee2b79d2de9e752aeb1d0411a402131078b2b85");

	/* the same by hand: PRF(master, label || cr2 || sr2 || csid || ssid) */
	uint8_t seed[21 + 64 + 16], manual[256];

	memcpy(seed, "OpenVPN key expansion", 21);
	memcpy(seed + 21, cr2, 32);
	memcpy(seed + 53, sr2, 32);
	memcpy(seed + 85, csid, 8);
	memcpy(seed + 93, ssid, 8);
	CHECK_EQ(prf_tls1(master, 48, seed, sizeof(seed), manual, sizeof(manual)), 0);
	CHECK_MEM(manual, block, 256);

	/* swapped session ids (a classic mistake) give another block */
	in.client_sid = ssid;
	in.server_sid = csid;
	CHECK_EQ(prf_legacy_key_block(&in, manual), 0);
	CHECK(memcmp(manual, block, 256) != 0);

	in.server_sid = NULL;
	CHECK_EQ(prf_legacy_key_block(&in, manual), -1);
	CHECK_EQ(prf_legacy_key_block(NULL, manual), -1);
}

/* OpenSSL's own TLS 1.0 PRF, if this OpenSSL has the KDF; 1 if ran. */
static int
ossl_tls1_prf(const uint8_t *sec, size_t sl, const uint8_t *seed, size_t seedl,
	      uint8_t *out, size_t ol)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);

	if (!kdf)
		return 0;
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "MD5-SHA1", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)sec, sl),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seedl),
		OSSL_PARAM_construct_end(),
	};
	int ok = ctx && EVP_KDF_derive(ctx, out, ol, p) > 0;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 1 : 0;
}

static void
test_cross_check_openssl(void)
{
	uint8_t sec[97], seed[130], a[300], b[300];
	unsigned ran = 0;

	srand(7);
	for (int round = 0; round < 200; round++) {
		size_t sl = 1 + (size_t)rand() % sizeof(sec);  /* odd and even lengths */
		size_t seedl = 1 + (size_t)rand() % sizeof(seed);
		size_t ol = 1 + (size_t)rand() % sizeof(a);

		for (size_t i = 0; i < sl; i++)
			sec[i] = (uint8_t)rand();
		for (size_t i = 0; i < seedl; i++)
			seed[i] = (uint8_t)rand();
		CHECK_EQ(prf_tls1(sec, sl, seed, seedl, a, ol), 0);
		if (ossl_tls1_prf(sec, sl, seed, seedl, b, ol)) {
			ran++;
			CHECK_MEM(a, b, ol);
		}
	}
	printf("prf: OpenSSL TLS1-PRF cross-check: %u of 200 rounds\n", ran);
}

static void
test_split(void)
{
	uint8_t block[256];
	struct prf_server_keys k;

	for (int i = 0; i < 256; i++)
		block[i] = (uint8_t)i;

	/* 1: AES-256 / ChaCha20: 32-byte keys; server rx = keys[0], tx = keys[1] */
	CHECK_EQ(prf_split_server_keys(block, 32, &k), 0);
	CHECK_EQ(k.rx.key_len, 32);
	CHECK_EQ(k.tx.key_len, 32);
	CHECK_MEM(k.rx.key, block + 0, 32);
	CHECK_MEM(k.rx.implicit_iv, block + 64, 8);
	CHECK_MEM(k.tx.key, block + 128, 32);
	CHECK_MEM(k.tx.implicit_iv, block + 192, 8);

	/* 2: AES-128: first 16 bytes of each cipher slot, rest of key[] zero */
	static const uint8_t zero16[16];

	CHECK_EQ(prf_split_server_keys(block, 16, &k), 0);
	CHECK_EQ(k.rx.key_len, 16);
	CHECK_MEM(k.rx.key, block + 0, 16);
	CHECK_MEM(k.rx.key + 16, zero16, 16);
	CHECK_MEM(k.tx.key, block + 128, 16);
	CHECK_MEM(k.tx.implicit_iv, block + 192, 8);

	/* 3: other key lengths refused */
	CHECK_EQ(prf_split_server_keys(block, 24, &k), -1);
	CHECK_EQ(prf_split_server_keys(block, 0, &k), -1);

	/* 4: an all-zero cipher key (either direction) is refused; bytes past
	 * key_len do not count */
	uint8_t weak[256];

	memcpy(weak, block, 256);
	memset(weak + 128, 0, 16);
	CHECK_EQ(prf_split_server_keys(weak, 16, &k), -1);
	CHECK_EQ(k.tx.key_len, 0);                      /* output wiped */
	CHECK_EQ(prf_split_server_keys(weak, 32, &k), 0);       /* 16 nonzero bytes left */
	memcpy(weak, block, 256);
	memset(weak, 0, 32);
	CHECK_EQ(prf_split_server_keys(weak, 32, &k), -1);

	/* 5: §18.1 key block: block[i] = seed[i % 32] ^ i */
	static const char s18[] = "abcdefgh01234567ABCDEFGHjkuchenl";

	for (int i = 0; i < 256; i++)
		block[i] = (uint8_t)(s18[i % 32] ^ i);
	CHECK_EQ(prf_split_server_keys(block, 32, &k), 0);
	CHECK_HEX(k.rx.key, "616361676163616f3838383838383838515351575153515f72726f7874787073");
	CHECK_HEX(k.rx.implicit_iv, "212321272123212f");

	/* 6: §18.6 capture, EKM block: client->server slot is our rx */
	memset(block, 0x5a, sizeof(block));
	unhex("724cefc2969b6289ded10732cd272179d570175138c42caeb45ac93a1aa4f604", block + 0);
	unhex("a92d27007303908a", block + 64);
	unhex("605bbca08b3bb4f8fb721ab341f985062327672857824fc6c6d0c96d4975b40d", block + 128);
	unhex("ef9672c8459b09d5", block + 192);
	CHECK_EQ(prf_split_server_keys(block, 32, &k), 0);
	CHECK_HEX(k.rx.key, "724cefc2969b6289ded10732cd272179d570175138c42caeb45ac93a1aa4f604");
	CHECK_HEX(k.rx.implicit_iv, "a92d27007303908a");
	CHECK_HEX(k.tx.key, "605bbca08b3bb4f8fb721ab341f985062327672857824fc6c6d0c96d4975b40d");
	CHECK_HEX(k.tx.implicit_iv, "ef9672c8459b09d5");

	prf_server_keys_wipe(&k);
	CHECK_EQ(k.rx.key_len, 0);
	CHECK_EQ(k.rx.key[0], 0);
}

int
main(void)
{
	test_tls1_prf_vector();
	test_key_expansion_vector();
	test_cross_check_openssl();
	test_split();
	return harness_done("prf");
}
