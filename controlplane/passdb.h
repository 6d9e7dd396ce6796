/*
 * Local password store: a text file of crypt(3) hashes, one user a line,
 * in ocserv's ocpasswd format (edited with dpvpn-passwd):
 *
 *	username:groups:hash
 *
 * groups is a comma-separated list; as in ocserv, one-character names
 * ("*" is what the tool writes when there is none) mean "no group".
 * hash is a yescrypt ($y$...) or SHA-512 ($6$...) crypt(3) string; a
 * leading '!' marks a locked user. Blank lines and lines whose first
 * non-blank character is '#' are ignored; a trailing CR is tolerated. Anything else is an error and
 * the whole file is refused ("FILE:LINE: message"), so a typo can never
 * silently lock users out or let them in.
 *
 * A loaded table is immutable and reference counted: an auth job takes a
 * reference when it is queued, so passdb_reload() can swap tables on the
 * event-loop thread while worker threads still verify against the old one.
 *
 * Threads: passdb_verify() is pure and thread-safe (crypt_rn with its own
 * state), and it is slow by design (yescrypt: tens of ms). dpvpnd never
 * calls it on the event-loop thread, only from auth_worker threads.
 * Everything else here runs on the event-loop thread (or in a tool).
 */
#ifndef DPVPN_CP_PASSDB_H
#define DPVPN_CP_PASSDB_H

#include <stdbool.h>
#include <stddef.h>

enum passdb_limits {
	PASSDB_USER_MAX = 128,		/* bytes in a username */
	PASSDB_GROUP_MAX = 64,		/* bytes in one group name */
	PASSDB_GROUPS_MAX = 32,		/* groups of one user */
	PASSDB_HASH_MAX = 256,		/* bytes in a hash, '!' excluded */
	PASSDB_LINE_MAX = 1024,		/* bytes in a line, newline included */
	PASSDB_USERS_MAX = 100000,
	PASSDB_FILE_MAX = 16 << 20,	/* bytes in the file */
	PASSDB_PASS_MAX = 1024,		/* longer passwords are refused unhashed */
	PASSDB_ERR_LEN = 256,		/* enough for any error message */
};

/* passdb_verify() results. */
enum passdb_result {
	PASSDB_OK = 0,
	PASSDB_BAD_PASSWORD,
	PASSDB_NO_USER,
	PASSDB_LOCKED,
	PASSDB_ERROR,			/* crypt failed: bad stored parameters, no memory */
};

/* One user; all strings live inside the table. */
struct passdb_user {
	const char *name;
	const char *hash;		/* crypt string without the lock mark */
	const char *const *groups;	/* ngroups names, one-character ones dropped */
	unsigned ngroups;
	unsigned line;			/* line number in the file */
	bool locked;
};

struct passdb;

/*
 * Parse len bytes of text; name is used in error messages only. Returns a
 * table with one reference, or NULL with "name:LINE: message" (or
 * "name: message") in err (errlen >= PASSDB_ERR_LEN avoids truncation).
 */
struct passdb *passdb_parse(const char *name, const char *text, size_t len,
			    char *err, size_t errlen);

/* Read and parse a file (at most PASSDB_FILE_MAX bytes). */
struct passdb *passdb_load(const char *path, char *err, size_t errlen);

/*
 * Load path into a new table; on success drop the reference *dbp held and
 * store the new table there, return 0. On any error keep *dbp as it was,
 * fill err and return -1.
 */
int passdb_reload(struct passdb **dbp, const char *path, char *err, size_t errlen);

/* Reference counting (atomic; any thread). unref(NULL) is a no-op. */
struct passdb *passdb_ref(struct passdb *db);
void passdb_unref(struct passdb *db);

size_t passdb_count(const struct passdb *db);
/* i-th user in username order (strcmp), NULL past the end. */
const struct passdb_user *passdb_user_at(const struct passdb *db, size_t i);
/* The user's entry or NULL. Not constant-time: it is not secret which
 * names exist once a login attempt is refused in constant time. */
const struct passdb_user *passdb_find(const struct passdb *db, const char *user);

/*
 * Check pass for user: PASSDB_OK, PASSDB_BAD_PASSWORD, PASSDB_NO_USER,
 * PASSDB_LOCKED or PASSDB_ERROR. Runs one crypt(3) computation in every
 * case (against a dummy yescrypt setting for an unknown user) so timing
 * does not tell which names exist; the comparison is constant-time.
 * Thread-safe and slow: call it from an auth worker thread.
 */
int passdb_verify(const struct passdb *db, const char *user, const char *pass);

const char *passdb_result_str(int result);

/*
 * Validators shared with dpvpn-passwd: NULL if acceptable, else a short
 * reason. A group list is the second field ("*" or "a,b").
 */
const char *passdb_check_username(const char *name);
const char *passdb_check_groups(const char *groups);
const char *passdb_check_hash(const char *hash);	/* without a '!' */

#endif
