/*
 * Fuzz the password-store parser and auth-token validation.
 *
 * Byte 0 picks the target: even = passdb_parse() of the rest; odd =
 * authtoken_validate() with "USERNAME\nTOKEN" in the rest. Properties
 * checked (abort on violation): a parsed table is sorted, findable and
 * made of fields the validators accept; a token accepted as VALID for
 * some username re-validates after a renewal, and is refused for another
 * name and by a session bound to another id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authtoken.h"
#include "passdb.h"

#define HY "$y$j9T$aJsSO.k.xib74n8jFn9qa.$24b.n.CKmTqq2Cv8PhaR6NdkO95gyBBg/jwHNkYbV2D"
#define H6 "$6$xXn9kkjtXGsVibZb$hRRLWlG61zDJtqAFD5gq814aN2NoAqvnZInNNR0vB/c7B9gQyj0aaY7ciAwRJvIRF.W9DgJCv1ASfg6e9FMHp/"

static const char *const seeds[] = {
	"\x00# users\nalice:*:" HY "\nbob:admins, ops:!" H6 "\n\ncarol::"
	"$6$rounds=5000$abc$hRRLWlG61zDJtqAFD5gq814aN2NoAqvnZInNNR0vB/c7B9gQyj0aaY7ciAwRJvIRF.W9DgJCv1ASfg6e9FMHp/\r\n",
	/* K = bytes 64..95 (sequence key of test_authtoken.c), t_now 1700000600 */
	"\x01" "alice\n"
	"SESS_ID_AT_AQIDBAUGBwgJCgsMAAAAAGVT8QAAAAAAZVPzWF4D5AZx1UtmoN7iKWZ7YdhFz9sJzhzlVlAIPYIdFRvD",
	"\x01" "anyone\n"
	"SESS_ID_AT_AQIDBAUGBwgJCgsMAAAAAGVT8QAAAAAAZVPzWD5OwV50CeetuuwM1ShBcVPjQ/gB9q2mw3p/CSv1GiPz",
};

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	const char *s = seeds[idx % (sizeof(seeds) / sizeof(seeds[0]))];
	size_t n = 1 + strlen(s + 1);	/* the mode byte may be NUL */
	if (n > cap)
		n = cap;
	memcpy(buf, s, n);
	return n;
}

static void
fuzz_passdb(const char *text, size_t len)
{
	char err[PASSDB_ERR_LEN];
	struct passdb *db = passdb_parse("fuzz", text, len, err, sizeof(err));

	if (!db) {
		if (strncmp(err, "fuzz", 4) != 0)
			abort();
		return;
	}
	const struct passdb_user *prev = NULL;
	for (size_t i = 0; i < passdb_count(db); i++) {
		const struct passdb_user *u = passdb_user_at(db, i);
		if (!u || passdb_find(db, u->name) != u || passdb_check_username(u->name) ||
		    passdb_check_hash(u->hash) || u->ngroups > PASSDB_GROUPS_MAX ||
		    (prev && strcmp(prev->name, u->name) >= 0))
			abort();
		for (unsigned g = 0; g < u->ngroups; g++)
			if (strlen(u->groups[g]) < 2 || strlen(u->groups[g]) > PASSDB_GROUP_MAX)
				abort();
		prev = u;
	}
	passdb_unref(db);
}

static void
fuzz_token(const char *in, size_t len)
{
	static struct authtoken_key key;
	static const uint8_t other_sid[AUTHTOKEN_SESSID_LEN] = { 0xee };
	const struct authtoken_params p = { .lifetime = 86400, .renewal = 3600 };
	const uint64_t now = 1700000600;
	char user[AUTHTOKEN_USER_MAX + 1], tok[512];
	struct authtoken_info info;

	for (int i = 0; i < AUTHTOKEN_HMAC_LEN; i++)
		key.hmac[i] = (uint8_t)(64 + i);

	const char *nl = memchr(in, '\n', len);
	size_t ul = nl ? (size_t)(nl - in) : 0;
	size_t tl = nl ? len - ul - 1 : len;
	if (ul >= sizeof(user) || tl >= sizeof(tok))
		return;
	memcpy(user, in, ul);
	user[ul] = '\0';
	ul = strlen(user);		/* an embedded NUL ends the name */
	memcpy(tok, nl ? nl + 1 : in, tl);
	tok[tl] = '\0';

	enum authtoken_result r = authtoken_validate(&key, &p, NULL, user, tok, now, &info);
	if ((r == AUTHTOKEN_NOT_TOKEN) == authtoken_is_token(tok))
		abort();
	if (r == AUTHTOKEN_INVALID || r == AUTHTOKEN_NOT_TOKEN)
		return;
	if (!info.hmac_ok)
		abort();

	/* adopt and renew: the new token is valid now, for the same name */
	struct authtoken_session s = { 0 }, other;
	char renewed[AUTHTOKEN_SIZE];
	authtoken_session_adopt(&s, &info);
	if (!s.bound || !authtoken_generate(&key, &s, user, info.t_initial + 10, renewed))
		abort();
	struct authtoken_params wide = { .lifetime = 0, .renewal = UINT64_MAX };
	enum authtoken_result r2 = authtoken_validate(&key, &wide, &s, user, renewed,
						      info.t_initial + 10, NULL);
	if (r2 != (info.empty_user ? AUTHTOKEN_VALID_EMPTY_USER : AUTHTOKEN_VALID) &&
	    !(info.empty_user && user[0] == '\0' && r2 == AUTHTOKEN_VALID))
		abort();
	authtoken_session_start(&other, other_sid, now);
	if (memcmp(info.sessid, other_sid, AUTHTOKEN_SESSID_LEN) != 0 &&
	    authtoken_validate(&key, &p, &other, user, tok, now, NULL) != AUTHTOKEN_INVALID)
		abort();
	if (!info.empty_user && user[0] && ul < AUTHTOKEN_USER_MAX) {
		user[ul] = 'x';
		user[ul + 1] = '\0';
		if (authtoken_validate(&key, &p, NULL, user, tok, now, NULL) != AUTHTOKEN_INVALID)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_token((const char *)data + 1, size - 1);
	else
		fuzz_passdb((const char *)data + 1, size - 1);
	return 0;
}
