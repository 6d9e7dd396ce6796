/*
 * OpenVPN data-channel AEAD with the ipsec-mb job API: every op of a burst is
 * submitted before any is waited for, so multi-buffer implementations can
 * interleave packets; the burst ends with a flush. Completed jobs come back
 * in any order relative to submission and are matched to their op through
 * job->user_data.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* explicit_bzero */
#endif
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "crypto.h"

_Static_assert(sizeof(struct gcm_key_data) <= DP_GCM_KEY_DATA_SIZE,
	       "DP_GCM_KEY_DATA_SIZE too small for this ipsec-mb");
_Static_assert(IMB_ARCH_NUM <= UINT8_MAX, "arch must fit dp_aead_key.arch");

/*
 * Where the GHASH keys of a short packet's first blocks sit in the expanded
 * GCM key, which depends on the code path ipsec-mb picked: with VAES,
 * HashKey^1..4 are the last of its 48 (two lines ending at 1008); otherwise
 * HashKey^1..8 follow the round keys (lines 4-5; SSE/AVX keep Karatsuba
 * halves after them, which we leave to the demand miss). A wrong guess here
 * costs speed, never correctness.
 */
static uint32_t
hkey_offset(const IMB_MGR *mgr, IMB_ARCH arch)
{
	const uint64_t vaes = IMB_FEATURE_VAES | IMB_FEATURE_VPCLMULQDQ;

	if (arch == IMB_ARCH_AVX512 && (mgr->features & vaes) == vaes)
		return 14 * 64;
	return 4 * 64;
}

int
dp_crypto_init(struct dp_crypto *c)
{
	IMB_ARCH arch = IMB_ARCH_NONE;

	memset(c, 0, sizeof(*c));
	c->mgr = alloc_mb_mgr(0);
	if (c->mgr == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(c->mgr, &arch);
	if (arch == IMB_ARCH_NONE || imb_get_errno(c->mgr) != 0) {
		free_mb_mgr(c->mgr);
		c->mgr = NULL;
		return -ENOTSUP;
	}
	c->arch = arch;
	c->pf_hkey = hkey_offset(c->mgr, arch);
	return 0;
}

void
dp_crypto_fini(struct dp_crypto *c)
{
	if (c->mgr != NULL)
		free_mb_mgr(c->mgr);
	c->mgr = NULL;
}

const char *
dp_crypto_arch(const struct dp_crypto *c)
{
	static const char *const names[] = {
		[IMB_ARCH_NONE] = "none", [IMB_ARCH_NOAESNI] = "noaesni",
		[IMB_ARCH_SSE] = "sse", [IMB_ARCH_AVX] = "avx",
		[IMB_ARCH_AVX2] = "avx2", [IMB_ARCH_AVX512] = "avx512",
	};

	if (c->mgr == NULL || c->arch >= IMB_ARCH_NUM)
		return "none";
	return names[c->arch];
}

const char *
dp_crypto_version(void)
{
	return imb_get_version_str();
}

size_t
dp_aead_key_size(void)
{
	return sizeof(struct dp_aead_key);
}

static int
key_len_ok(uint8_t cipher, size_t key_len)
{
	switch (cipher) {
	case DP_CIPHER_AES_128_GCM:
		return key_len == 16;
	case DP_CIPHER_AES_256_GCM:
	case DP_CIPHER_CHACHA20_POLY1305:
		return key_len == 32;
	default:
		return 0;
	}
}

static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int
dp_aead_key_init(struct dp_aead_key *k, struct dp_crypto *c, uint8_t cipher,
		 const uint8_t *key, size_t key_len, const uint8_t iv[DP_AEAD_IV_LEN])
{
	if (!key_len_ok(cipher, key_len) || key == NULL || iv == NULL)
		return -EINVAL;
	if (all_zero(key, key_len) || ((uintptr_t)k & 63) != 0)
		return -EINVAL;
	if (c == NULL || c->mgr == NULL)
		return -EINVAL;

	explicit_bzero(k, sizeof(*k));
	if (cipher == DP_CIPHER_AES_128_GCM)
		IMB_AES128_GCM_PRE(c->mgr, key, (struct gcm_key_data *)k->k.gcm);
	else if (cipher == DP_CIPHER_AES_256_GCM)
		IMB_AES256_GCM_PRE(c->mgr, key, (struct gcm_key_data *)k->k.gcm);
	else
		memcpy(k->k.chacha, key, key_len);
	memcpy(k->implicit_iv, iv, DP_AEAD_IV_LEN);
	k->cipher = cipher;
	k->key_len = (uint8_t)key_len;
	k->arch = (uint8_t)c->arch;
	return 0;
}

void
dp_aead_key_wipe(struct dp_aead_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

static inline void
make_nonce(struct dp_aead_op *op)
{
	uint32_t pid = op->packet_id;

	op->priv_nonce[0] = (uint8_t)(pid >> 24);
	op->priv_nonce[1] = (uint8_t)(pid >> 16);
	op->priv_nonce[2] = (uint8_t)(pid >> 8);
	op->priv_nonce[3] = (uint8_t)pid;
	memcpy(op->priv_nonce + 4, op->key->implicit_iv, DP_AEAD_IV_LEN);
}

/* Fill every field the chosen modes read: job slots are recycled dirty. */
static inline void
fill_job(IMB_JOB *job, struct dp_aead_op *op, int enc)
{
	const struct dp_aead_key *k = op->key;

	make_nonce(op);
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->src = op->data;
	job->dst = op->data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = op->len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->len;
	job->iv = op->priv_nonce;
	job->iv_len_in_bytes = DP_AEAD_NONCE_LEN;
	/* Decrypt computes the tag into scratch; we compare it ourselves. */
	job->auth_tag_output = enc ? op->tag : op->priv_tag;
	job->auth_tag_output_len_in_bytes = DP_AEAD_TAG_LEN;
	job->key_len_in_bytes = k->key_len;
	job->user_data = op;
	if (k->cipher == DP_CIPHER_CHACHA20_POLY1305) {
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->enc_keys = k->k.chacha;
		job->dec_keys = k->k.chacha;
		job->u.CHACHA20_POLY1305.aad = op->aad;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = op->aad_len;
		job->u.CHACHA20_POLY1305.ctx = NULL;
	} else {
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->enc_keys = k->k.gcm;
		job->dec_keys = k->k.gcm;
		job->u.GCM.aad = op->aad;
		job->u.GCM.aad_len_in_bytes = op->aad_len;
		job->u.GCM.ctx = NULL;
	}
}

/* Constant time: no early exit on the first differing byte. */
static inline uint8_t
tag_equal(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0, a1, b0, b1, d;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	d = (a0 ^ b0) | (a1 ^ b1);
	return (uint8_t)(1 ^ ((d | (0 - d)) >> 63));
}

static inline unsigned
complete_job(struct dp_crypto *c, IMB_JOB *job, int enc)
{
	struct dp_aead_op *op = job->user_data;

	if (job->status != IMB_STATUS_COMPLETED) {
		c->job_errors++;
		op->ok = 0;
		return 0;
	}
	if (enc) {
		op->ok = 1;
		return 1;
	}
	op->ok = tag_equal(op->priv_tag, op->tag);
	/* The right tag for a forged packet is a forgery oracle: don't keep it. */
	memset(op->priv_tag, 0, sizeof(op->priv_tag));
	return op->ok;
}

static inline int
op_usable(const struct dp_crypto *c, const struct dp_aead_op *op)
{
	const struct dp_aead_key *k = op->key;

	return k != NULL && k->cipher != DP_CIPHER_NONE && k->arch == c->arch &&
	       (op->aad != NULL || op->aad_len == 0);
}

/* asm volatile, as rte_prefetch0 does: GCC 12 -O2 deletes these
 * __builtin_prefetch calls here (tree DCE). ipsec-mb is x86-only, so is this. */
static inline void
prefetch_line(const void *p)
{
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const volatile char *)p));
}

