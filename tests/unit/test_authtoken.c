/*
 * auth-gen-token (fact sheet §12): known-answer tokens computed with an
 * independent Python implementation (hmac/base64 modules), round trips,
 * every expiry rule at its edges, tampering, usernames, session binding,
 * and the secret file format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authtoken.h"
#include "harness.h"

/* 128 bytes 00 01 .. 7f, as "openvpn --genkey auth-token" lays them out */
static const char pem_seq[] =
	"-----BEGIN OpenVPN auth-token server key-----\n"
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n"
	"MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f\n"
	"YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8=\n"
	"-----END OpenVPN auth-token server key-----\n";

/* written by OpenVPN 2.6.14 "openvpn --genkey auth-token FILE" */
static const char pem_openvpn[] =
	"-----BEGIN OpenVPN auth-token server key-----\n"
	"9x/oWswgEaJtJuc+ptzTmKl6YuS+jlCs8e9jRHNWn9AF0xwNt75hvsej8W4FaJIc\n"
	"DoSxhV2CoQ7/n38+/LJ0IcTJFE5nf8NUNIyN4XWjmhNVxcYlmzhVUIzYKxCghYKB\n"
	"8JrsPDRKdy7MXKhcIZC37jLIWHQY4AaYuv8lCSepv2o=\n"
	"-----END OpenVPN auth-token server key-----\n";

/* Python: K = bytes(range(128))[64:96], sessid = 01..0c,
 * t_initial = 1700000000, t_now = 1700000600 */
static const char kat_alice[] =
	"SESS_ID_AT_AQIDBAUGBwgJCgsMAAAAAGVT8QAAAAAAZVPzWF4D5AZx1UtmoN7iKWZ7YdhFz9sJzhzlVlAIPYIdFRvD";
static const char kat_empty[] =
	"SESS_ID_AT_AQIDBAUGBwgJCgsMAAAAAGVT8QAAAAAAZVPzWD5OwV50CeetuuwM1ShBcVPjQ/gB9q2mw3p/CSv1GiPz";

static const uint8_t sid1[AUTHTOKEN_SESSID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const uint8_t sid2[AUTHTOKEN_SESSID_LEN] = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };

static struct authtoken_key key;

static void
load_seq_key(void)
{
	char err[AUTHTOKEN_ERR_LEN];
	CHECK_EQ(authtoken_key_from_pem(&key, pem_seq, strlen(pem_seq), err, sizeof(err)), 0);
	for (int i = 0; i < AUTHTOKEN_HMAC_LEN; i++)
		CHECK_EQ(key.hmac[i], 64 + i);
}

static void
test_known_answer(void)
{
	struct authtoken_session s;
	char tok[AUTHTOKEN_SIZE], sid[AUTHTOKEN_SESSID_B64_LEN + 1];

	authtoken_session_start(&s, sid1, 1700000000);
	CHECK(authtoken_generate(&key, &s, "alice", 1700000600, tok));
	CHECK_EQ(strlen(tok), AUTHTOKEN_LEN);
	CHECK(strcmp(tok, kat_alice) == 0);
	s.empty_user = true;
	CHECK(authtoken_generate(&key, &s, "alice", 1700000600, tok));
	CHECK(strcmp(tok, kat_empty) == 0);

	authtoken_session_id_str(sid1, sid);
	CHECK(strcmp(sid, "AQIDBAUGBwgJCgsM") == 0);
	CHECK(strncmp(kat_alice + AUTHTOKEN_PREFIX_LEN, sid, AUTHTOKEN_SESSID_B64_LEN) == 0);

	struct authtoken_params p = { .lifetime = 0, .renewal = 3600 };
	struct authtoken_info info;
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", kat_alice, 1700000600, &info),
		 AUTHTOKEN_VALID);
	CHECK(info.hmac_ok && !info.empty_user);
	CHECK_MEM(info.sessid, sid1, AUTHTOKEN_SESSID_LEN);
	CHECK_EQ(info.t_initial, 1700000000);
	CHECK_EQ(info.t_now, 1700000600);
}

