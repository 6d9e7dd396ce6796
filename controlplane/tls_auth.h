/*
 * tls-auth (fact sheet §2.3): an HMAC over every control packet, keyed from
 * the static key file by key direction. Wire layout (H = digest size):
 *
 *	op/key(1) | own sid(8) | HMAC(H) | replay id(4) | replay time(4) | rest
 *
 * where rest = ack_count .. payload of §2.2. The HMAC covers the packet
 * with the HMAC removed and the 8 replay bytes moved to the front:
 *	replay id || replay time || op/key || own sid || rest
 *
 * unwrap verifies the HMAC in constant time and returns the §2.2 layout
 * (op/key || own sid || rest) for ctl_pkt_parse(), plus the replay id and
 * time for the replay check (ctl_replay.h), which the caller runs after a
 * successful unwrap. Pure: no state besides the keys; thread-safe for
 * concurrent use of one ctx. Buffers in and out must not overlap.
 */
#ifndef DPVPN_CP_TLS_AUTH_H
#define DPVPN_CP_TLS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "static_key.h"

enum tls_auth_limits {
	TLS_AUTH_HMAC_MAX = 64,         /* one hmac slot; SHA512 uses all of it */
	TLS_AUTH_DIGEST_NAME_MAX = 32,
	TLS_AUTH_REPLAY_LEN = 8,        /* replay id(4) || time(4) */
};

struct tls_auth_ctx {
	uint8_t send_key[TLS_AUTH_HMAC_MAX];
	uint8_t recv_key[TLS_AUTH_HMAC_MAX];
	size_t hmac_len;                        /* H = digest size = key length used */
	char digest[TLS_AUTH_DIGEST_NAME_MAX];  /* OpenSSL name, e.g. "SHA1" */
};

/*
 * Take the HMAC keys for key_direction (enum key_direction: 0, 1, or -1 for
 * none = bidirectional) from the 256-byte static key. digest is the --auth
 * name (NULL: "SHA1", the 2.x default); any OpenSSL digest of 16..64 bytes
 * works, e.g. SHA1, SHA256, SHA512. is_server does not change the slots:
 * tls-auth follows the configured direction only (2.x); it is accepted for
 * symmetry with tls_crypt_init(). Returns 0 or CTL_ERR_ARG.
 */
int tls_auth_init(struct tls_auth_ctx *ctx, const uint8_t key256[STATIC_KEY_LEN],
		  int key_direction, bool is_server, const char *digest);

/* Wipe the keys (OPENSSL_cleanse). */
void tls_auth_wipe(struct tls_auth_ctx *ctx);

/* Bytes tls-auth adds to the §2.2 layout: H + 8. */
size_t tls_auth_overhead(const struct tls_auth_ctx *ctx);

/*
 * Verify and strip the tls-auth fields of a received packet. Writes the
 * §2.2 layout (len - H - 8 bytes) to out. Returns its length, or
 * CTL_ERR_SHORT (shorter than 9 + H + 8), CTL_ERR_SPACE, CTL_ERR_AUTH,
 * CTL_ERR_CRYPTO. replay_id / replay_time are set only on success.
 */
ssize_t tls_auth_unwrap(const struct tls_auth_ctx *ctx, const uint8_t *in, size_t len,
			uint8_t *out, size_t cap, uint32_t *replay_id, uint32_t *replay_time);

/*
 * Wrap a §2.2 packet (plain, len >= 9) for sending with the given replay id
 * and time. Returns len + H + 8, or CTL_ERR_SHORT / CTL_ERR_SPACE /
 * CTL_ERR_CRYPTO.
 */
ssize_t tls_auth_wrap(const struct tls_auth_ctx *ctx, const uint8_t *plain, size_t len,
		      uint32_t replay_id, uint32_t replay_time, uint8_t *out, size_t cap);

#endif
