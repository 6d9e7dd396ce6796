/*
 * tls-auth wrap/unwrap (fact sheet §2.3). See tls_auth.h.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ctl_wire.h"
#include "tls_auth.h"

/* One input piece of the HMAC: the swapped layout is not contiguous. */
struct piece {
	const uint8_t *p;
	size_t n;
};

/* HMAC(digest, key[0..H)) over three pieces into mac[0..H). */
static int
hmac3(const struct tls_auth_ctx *ctx, const uint8_t *key, const struct piece pc[3],
      uint8_t mac[TLS_AUTH_HMAC_MAX])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = m ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM prm[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)ctx->digest, 0),
		OSSL_PARAM_construct_end(),
	};
	size_t got = 0;
	bool ok = c && EVP_MAC_init(c, key, ctx->hmac_len, prm);

	for (int i = 0; ok && i < 3; i++)
		ok = pc[i].n == 0 || EVP_MAC_update(c, pc[i].p, pc[i].n);
	ok = ok && EVP_MAC_final(c, mac, &got, TLS_AUTH_HMAC_MAX) && got == ctx->hmac_len;
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : CTL_ERR_CRYPTO;
}

/* The digest must exist and fit one 64-byte hmac slot (MAX_HMAC_KEY_LENGTH). */
static int
set_digest(struct tls_auth_ctx *ctx, const char *digest)
{
	EVP_MD *md = EVP_MD_fetch(NULL, digest ? digest : "SHA1", NULL);
	int size = md ? EVP_MD_get_size(md) : -1;
	const char *name = md ? EVP_MD_get0_name(md) : NULL;
	int rc = CTL_ERR_ARG;

	/* XOFs (SHAKE) report a size but cannot key an HMAC */
	if (size >= 16 && size <= TLS_AUTH_HMAC_MAX && name &&
	    !(EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) && strlen(name) < sizeof(ctx->digest)) {
		strcpy(ctx->digest, name);
		ctx->hmac_len = (size_t)size;
		rc = 0;
	}
	EVP_MD_free(md);
	ERR_clear_error();
	return rc;
}

int
tls_auth_init(struct tls_auth_ctx *ctx, const uint8_t key256[STATIC_KEY_LEN],
	      int key_direction, bool is_server, const char *digest)
{
	struct key_slices ks;

	(void)is_server;        /* the direction alone picks the slots (§2.3) */
	memset(ctx, 0, sizeof(*ctx));
	if (static_key_slices(key256, key_direction, &ks) || set_digest(ctx, digest))
		return CTL_ERR_ARG;
	/* HMAC key = first H bytes of the 64-byte slot; copy all 64 for simplicity */
	memcpy(ctx->send_key, ks.send_hmac, TLS_AUTH_HMAC_MAX);
	memcpy(ctx->recv_key, ks.recv_hmac, TLS_AUTH_HMAC_MAX);
	return 0;
}

void
tls_auth_wipe(struct tls_auth_ctx *ctx)
{
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

size_t
tls_auth_overhead(const struct tls_auth_ctx *ctx)
{
	return ctx->hmac_len + TLS_AUTH_REPLAY_LEN;
}

ssize_t
tls_auth_unwrap(const struct tls_auth_ctx *ctx, const uint8_t *in, size_t len,
		uint8_t *out, size_t cap, uint32_t *replay_id, uint32_t *replay_time)
{
	const size_t h = ctx->hmac_len, rest_off = CTL_HDR_LEN + h + TLS_AUTH_REPLAY_LEN;
	const uint8_t *replay = in + CTL_HDR_LEN + h;
	uint8_t mac[TLS_AUTH_HMAC_MAX];
	int rc;

	if (len < rest_off)
		return CTL_ERR_SHORT;
	if (len - h - TLS_AUTH_REPLAY_LEN > cap)
		return CTL_ERR_SPACE;
	const struct piece pc[3] = {
		{ replay, TLS_AUTH_REPLAY_LEN }, { in, CTL_HDR_LEN }, { in + rest_off, len - rest_off },
	};
	rc = hmac3(ctx, ctx->recv_key, pc, mac);
	if (rc)
		return rc;
	if (CRYPTO_memcmp(mac, in + CTL_HDR_LEN, h) != 0)
		return CTL_ERR_AUTH;
	*replay_id = ctl_get_u32(replay);
	*replay_time = ctl_get_u32(replay + 4);
	memcpy(out, in, CTL_HDR_LEN);
	memcpy(out + CTL_HDR_LEN, in + rest_off, len - rest_off);
	return (ssize_t)(len - h - TLS_AUTH_REPLAY_LEN);
}

ssize_t
tls_auth_wrap(const struct tls_auth_ctx *ctx, const uint8_t *plain, size_t len,
	      uint32_t replay_id, uint32_t replay_time, uint8_t *out, size_t cap)
{
	const size_t h = ctx->hmac_len;
	uint8_t *replay = out + CTL_HDR_LEN + h;
	uint8_t mac[TLS_AUTH_HMAC_MAX];
	int rc;

	if (len < CTL_HDR_LEN)
		return CTL_ERR_SHORT;
	if (len + h + TLS_AUTH_REPLAY_LEN > cap)
		return CTL_ERR_SPACE;
	ctl_put_u32(replay, replay_id);
	ctl_put_u32(replay + 4, replay_time);
	const struct piece pc[3] = {
		{ replay, TLS_AUTH_REPLAY_LEN }, { plain, CTL_HDR_LEN },
		{ plain + CTL_HDR_LEN, len - CTL_HDR_LEN },
	};
	rc = hmac3(ctx, ctx->send_key, pc, mac);
	if (rc)
		return rc;
	memcpy(out, plain, CTL_HDR_LEN);
	memcpy(out + CTL_HDR_LEN, mac, h);
	memcpy(replay + TLS_AUTH_REPLAY_LEN, plain + CTL_HDR_LEN, len - CTL_HDR_LEN);
	return (ssize_t)(len + h + TLS_AUTH_REPLAY_LEN);
}
