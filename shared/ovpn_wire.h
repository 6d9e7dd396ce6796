/*
 * OpenVPN wire formats the dataplane needs: the opcode byte, the AEAD data
 * packet headers (openvpn-protocol.md §7) and the in-tunnel ping and OCC
 * payloads (§8). Pure: bytes in, values out.
 */
#ifndef DPVPN_OVPN_WIRE_H
#define DPVPN_OVPN_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum ovpn_opcode {
	OVPN_P_CONTROL_HARD_RESET_CLIENT_V1 = 1,
	OVPN_P_CONTROL_HARD_RESET_SERVER_V1 = 2,
	OVPN_P_CONTROL_SOFT_RESET_V1 = 3,
	OVPN_P_CONTROL_V1 = 4,
	OVPN_P_ACK_V1 = 5,
	OVPN_P_DATA_V1 = 6,
	OVPN_P_CONTROL_HARD_RESET_CLIENT_V2 = 7,
	OVPN_P_CONTROL_HARD_RESET_SERVER_V2 = 8,
	OVPN_P_DATA_V2 = 9,
	OVPN_P_CONTROL_HARD_RESET_CLIENT_V3 = 10,
	OVPN_P_CONTROL_WKC_V1 = 11,
};

#define OVPN_TAG_LEN		16
#define OVPN_DATA_V2_HDR_LEN	8	/* op|key_id, peer-id(3), packet-id(4) */
#define OVPN_DATA_V1_HDR_LEN	5	/* op|key_id, packet-id(4) */
#define OVPN_PEER_ID_NONE	0xFFFFFFu
#define OVPN_MAGIC_LEN		16
#define OVPN_OCC_EXIT		6

extern const uint8_t ovpn_ping_magic[OVPN_MAGIC_LEN];
extern const uint8_t ovpn_occ_magic[OVPN_MAGIC_LEN];

static inline unsigned
ovpn_opcode(uint8_t byte0)
{
	return byte0 >> 3;
}

static inline unsigned
ovpn_key_id(uint8_t byte0)
{
	return byte0 & 7;
}

/* A parsed AEAD data packet header. */
struct ovpn_data_hdr {
	uint8_t opcode;		/* OVPN_P_DATA_V1 or OVPN_P_DATA_V2 */
	uint8_t key_id;
	uint8_t hdr_len;	/* bytes before the tag: 8 (V2) or 5 (V1) */
	uint8_t aad_off;	/* AAD = packet[aad_off .. aad_off + aad_len) */
	uint8_t aad_len;	/* 8 (V2: whole header) or 4 (V1: packet-id only) */
	uint32_t peer_id;	/* OVPN_PEER_ID_NONE for V1 */
	uint32_t packet_id;
};

/*
 * Parses a data packet (opcode 6 or 9) of len bytes. Returns 0, or -1 when
 * it is not a data packet or is shorter than header + tag + 1 byte.
 */
int ovpn_data_parse(const uint8_t *p, size_t len, struct ovpn_data_hdr *h);

/* A big-endian 32-bit store; memcpy of a swapped word, so it is one store. */
static inline void
ovpn_put_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);	/* the dataplane and tools are little-endian x86 */
	memcpy(p, &v, sizeof(v));
}

/*
 * Writes the header for opcode (6 or 9); returns its length (5 or 8).
 * Inline: the dataplane writes one for nearly every packet it sends.
 */
static inline size_t
ovpn_data_hdr_build(uint8_t *p, unsigned opcode, unsigned key_id, uint32_t peer_id,
	uint32_t packet_id)
{
	if (opcode == OVPN_P_DATA_V2) {
		ovpn_put_be32(p, (peer_id & 0xFFFFFF) | (uint32_t)(opcode << 3 | key_id) << 24);
		ovpn_put_be32(p + 4, packet_id);
		return OVPN_DATA_V2_HDR_LEN;
	}
	p[0] = (uint8_t)(opcode << 3 | key_id);
	ovpn_put_be32(p + 1, packet_id);
	return OVPN_DATA_V1_HDR_LEN;
}

/* What a decrypted data-channel plaintext carries. */
enum ovpn_payload {
	OVPN_PL_IPV4,
	OVPN_PL_IPV6,
	OVPN_PL_PING,		/* keepalive, consumed */
	OVPN_PL_OCC,		/* OCC message, opcode at offset 16 */
	OVPN_PL_COMPRESSED,	/* compression framing byte: never forwarded */
	OVPN_PL_BAD,
};

enum ovpn_payload ovpn_payload_classify(const uint8_t *pt, size_t len);

#endif
