/*
 * The logical control packet (fact sheet §2.1/§2.2): parse and build the
 * unwrapped layout
 *
 *	op/key(1) | own sid(8) | n(1) | n x ack id(4) | [peer sid(8) if n>0]
 *	| [msg id(4), not in P_ACK_V1] | payload
 *
 * This is the wire format without tls-auth/tls-crypt, and exactly what
 * tls_auth_unwrap() / tls_crypt_unwrap() / tls_crypt_v2_unwrap() return.
 * The WKc of opcodes 10/11 is not part of this layout: tls_crypt_v2.c splits
 * it off before unwrapping (§2.6).
 *
 * Pure: bytes in, values out. Also holds the error codes and big-endian
 * helpers the wrapping modules (tls_auth, tls_crypt, tls_crypt_v2) share.
 */
#ifndef DPVPN_CP_CTL_WIRE_H
#define DPVPN_CP_CTL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ctl_wire_limits {
	CTL_SID_LEN = 8,        /* SID_SIZE */
	CTL_ACK_MAX = 8,        /* RELIABLE_ACK_SIZE: 2.6 fails records with more */
	CTL_HDR_LEN = 1 + CTL_SID_LEN,  /* op/key + own sid: precedes any wrapping field */
};

/* Negative results of every ctl_* / tls_* function (0 or a length = ok). */
enum ctl_err {
	CTL_ERR_SHORT = -1,     /* input truncated */
	CTL_ERR_OPCODE = -2,    /* not a control opcode (3..11 without 6, 9) */
	CTL_ERR_FORMAT = -3,    /* bad field: zero sid, n > 8, bytes after an ACK_V1 ... */
	CTL_ERR_AUTH = -4,      /* HMAC / tag mismatch */
	CTL_ERR_SPACE = -5,     /* output buffer too small */
	CTL_ERR_CRYPTO = -6,    /* the crypto library failed */
	CTL_ERR_ARG = -7,       /* bad argument (key direction, digest name, ...) */
};

struct ctl_pkt {
	uint8_t opcode;         /* 3..11, not 6/9 (ovpn_wire.h enum ovpn_opcode) */
	uint8_t key_id;         /* 0..7 */
	uint8_t sid[CTL_SID_LEN];       /* sender's own session id, never all zero */
	uint8_t n_acks;         /* 0..CTL_ACK_MAX */
	uint32_t acks[CTL_ACK_MAX];
	uint8_t ack_sid[CTL_SID_LEN];   /* receiver's sid; meaningful only if n_acks > 0 */
	bool has_msg_id;        /* false exactly for P_ACK_V1 */
	uint32_t msg_id;
	const uint8_t *payload; /* points into the parsed buffer; NULL when empty */
	size_t payload_len;
	/* WKc of opcodes 10/11: never set by ctl_pkt_parse() and ignored by
	 * ctl_pkt_build(); the caller copies it from tls_crypt_v2_unwrap(). */
	const uint8_t *wkc;
	size_t wkc_len;
};

/* Is op a control opcode the 2.6 receive path accepts (P_FIRST_OPCODE..
 * P_LAST_OPCODE minus the data opcodes, which are diverted before)? */
bool ctl_opcode_valid(unsigned op);

/*
 * Parse an unwrapped control packet of len bytes into *out (payload points
 * into p). Rejects: unknown/data opcode, all-zero own sid, n_acks > 8, any
 * missing field, and bytes after the ACK record of a P_ACK_V1 (2.x and o3
 * never send them). The peer sid of the ACK record is only extracted: the
 * caller compares it with its own sid (§3.2). Returns 0 or enum ctl_err.
 */
int ctl_pkt_parse(const uint8_t *p, size_t len, struct ctl_pkt *out);

/* Bytes ctl_pkt_build() writes for pkt (no validation). */
size_t ctl_pkt_len(const struct ctl_pkt *pkt);

/*
 * Write pkt in the §2.2 layout. The same rules as ctl_pkt_parse() apply, and
 * has_msg_id must be false exactly for P_ACK_V1. Returns the length, or
 * CTL_ERR_FORMAT / CTL_ERR_OPCODE / CTL_ERR_SPACE. Deterministic: parse then
 * build returns the input bytes.
 */
ssize_t ctl_pkt_build(const struct ctl_pkt *pkt, uint8_t *out, size_t cap);

static inline uint32_t
ctl_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
ctl_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
ctl_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
ctl_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif
