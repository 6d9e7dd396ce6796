/*
 * tls-crypt-v2, server side (fact sheet §2.6), and the early-negotiation
 * TLVs of hard-reset payloads (§3.7).
 *
 * Each client has its own tls-crypt key Kc (256 bytes, key2 layout). It
 * sends Kc to the server sealed under the server key as the WKc
 * ("wrapped client key"), appended to the tls-crypt-wrapped packet of
 * opcodes 10 (P_CONTROL_HARD_RESET_CLIENT_V3) and 11 (P_CONTROL_WKC_V1):
 *
 *	packet = tls-crypt(Kc, §2.2 layout) || WKc
 *	WKc    = T(32) || AES-256-CTR(Ke, T[0..16), Kc || metadata) || len(2)
 *	T      = HMAC-SHA256(Ka, len(2) || Kc || metadata)
 *
 * len = total WKc length, so the WKc is found from the packet's last two
 * bytes. Server key = cipher[64] || hmac[64]: Ke = bytes 0..31, Ka =
 * 64..95. Metadata (<= 734 bytes) starts with a type byte: 0 USER, 1
 * TIMESTAMP (8-byte big-endian unix time). After the unwrap the session
 * uses tls-crypt with Kc, server role (tls_crypt_init(ctx, kc, true)).
 *
 * Pure: no state; buffers in and out must not overlap.
 */
#ifndef DPVPN_CP_TLS_CRYPT_V2_H
#define DPVPN_CP_TLS_CRYPT_V2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "static_key.h"
#include "tls_crypt.h"

enum tls_crypt_v2_meta_type {
	TLS_CRYPT_V2_META_USER = 0x00,          /* --genkey tls-crypt-v2-client f base64meta */
	TLS_CRYPT_V2_META_TIMESTAMP = 0x01,     /* default: creation time */
};

/* What a WKc carries. Secret: wipe with tls_crypt_v2_client_wipe(). */
struct tls_crypt_v2_client {
	uint8_t kc[TLS_CRYPT_V2_CLIENT_KEY_LEN];
	uint8_t metadata[TLS_CRYPT_V2_METADATA_MAX];    /* type byte first */
	size_t metadata_len;                            /* 0 is legal (2.x) */
};

/*
 * Unwrap a WKc (len bytes, the whole WKc incl. tag and length) with the
 * server key: length field == len, len <= 1024, tag verified in constant
 * time, at least Kc in the plaintext. Returns 0, or CTL_ERR_SHORT /
 * CTL_ERR_FORMAT / CTL_ERR_AUTH / CTL_ERR_CRYPTO (out wiped).
 */
int tls_crypt_v2_wkc_unwrap(const uint8_t server_key[TLS_CRYPT_V2_SERVER_KEY_LEN],
			    const uint8_t *wkc, size_t len, struct tls_crypt_v2_client *out);

/*
 * Seal Kc and metadata (<= 734 bytes) into a WKc, as
 * `openvpn --genkey tls-crypt-v2-client` does. Deterministic (SIV).
 * Returns the WKc length (290 + meta_len) or CTL_ERR_ARG / CTL_ERR_SPACE /
 * CTL_ERR_CRYPTO.
 */
ssize_t tls_crypt_v2_wkc_wrap(const uint8_t server_key[TLS_CRYPT_V2_SERVER_KEY_LEN],
			      const uint8_t kc[TLS_CRYPT_V2_CLIENT_KEY_LEN],
			      const uint8_t *meta, size_t meta_len, uint8_t *out, size_t cap);

/*
 * Split an opcode 10/11 packet into the tls-crypt part (its first
 * *wrapped_len bytes) and the WKc (the last L bytes, L = the last two
 * bytes, TLS_CRYPT_V2_WKC_MIN <= L <= min(len, 1024)). A server that
 * already holds Kc for the session uses this on P_CONTROL_WKC_V1 and
 * unwraps the first part with its session tls_crypt_ctx, ignoring the WKc
 * (2.x does the same). Returns 0 or CTL_ERR_SHORT / CTL_ERR_FORMAT.
 */
