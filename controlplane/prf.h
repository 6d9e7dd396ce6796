/*
 * Data-channel key material (fact sheet §6): the TLS 1.0 PRF and OpenVPN's
 * legacy key expansion (2.4/2.5 clients, or clients without EKM), and the
 * split of a 256-byte key block into the server's two directions.
 *
 * Legacy expansion (§6.3, OpenVPN ssl.c generate_key_expansion_openvpn_prf):
 *	master    = PRF(client.pre_master[48],
 *	                "OpenVPN master secret" || client.random1 || server.random1, 48)
 *	key_block = PRF(master,
 *	                "OpenVPN key expansion" || client.random2 || server.random2 ||
 *	                client_sid[8] || server_sid[8], 256)
 * PRF = TLS 1.0 PRF: P_MD5(S1, seed) XOR P_SHA1(S2, seed), S1/S2 the first
 * and last ceil(len/2) bytes of the secret (RFC 2246 §5). Implemented on
 * EVP_MAC HMAC, so no TLS1-PRF KDF is needed (MD5 must be available, which
 * OpenSSL's default provider has; FIPS-only builds cannot do this).
 *
 * The randoms: client.* come from the client's key-method-2 message
 * (kmethod2.h), server.* are what we sent in ours. The session ids are the
 * control-channel ids: client_sid = the client's, server_sid = ours.
 *
 * EKM (§6.2, the default with 2.6 clients): key_block =
 * SSL_export_keying_material(ssl, 256, "EXPORTER-OpenVPN-datakeys", no
 * context). That needs the SSL object, so the TLS layer computes it; the
 * caller then hands those 256 bytes to prf_split_server_keys() exactly like
 * a PRF key block.
 *
 * Key block layout (§6.1): keys[0] = bytes 0..127 (client -> server),
 * keys[1] = 128..255 (server -> client); in each, cipher key at +0 (first
 * 16/32 bytes used), HMAC slot at +64 whose first 8 bytes are the AEAD
 * implicit IV. The server decrypts with keys[0], encrypts with keys[1].
 *
 * Pure module; every intermediate secret is wiped. Errors: -1 (bad
 * argument or crypto library failure); outputs are then zeroed.
 */
#ifndef DPVPN_CP_PRF_H
#define DPVPN_CP_PRF_H

#include <stddef.h>
#include <stdint.h>

enum prf_limits {
	PRF_MASTER_LEN = 48,
	PRF_PRE_MASTER_LEN = 48,
	PRF_RANDOM_LEN = 32,
	PRF_SID_LEN = 8,
	PRF_KEY_BLOCK_LEN = 256,        /* struct key2: 2 x (cipher[64] || hmac[64]) */
	PRF_KEY_SLOT_LEN = 64,          /* MAX_CIPHER_KEY_LENGTH / MAX_HMAC_KEY_LENGTH */
	PRF_KEY_MAX = 32,               /* AES-256 / ChaCha20 key */
	PRF_IMPLICIT_IV_LEN = 8,        /* AEAD nonce tail (OpenVPN "implicit IV") */
	/* offsets in the key block */
	PRF_OFF_C2S_CIPHER = 0,         /* keys[0].cipher: server decrypt key */
	PRF_OFF_C2S_HMAC = 64,          /* keys[0].hmac: server decrypt implicit IV */
	PRF_OFF_S2C_CIPHER = 128,       /* keys[1].cipher: server encrypt key */
	PRF_OFF_S2C_HMAC = 192,         /* keys[1].hmac: server encrypt implicit IV */
};

#define PRF_LABEL_MASTER "OpenVPN master secret"
#define PRF_LABEL_EXPANSION "OpenVPN key expansion"
#define PRF_EKM_LABEL "EXPORTER-OpenVPN-datakeys"

/* TLS 1.0 PRF of secret/seed into out[0..out_len). 0 or -1. */
int prf_tls1(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len,
	     uint8_t *out, size_t out_len);

/* Inputs of the legacy expansion; every pointer must be set. */
struct prf_legacy_input {
	const uint8_t *pre_master;      /* [48] client's (secret) */
	const uint8_t *client_random1;  /* [32] */
	const uint8_t *client_random2;  /* [32] */
	const uint8_t *server_random1;  /* [32] */
	const uint8_t *server_random2;  /* [32] */
	const uint8_t *client_sid;      /* [8] */
	const uint8_t *server_sid;      /* [8] */
};

/* master secret only (exposed for tests). 0 or -1. */
int prf_legacy_master(const struct prf_legacy_input *in, uint8_t master[PRF_MASTER_LEN]);

/* The 256-byte key block. 0 or -1. */
int prf_legacy_key_block(const struct prf_legacy_input *in, uint8_t key_block[PRF_KEY_BLOCK_LEN]);

/* One direction, as the dataplane's KEY_INSTALL wants it. */
struct prf_dir_key {
	uint8_t key[PRF_KEY_MAX];       /* first key_len bytes used */
	uint8_t implicit_iv[PRF_IMPLICIT_IV_LEN];
	uint8_t key_len;
};

struct prf_server_keys {
	struct prf_dir_key rx;          /* decrypt: client -> server, keys[0] */
	struct prf_dir_key tx;          /* encrypt: server -> client, keys[1] */
};

/*
 * Split a key block (PRF or EKM) for the server side, for an AEAD cipher
 * with key_len 16 or 32 (ncp_cipher_key_len()). -1 on another key_len or
 * if either cipher key is all zero (OpenVPN refuses such a "weak" key).
 */
int prf_split_server_keys(const uint8_t key_block[PRF_KEY_BLOCK_LEN], unsigned key_len,
			  struct prf_server_keys *out);

void prf_server_keys_wipe(struct prf_server_keys *k);

#endif
