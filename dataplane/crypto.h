/*
 * Burst AEAD for the OpenVPN data channel (fact sheet §7.1/7.2), on top of
 * Intel ipsec-mb's job API so that a whole RX/TX burst is in flight at once.
 *
 * Pure C, no DPDK headers. The ipsec-mb header is deliberately not included
 * here: it defines short global macros (GCM, ENCRYPT, SHA1, ...) that would
 * leak into every file that includes this one. The expanded GCM key is kept
 * as opaque aligned storage; crypto_ipsecmb.c checks its size at compile time.
 */
#ifndef DPVPN_DP_CRYPTO_H
#define DPVPN_DP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define DP_AEAD_TAG_LEN 16
#define DP_AEAD_IV_LEN 8        /* OpenVPN implicit IV */
#define DP_AEAD_NONCE_LEN 12    /* be32(packet-id) || implicit IV */
#define DP_AEAD_BURST_MAX 64

/* Same numbers as enum ipc_cipher. */
enum dp_cipher {
	DP_CIPHER_NONE = 0,
	DP_CIPHER_AES_128_GCM = 1,
	DP_CIPHER_AES_256_GCM = 2,
	DP_CIPHER_CHACHA20_POLY1305 = 3,
};

/* >= sizeof(struct gcm_key_data) (1008 bytes in ipsec-mb 1.3). */
#define DP_GCM_KEY_DATA_SIZE 1024

/*
 * One direction's key. Immutable after dp_aead_key_init(), so any number of
 * lcores may use it concurrently. Must be 64-byte aligned: use a static or
 * embedded object, aligned_alloc(64, dp_aead_key_size()) or rte_malloc(..., 64);
 * plain malloc() is rejected by dp_aead_key_init().
 * The expanded GCM key layout depends on the ipsec-mb arch (sse/avx2/avx512
 * store different GHASH tables), so a key only works with dp_crypto contexts
 * of the same arch as the one passed to dp_aead_key_init() (always true on
 * one machine: every context picks the best arch of the same CPU).
 */
struct dp_aead_key {
	union {
		_Alignas(64) uint8_t gcm[DP_GCM_KEY_DATA_SIZE]; /* struct gcm_key_data */
		uint8_t chacha[32];
	} k;
	uint8_t implicit_iv[DP_AEAD_IV_LEN];
	uint8_t cipher;         /* enum dp_cipher; NONE after wipe */
	uint8_t key_len;        /* 16 or 32 */
	uint8_t arch;           /* IMB_ARCH the GCM tables were built for */
};

struct IMB_MGR;

/* Per-lcore context: an IMB_MGR must never be shared between threads. */
struct dp_crypto {
	struct IMB_MGR *mgr;
	uint32_t arch;          /* IMB_ARCH picked by init_mb_mgr_auto() */
	uint32_t pf_hkey;       /* offset of the GHASH key lines to prefetch before a job */
	uint64_t job_errors;    /* jobs ipsec-mb rejected or key/arch mismatch */
};

struct dp_aead_op {
	const struct dp_aead_key *key;
	uint8_t *data;           /* in-place: plaintext <-> ciphertext, len bytes */
	uint32_t len;
	const uint8_t *aad;      /* 8 bytes (P_DATA_V2: op|peer-id|packet-id) or 4 (P_DATA_V1: packet-id) */
	uint8_t aad_len;
	uint32_t packet_id;      /* nonce = be32(packet_id) || key->implicit_iv */
	uint8_t *tag;            /* decrypt: received tag (16 bytes); encrypt: where the tag is written */
	uint8_t ok;              /* out: 1 if decrypt tag verified (constant-time compare) / encrypt done */
	/* private: must live until the job completes, hence per op */
	uint8_t priv_nonce[DP_AEAD_NONCE_LEN];
	uint8_t priv_tag[DP_AEAD_TAG_LEN];      /* tag computed on decrypt */
};

/* 0, or -ENOMEM / -ENOTSUP (no usable CPU arch). */
int dp_crypto_init(struct dp_crypto *c);
void dp_crypto_fini(struct dp_crypto *c);
/* "avx512", "avx2", "avx", "sse", "noaesni" or "none", for logs. */
const char *dp_crypto_arch(const struct dp_crypto *c);
/* The ipsec-mb library's version, "1.3.0". */
const char *dp_crypto_version(void);

/*
 * 0, or -EINVAL for unknown cipher, wrong key length (16 for AES-128-GCM,
 * 32 otherwise), all-zero key (OpenVPN rejects weak keys), k not 64-byte
 * aligned, or no initialised context.
 */
int dp_aead_key_init(struct dp_aead_key *k, struct dp_crypto *c, uint8_t cipher,
		     const uint8_t *key, size_t key_len, const uint8_t iv[DP_AEAD_IV_LEN]);
void dp_aead_key_wipe(struct dp_aead_key *k);
size_t dp_aead_key_size(void);

/*
 * Process n ops (any n; up to DP_AEAD_BURST_MAX is the intended burst) and
 * return how many got ok=1. Decrypt overwrites data even when the tag does
 * not verify: ops with ok=0 must be dropped, never looked at.
 */
unsigned dp_aead_decrypt_burst(struct dp_crypto *c, struct dp_aead_op *ops, unsigned n);
unsigned dp_aead_encrypt_burst(struct dp_crypto *c, struct dp_aead_op *ops, unsigned n);

#endif