int tls_crypt_v2_split(const uint8_t *pkt, size_t len, size_t *wrapped_len,
		       const uint8_t **wkc, size_t *wkc_len);

/*
 * Full first-packet path for opcode 10 or 11: split off the WKc, unwrap it
 * into *cl, then tls-crypt-unwrap the rest with Kc (server role) into out
 * (§2.2 layout; the opcode byte stays 10/11). Returns the length of out or
 * CTL_ERR_OPCODE (another opcode) or any error of the steps; *cl is wiped
 * on failure. replay_id / replay_time as tls_crypt_unwrap(); see
 * early_neg_signalled() for the replay id of a reset.
 */
ssize_t tls_crypt_v2_unwrap(const uint8_t server_key[TLS_CRYPT_V2_SERVER_KEY_LEN],
			    const uint8_t *in, size_t len, struct tls_crypt_v2_client *cl,
			    uint8_t *out, size_t cap, uint32_t *replay_id, uint32_t *replay_time);

/*
 * Client side of the above (tests, fuzz seeds, a test client): tls-crypt
 * wrap plain with the client's Kc context (tls_crypt_init(ctx, kc, false))
 * and append the WKc. Returns the packet length or a CTL_ERR_*.
 */
ssize_t tls_crypt_v2_client_wrap(const struct tls_crypt_ctx *kc_ctx, const uint8_t *plain,
				 size_t len, uint32_t replay_id, uint32_t replay_time,
				 const uint8_t *wkc, size_t wkc_len, uint8_t *out, size_t cap);

/* Metadata type byte, or -1 when the metadata is empty. */
int tls_crypt_v2_meta_type(const struct tls_crypt_v2_client *cl);

/* TIMESTAMP metadata -> *ts (unix seconds); 0, or -1 for another type/size. */
int tls_crypt_v2_meta_timestamp(const struct tls_crypt_v2_client *cl, int64_t *ts);

void tls_crypt_v2_client_wipe(struct tls_crypt_v2_client *cl);

/* --- early negotiation (§3.7, 2.x ssl_pkt.h) ------------------------------ */

#define EARLY_NEG_MASK          0xff000000u
#define EARLY_NEG_START         0x0f000000u

enum early_neg_tlv {
	EARLY_NEG_TLV_HDR_LEN = 4,              /* type(2) || length(2) */
	TLV_TYPE_EARLY_NEG_FLAGS = 0x0001,      /* value: uint16 flags */
	EARLY_NEG_FLAG_RESEND_WKC = 0x0001,     /* send the msg-id-1 packet as WKC_V1 */
	EARLY_NEG_FLAGS_TLV_LEN = 6,
};

/*
 * Does the replay id of a client's HARD_RESET_CLIENT_V3 announce early
 * negotiation (its tls-crypt replay counter started at 0x0F000000)? Same
 * test as the 2.6 server (mudp.c): all bits of 0x0F000000 set in the top
 * byte. 2.x only looks at it for opcode 10; so should the caller. If true
 * the stateless reply carries early_neg_build(EARLY_NEG_FLAG_RESEND_WKC)
 * as payload; if false the client cannot resend its WKc and the server
 * must keep state (unless force-cookie).
 */
bool early_neg_signalled(uint32_t replay_id);

/*
 * Parse the TLV list in the payload of a msg-id-0 hard reset (2.x parses
 * it for every HARD_RESET_*_V2/V3 it receives; empty is fine). Unknown
 * types are skipped; the flags of EARLY_NEG_FLAGS TLVs are ORed into
 * *flags (0 if none). Returns 0, or CTL_ERR_SHORT (truncated TLV) /
 * CTL_ERR_FORMAT (EARLY_NEG_FLAGS with length != 2): 2.x then fails the
 * session.
 */
int early_neg_parse(const uint8_t *p, size_t len, uint16_t *flags);

/* Write the EARLY_NEG_FLAGS TLV (00 01 00 02 <flags>): 6 or CTL_ERR_SPACE. */
ssize_t early_neg_build(uint16_t flags, uint8_t *out, size_t cap);

#endif
