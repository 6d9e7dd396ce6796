/*
 * tls-crypt (fact sheet §2.5): AES-256-CTR + HMAC-SHA256 in SIV style.
 * Wire layout:
 *
 *	op/key(1) | own sid(8) | replay id(4) | replay time(4) | tag(32) | ct
 *
 * tag = HMAC-SHA256(Ka, bytes[0..17) || plaintext), ct = AES-256-CTR(Ke,
 * IV = tag[0..16), plaintext), plaintext = ack_count .. payload of §2.2.
 * Keys from a 256-byte key2 by role: the server encrypts with keys[0]
 * (Ke = 0..31, Ka = 64..95) and decrypts with keys[1] (128..159, 192..223);
 * the client the other way round.
 *
 * The same code serves three key sources: the --tls-crypt key file, a
 * tls-crypt-v2 client key Kc (§2.6), and the dyn-tls-crypt key of
 * renegotiations (§2.7, tls_crypt_dyn_key()). Pure; buffers in and out must
 * not overlap. The replay check (ctl_replay.h) is the caller's, after a
 * successful unwrap.
 */
#ifndef DPVPN_CP_TLS_CRYPT_H
#define DPVPN_CP_TLS_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "static_key.h"

enum tls_crypt_limits {
	TLS_CRYPT_KEY_LEN = 32,         /* Ke (AES-256) and Ka (HMAC-SHA256 key) */
	TLS_CRYPT_TAG_LEN = 32,
	TLS_CRYPT_IV_LEN = 16,          /* tag[0..16) is the whole CTR counter block */
	TLS_CRYPT_OFF_PID = 9,          /* op/key + sid */
	TLS_CRYPT_OFF_TAG = 17,         /* + replay id + time */
	TLS_CRYPT_OFF_CT = 49,          /* + tag */
	TLS_CRYPT_OVERHEAD = 40,        /* vs. the §2.2 layout: replay 8 + tag 32 */
	TLS_CRYPT_PT_MAX = 65535,       /* far above any control packet; keeps int casts safe */
};

struct tls_crypt_ctx {
	uint8_t send_ke[TLS_CRYPT_KEY_LEN];
	uint8_t send_ka[TLS_CRYPT_KEY_LEN];
	uint8_t recv_ke[TLS_CRYPT_KEY_LEN];
	uint8_t recv_ka[TLS_CRYPT_KEY_LEN];
};

/* Keys for the role from a key2 (file key, Kc or dyn key). Returns 0. */
int tls_crypt_init(struct tls_crypt_ctx *ctx, const uint8_t key256[STATIC_KEY_LEN],
		   bool is_server);

/* Wipe the keys (OPENSSL_cleanse). */
void tls_crypt_wipe(struct tls_crypt_ctx *ctx);

/*
 * Decrypt and verify a received packet (len >= 49). Writes the §2.2 layout
 * (len - 40 bytes) to out; on CTL_ERR_AUTH out is wiped so unauthenticated
 * plaintext never escapes. Returns the length or CTL_ERR_SHORT /
 * CTL_ERR_SPACE / CTL_ERR_AUTH / CTL_ERR_CRYPTO. replay_id / replay_time
 * are set only on success.
 */
ssize_t tls_crypt_unwrap(const struct tls_crypt_ctx *ctx, const uint8_t *in, size_t len,
			 uint8_t *out, size_t cap, uint32_t *replay_id, uint32_t *replay_time);

/* Wrap a §2.2 packet (len >= 9). Returns len + 40 or a CTL_ERR_*. */
ssize_t tls_crypt_wrap(const struct tls_crypt_ctx *ctx, const uint8_t *plain, size_t len,
		       uint32_t replay_id, uint32_t replay_time, uint8_t *out, size_t cap);

/*
 * The SIV primitive under both the packet format and the WKc of
 * tls-crypt-v2 (§2.6): tag = HMAC-SHA256(ka, ad || pt), ct =
 * AES-256-CTR(ke, tag[0..16), pt). len may be 0. seal returns 0 or
 * CTL_ERR_CRYPTO / CTL_ERR_ARG (len > TLS_CRYPT_PT_MAX); open decrypts into
 * pt, verifies in constant time and returns 0, or CTL_ERR_AUTH with pt
 * wiped.
 */
int tls_crypt_seal(const uint8_t ke[TLS_CRYPT_KEY_LEN], const uint8_t ka[TLS_CRYPT_KEY_LEN],
		   const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t len,
		   uint8_t tag[TLS_CRYPT_TAG_LEN], uint8_t *ct);
int tls_crypt_open(const uint8_t ke[TLS_CRYPT_KEY_LEN], const uint8_t ka[TLS_CRYPT_KEY_LEN],
		   const uint8_t *ad, size_t ad_len, const uint8_t tag[TLS_CRYPT_TAG_LEN],
		   const uint8_t *ct, size_t len, uint8_t *pt);

/*
 * dyn-tls-crypt key (§2.7): ekm = the 256 bytes exported with label
 * "EXPORTER-OpenVPN-dynamic-tls-crypt" from the key_id 0 TLS session,
 * XORed with the original wrap key (tls-auth / tls-crypt file key, or Kc);
 * orig = NULL when the connection had no wrapping. Feed out to
 * tls_crypt_init() with the same role; it uses a fresh replay counter.
 */
void tls_crypt_dyn_key(const uint8_t ekm[STATIC_KEY_LEN], const uint8_t *orig,
		       uint8_t out[STATIC_KEY_LEN]);

#endif
