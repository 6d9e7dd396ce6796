/*
 * dpvpn-pktgen's packets, built without DPDK (unit-tested, bytes in and out):
 * the synthetic sessions' addresses and keys, inner IPv4/UDP packets that
 * carry (session, sequence) so every one can be checked on the far side,
 * the outer OpenVPN P_DATA_V2 frames a client would send, and the check of
 * what the dataplane encrypted. Addresses are host byte order here.
 */
#ifndef PG_FRAMES_H
#define PG_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto.h"

/* The bench network (docs/benchmarks.md). */
#define PG_DP_OUT_ADDR	0xC6120001u	/* 198.18.0.1: dataplane outside */
#define PG_GW_ADDR	0xC6120002u	/* 198.18.0.2: the generator, next hop to clients */
#define PG_DP_IN_ADDR	0x0AC80001u	/* 10.200.0.1: dataplane inside */
#define PG_LAN_ADDR	0x0AC80002u	/* 10.200.0.2: the generator as the LAN host */
#define PG_PEER_BASE	0x64400000u	/* 100.64.0.0/10: clients' outer addresses */
#define PG_VADDR_BASE	0x0A400000u	/* 10.64.0.0/10: clients' tunnel addresses */
#define PG_SERVICE_PORT	1194
#define PG_INNER_SPORT	5000
#define PG_INNER_DPORT	9		/* discard */

#define PG_ETH_LEN	14
#define PG_IPUDP_LEN	28
#define PG_OVPN_OVERHEAD (PG_ETH_LEN + PG_IPUDP_LEN + 8 + DP_AEAD_TAG_LEN)
#define PG_INNER_MIN	64
#define PG_INNER_MAX	1420
#define PG_IMIX_N	12		/* 7 x 64, 4 x 570, 1 x 1420 */

struct pg_flow {
	uint32_t sess;
	uint32_t peer_addr, vaddr;
	uint16_t peer_port;
	struct dp_aead_key *c2s;	/* the client's sending key: we encrypt */
	struct dp_aead_key *s2c;	/* the server's sending key: we check */
};

/* Session i's addresses. */
void pg_flow_addrs(struct pg_flow *f, uint32_t i);
/* Deterministic key material of session i, direction 0 (c2s) or 1 (s2c). */
void pg_key_material(uint32_t i, int dir, uint8_t key[32], uint8_t iv[DP_AEAD_IV_LEN]);
/* Key length of an IPC cipher id (16 or 32), 0 when unknown. */
unsigned pg_cipher_key_len(uint8_t cipher);
/* "AES-128-GCM" -> 1 ... ; 0 when unknown. */
uint8_t pg_cipher_by_name(const char *name);
const char *pg_cipher_name(uint8_t cipher);

/* Inner packet length of packet j: size, or the IMIX pattern when size is 0. */
unsigned pg_inner_len(unsigned size, uint64_t j);

/* IPv4/UDP packet of exactly len bytes (>= PG_INNER_MIN) carrying (sess, seq). */
void pg_inner_build(uint8_t *p, unsigned len, uint32_t src, uint32_t dst, uint32_t sess,
	uint64_t seq);
/* 0 and (sess, seq) when p holds a packet pg_inner_build made (checksum included). */
int pg_inner_parse(const uint8_t *p, unsigned len, uint32_t *sess, uint64_t *seq);

void pg_eth_build(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
/* IPv4 + UDP header for payload_len bytes of payload (UDP checksum 0). */
void pg_ipudp_build(uint8_t *p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
	unsigned payload_len);

/*
 * A client's P_DATA_V2 frame (Ethernet to UDP, header, tag, inner packet
 * of inner_len) in p, not yet encrypted; *op is set up to encrypt it in
 * place (dp_aead_encrypt_burst). Returns the frame length.
 */
unsigned pg_data_frame_build(uint8_t *p, const struct pg_flow *f, const uint8_t dst_mac[6],
	const uint8_t src_mac[6], unsigned inner_len, uint32_t packet_id, uint64_t seq,
	struct dp_aead_op *op);

/*
 * A frame the dataplane sent to a client: finds the flow (by peer-id, from
 * flows[n]) and sets *op to decrypt it in place. Returns the flow, or NULL
 * when it is not a P_DATA_V2 frame of ours. *inner points at the plaintext.
 */
const struct pg_flow *pg_data_frame_open(uint8_t *p, unsigned len, const struct pg_flow *flows,
	uint32_t n, struct dp_aead_op *op, uint8_t **inner, unsigned *inner_len);

/* pcap (Ethernet) writer for the frames the generator sends. */
FILE *pg_pcap_open(const char *path);
void pg_pcap_write(FILE *f, const uint8_t *frame, unsigned len);

#endif
