/*
 * auth-gen-token (fact sheet §12, OpenVPN 2.6 auth_token.c semantics).
 *
 * After a successful login the server pushes "auth-token TOKEN"; the client
 * then sends TOKEN as its password on renegotiations and reconnects, so it
 * does not need the real password until the token expires:
 *
 *	TOKEN = "SESS_ID_AT_" || base64(sessid[12] || t_initial[8] || t_now[8] || mac[32])
 *	mac   = HMAC-SHA256(K, username || sessid || t_initial || t_now)
 *
 * timestamps big-endian seconds since the epoch; 60 bytes -> 80 base64
 * characters, no padding; 91 characters in all. The layout is 2.6's so a
 * token survives a switch between dpvpn and OpenVPN sharing a secret file.
 *
 * K is bytes 64..95 of the 128 bytes in the --auth-gen-token-secret PEM
 * file ("-----BEGIN OpenVPN auth-token server key-----", written by
 * "openvpn --genkey auth-token FILE": OpenVPN's struct key, cipher[64] ||
 * hmac[64], of which HMAC-SHA256 takes the first 32 hmac bytes), or random
 * per start when no file is configured (tokens then die with the process).
 *
 * Validation (2.6):
 *  - HMAC over the presented username; failing that, over the empty
 *    username ("EmptyUser": the token is good but the name is not vouched
 *    for; 2.6 accepts it only with external-auth). Neither: INVALID.
 *  - expired if now is outside [t_now, t_now + 2*renewal), or t_now <
 *    t_initial, or lifetime != 0 and now > t_initial + lifetime.
 *  - INVALID if the session already holds a token and the session id
 *    differs (a token cannot move to another session).
 * Only AUTHTOKEN_VALID lets dpvpnd skip password checks; on anything else
 * it sends AUTH_FAILED (EXPIRED: "SESSION: token expired"), and forgets
 * the session's token state (authtoken_session_clear).
 *
 * Pure module: time ("now", wall-clock seconds: tokens must survive a
 * restart with the same secret file) and the random session id are
 * parameters. Thread-safe (no shared mutable state).
 */
#ifndef DPVPN_CP_AUTHTOKEN_H
#define DPVPN_CP_AUTHTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTHTOKEN_PREFIX "SESS_ID_AT_"
#define AUTHTOKEN_PEM_NAME "OpenVPN auth-token server key"

enum authtoken_limits {
	AUTHTOKEN_PREFIX_LEN = 11,
	AUTHTOKEN_SESSID_LEN = 12,
	AUTHTOKEN_HMAC_LEN = 32,
	AUTHTOKEN_RAW_LEN = AUTHTOKEN_SESSID_LEN + 8 + 8 + AUTHTOKEN_HMAC_LEN,	/* 60 */
	AUTHTOKEN_B64_LEN = AUTHTOKEN_RAW_LEN / 3 * 4,				/* 80 */
	AUTHTOKEN_LEN = AUTHTOKEN_PREFIX_LEN + AUTHTOKEN_B64_LEN,		/* 91 */
	AUTHTOKEN_SIZE = AUTHTOKEN_LEN + 1,		/* buffer for a token */
	AUTHTOKEN_SESSID_B64_LEN = AUTHTOKEN_SESSID_LEN / 3 * 4,		/* 16 */
	AUTHTOKEN_KEY_FILE_LEN = 128,	/* OpenVPN struct key in the PEM file */
	AUTHTOKEN_KEY_HMAC_OFF = 64,	/* key.hmac inside it */
	AUTHTOKEN_USER_MAX = 4096,	/* longer usernames get no token */
	AUTHTOKEN_ERR_LEN = 256,
};

/* 2.6 session_state names in the comments (script env "session_state"). */
enum authtoken_result {
	AUTHTOKEN_NOT_TOKEN,		/* "Initial": password is not a token */
	AUTHTOKEN_VALID,		/* "Authenticated" */
	AUTHTOKEN_VALID_EMPTY_USER,	/* "AuthenticatedEmptyUser" */
	AUTHTOKEN_EXPIRED,		/* "Expired" */
	AUTHTOKEN_EXPIRED_EMPTY_USER,	/* "ExpiredEmptyUser" */
	AUTHTOKEN_INVALID,		/* "Invalid": malformed, bad HMAC, other session */
};

