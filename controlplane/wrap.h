/*
 * Control-channel protection chosen by the configuration (fact sheet §2):
 * none, tls-auth, tls-crypt, or tls-crypt-v2 (where each client brings its
 * own key inside the WKc of its first packets). One small dispatch so the
 * session code never cares which.
 */
#ifndef CP_WRAP_H
#define CP_WRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tls_auth.h"
#include "tls_crypt.h"
#include "tls_crypt_v2.h"

enum cp_wrap_mode { CP_WRAP_NONE, CP_WRAP_TLS_AUTH, CP_WRAP_TLS_CRYPT, CP_WRAP_TLS_CRYPT_V2 };

/* The server-wide keys. */
struct cp_wrap_server {
	enum cp_wrap_mode mode;
	uint8_t orig[STATIC_KEY_LEN];	/* tls-auth / tls-crypt key file: dyn-tls-crypt XORs it */
	struct tls_auth_ctx auth;
	struct tls_crypt_ctx crypt;
	uint8_t v2_key[TLS_CRYPT_V2_SERVER_KEY_LEN];
};

/* What one client's packets are unwrapped and wrapped with. */
struct cp_wrap {
	enum cp_wrap_mode mode;
	const struct cp_wrap_server *srv;
	struct tls_crypt_ctx kc;	/* tls-crypt-v2: the client's own key */
	uint8_t kc_raw[TLS_CRYPT_V2_CLIENT_KEY_LEN];
	size_t wkc_len;			/* non-zero once kc is known */
	/* §2.7 dyn-tls-crypt: every packet of key_id > 0, own replay counters */
	bool dyn;
	struct tls_crypt_ctx dyn_ctx;
	uint32_t dyn_tx_id;
};

/* Turns on dyn-tls-crypt from the 256 bytes exported by the key_id 0 TLS session. */
void cp_wrap_enable_dyn(struct cp_wrap *w, const uint8_t ekm[STATIC_KEY_LEN]);
/* Whether a packet with this first byte is protected by the dynamic key. */
bool cp_wrap_uses_dyn(const struct cp_wrap *w, uint8_t byte0);

/*
 * Unwraps a packet from a client into the §2.2 layout. For tls-crypt-v2,
 * w may be NULL-keyed (first packet): the WKc is opened with the server
 * key and w is filled with the client key. Returns the plaintext length,
 * or a negative ctl_err.
 */
ssize_t cp_wrap_unwrap(const struct cp_wrap_server *srv, struct cp_wrap *w, const uint8_t *in,
	size_t len, uint8_t *out, size_t cap, uint32_t *replay_id, uint32_t *replay_time);

/* Wraps a §2.2-layout packet for the client. Returns the length or < 0. */
ssize_t cp_wrap_wrap(const struct cp_wrap *w, const uint8_t *plain, size_t len,
	uint32_t replay_id, uint32_t replay_time, uint8_t *out, size_t cap);

void cp_wrap_wipe(struct cp_wrap *w);

#endif
