/*
 * Known-answer and round-trip tests for dataplane/crypto_ipsecmb.c.
 * Vectors: docs fact sheet §18.1 (upstream test_ssl.c) and §18.6 (real
 * 2.6.14 capture); AES-128-GCM / ChaCha20-Poly1305 / P_DATA_V1 outputs for
 * the §18.1 material were computed once with python3-cryptography:
 *   AESGCM(key[:16]).encrypt(nonce, pt, aad), ChaCha20Poly1305(key).encrypt(...),
 *   AESGCM(key).encrypt(nonce, pt, aad=be32(1)),
 *   nonce = be32(1) || iv, aad = 07000017 00000001 (unless noted).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "harness.h"

static struct dp_crypto ctx;

static size_t
unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static struct dp_aead_key *
key_new(uint8_t cipher, const uint8_t *key, size_t key_len, const uint8_t *iv)
{
	struct dp_aead_key *k = aligned_alloc(64, dp_aead_key_size());

	CHECK(k != NULL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, cipher, key, key_len, iv), 0);
	return k;
}

static void
key_free(struct dp_aead_key *k)
{
	dp_aead_key_wipe(k);
	free(k);
}

/* Decrypt one on-wire P_DATA_V2 packet (hdr 8 | tag 16 | ct) in place. */
static int
open_v2(const struct dp_aead_key *k, uint8_t *pkt, size_t len)
{
	struct dp_aead_op op = {
		.key = k, .data = pkt + 24, .len = (uint32_t)(len - 24),
		.aad = pkt, .aad_len = 8, .tag = pkt + 8,
		.packet_id = (uint32_t)pkt[4] << 24 | pkt[5] << 16 | pkt[6] << 8 | pkt[7],
	};
	unsigned n = dp_aead_decrypt_burst(&ctx, &op, 1);

	CHECK_EQ(n, op.ok);
	return op.ok;
}

/* §18.1 key material: block[i] = seed[i % 32] ^ i; key = block[0..32), iv = block[64..72). */
static uint8_t k181[32], iv181[8];
static const char pt181[] = "The quick little fox jumps over the bureaucratic hurdles";
static const uint8_t aad181[8] = { 0x07, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x01 };

static void
make_181(void)
{
	static const char seed[] = "abcdefgh01234567ABCDEFGHjkuchenl";
	uint8_t blk[72];

	for (unsigned i = 0; i < sizeof(blk); i++)
		blk[i] = (uint8_t)(seed[i % 32] ^ i);
	memcpy(k181, blk, 32);
	memcpy(iv181, blk + 64, 8);
}

struct kat {
	const char *name;
	uint8_t cipher;
	size_t key_len;
	const uint8_t *aad;
	uint8_t aad_len;
	const char *tag, *ct;
};

static const uint8_t aad_v1[4] = { 0, 0, 0, 1 };

static const struct kat kats[] = {
	{ "aes256 §18.1", DP_CIPHER_AES_256_GCM, 32, aad181, 8,
	  "1fdd908f0e9dc25e79d832020d58e73f",
	  "2262f977d6bb2118fa0ea82e6b1706d949aefcb5efcbbacd5c09a9ab45f4d391"
	  "d3f68794cb0b82c3d33389b61622b3281598e2ff6d5cc38b" },
	{ "aes128", DP_CIPHER_AES_128_GCM, 16, aad181, 8,
	  "0ffb25d0310a824b9e3776a233918a00",
	  "503b3d2700a8e4f500a7a544f6409295f3beaa9415f834ff767453623c05f05e"
	  "23dca8975fee27b4a46629971cfac194b5b95ce7680b8bf3" },
	{ "chacha", DP_CIPHER_CHACHA20_POLY1305, 32, aad181, 8,
	  "c0937df285a2892ba059c1590a629f77",
	  "1e9df44cbc61e8e65b606504faaf107f3b94da1fa1c9b860fbdff86ad8ae6b5f"
	  "be762ba5beb3f09ad395efd7b47656ec824bbd83a44bbed5" },
	{ "aes256 P_DATA_V1", DP_CIPHER_AES_256_GCM, 32, aad_v1, 4,
	  "15dac3c372a148256d36dae123e08b93",
	  "2262f977d6bb2118fa0ea82e6b1706d949aefcb5efcbbacd5c09a9ab45f4d391"
	  "d3f68794cb0b82c3d33389b61622b3281598e2ff6d5cc38b" },
};