/* validate a token made at t_now for a session started at t_initial */
static enum authtoken_result
check_at(uint64_t t_initial, uint64_t t_now, uint64_t lifetime, uint64_t renewal, uint64_t now)
{
	struct authtoken_session s;
	struct authtoken_params p = { .lifetime = lifetime, .renewal = renewal };
	char tok[AUTHTOKEN_SIZE];

	authtoken_session_start(&s, sid1, t_initial);
	CHECK(authtoken_generate(&key, &s, "alice", t_now, tok));
	return authtoken_validate(&key, &p, &s, "alice", tok, now, NULL);
}

static void
test_expiry(void)
{
	const uint64_t T0 = 1700000000, R = 3600, L = 86400;

	/* renewal window [t_now, t_now + 2R) */
	CHECK_EQ(check_at(T0, T0, 0, R, T0), AUTHTOKEN_VALID);
	CHECK_EQ(check_at(T0, T0 + 100, 0, R, T0 + 99), AUTHTOKEN_EXPIRED);	/* from the future */
	CHECK_EQ(check_at(T0, T0 + 100, 0, R, T0 + 100), AUTHTOKEN_VALID);
	CHECK_EQ(check_at(T0, T0, 0, R, T0 + 2 * R - 1), AUTHTOKEN_VALID);
	CHECK_EQ(check_at(T0, T0, 0, R, T0 + 2 * R), AUTHTOKEN_EXPIRED);
	CHECK_EQ(check_at(T0, T0, 0, 0, T0), AUTHTOKEN_EXPIRED);		/* renewal 0 */
	CHECK_EQ(check_at(T0, T0, 0, UINT64_MAX, UINT64_MAX), AUTHTOKEN_VALID);	/* no overflow */
	CHECK_EQ(check_at(T0, T0, 0, UINT64_MAX / 2 + 1, T0 + 5), AUTHTOKEN_VALID);

	/* lifetime: expired once now > t_initial + lifetime */
	CHECK_EQ(check_at(T0, T0 + L - 10, L, R, T0 + L), AUTHTOKEN_VALID);
	CHECK_EQ(check_at(T0, T0 + L - 10, L, R, T0 + L + 1), AUTHTOKEN_EXPIRED);
	CHECK_EQ(check_at(T0, T0 + L + 5, L, R, T0 + L + 5), AUTHTOKEN_EXPIRED);
	CHECK_EQ(check_at(T0, T0 + 1000000000, 0, R, T0 + 1000000000), AUTHTOKEN_VALID);
	CHECK_EQ(check_at(T0, T0, 1, R, T0 + 1), AUTHTOKEN_VALID);
	CHECK_EQ(check_at(T0, T0, 1, R, T0 + 2), AUTHTOKEN_EXPIRED);
	CHECK_EQ(check_at(UINT64_MAX - 5, UINT64_MAX - 5, UINT64_MAX, R, UINT64_MAX),
		 AUTHTOKEN_VALID);

	/* t_now before t_initial: broken clock, expired */
	CHECK_EQ(check_at(T0 + 10, T0, 0, R, T0), AUTHTOKEN_EXPIRED);
	CHECK_EQ(check_at(T0 + 10, T0 + 10, 0, R, T0 + 10), AUTHTOKEN_VALID);
}

