/*
 * TLS for the control channel: OpenSSL over memory BIOs, never blocking.
 * The session state machine feeds the reassembled P_CONTROL byte stream in
 * and takes the bytes to send out; application data (key method 2, text
 * messages) goes through read/write. Pure: no sockets.
 */
#ifndef CP_TLS_H
#define CP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cp_tls_verify { CP_TLS_VERIFY_NONE, CP_TLS_VERIFY_OPTIONAL, CP_TLS_VERIFY_REQUIRE };

/* What the TLS context is built from: PEM text, not file names. */
struct cp_tls_conf {
	const char *ca_pem;
	const char *cert_pem;
	const char *key_pem;
	const char *crl_pem;		/* NULL: no revocation check */
	const char *tls_version_min;	/* "1.2" or "1.3"; NULL = 1.2 */
	const char *cipher_list;	/* TLS 1.2 (tls-cipher); NULL = OpenSSL default */
	const char *ciphersuites;	/* TLS 1.3 (tls-ciphersuites); NULL = default */
	enum cp_tls_verify verify;
	bool client;			/* the client role (load generators, tests); dpvpnd: false */
};

struct cp_tls_ctx;
struct cp_tls;

/* 0, or -1 with a message in err (which PEM failed and OpenSSL's reason). */
int cp_tls_ctx_new(struct cp_tls_ctx **out, const struct cp_tls_conf *c, char *err, size_t errlen);
void cp_tls_ctx_free(struct cp_tls_ctx *ctx);

/* A TLS session (one per key_id of a client), in the context's role. NULL on ENOMEM. */
struct cp_tls *cp_tls_new(struct cp_tls_ctx *ctx);
void cp_tls_free(struct cp_tls *t);

/* Ciphertext from the peer, in order. 0, or -1 when out of memory. */
int cp_tls_feed(struct cp_tls *t, const uint8_t *buf, size_t len);

/*
 * Advances the handshake and reads application data into buf.
 * Returns bytes of plaintext (>= 0), or -1 on a fatal TLS error (reason in
 * cp_tls_error()). cp_tls_established() tells when the handshake is done.
 */
ssize_t cp_tls_process(struct cp_tls *t, uint8_t *buf, size_t cap);

/* Queues application data; 0, or -1 before the handshake is done / on error. */
int cp_tls_write(struct cp_tls *t, const uint8_t *buf, size_t len);

/* Ciphertext waiting to be sent, and taking up to cap bytes of it. */
size_t cp_tls_pending(const struct cp_tls *t);
size_t cp_tls_take(struct cp_tls *t, uint8_t *buf, size_t cap);

bool cp_tls_established(const struct cp_tls *t);
const char *cp_tls_error(const struct cp_tls *t);

/* The peer certificate's common name ("" if none); false if longer than cap. */
bool cp_tls_peer_cn(const struct cp_tls *t, char *buf, size_t cap);
/* Whether the peer presented a certificate that verified. */
bool cp_tls_peer_verified(const struct cp_tls *t);
/* "TLSv1.3, cipher TLS_AES_256_GCM_SHA384, peer certificate: EC 256 bit" style summary. */
void cp_tls_describe(const struct cp_tls *t, char *buf, size_t cap);

typedef void (*cp_tls_env_cb)(void *arg, const char *name, const char *value);
/*
 * OpenVPN's certificate variables of the peer's chain, depth 0 (the client's
 * own certificate) first, then depth 1 (its issuer), ... For each depth d, in
 * this order: tls_serial_hex_d, tls_serial_d, tls_digest_sha256_d, tls_digest_d,
 * tls_id_d, then X509_d_<attr> for each subject entry in REVERSE subject order
 * (so X509_0_CN comes first when CN is last in the subject).
 * This is the order OpenVPN 2.6 lists them (newest first) in >CLIENT:ENV.
 * Without a verified chain (verification off or failed) only depth 0, the
 * peer's own certificate, is described.
 * Returns the number of variables emitted (0 when the peer sent no certificate).
 */
int cp_tls_peer_env(const struct cp_tls *t, cp_tls_env_cb cb, void *arg);

/* occtl's ciphersuite text: "(TLS1.3)-(TLS_AES_256_GCM_SHA384)". */
void cp_tls_suite(const struct cp_tls *t, char *buf, size_t cap);

/* OpenVPN data-channel key block via the TLS exporter (§6.2); 0 or -1. */
int cp_tls_export_key_block(const struct cp_tls *t, uint8_t out[256]);
/* Any exporter label (RFC 5705 / 8446, no context); 0 or -1. */
int cp_tls_export(const struct cp_tls *t, const char *label, uint8_t *out, size_t len);

#endif
