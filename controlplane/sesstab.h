/*
 * The session registry behind dpvpnctl's `show sessions` / `terminate`:
 * one entry per auth-gen-token session (its random session id), whether a
 * client uses it now or it only lives on in a token a client holds for
 * reconnecting. Terminated sessions stay (revoked) until their tokens would
 * have expired anyway, so a terminated token never comes back. Pure,
 * bounded (the oldest unused valid entry goes when full), O(1) lookups.
 */
#ifndef CP_SESSTAB_H
#define CP_SESSTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESS_ID_LEN	12
#define SESS_SAFE_LEN	28	/* occtl's "Full session": base64 of SHA-1(session id) */

struct sess_entry {
	uint8_t id[SESS_ID_LEN];
	char safe_id[SESS_SAFE_LEN + 1];
	char username[64];
	char remote_ip[16];
	char user_agent[64];
	uint64_t created;		/* unix time of the first login */
	uint64_t expires;		/* unix time, 0 = never (auth-gen-token lifetime 0) */
	unsigned in_use;		/* clients connected with it now */
	bool revoked;			/* terminated: its tokens are refused */
};

struct sesstab;

struct sesstab *sesstab_new(size_t max_entries);
void sesstab_free(struct sesstab *t);
/* The entry of id, created with the given details when new (NULL when full of revoked or in-use entries). */
struct sess_entry *sesstab_touch(struct sesstab *t, const uint8_t id[SESS_ID_LEN], uint64_t created,
	uint64_t lifetime, uint64_t now);
struct sess_entry *sesstab_find(struct sesstab *t, const uint8_t id[SESS_ID_LEN]);
/* Entries whose safe id starts with prefix (not revoked); fills up to cap, returns the count. */
size_t sesstab_match(struct sesstab *t, const char *prefix, uint64_t now, struct sess_entry **out,
	size_t cap);
/* i-th entry (any order), NULL past the end; expired entries not in use are dropped first. */
struct sess_entry *sesstab_at(struct sesstab *t, size_t i);
void sesstab_expire(struct sesstab *t, uint64_t now);
size_t sesstab_count(const struct sesstab *t);

#endif
