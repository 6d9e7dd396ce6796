/*
 * Key method 2: the first TLS application data in each direction (fact
 * sheet §5; OpenVPN 2.6 ssl.c key_method_2_read/_write, key_source2_read,
 * read_string/write_string).
 *
 * Client -> server (one TLS write):
 *	uint32 0 | u8 method (low nibble 2) | pre_master[48] | random1[32] |
 *	random2[32] | options | username | password | peer-info
 * Server -> client:
 *	uint32 0 | u8 2 | random1[32] | random2[32] | options | 00 00 | 00 00 | 00 00
 * Strings: uint16 length L including the trailing NUL, then L bytes; an
 * empty/absent string is `00 00`.
 *
 * Parsing rules (2.6 reads the whole message from one TLS record; we also
 * accept it arriving in pieces):
 *  - the leading uint32 is ignored (2.6 skips it unchecked); the method
 *    byte's low nibble must be 2 (high nibble: flags, ignored);
 *  - options: L <= KM2_OPTIONS_MAX, else KM2_E_OPTIONS;
 *  - username/password: 2.6 always sends both, plus peer-info. The message
 *    may end right after the options (no credentials, no peer-info) or
 *    right after the password (no peer-info); ending anywhere else, e.g.
 *    inside a string or between username and password, is KM2_INCOMPLETE;
 *  - a username or password with L > KM2_USERPASS_MAX is skipped, the
 *    field left empty and creds_too_long set: 2.6 does not drop the TLS
 *    session for that but answers AUTH_FAILED,KM2_REASON_CREDS_TOO_LONG;
 *  - peer-info: L <= KM2_PEERINFO_MAX, else KM2_E_PEERINFO;
 *  - every non-empty string must end with its NUL and contain no other NUL
 *    (2.6 silently truncates at the first NUL: we refuse, KM2_E_STRING);
 *  - bytes after the peer-info are not ours: *consumed tells where the
 *    message ended (2.6 discards the rest of the record).
 *
 * Pure module: no TLS objects, no malloc. struct km2_client_msg holds
 * secrets (pre_master, password): wipe it with km2_client_msg_wipe().
 */
#ifndef DPVPN_CP_KMETHOD2_H
#define DPVPN_CP_KMETHOD2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum km2_limits {
	KM2_PRE_MASTER_LEN = 48,
	KM2_RANDOM_LEN = 32,
	KM2_OPTIONS_MAX = 512,          /* TLS_OPTIONS_LEN, incl. NUL */
	KM2_USERPASS_MAX = 4096,        /* USER_PASS_LEN of PKCS#11 builds (Debian), incl. NUL */
	KM2_PEERINFO_MAX = 4096,        /* incl. NUL; peerinfo.h keeps at most this much */
	KM2_HDR_LEN = 5,                /* uint32 0 + method byte */
	/* longest message with every field within limits. A caller that
	 * accumulates TLS records while km2_client_parse() says INCOMPLETE
	 * should drop the session past this size (over-long credentials are
	 * skipped, not refused, so a message could otherwise grow to 128 KiB;
	 * 2.6 reads a single record of at most 2048 bytes) */
	KM2_CLIENT_MSG_MAX = KM2_HDR_LEN + KM2_PRE_MASTER_LEN + 2 * KM2_RANDOM_LEN +
		2 + KM2_OPTIONS_MAX + 2 * (2 + KM2_USERPASS_MAX) + 2 + KM2_PEERINFO_MAX,
	KM2_SERVER_MSG_MAX = KM2_HDR_LEN + 2 * KM2_RANDOM_LEN + 2 + KM2_OPTIONS_MAX + 3 * 2,
};

#define KM2_METHOD 2
#define KM2_METHOD_MASK 0x0f

/* 2.6's AUTH_FAILED reason for over-long credentials (its text says 128
 * even in 4096-byte builds). */
#define KM2_REASON_CREDS_TOO_LONG "Username or password is too long. Maximum length is 128 bytes"

enum km2_status {
	KM2_OK = 0,
	KM2_INCOMPLETE = 1,     /* valid so far: wait for more bytes */
	KM2_E_METHOD = -1,      /* key method is not 2 */
	KM2_E_OPTIONS = -2,     /* options string longer than KM2_OPTIONS_MAX */
	KM2_E_PEERINFO = -3,    /* peer-info longer than KM2_PEERINFO_MAX */
	KM2_E_STRING = -4,      /* missing NUL terminator or embedded NUL */
	KM2_E_ARG = -5,         /* builder: bad argument or buffer too small */
};

struct km2_client_msg {
	uint8_t method;                         /* whole byte as received */
	uint8_t pre_master[KM2_PRE_MASTER_LEN]; /* secret: legacy PRF input (prf.h) */
	uint8_t random1[KM2_RANDOM_LEN];
	uint8_t random2[KM2_RANDOM_LEN];
	char options[KM2_OPTIONS_MAX];          /* OCC string, "" if empty */
	bool has_userpass;                      /* the two fields were present (maybe empty) */
	bool creds_too_long;                    /* -> AUTH_FAILED,KM2_REASON_CREDS_TOO_LONG */
	char username[KM2_USERPASS_MAX];
	char password[KM2_USERPASS_MAX];        /* secret: password, auth-token, SCRV1/CRV1 reply */
	bool has_peer_info;                     /* non-empty peer-info present */
	char peer_info[KM2_PEERINFO_MAX];       /* raw; parse with peerinfo_parse() */
	size_t peer_info_len;                   /* strlen(peer_info) */
};

/*
 * Parse the client's message from buf[0..len). Returns KM2_OK (message
 * complete, *consumed = its length; consumed may be NULL), KM2_INCOMPLETE,
 * or a negative enum km2_status. *out is wiped first and is meaningful
 * only after KM2_OK.
 */
int km2_client_parse(const uint8_t *buf, size_t len, struct km2_client_msg *out, size_t *consumed);

/* Zero everything, secrets included (OPENSSL_cleanse). */
void km2_client_msg_wipe(struct km2_client_msg *m);

/*
 * Build the server's message into out (cap bytes; KM2_SERVER_MSG_MAX is
 * always enough): random1/random2 are fresh random bytes drawn by the
 * caller (kept for the legacy PRF), options the server's OCC string
 * (strlen < KM2_OPTIONS_MAX). Returns the length, or KM2_E_ARG.
 */
int km2_server_build(uint8_t *out, size_t cap, const uint8_t random1[KM2_RANDOM_LEN],
		     const uint8_t random2[KM2_RANDOM_LEN], const char *options);

/*
 * Build a client's message from m (the counterpart of km2_client_parse(),
 * for load generators and tests): method 2, pre_master, random1, random2,
 * m->options, username and password (empty fields unless has_userpass),
 * then m->peer_info ("" is sent as an empty field). Returns the length, or
 * KM2_E_ARG when a string is over its limit or cap is too small
 * (KM2_CLIENT_MSG_MAX is always enough).
 */
int km2_client_build(uint8_t *out, size_t cap, const struct km2_client_msg *m);

/* The OCC string announces compression framing (2.6: strstr ",comp-lzo,"):
 * the client puts a compression byte before every data payload (§7.6). */
bool km2_occ_uses_comp(const char *options);

#endif