static void
test_renew_and_bind(void)
{
	const uint64_t T0 = 1700000000;
	struct authtoken_params p = { .lifetime = 86400, .renewal = 3600 };
	struct authtoken_session s, fresh, other;
	struct authtoken_info info;
	char t1[AUTHTOKEN_SIZE], t2[AUTHTOKEN_SIZE];

	authtoken_session_start(&s, sid1, T0);
	CHECK(authtoken_generate(&key, &s, "alice", T0, t1));
	CHECK(authtoken_generate(&key, &s, "alice", T0 + 3600, t2));	/* renewal */
	CHECK(strcmp(t1, t2) != 0);
	/* same prefix and session id, same t_initial */
	CHECK(memcmp(t1, t2, AUTHTOKEN_PREFIX_LEN + AUTHTOKEN_SESSID_B64_LEN) == 0);
	CHECK_EQ(authtoken_validate(&key, &p, &s, "alice", t2, T0 + 3600, &info), AUTHTOKEN_VALID);
	CHECK_EQ(info.t_initial, T0);
	CHECK_EQ(info.t_now, T0 + 3600);
	/* the old one is out of its window by then? T0 + 3600 < T0 + 7200: still fine */
	CHECK_EQ(authtoken_validate(&key, &p, &s, "alice", t1, T0 + 3600, NULL), AUTHTOKEN_VALID);
	CHECK_EQ(authtoken_validate(&key, &p, &s, "alice", t1, T0 + 7200, NULL),
		 AUTHTOKEN_EXPIRED);

	/* a reconnect: new session without token state adopts the token's */
	memset(&fresh, 0, sizeof(fresh));
	CHECK_EQ(authtoken_validate(&key, &p, &fresh, "alice", t2, T0 + 4000, &info),
		 AUTHTOKEN_VALID);
	authtoken_session_adopt(&fresh, &info);
	CHECK(fresh.bound);
	CHECK_MEM(fresh.sessid, sid1, AUTHTOKEN_SESSID_LEN);
	CHECK_EQ(fresh.t_initial, T0);
	char t3[AUTHTOKEN_SIZE];
	CHECK(authtoken_generate(&key, &fresh, "alice", T0 + 5000, t3));
	CHECK(memcmp(t1, t3, AUTHTOKEN_PREFIX_LEN + AUTHTOKEN_SESSID_B64_LEN) == 0);
	CHECK_EQ(authtoken_validate(&key, &p, &fresh, "alice", t3, T0 + 5000, &info),
		 AUTHTOKEN_VALID);
	CHECK_EQ(info.t_initial, T0);

	/* a session bound to another id refuses the token */
	authtoken_session_start(&other, sid2, T0);
	CHECK_EQ(authtoken_validate(&key, &p, &other, "alice", t2, T0 + 3600, NULL),
		 AUTHTOKEN_INVALID);
	/* ...even an expired one */
	CHECK_EQ(authtoken_validate(&key, &p, &other, "alice", t1, T0 + 99999, NULL),
		 AUTHTOKEN_INVALID);
	/* adopt never rebinds a bound session */
	authtoken_session_adopt(&other, &info);
	CHECK_MEM(other.sessid, sid2, AUTHTOKEN_SESSID_LEN);

	/* clear, unbound: no token can be generated */
	authtoken_session_clear(&s);
	CHECK(!s.bound);
	CHECK(!authtoken_generate(&key, &s, "alice", T0, t1));
	CHECK_EQ(t1[0], '\0');
	/* adopt ignores info whose HMAC did not match */
	memset(&info, 0, sizeof(info));
	authtoken_session_adopt(&s, &info);
	CHECK(!s.bound);
}

static void
test_usernames(void)
{
	const uint64_t T0 = 1700000000;
	struct authtoken_params p = { .lifetime = 0, .renewal = 3600 };
	struct authtoken_session s;
	struct authtoken_info info;
	char tok[AUTHTOKEN_SIZE];

	authtoken_session_start(&s, sid1, T0);
	CHECK(authtoken_generate(&key, &s, "alice", T0, tok));
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "bob", tok, T0, NULL), AUTHTOKEN_INVALID);
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice ", tok, T0, NULL), AUTHTOKEN_INVALID);
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "", tok, T0, NULL), AUTHTOKEN_INVALID);
	CHECK_EQ(authtoken_validate(&key, &p, NULL, NULL, tok, T0, NULL), AUTHTOKEN_INVALID);

	/* token for the empty username: good with any name, flagged */
	s.empty_user = true;
	CHECK(authtoken_generate(&key, &s, "alice", T0, tok));
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "mallory", tok, T0, &info),
		 AUTHTOKEN_VALID_EMPTY_USER);
	CHECK(info.hmac_ok && info.empty_user);
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "mallory", tok, T0 + 7200, NULL),
		 AUTHTOKEN_EXPIRED_EMPTY_USER);
	/* presented with the empty name itself, it is a plain match (2.6) */
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "", tok, T0, NULL), AUTHTOKEN_VALID);
	/* adopting keeps the empty-user property for renewals */
	struct authtoken_session fresh = { 0 };
	authtoken_session_adopt(&fresh, &info);
	CHECK(fresh.empty_user);
	CHECK(authtoken_generate(&key, &fresh, "mallory", T0 + 10, tok));
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "mallory", tok, T0 + 10, NULL),
		 AUTHTOKEN_VALID_EMPTY_USER);

	/* usernames up to AUTHTOKEN_USER_MAX bytes */
	char *big = malloc(AUTHTOKEN_USER_MAX + 2);
	CHECK(big != NULL);
	if (big) {
		s.empty_user = false;
		memset(big, 'u', AUTHTOKEN_USER_MAX);
		big[AUTHTOKEN_USER_MAX] = '\0';
		CHECK(authtoken_generate(&key, &s, big, T0, tok));
		CHECK_EQ(authtoken_validate(&key, &p, NULL, big, tok, T0, NULL), AUTHTOKEN_VALID);
		big[AUTHTOKEN_USER_MAX] = 'u';
		big[AUTHTOKEN_USER_MAX + 1] = '\0';
		CHECK(!authtoken_generate(&key, &s, big, T0, tok));
		CHECK_EQ(authtoken_validate(&key, &p, NULL, big, kat_alice, T0, NULL),
			 AUTHTOKEN_INVALID);
		free(big);
	}
}

