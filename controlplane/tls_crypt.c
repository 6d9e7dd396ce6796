/*
 * tls-crypt wrap/unwrap and its SIV primitive (fact sheet §2.5, §2.7).
 * See tls_crypt.h.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ctl_wire.h"
#include "tls_crypt.h"

/*
 * The algorithms, fetched once: OpenSSL 3 looks a name up in its provider
 * store on every implicit fetch (locks, string compares), which cost more
 * than hashing a control packet. Kept for the life of the process.
 */
static EVP_MAC *hmac_alg;
static EVP_CIPHER *ctr_alg;
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;

static void
fetch_algs(void)
{
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctr_alg = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL);
}

/* HMAC-SHA256(ka, ad || pt) -> tag. */
static int
siv_tag(const uint8_t ka[TLS_CRYPT_KEY_LEN], const uint8_t *ad, size_t ad_len,
	const uint8_t *pt, size_t len, uint8_t tag[TLS_CRYPT_TAG_LEN])
{
	pthread_once(&algs_once, fetch_algs);
	EVP_MAC_CTX *c = hmac_alg ? EVP_MAC_CTX_new(hmac_alg) : NULL;
	OSSL_PARAM prm[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t got = 0;
	bool ok = c && EVP_MAC_init(c, ka, TLS_CRYPT_KEY_LEN, prm) &&
		  (ad_len == 0 || EVP_MAC_update(c, ad, ad_len)) &&
		  (len == 0 || EVP_MAC_update(c, pt, len)) &&
		  EVP_MAC_final(c, tag, &got, TLS_CRYPT_TAG_LEN) && got == TLS_CRYPT_TAG_LEN;

	EVP_MAC_CTX_free(c);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : CTL_ERR_CRYPTO;
}

/* AES-256-CTR with the 16-byte counter block iv; encrypt == decrypt. */
static int
ctr_xor(const uint8_t ke[TLS_CRYPT_KEY_LEN], const uint8_t iv[TLS_CRYPT_IV_LEN],
	const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c;
	int n = 0, fin = 0;
	bool ok;

	if (len == 0)
		return 0;
	pthread_once(&algs_once, fetch_algs);
	c = ctr_alg ? EVP_CIPHER_CTX_new() : NULL;
	ok = c && EVP_EncryptInit_ex2(c, ctr_alg, ke, iv, NULL) &&
	     EVP_EncryptUpdate(c, out, &n, in, (int)len) &&
	     EVP_EncryptFinal_ex(c, out + n, &fin) && (size_t)(n + fin) == len;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : CTL_ERR_CRYPTO;
}

int
tls_crypt_seal(const uint8_t ke[TLS_CRYPT_KEY_LEN], const uint8_t ka[TLS_CRYPT_KEY_LEN],
	       const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t len,
	       uint8_t tag[TLS_CRYPT_TAG_LEN], uint8_t *ct)
{
	int rc;

	if (len > TLS_CRYPT_PT_MAX)
		return CTL_ERR_ARG;
	rc = siv_tag(ka, ad, ad_len, pt, len, tag);
	return rc ? rc : ctr_xor(ke, tag, pt, len, ct);
}

int
tls_crypt_open(const uint8_t ke[TLS_CRYPT_KEY_LEN], const uint8_t ka[TLS_CRYPT_KEY_LEN],
	       const uint8_t *ad, size_t ad_len, const uint8_t tag[TLS_CRYPT_TAG_LEN],
	       const uint8_t *ct, size_t len, uint8_t *pt)
{
	uint8_t check[TLS_CRYPT_TAG_LEN];
	int rc;

	if (len > TLS_CRYPT_PT_MAX)
		return CTL_ERR_ARG;
	/* SIV: the tag is over the plaintext, so decrypt first, then verify */
	rc = ctr_xor(ke, tag, ct, len, pt);
	if (!rc)
		rc = siv_tag(ka, ad, ad_len, pt, len, check);
	if (!rc && CRYPTO_memcmp(check, tag, TLS_CRYPT_TAG_LEN) != 0)
		rc = CTL_ERR_AUTH;
	if (rc && len)
		OPENSSL_cleanse(pt, len);
	return rc;
}

int
tls_crypt_init(struct tls_crypt_ctx *ctx, const uint8_t key256[STATIC_KEY_LEN],
	       bool is_server)
{
	struct key_slices ks;

	if (static_key_slices(key256, static_key_dir_for_role(is_server), &ks))
		return CTL_ERR_ARG;
	memcpy(ctx->send_ke, ks.send_cipher, TLS_CRYPT_KEY_LEN);
	memcpy(ctx->send_ka, ks.send_hmac, TLS_CRYPT_KEY_LEN);
	memcpy(ctx->recv_ke, ks.recv_cipher, TLS_CRYPT_KEY_LEN);
	memcpy(ctx->recv_ka, ks.recv_hmac, TLS_CRYPT_KEY_LEN);
	return 0;
}

void
tls_crypt_wipe(struct tls_crypt_ctx *ctx)
{
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

ssize_t
tls_crypt_unwrap(const struct tls_crypt_ctx *ctx, const uint8_t *in, size_t len,
		 uint8_t *out, size_t cap, uint32_t *replay_id, uint32_t *replay_time)
{
	int rc;

	if (len < TLS_CRYPT_OFF_CT)
		return CTL_ERR_SHORT;
	if (len - TLS_CRYPT_OVERHEAD > cap)
		return CTL_ERR_SPACE;
	/* AD = op/key, sid, replay id, time: exactly the first 17 wire bytes */
	rc = tls_crypt_open(ctx->recv_ke, ctx->recv_ka, in, TLS_CRYPT_OFF_TAG,
			    in + TLS_CRYPT_OFF_TAG, in + TLS_CRYPT_OFF_CT,
			    len - TLS_CRYPT_OFF_CT, out + CTL_HDR_LEN);
	if (rc)
		return rc == CTL_ERR_ARG ? CTL_ERR_FORMAT : rc;
	memcpy(out, in, CTL_HDR_LEN);
	*replay_id = ctl_get_u32(in + TLS_CRYPT_OFF_PID);
	*replay_time = ctl_get_u32(in + TLS_CRYPT_OFF_PID + 4);
	return (ssize_t)(len - TLS_CRYPT_OVERHEAD);
}

ssize_t
tls_crypt_wrap(const struct tls_crypt_ctx *ctx, const uint8_t *plain, size_t len,
	       uint32_t replay_id, uint32_t replay_time, uint8_t *out, size_t cap)
{
	int rc;

	if (len < CTL_HDR_LEN)
		return CTL_ERR_SHORT;
	if (len + TLS_CRYPT_OVERHEAD > cap)
		return CTL_ERR_SPACE;
	memcpy(out, plain, CTL_HDR_LEN);
	ctl_put_u32(out + TLS_CRYPT_OFF_PID, replay_id);
	ctl_put_u32(out + TLS_CRYPT_OFF_PID + 4, replay_time);
	rc = tls_crypt_seal(ctx->send_ke, ctx->send_ka, out, TLS_CRYPT_OFF_TAG,
			    plain + CTL_HDR_LEN, len - CTL_HDR_LEN,
			    out + TLS_CRYPT_OFF_TAG, out + TLS_CRYPT_OFF_CT);
	if (rc)
		return rc == CTL_ERR_ARG ? CTL_ERR_FORMAT : rc;
	return (ssize_t)(len + TLS_CRYPT_OVERHEAD);
}

void
tls_crypt_dyn_key(const uint8_t ekm[STATIC_KEY_LEN], const uint8_t *orig,
		  uint8_t out[STATIC_KEY_LEN])
{
	for (size_t i = 0; i < STATIC_KEY_LEN; i++)
		out[i] = (uint8_t)(ekm[i] ^ (orig ? orig[i] : 0));
}
