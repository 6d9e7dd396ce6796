/*
 * Key files of the control-channel protection (fact sheet §2.3-§2.6):
 *
 *  - "OpenVPN Static key V1" (tls-auth, tls-crypt, --secret): 256 bytes as
 *    hex between header and footer line; anything before the header or
 *    after the footer (comments, <tls-auth> tags) is ignored. Layout
 *    ("key2"): keys[0].cipher 0..63, keys[0].hmac 64..127,
 *    keys[1].cipher 128..191, keys[1].hmac 192..255.
 *  - tls-crypt-v2 server key: PEM "OpenVPN tls-crypt-v2 server key",
 *    base64 of cipher[64] || hmac[64].
 *  - tls-crypt-v2 client key: PEM "OpenVPN tls-crypt-v2 client key",
 *    base64 of Kc (256 bytes, key2 layout) || WKc.
 *
 * Stricter than 2.x on purpose (a bad key should fail at startup, not
 * interoperate by accident): exactly 256 hex bytes (2.x also takes a
 * 128-byte one-key file and ignores hex after the 256th byte), no other
 * characters than hex and white space inside the static key block (2.x
 * agrees), exactly 128 server-key bytes (2.x zero-fills shorter ones).
 *
 * Pure: text in, bytes out. Parsed secrets live in caller storage; wipe
 * them with the *_wipe() functions (OPENSSL_cleanse) when done.
 */
#ifndef DPVPN_CP_STATIC_KEY_H
#define DPVPN_CP_STATIC_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum static_key_limits {
	STATIC_KEY_LEN = 256,           /* sizeof(struct key2.keys) */
	STATIC_KEY_SLOT_LEN = 64,       /* one cipher or hmac slot */
	TLS_CRYPT_V2_SERVER_KEY_LEN = 128,
	TLS_CRYPT_V2_CLIENT_KEY_LEN = 256,      /* Kc */
	TLS_CRYPT_V2_TAG_LEN = 32,
	TLS_CRYPT_V2_WKC_MAX = 1024,    /* TLS_CRYPT_V2_MAX_WKC_LEN */
	/* tag || Kc || len, no metadata: the smallest WKc 2.x unwraps */
	TLS_CRYPT_V2_WKC_MIN = TLS_CRYPT_V2_TAG_LEN + TLS_CRYPT_V2_CLIENT_KEY_LEN + 2,
	TLS_CRYPT_V2_METADATA_MAX = TLS_CRYPT_V2_WKC_MAX - TLS_CRYPT_V2_WKC_MIN, /* 734 */
};

/* --key-direction / the tls-auth direction argument. */
enum key_direction {
	KEY_DIR_NONE = -1,      /* bidirectional: keys[0] both ways */
	KEY_DIR_NORMAL = 0,     /* send keys[0], receive keys[1] (server side) */
	KEY_DIR_INVERSE = 1,    /* send keys[1], receive keys[0] (client side) */
};

/* The 64-byte slots one side uses; each points into the 256-byte key. */
struct key_slices {
	const uint8_t *send_cipher;
	const uint8_t *send_hmac;
	const uint8_t *recv_cipher;
	const uint8_t *recv_hmac;
};

/*
 * Parse a static key file's text (len bytes, need not be NUL-terminated)
 * into out. Returns 0, or -1 when the header, the footer or exactly 256 hex
 * bytes between them are missing, or a non-hex character is inside. out
 * is wiped on failure.
 */
int static_key_parse(const char *text, size_t len, uint8_t out[STATIC_KEY_LEN]);

/*
 * Slots for key_direction (enum key_direction). tls-auth uses the given
 * direction as is (§2.3); tls-crypt, tls-crypt-v2 (Kc) and dyn-tls-crypt
 * use static_key_dir_for_role(). Returns 0, or -1 for another direction.
 */
int static_key_slices(const uint8_t key[STATIC_KEY_LEN], int key_direction,
		      struct key_slices *out);

/* tls-crypt has no direction argument: the role picks it (§2.5). */
static inline int
static_key_dir_for_role(bool is_server)
{
	return is_server ? KEY_DIR_NORMAL : KEY_DIR_INVERSE;
}

/* PEM "OpenVPN tls-crypt-v2 server key" -> 128 bytes. 0 or -1. */
int tls_crypt_v2_server_key_parse(const char *text, size_t len,
				  uint8_t out[TLS_CRYPT_V2_SERVER_KEY_LEN]);

struct tls_crypt_v2_client_key {
	uint8_t kc[TLS_CRYPT_V2_CLIENT_KEY_LEN];
	uint8_t wkc[TLS_CRYPT_V2_WKC_MAX];
	size_t wkc_len;
};

/*
 * PEM "OpenVPN tls-crypt-v2 client key" -> Kc and WKc. The WKc must be
 * TLS_CRYPT_V2_WKC_MIN..MAX bytes and end in its own length (§2.6); it
 * stays opaque otherwise. 0 or -1 (out wiped).
 */
int tls_crypt_v2_client_key_parse(const char *text, size_t len,
				  struct tls_crypt_v2_client_key *out);

/* OPENSSL_cleanse wrappers, so callers need no OpenSSL header. */
void static_key_wipe(uint8_t key[STATIC_KEY_LEN]);
void tls_crypt_v2_server_key_wipe(uint8_t key[TLS_CRYPT_V2_SERVER_KEY_LEN]);
void tls_crypt_v2_client_key_wipe(struct tls_crypt_v2_client_key *key);

#endif