static void
test_kat(const struct kat *t)
{
	struct dp_aead_key *k = key_new(t->cipher, k181, t->key_len, iv181);
	uint8_t buf[64], tag[16], want_ct[64], want_tag[16];
	size_t len = strlen(pt181);
	struct dp_aead_op op = {
		.key = k, .data = buf, .len = (uint32_t)len, .aad = t->aad,
		.aad_len = t->aad_len, .packet_id = 1, .tag = tag,
	};

	printf("kat %s\n", t->name);
	CHECK_EQ(unhex(want_ct, t->ct), len);
	unhex(want_tag, t->tag);
	memcpy(buf, pt181, len);
	CHECK_EQ(dp_aead_encrypt_burst(&ctx, &op, 1), 1);
	CHECK_EQ(op.ok, 1);
	CHECK_MEM(buf, want_ct, len);
	CHECK_MEM(tag, want_tag, 16);
	CHECK_EQ(dp_aead_decrypt_burst(&ctx, &op, 1), 1);
	CHECK_MEM(buf, pt181, len);
	key_free(k);
}

static void
test_capture(void)
{
	static const char c2s[] =
		"480000000000000337f3dcecc2d98034f0fc8c205de1a609bce9dbfb62463f05"
		"177c5bd03b2b888f74dcff5f5c43c282f387c9c8556118a430caab7a6fe0757b"
		"fcffffa5f28fd3e058633ef2d1879e36eec5440095264cf5f63e8969fef3f45d"
		"f03dc166d23b6159af4c6338";
	static const char s2c[] =
		"4800000000000002c947c6a6eca09d20143b3a6ddbf314ab37133c67bc1ea46f"
		"523f71eaa7724bd3eeb0027eb4fbc5ac256ea76af0516a21127b21df0454a600"
		"c52afb65c7e9b022f542e680e8ee3aa59124ad45c4d1cdc4a002ced23988d78e"
		"022f0a493c94abb50f527150";
	static const char tail[] =
		"0000000068a40b0000000000101112131415161718191a1b1c1d1e1f20212223"
		"2425262728292a2b2c2d2e2f3031323334353637";
	uint8_t key[32], iv[8], pkt[128], want[96];
	struct dp_aead_key *k;
	size_t n, w;

	unhex(key, "724cefc2969b6289ded10732cd272179d570175138c42caeb45ac93a1aa4f604");
	unhex(iv, "a92d27007303908a");
	k = key_new(DP_CIPHER_AES_256_GCM, key, 32, iv);
	n = unhex(pkt, c2s);
	CHECK_EQ(n, 108);
	w = unhex(want, "45000054fd4b40004001294b0a0800020a08000108007765573d0001f479026b");
	w += unhex(want + w, tail);
	CHECK_EQ(w, 84);
	CHECK_EQ(open_v2(k, pkt, n), 1);
	CHECK_MEM(pkt + 24, want, 84);
	key_free(k);

	unhex(key, "605bbca08b3bb4f8fb721ab341f985062327672857824fc6c6d0c96d4975b40d");
	unhex(iv, "ef9672c8459b09d5");
	k = key_new(DP_CIPHER_AES_256_GCM, key, 32, iv);
	n = unhex(pkt, s2c);
	w = unhex(want, "45000054ffd10000400166c50a0800010a08000200007f65573d0001f479026b");
	w += unhex(want + w, tail);
	CHECK_EQ(open_v2(k, pkt, n), 1);
	CHECK_MEM(pkt + 24, want, 84);
	/* The c->s packet must not open with the s->c key (direction mix-up). */
	n = unhex(pkt, c2s);
	CHECK_EQ(open_v2(k, pkt, n), 0);
	key_free(k);
}

