/*
 * TLS 1.0 PRF, OpenVPN legacy key expansion, key block split (fact sheet
 * §6.1, §6.3). See prf.h.
 */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "prf.h"

/* HMAC(key, d1 || d2) with the digest in params; *out_len set. */
static bool
hmac2(EVP_MAC_CTX *ctx, const uint8_t *key, size_t key_len, const OSSL_PARAM *params,
      const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2,
      uint8_t out[EVP_MAX_MD_SIZE], size_t *out_len)
{
	return EVP_MAC_init(ctx, key, key_len, params) &&
	       EVP_MAC_update(ctx, d1, l1) &&
	       (l2 == 0 || EVP_MAC_update(ctx, d2, l2)) &&
	       EVP_MAC_final(ctx, out, out_len, EVP_MAX_MD_SIZE);
}

/*
 * RFC 2246 §5 P_hash, XORed into out[0..out_len):
 *	A(0) = seed, A(i) = HMAC(secret, A(i-1))
 *	P_hash = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
 */
static bool
p_hash_xor(EVP_MAC_CTX *ctx, const char *md, const uint8_t *secret, size_t secret_len,
	   const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_end(),
	};
	uint8_t a[EVP_MAX_MD_SIZE], blk[EVP_MAX_MD_SIZE];
	size_t a_len = 0, blk_len = 0;
	bool ok = hmac2(ctx, secret, secret_len, params, seed, seed_len, NULL, 0, a, &a_len);

	for (size_t done = 0; ok && done < out_len;) {
		ok = hmac2(ctx, secret, secret_len, params, a, a_len, seed, seed_len, blk, &blk_len) &&
		     blk_len > 0;
		for (size_t i = 0; ok && i < blk_len && done < out_len; i++)
			out[done++] ^= blk[i];
		if (ok && done < out_len)
			ok = hmac2(ctx, secret, secret_len, params, a, a_len, NULL, 0, a, &a_len);
	}
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(blk, sizeof(blk));
	return ok;
}

int
prf_tls1(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len,
	 uint8_t *out, size_t out_len)
{
	if (!secret || secret_len == 0 || !seed || !out)
		return -1;

	/* S1 = first ceil(len/2) bytes, S2 = last ceil(len/2): they share
	 * the middle byte when len is odd */
	const size_t half = (secret_len + 1) / 2;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	bool ok = ctx != NULL;

	memset(out, 0, out_len);
	ok = ok && p_hash_xor(ctx, "MD5", secret, half, seed, seed_len, out, out_len);
	ok = ok && p_hash_xor(ctx, "SHA1", secret + secret_len - half, half, seed, seed_len,
			      out, out_len);
	EVP_MAC_CTX_free(ctx);  /* cleanses the key copy */
	EVP_MAC_free(mac);
	if (!ok)
		OPENSSL_cleanse(out, out_len);
	return ok ? 0 : -1;
}

static bool
legacy_input_ok(const struct prf_legacy_input *in)
{
	return in && in->pre_master && in->client_random1 && in->client_random2 &&
	       in->server_random1 && in->server_random2 && in->client_sid && in->server_sid;
}

/* label || a[32] || b[32] || (sids, if any): at most 21 + 64 + 16 bytes */
static size_t
make_seed(uint8_t *seed, const char *label, const uint8_t *a, const uint8_t *b,
	  const uint8_t *sid1, const uint8_t *sid2)
{
	size_t n = strlen(label);

	memcpy(seed, label, n);         /* no NUL, no trailing space */
	memcpy(seed + n, a, PRF_RANDOM_LEN);
	n += PRF_RANDOM_LEN;
	memcpy(seed + n, b, PRF_RANDOM_LEN);
	n += PRF_RANDOM_LEN;
	if (sid1) {
		memcpy(seed + n, sid1, PRF_SID_LEN);
		n += PRF_SID_LEN;
		memcpy(seed + n, sid2, PRF_SID_LEN);
		n += PRF_SID_LEN;
	}
	return n;
}

#define SEED_MAX (sizeof(PRF_LABEL_EXPANSION) + 2 * PRF_RANDOM_LEN + 2 * PRF_SID_LEN)

int
prf_legacy_master(const struct prf_legacy_input *in, uint8_t master[PRF_MASTER_LEN])
{
	uint8_t seed[SEED_MAX];

	if (!legacy_input_ok(in) || !master)
		return -1;
	size_t n = make_seed(seed, PRF_LABEL_MASTER, in->client_random1, in->server_random1,
			     NULL, NULL);
	int rc = prf_tls1(in->pre_master, PRF_PRE_MASTER_LEN, seed, n, master, PRF_MASTER_LEN);

	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

int
prf_legacy_key_block(const struct prf_legacy_input *in, uint8_t key_block[PRF_KEY_BLOCK_LEN])
{
	uint8_t master[PRF_MASTER_LEN];
	uint8_t seed[SEED_MAX];
	int rc;

	if (!legacy_input_ok(in) || !key_block)
		return -1;
	rc = prf_legacy_master(in, master);
	if (rc == 0) {
		size_t n = make_seed(seed, PRF_LABEL_EXPANSION, in->client_random2,
				     in->server_random2, in->client_sid, in->server_sid);

		rc = prf_tls1(master, PRF_MASTER_LEN, seed, n, key_block, PRF_KEY_BLOCK_LEN);
	}
	if (rc != 0)
		OPENSSL_cleanse(key_block, PRF_KEY_BLOCK_LEN);
	OPENSSL_cleanse(master, sizeof(master));
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void
take_dir(struct prf_dir_key *d, const uint8_t *block, size_t key_off, size_t iv_off,
	 unsigned key_len)
{
	memcpy(d->key, block + key_off, key_len);
	memcpy(d->implicit_iv, block + iv_off, PRF_IMPLICIT_IV_LEN);
	d->key_len = (uint8_t)key_len;
}

int
prf_split_server_keys(const uint8_t key_block[PRF_KEY_BLOCK_LEN], unsigned key_len,
		      struct prf_server_keys *out)
{
	assert(out);
	prf_server_keys_wipe(out);
	if (!key_block || (key_len != 16 && key_len != 32))
		return -1;
	if (all_zero(key_block + PRF_OFF_C2S_CIPHER, key_len) ||
	    all_zero(key_block + PRF_OFF_S2C_CIPHER, key_len))
		return -1;
	/* KEY_DIRECTION_INVERSE: decrypt with keys[0], encrypt with keys[1] */
	take_dir(&out->rx, key_block, PRF_OFF_C2S_CIPHER, PRF_OFF_C2S_HMAC, key_len);
	take_dir(&out->tx, key_block, PRF_OFF_S2C_CIPHER, PRF_OFF_S2C_HMAC, key_len);
	return 0;
}

void
prf_server_keys_wipe(struct prf_server_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}
