#include "ovpn_wire.h"

#include <string.h>

/* §8.1: keepalive ping payload. */
const uint8_t ovpn_ping_magic[OVPN_MAGIC_LEN] = {
	0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
	0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48,
};

/* §8.2: OCC message prefix, followed by the OCC opcode byte. */
const uint8_t ovpn_occ_magic[OVPN_MAGIC_LEN] = {
	0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81,
	0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c,
};

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
ovpn_data_parse(const uint8_t *p, size_t len, struct ovpn_data_hdr *h)
{
	if (len < 1)
		return -1;
	h->opcode = ovpn_opcode(p[0]);
	h->key_id = ovpn_key_id(p[0]);
	if (h->opcode == OVPN_P_DATA_V2) {
		h->hdr_len = OVPN_DATA_V2_HDR_LEN;
		h->aad_off = 0;
		h->aad_len = 8;
	} else if (h->opcode == OVPN_P_DATA_V1) {
		h->hdr_len = OVPN_DATA_V1_HDR_LEN;
		h->aad_off = 1;
		h->aad_len = 4;
	} else {
		return -1;
	}
	/* Plaintext length 0 is invalid (§7.1). */
	if (len < (size_t)h->hdr_len + OVPN_TAG_LEN + 1)
		return -1;
	if (h->opcode == OVPN_P_DATA_V2) {
		h->peer_id = rd32(p) & 0xFFFFFF;
		h->packet_id = rd32(p + 4);
	} else {
		h->peer_id = OVPN_PEER_ID_NONE;
		h->packet_id = rd32(p + 1);
	}
	return 0;
}

enum ovpn_payload
ovpn_payload_classify(const uint8_t *pt, size_t len)
{
	if (len == 0)
		return OVPN_PL_BAD;
	switch (pt[0] >> 4) {
	case 4:
		return len >= 20 ? OVPN_PL_IPV4 : OVPN_PL_BAD;
	case 6:
		return len >= 40 ? OVPN_PL_IPV6 : OVPN_PL_BAD;
	}
	if (len == OVPN_MAGIC_LEN && memcmp(pt, ovpn_ping_magic, OVPN_MAGIC_LEN) == 0)
		return OVPN_PL_PING;
	if (len > OVPN_MAGIC_LEN && memcmp(pt, ovpn_occ_magic, OVPN_MAGIC_LEN) == 0)
		return OVPN_PL_OCC;
	/*
	 * §7.6 framing bytes that cannot start an IP packet: comp-lzo 0xFA,
	 * swap 0xFB, stub-v2/lz4-v2 0x50. (0x66/0x69 look like IPv6 and only
	 * mean compression on sessions that negotiated it; we never do.)
	 */
	if (pt[0] == 0xFA || pt[0] == 0xFB || pt[0] == 0x50)
		return OVPN_PL_COMPRESSED;
	return OVPN_PL_BAD;
}
