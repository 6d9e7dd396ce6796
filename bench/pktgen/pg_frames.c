#include "pg_frames.h"

#include <string.h>
#include <strings.h>

#include "ipc.h"
#include "ovpn_wire.h"

#define PG_MAGIC 0x64707067u	/* "dppg" */

static const char *const cipher_names[] = { NULL, "AES-128-GCM", "AES-256-GCM",
	"CHACHA20-POLY1305" };

void
pg_flow_addrs(struct pg_flow *f, uint32_t i)
{
	f->sess = i;
	f->peer_addr = PG_PEER_BASE + 1 + i;
	f->peer_port = (uint16_t)(1024 + i % 60000);
	f->vaddr = PG_VADDR_BASE + 2 + i;
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void
pg_key_material(uint32_t i, int dir, uint8_t key[32], uint8_t iv[DP_AEAD_IV_LEN])
{
	uint64_t s = ((uint64_t)i << 1 | (uint64_t)dir) + 0xD9u;
	for (unsigned k = 0; k < 32; k += 8) {
		uint64_t v = splitmix(&s);
		memcpy(key + k, &v, 8);
	}
	uint64_t v = splitmix(&s);
	memcpy(iv, &v, DP_AEAD_IV_LEN);
}

unsigned
pg_cipher_key_len(uint8_t cipher)
{
	return cipher == IPC_CIPHER_AES_128_GCM ? 16
		: cipher == IPC_CIPHER_AES_256_GCM || cipher == IPC_CIPHER_CHACHA20_POLY1305 ? 32 : 0;
}

uint8_t
pg_cipher_by_name(const char *name)
{
	for (uint8_t c = 1; c < 4; c++)
		if (!strcasecmp(name, cipher_names[c]))
			return c;
	return 0;
}

const char *
pg_cipher_name(uint8_t cipher)
{
	return cipher >= 1 && cipher <= 3 ? cipher_names[cipher] : "?";
}

unsigned
pg_inner_len(unsigned size, uint64_t j)
{
	/* IMIX 7:4:1, interleaved so every burst carries a mix */
	static const unsigned imix[PG_IMIX_N] = { 64, 570, 64, 64, 570, 64, 1420, 64, 570, 64,
		570, 64 };
	return size ? size : imix[j % PG_IMIX_N];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
ip_checksum(const uint8_t *h)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

void
pg_ipudp_build(uint8_t *p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
	unsigned payload_len)
{
	memset(p, 0, PG_IPUDP_LEN);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(PG_IPUDP_LEN + payload_len));
	p[6] = 0x40;		/* DF */
	p[8] = 64;		/* TTL */
	p[9] = 17;		/* UDP */
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, ip_checksum(p));
	put16(p + 20, sport);
	put16(p + 22, dport);
	put16(p + 24, (uint16_t)(8 + payload_len));
}

void
pg_inner_build(uint8_t *p, unsigned len, uint32_t src, uint32_t dst, uint32_t sess,
	uint64_t seq)
{
	uint8_t *pl = p + PG_IPUDP_LEN;
	pg_ipudp_build(p, src, PG_INNER_SPORT, dst, PG_INNER_DPORT, len - PG_IPUDP_LEN);
	put32(pl, PG_MAGIC);
	put32(pl + 4, sess);
	put32(pl + 8, (uint32_t)(seq >> 32));
	put32(pl + 12, (uint32_t)seq);
	memset(pl + 16, (int)(sess ^ seq) & 0xFF, len - PG_IPUDP_LEN - 16);
}

int
pg_inner_parse(const uint8_t *p, unsigned len, uint32_t *sess, uint64_t *seq)
{
	if (len < PG_INNER_MIN || p[0] != 0x45 || p[9] != 17 || ip_checksum(p) != 0
		|| (unsigned)(p[2] << 8 | p[3]) != len)
		return -1;
	const uint8_t *pl = p + PG_IPUDP_LEN;
	if (get32(pl) != PG_MAGIC)
		return -1;
	*sess = get32(pl + 4);
	*seq = (uint64_t)get32(pl + 8) << 32 | get32(pl + 12);
	return 0;
}

void
pg_eth_build(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, type);
}

unsigned
pg_data_frame_build(uint8_t *p, const struct pg_flow *f, const uint8_t dst_mac[6],
	const uint8_t src_mac[6], unsigned inner_len, uint32_t packet_id, uint64_t seq,
	struct dp_aead_op *op)
{
	unsigned udp_len = OVPN_DATA_V2_HDR_LEN + DP_AEAD_TAG_LEN + inner_len;
	uint8_t *hdr = p + PG_ETH_LEN + PG_IPUDP_LEN;
	uint8_t *inner = hdr + OVPN_DATA_V2_HDR_LEN + DP_AEAD_TAG_LEN;
	pg_eth_build(p, dst_mac, src_mac, 0x0800);
	pg_ipudp_build(p + PG_ETH_LEN, f->peer_addr, f->peer_port, PG_DP_OUT_ADDR,
		PG_SERVICE_PORT, udp_len);
	ovpn_data_hdr_build(hdr, OVPN_P_DATA_V2, 0, f->sess, packet_id);
	pg_inner_build(inner, inner_len, f->vaddr, PG_LAN_ADDR, f->sess, seq);
	*op = (struct dp_aead_op){ .key = f->c2s, .data = inner, .len = inner_len, .aad = hdr,
		.aad_len = OVPN_DATA_V2_HDR_LEN, .packet_id = packet_id,
		.tag = hdr + OVPN_DATA_V2_HDR_LEN };
	return PG_ETH_LEN + PG_IPUDP_LEN + udp_len;
}

const struct pg_flow *
pg_data_frame_open(uint8_t *p, unsigned len, const struct pg_flow *flows, uint32_t n,
	struct dp_aead_op *op, uint8_t **inner, unsigned *inner_len)
{
	const unsigned off = PG_ETH_LEN + PG_IPUDP_LEN;
	struct ovpn_data_hdr h;
	if (len < off || p[12] != 0x08 || p[13] != 0x00 || p[PG_ETH_LEN + 9] != 17)
		return NULL;
	if (ovpn_data_parse(p + off, len - off, &h) != 0 || h.opcode != OVPN_P_DATA_V2
		|| h.peer_id >= n)
		return NULL;
	const struct pg_flow *f = &flows[h.peer_id];
	if (get32(p + PG_ETH_LEN + 16) != f->peer_addr)
		return NULL;
	uint8_t *ct = p + off + h.hdr_len + DP_AEAD_TAG_LEN;
	*inner = ct;
	*inner_len = len - off - h.hdr_len - DP_AEAD_TAG_LEN;
	*op = (struct dp_aead_op){ .key = f->s2c, .data = ct, .len = *inner_len,
		.aad = p + off + h.aad_off, .aad_len = h.aad_len, .packet_id = h.packet_id,
		.tag = p + off + h.hdr_len };
	return f;
}

FILE *
pg_pcap_open(const char *path)
{
	FILE *f = fopen(path, "wb");
	/* classic pcap: magic, v2.4, no zone, no sigfigs, snaplen, LINKTYPE_ETHERNET */
	const uint32_t hdr[6] = { 0xA1B2C3D4u, 0x00040002u, 0, 0, 65535, 1 };
	if (f && fwrite(hdr, sizeof(hdr), 1, f) != 1) {
		fclose(f);
		return NULL;
	}
	return f;
}

void
pg_pcap_write(FILE *f, const uint8_t *frame, unsigned len)
{
	const uint32_t rec[4] = { 0, 0, len, len };
	fwrite(rec, sizeof(rec), 1, f);
	fwrite(frame, 1, len, f);
}
