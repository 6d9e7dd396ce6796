/*
 * The load generator's data channel (fact sheet §7.1): P_DATA_V2 with the
 * AEAD ciphers, keys from the 256-byte key block (the client sends with
 * keys[0], the server with keys[1]), done with OpenSSL rather than the
 * dataplane's ipsec-mb code, so that a packet that decrypts on either side
 * was not checked by the code that made it. And ICMP echo, the traffic a
 * load client sends through its tunnel.
 */
#ifndef HS_DATA_H
#define HS_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HS_DATA_OVERHEAD 24	/* op/peer-id 4, packet-id 4, tag 16 */

struct hs_aead {
	void *enc, *dec;	/* EVP_CIPHER_CTX, keys set */
	uint8_t tx_iv[8], rx_iv[8];
	uint32_t peer_id;
	uint32_t tx_pid;	/* last packet-id sent */
};

/* cipher: AES-128-GCM, AES-256-GCM or CHACHA20-POLY1305. 0, or -1. */
int hs_aead_init(struct hs_aead *a, const char *cipher, const uint8_t key_block[256], uint32_t peer_id);
void hs_aead_free(struct hs_aead *a);

/* A P_DATA_V2 packet (key_id 0) carrying pt. Returns its length or -1. */
ssize_t hs_data_seal(struct hs_aead *a, const uint8_t *pt, size_t len, uint8_t *out, size_t cap);

/* Opens a server packet; returns the plaintext length, or -1 (bad tag, not P_DATA_V2). */
ssize_t hs_data_open(struct hs_aead *a, const uint8_t *in, size_t len, uint8_t *pt, size_t cap);

/*
 * The AEAD of one packet with ctx (a->enc or a->dec): AD = hdr[0..8), nonce =
 * hdr[4..8) (the packet-id) || iv. Encrypting writes tag, decrypting checks
 * it. Whether it worked (false: bad tag).
 */
bool hs_data_aead(void *ctx, const uint8_t iv[8], const uint8_t hdr[8], const uint8_t *in, size_t len,
	uint8_t *out, uint8_t tag[16], bool enc);

/* An IPv4 ICMP echo request of len bytes (>= 28), host-order addresses. */
void hs_icmp_echo_build(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq);

/* Whether p is an ICMP echo reply to dst (host order); its id and seq. */
bool hs_icmp_echo_reply(const uint8_t *p, size_t len, uint32_t dst, uint16_t *id, uint16_t *seq);

#endif