/* (d) one flipped bit anywhere authenticated => ok=0 */
static void
test_tamper(uint8_t cipher, size_t key_len)
{
	struct dp_aead_key *k = key_new(cipher, k181, key_len, iv181);
	size_t len = strlen(pt181);
	uint8_t pkt[24 + 64], orig[24 + 64];
	struct dp_aead_op op = {
		.key = k, .data = pkt + 24, .len = (uint32_t)len, .aad = pkt,
		.aad_len = 8, .packet_id = 1, .tag = pkt + 8,
	};

	memcpy(pkt, aad181, 8);
	memcpy(pkt + 24, pt181, len);
	CHECK_EQ(dp_aead_encrypt_burst(&ctx, &op, 1), 1);
	memcpy(orig, pkt, sizeof(pkt));
	for (size_t bit = 0; bit < (24 + len) * 8; bit += 7) {
		memcpy(pkt, orig, sizeof(pkt));
		pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK_EQ(dp_aead_decrypt_burst(&ctx, &op, 1), 0);
		CHECK_EQ(op.ok, 0);
	}
	memcpy(pkt, orig, sizeof(pkt));
	op.packet_id = 2;       /* wrong nonce */
	CHECK_EQ(dp_aead_decrypt_burst(&ctx, &op, 1), 0);
	memcpy(pkt, orig, sizeof(pkt));
	op.packet_id = 1;
	CHECK_EQ(dp_aead_decrypt_burst(&ctx, &op, 1), 1);
	CHECK_MEM(pkt + 24, pt181, len);
	key_free(k);
}

/* Tiny deterministic PRNG so failures reproduce. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

#define NB DP_AEAD_BURST_MAX
#define MAXLEN 1500

struct slot {
	uint8_t hdr[8], tag[16], data[MAXLEN], orig[MAXLEN];
};

static void
burst_setup(struct dp_aead_op *ops, struct slot *s, struct dp_aead_key **keys, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t len = (i < 3) ? (uint32_t[]){ 1, MAXLEN, 16 }[i] : 1 + rnd() % MAXLEN;

		for (uint32_t j = 0; j < len; j++)
			s[i].orig[j] = (uint8_t)rnd();
		memcpy(s[i].data, s[i].orig, len);
		s[i].hdr[0] = 0x48;
		s[i].hdr[7] = (uint8_t)i;
		ops[i] = (struct dp_aead_op){
			.key = keys[i % 3], .data = s[i].data, .len = len, .aad = s[i].hdr,
			.aad_len = (i & 4) ? 4 : 8, .packet_id = 1000 + i, .tag = s[i].tag,
		};
	}
}

/* (e) a full mixed burst: encrypt, tamper a few, decrypt, count */
static void
test_burst(struct dp_aead_key **keys)
{
	static struct slot s[NB];
	struct dp_aead_op ops[NB];
	unsigned bad[] = { 0, 5, 17, 42, 63 };

	burst_setup(ops, s, keys, NB);
	CHECK_EQ(dp_aead_encrypt_burst(&ctx, ops, NB), NB);
	for (unsigned i = 0; i < NB; i++) {
		CHECK_EQ(ops[i].ok, 1);
		if (ops[i].len >= 16)
			CHECK(memcmp(s[i].data, s[i].orig, ops[i].len) != 0);
	}
	s[bad[0]].data[0] ^= 1;
	s[bad[1]].tag[15] ^= 0x80;
	s[bad[2]].hdr[1] ^= 2;
	ops[bad[3]].packet_id++;
	s[bad[4]].data[ops[bad[4]].len - 1] ^= 0x40;
	CHECK_EQ(dp_aead_decrypt_burst(&ctx, ops, NB), NB - 5);
	for (unsigned i = 0, b = 0; i < NB; i++) {
		int tampered = b < 5 && bad[b] == i;

		b += tampered;
		CHECK_EQ(ops[i].ok, !tampered);
		if (!tampered)
			CHECK_MEM(s[i].data, s[i].orig, ops[i].len);
	}
}