static void
test_tamper(void)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct authtoken_params p = { .lifetime = 0, .renewal = 3600 };
	const uint64_t now = 1700000600;
	char tok[AUTHTOKEN_SIZE + 1];
	int bad = 0;

	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", kat_alice, now, NULL),
		 AUTHTOKEN_VALID);
	/* every base64 position matters (60 bytes: no spare bits) */
	for (int i = AUTHTOKEN_PREFIX_LEN; i < AUTHTOKEN_LEN; i++) {
		strcpy(tok, kat_alice);
		const char *pos = strchr(b64, tok[i]);
		tok[i] = b64[(pos - b64 + 1 + i % 63) % 64];	/* never itself */
		if (authtoken_validate(&key, &p, NULL, "alice", tok, now, NULL) !=
		    AUTHTOKEN_INVALID)
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* characters outside the alphabet, padding, whitespace */
	const char repl[] = { '=', ' ', '-', '_', '\n', '.' };
	for (size_t r = 0; r < sizeof(repl); r++) {
		strcpy(tok, kat_alice);
		tok[AUTHTOKEN_PREFIX_LEN + 40] = repl[r];
		CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", tok, now, NULL),
			 AUTHTOKEN_INVALID);
		strcpy(tok, kat_alice);
		tok[AUTHTOKEN_LEN - 1] = repl[r];
		CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", tok, now, NULL),
			 AUTHTOKEN_INVALID);
	}
	/* not tokens at all: length or prefix */
	strcpy(tok, kat_alice);
	tok[0] = 's';
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", tok, now, NULL),
		 AUTHTOKEN_NOT_TOKEN);
	strcpy(tok, kat_alice);
	tok[AUTHTOKEN_LEN - 1] = '\0';
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", tok, now, NULL),
		 AUTHTOKEN_NOT_TOKEN);
	strcpy(tok, kat_alice);
	strcat(tok, "A");
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", tok, now, NULL),
		 AUTHTOKEN_NOT_TOKEN);
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", "secret", now, NULL),
		 AUTHTOKEN_NOT_TOKEN);
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", "", now, NULL), AUTHTOKEN_NOT_TOKEN);
	CHECK_EQ(authtoken_validate(&key, &p, NULL, "alice", NULL, now, NULL),
		 AUTHTOKEN_NOT_TOKEN);
	CHECK(authtoken_is_token(kat_alice));
	CHECK(!authtoken_is_token(NULL));

	/* another key */
	struct authtoken_key k2;
	CHECK_EQ(authtoken_key_random(&k2), 0);
	CHECK(memcmp(k2.hmac, key.hmac, sizeof(k2.hmac)) != 0);
	CHECK_EQ(authtoken_validate(&k2, &p, NULL, "alice", kat_alice, now, NULL),
		 AUTHTOKEN_INVALID);
	authtoken_key_wipe(&k2);
	static const uint8_t zero[AUTHTOKEN_HMAC_LEN];
	CHECK_MEM(k2.hmac, zero, sizeof(zero));
}

