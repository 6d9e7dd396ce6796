/*
 * Data-channel cipher negotiation, server side (fact sheet §10; OpenVPN 2.6
 * ssl_ncp.c ncp_get_best_cipher / tls_peer_ncp_list / mutate_ncp_cipher_list,
 * multi.c multi_client_set_protocol_options).
 *
 *   client list = IV_CIPHERS if the client sent that line (even empty);
 *                 else "AES-256-GCM:AES-128-GCM" if IV_NCP >= 2; else empty.
 *   occ cipher  = `cipher X` of the client's OCC options string, ignored when
 *                 the client sent IV_CIPHERS ("[null-cipher]" means none).
 *   choice      = first cipher of the server's --data-ciphers that is in
 *                 the client list or equals the occ cipher.
 *   no choice   = failure (AUTH_FAILED,NCP_AUTH_FAILED_REASON), except when
 *                 the client gave neither a list nor an occ cipher and
 *                 --data-ciphers-fallback is set: then the fallback.
 *   push        = `cipher NAME` is pushed only to NCP clients (IV_CIPHERS
 *                 or IV_NCP >= 2).
 *
 * Names are compared case-insensitively (OpenVPN compares the client's
 * list byte for byte, but clients always send canonical names) and
 * OpenSSL's aliases (id-aes256-GCM ...) are accepted. Only the AEAD ciphers
 * the dataplane implements can be configured or chosen; CBC/CFB/OFB ciphers
 * (BF-CBC, AES-256-CBC, ...) are reported as unsupported.
 *
 * The cipher is chosen once, on the first key; renegotiations keep it.
 * Pure module.
 */
#ifndef DPVPN_CP_NCP_H
#define DPVPN_CP_NCP_H

#include <stdbool.h>
#include <stddef.h>

#include "peerinfo.h"

/* Same numbers as enum dp_cipher / enum ipc_cipher. */
enum ncp_cipher {
	NCP_CIPHER_NONE = 0,            /* no / unknown / unsupported cipher */
	NCP_AES_128_GCM = 1,
	NCP_AES_256_GCM = 2,
	NCP_CHACHA20_POLY1305 = 3,
};

enum ncp_limits {
	NCP_LIST_MAX = 3,               /* distinct supported ciphers */
	NCP_CIPHERS_LEN_MAX = 127,      /* normalised --data-ciphers (MAX_NCP_CIPHERS_LENGTH - 1) */
	NCP_NAME_MAX = 64,              /* longest cipher name we look at */
};

/* The reason 2.6 sends with AUTH_FAILED when negotiation fails. */
#define NCP_AUTH_FAILED_REASON "Data channel cipher negotiation failed (no shared cipher)"
/* 2.6 default --data-ciphers. */
#define NCP_DEFAULT_DATA_CIPHERS "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"

/* Server's --data-ciphers, in preference order, without duplicates. */
struct ncp_list {
	enum ncp_cipher c[NCP_LIST_MAX];
	unsigned n;
};

struct ncp_result {
	enum ncp_cipher cipher;
	bool push_cipher;       /* push `cipher <ncp_cipher_name(cipher)>` */
	bool via_occ;           /* matched the client's OCC cipher (2.3/2.4 "poor man's NCP") */
	bool via_fallback;      /* --data-ciphers-fallback used */
};

/* Supported cipher for a name (len bytes, need not be NUL-terminated);
 * case-insensitive, OpenSSL aliases accepted. NCP_CIPHER_NONE otherwise. */
enum ncp_cipher ncp_cipher_from_name(const char *name, size_t len);

/* Canonical OpenVPN name ("AES-256-GCM" ...); "none" for NCP_CIPHER_NONE. */
const char *ncp_cipher_name(enum ncp_cipher c);

/* Key length in bytes (16 or 32); 0 for NCP_CIPHER_NONE. */
unsigned ncp_cipher_key_len(enum ncp_cipher c);

/*
 * Parse a --data-ciphers value ("AES-256-GCM:?CHACHA20-POLY1305"). A '?'
 * prefix marks an optional cipher: dropped if unsupported. Returns 0, or -1
 * with a message in err (any size, may be 0) for an unsupported mandatory
 * cipher, an empty result or a normalised list over NCP_CIPHERS_LEN_MAX.
 */
int ncp_list_parse(const char *data_ciphers, struct ncp_list *out, char *err, size_t errlen);

/* Normalised "A:B:C" form of a list (for logs and IV_CIPHERS-style output).
 * Returns the length, or -1 if cap is too small. */
int ncp_list_format(const struct ncp_list *l, char *out, size_t cap);

/*
 * Value of `cipher X` in an OCC options string ("V4,...,cipher X,..."),
 * as OpenVPN extracts it: copied to out (NUL-terminated; false if absent
 * or longer than cap - 1). "[null-cipher]" is returned as "none".
 */
bool ncp_occ_cipher(const char *options, char *out, size_t cap);

/*
 * Choose the data cipher for a client. pi: its peer-info (NULL if it sent
 * none); occ_cipher: from ncp_occ_cipher() (NULL if absent); fallback:
 * --data-ciphers-fallback (NCP_CIPHER_NONE if not configured).
 * Returns 0 with *res filled, or -1 (no shared cipher: send
 * AUTH_FAILED,NCP_AUTH_FAILED_REASON); res->cipher is then NONE.
 */
int ncp_select(const struct ncp_list *server, const struct peerinfo *pi,
	       const char *occ_cipher, enum ncp_cipher fallback, struct ncp_result *res);

#endif