/* Many random bursts of random sizes, none tampered: all must round-trip. */
static void
test_bursts_random(struct dp_aead_key **keys)
{
	static struct slot s[NB];
	struct dp_aead_op ops[NB];
	int bad = 0;

	for (int round = 0; round < 200; round++) {
		unsigned n = 1 + rnd() % NB;

		burst_setup(ops, s, keys, n);
		bad += dp_aead_encrypt_burst(&ctx, ops, n) != n;
		bad += dp_aead_decrypt_burst(&ctx, ops, n) != n;
		for (unsigned i = 0; i < n; i++)
			bad += memcmp(s[i].data, s[i].orig, ops[i].len) != 0;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(dp_aead_decrypt_burst(&ctx, ops, 0), 0);
}

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Unusable ops (wiped key) are refused without disturbing the others. */
static void
test_wiped_key(void)
{
	struct dp_aead_key *k = key_new(DP_CIPHER_AES_128_GCM, k181, 16, iv181);
	uint8_t buf[8] = "abcdefg", tag[16];
	struct dp_aead_op op = {
		.key = k, .data = buf, .len = 8, .aad = aad181, .aad_len = 8,
		.packet_id = 1, .tag = tag,
	};

	dp_aead_key_wipe(k);
	CHECK_EQ(k->cipher, DP_CIPHER_NONE);
	CHECK(all_zero(k, dp_aead_key_size()));
	CHECK_EQ(dp_aead_encrypt_burst(&ctx, &op, 1), 0);
	CHECK_EQ(op.ok, 0);
	free(k);
}

/* (f) */
static void
test_key_init_errors(void)
{
	struct dp_aead_key *k = aligned_alloc(64, dp_aead_key_size() + 64);
	uint8_t zero[32] = { 0 };

	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_AES_128_GCM, k181, 32, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_AES_128_GCM, k181, 24, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_AES_256_GCM, k181, 16, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_CHACHA20_POLY1305, k181, 16, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_CHACHA20_POLY1305, k181, 0, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_NONE, k181, 32, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, 4, k181, 32, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, 255, k181, 16, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_AES_128_GCM, zero, 16, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_AES_256_GCM, zero, 32, iv181), -EINVAL);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_CHACHA20_POLY1305, zero, 32, iv181), -EINVAL);
	/* misaligned storage */
	CHECK_EQ(dp_aead_key_init((struct dp_aead_key *)((uint8_t *)k + 16), &ctx,
				  DP_CIPHER_AES_256_GCM, k181, 32, iv181), -EINVAL);
	/* one non-zero byte is enough */
	zero[31] = 1;
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_CHACHA20_POLY1305, zero, 32, iv181), 0);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_AES_128_GCM, k181, 16, iv181), 0);
	CHECK_EQ(dp_aead_key_init(k, &ctx, DP_CIPHER_AES_256_GCM, k181, 32, iv181), 0);
	dp_aead_key_wipe(k);
	free(k);
}

int
main(void)
{
	struct dp_aead_key *keys[3];

	CHECK_EQ(dp_crypto_init(&ctx), 0);
	printf("ipsec-mb arch: %s\n", dp_crypto_arch(&ctx));
	CHECK(dp_aead_key_size() >= sizeof(struct dp_aead_key));
	make_181();
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
		test_kat(&kats[i]);
	test_capture();
	test_tamper(DP_CIPHER_AES_128_GCM, 16);
	test_tamper(DP_CIPHER_AES_256_GCM, 32);
	test_tamper(DP_CIPHER_CHACHA20_POLY1305, 32);
	keys[0] = key_new(DP_CIPHER_AES_128_GCM, k181, 16, iv181);
	keys[1] = key_new(DP_CIPHER_AES_256_GCM, k181, 32, iv181);
	keys[2] = key_new(DP_CIPHER_CHACHA20_POLY1305, k181, 32, iv181);
	test_burst(keys);
	test_bursts_random(keys);
	for (int i = 0; i < 3; i++)
		key_free(keys[i]);
	test_wiped_key();
	test_key_init_errors();
	CHECK_EQ(ctx.job_errors, 1);    /* the wiped-key op only */
	dp_crypto_fini(&ctx);
	return harness_done("aead");
}