static void
test_secret_file(void)
{
	struct authtoken_key k;
	char err[AUTHTOKEN_ERR_LEN], pem[1024], path[64], want[128];

	/* OpenVPN's own file loads */
	CHECK_EQ(authtoken_key_from_pem(&k, pem_openvpn, strlen(pem_openvpn), err, sizeof(err)), 0);
	/* text around the block is ignored, as by PEM readers */
	snprintf(pem, sizeof(pem), "# written by hand\n%s\ntrailing\n", pem_seq);
	CHECK_EQ(authtoken_key_from_pem(&k, pem, strlen(pem), err, sizeof(err)), 0);
	CHECK_MEM(k.hmac, key.hmac, sizeof(k.hmac));

	/* encoding the 128-byte layout gives the file back */
	uint8_t raw[AUTHTOKEN_KEY_FILE_LEN];
	for (int i = 0; i < AUTHTOKEN_KEY_FILE_LEN; i++)
		raw[i] = (uint8_t)i;
	CHECK_EQ(authtoken_key_file_pem(raw, pem, sizeof(pem)), 0);
	CHECK(strcmp(pem, pem_seq) == 0);
	CHECK_EQ(authtoken_key_file_pem(raw, pem, 100), -1);

	/* 64 bytes: too short */
	static const char pem_short[] =
		"-----BEGIN OpenVPN auth-token server key-----\n"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n"
		"MDEyMzQ1Njc4OTo7PD0+Pw==\n"
		"-----END OpenVPN auth-token server key-----\n";
	CHECK_EQ(authtoken_key_from_pem(&k, pem_short, strlen(pem_short), err, sizeof(err)), -1);
	CHECK(strcmp(err, "key too short (64 bytes, need 128)") == 0);

	/* another kind of key */
	snprintf(pem, sizeof(pem), "%s", pem_seq);
	char *p;
	while ((p = strstr(pem, "auth-token server key")))
		memcpy(p, "tls-crypt-v2 server  ", 21);
	CHECK_EQ(authtoken_key_from_pem(&k, pem, strlen(pem), err, sizeof(err)), -1);
	CHECK(strcmp(err, "PEM block is 'OpenVPN tls-crypt-v2 server  ', expected "
			  "'OpenVPN auth-token server key'") == 0);

	/* not PEM, broken base64, missing END line */
	static const char *junk[] = {
		"",
		"hello\n",
		"-----BEGIN OpenVPN auth-token server key-----\n@@@@\n"
		"-----END OpenVPN auth-token server key-----\n",
		"-----BEGIN OpenVPN auth-token server key-----\n"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v\n",
	};
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		CHECK_EQ(authtoken_key_from_pem(&k, junk[i], strlen(junk[i]), err, sizeof(err)), -1);
		CHECK(strcmp(err, "no PEM block 'OpenVPN auth-token server key' found") == 0);
	}

	/* from a file */
	snprintf(path, sizeof(path), "/tmp/test_authtoken.%d", (int)getpid());
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(pem_seq, f);
		fclose(f);
	}
	memset(&k, 0, sizeof(k));
	CHECK_EQ(authtoken_key_load(&k, path, err, sizeof(err)), 0);
	CHECK_MEM(k.hmac, key.hmac, sizeof(k.hmac));
	unlink(path);
	CHECK_EQ(authtoken_key_load(&k, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CHECK(strcmp(err, want) == 0);
	f = fopen(path, "w");
	if (f) {
		fputs(pem_short, f);
		fclose(f);
	}
	CHECK_EQ(authtoken_key_load(&k, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: key too short (64 bytes, need 128)", path);
	CHECK(strcmp(err, want) == 0);
	unlink(path);
}

static void
test_names(void)
{
	CHECK(strcmp(authtoken_state_name(AUTHTOKEN_NOT_TOKEN), "Initial") == 0);
	CHECK(strcmp(authtoken_state_name(AUTHTOKEN_VALID), "Authenticated") == 0);
	CHECK(strcmp(authtoken_state_name(AUTHTOKEN_VALID_EMPTY_USER),
		     "AuthenticatedEmptyUser") == 0);
	CHECK(strcmp(authtoken_state_name(AUTHTOKEN_EXPIRED), "Expired") == 0);
	CHECK(strcmp(authtoken_state_name(AUTHTOKEN_EXPIRED_EMPTY_USER), "ExpiredEmptyUser") == 0);
	CHECK(strcmp(authtoken_state_name(AUTHTOKEN_INVALID), "Invalid") == 0);
}

int
main(void)
{
	load_seq_key();
	test_known_answer();
	test_expiry();
	test_renew_and_bind();
	test_usernames();
	test_tamper();
	test_secret_file();
	test_names();
	return harness_done("authtoken");
}