struct authtoken_key {
	uint8_t hmac[AUTHTOKEN_HMAC_LEN];
};

/* --auth-gen-token LIFETIME RENEWAL: renewal defaults to reneg-sec
 * (the caller resolves that; 0 makes every token expire at once). */
struct authtoken_params {
	uint64_t lifetime;		/* seconds, 0 = unlimited */
	uint64_t renewal;		/* seconds */
};

/* Token state of one client session, kept across its renegotiations. */
struct authtoken_session {
	bool bound;			/* sessid/t_initial are set */
	bool empty_user;		/* tokens are for the empty username */
	uint8_t sessid[AUTHTOKEN_SESSID_LEN];
	uint64_t t_initial;
};

/* What a well-formed token says (filled by authtoken_validate). */
struct authtoken_info {
	uint8_t sessid[AUTHTOKEN_SESSID_LEN];
	uint64_t t_initial, t_now;
	bool hmac_ok;
	bool empty_user;
};

/* ---- key ---- */

/*
 * Key from the text of a PEM file (path or inline block contents): the
 * first PEM block must be AUTHTOKEN_PEM_NAME with at least 128 bytes
 * (more are ignored, as OpenVPN does). 0, or -1 with a message in err.
 */
int authtoken_key_from_pem(struct authtoken_key *key, const char *pem, size_t len,
			   char *err, size_t errlen);
int authtoken_key_load(struct authtoken_key *key, const char *path, char *err, size_t errlen);
/* Random key for one process lifetime; 0 or -1. */
int authtoken_key_random(struct authtoken_key *key);
/* PEM text of a 128-byte key file (what openvpn --genkey auth-token
 * writes); 0, or -1 if out is too small (600 bytes are enough). */
int authtoken_key_file_pem(const uint8_t raw[AUTHTOKEN_KEY_FILE_LEN], char *out, size_t outlen);
void authtoken_key_wipe(struct authtoken_key *key);

/* ---- sessions and tokens ---- */

/* First successful login of a session: a fresh random session id (the
 * caller draws it, e.g. RAND_bytes) and t_initial = now. */
void authtoken_session_start(struct authtoken_session *s,
			     const uint8_t sessid[AUTHTOKEN_SESSID_LEN], uint64_t now);
/* After a token was accepted on a session that had none (a reconnect):
 * adopt its session id, t_initial and empty-user flag, as 2.6 does, so
 * renewed tokens keep them. No-op if s is bound or the HMAC did not match. */
void authtoken_session_adopt(struct authtoken_session *s, const struct authtoken_info *info);
/* Forget the token state (after a refused token or a failed auth). */
void authtoken_session_clear(struct authtoken_session *s);

/*
 * Token for a bound session at time now (the first one, or a renewal:
 * same sessid and t_initial, new t_now). The HMAC covers username, or ""
 * when the session is empty_user. false if s is unbound, username is
 * longer than AUTHTOKEN_USER_MAX, or the crypto library fails.
 */
bool authtoken_generate(const struct authtoken_key *key, const struct authtoken_session *s,
			const char *username, uint64_t now, char out[AUTHTOKEN_SIZE]);

/* Is this password an auth-token (length and prefix)? */
bool authtoken_is_token(const char *password);

/*
 * Check password as a token presented with username at now. session is
 * the client session's state (NULL or unbound: no session-id binding).
 * info, if not NULL, receives the decoded fields when the token is well
 * formed (hmac_ok tells whether they can be trusted).
 */
enum authtoken_result authtoken_validate(const struct authtoken_key *key,
					 const struct authtoken_params *params,
					 const struct authtoken_session *session,
					 const char *username, const char *password,
					 uint64_t now, struct authtoken_info *info);

/* "Initial", "Authenticated", ... for the session_state script variable. */
const char *authtoken_state_name(enum authtoken_result r);
/* session_id script variable: base64 of the session id (16 characters). */
void authtoken_session_id_str(const uint8_t sessid[AUTHTOKEN_SESSID_LEN],
			      char out[AUTHTOKEN_SESSID_B64_LEN + 1]);

#endif