/*
 * With many sessions every packet's key is cold, and ipsec-mb's first
 * touches of it are demand misses in a row. So run_burst() prefetches, a few
 * jobs ahead, the lines a short packet's AEAD reads: the AES round keys
 * (lines 0-3; a ChaCha20 key is line 0), the first GHASH keys, and our
 * trailer (cipher, arch, implicit IV).
 */
static inline void
key_prefetch(const struct dp_crypto *c, const struct dp_aead_key *k)
{
	const char *p = (const char *)k;

	if (k == NULL)
		return;
	prefetch_line(p);
	prefetch_line(p + 64);
	prefetch_line(p + 128);
	prefetch_line(p + 192);
	prefetch_line(p + c->pf_hkey);
	prefetch_line(p + c->pf_hkey + 64);
	prefetch_line(k->implicit_iv);
}

/* Keys this many jobs ahead are prefetched: a short packet's AEAD takes
 * ~150 cycles, about what a key line takes to arrive from L3. */
#define KEY_PREFETCH_AHEAD 2

static unsigned
run_burst(struct dp_crypto *c, struct dp_aead_op *ops, unsigned n, int enc)
{
	IMB_MGR *mgr = c->mgr;
	unsigned good = 0;
	IMB_JOB *job;

	for (unsigned i = 0; i < n && i < KEY_PREFETCH_AHEAD; i++)
		key_prefetch(c, ops[i].key);
	for (unsigned i = 0; i < n; i++) {
		if (i + KEY_PREFETCH_AHEAD < n)
			key_prefetch(c, ops[i + KEY_PREFETCH_AHEAD].key);
		ops[i].ok = 0;
		if (!op_usable(c, &ops[i])) {
			c->job_errors++;
			continue;
		}
		fill_job(IMB_GET_NEXT_JOB(mgr), &ops[i], enc);
		/* Submit may hand back an older job that finished meanwhile. */
		job = IMB_SUBMIT_JOB(mgr);
		if (job != NULL)
			good += complete_job(c, job, enc);
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		good += complete_job(c, job, enc);
	return good;
}

unsigned
dp_aead_decrypt_burst(struct dp_crypto *c, struct dp_aead_op *ops, unsigned n)
{
	return run_burst(c, ops, n, 0);
}

unsigned
dp_aead_encrypt_burst(struct dp_crypto *c, struct dp_aead_op *ops, unsigned n)
{
	return run_burst(c, ops, n, 1);
}
