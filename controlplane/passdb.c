/*
 * Local password store (ocpasswd format). See passdb.h.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "passdb.h"

struct passdb {
	atomic_uint refs;
	char *text;			/* the file, fields NUL-terminated in place */
	size_t text_len;
	struct passdb_user *users;	/* sorted by name */
	size_t nusers;
	const char **groups;		/* every user's group pointers, back to back */
};

/*
 * Setting used for unknown users so that a refusal costs one yescrypt run
 * whatever the name (default cost of crypt_gensalt("$y$", 0), as written
 * by dpvpn-passwd). Never matches: the result is PASSDB_NO_USER anyway.
 */
static const char dummy_setting[] = "$y$j9T$aJsSO.k.xib74n8jFn9qa.";

/* crypt(3)'s base-64 alphabet */
static bool
is_b64(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '/';
}

/* Length of the run of alphabet characters at s. */
static size_t
b64_span(const char *s)
{
	size_t n = 0;
	while (is_b64(s[n]))
		n++;
	return n;
}

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Constant-time equality of two NUL-terminated strings (time depends on
 * the length of b only: b is the stored hash). */
static bool
ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	volatile unsigned char diff = (la != lb);

	for (size_t i = 0; i < lb; i++)
		diff |= (unsigned char)((i < la ? a[i] : 0) ^ b[i]);
	return diff == 0;
}

/* ---- validators ---- */

const char *
passdb_check_username(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return "empty username";
	if (n > PASSDB_USER_MAX)
		return "username too long (max 128 bytes)";
	if (name[0] == '#')
		return "username starts with '#'";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (is_ctl(c) || c == ' ' || c == ':')
			return "username contains a space, ':' or a control character";
	}
	return NULL;
}

/*
 * Next group of the list [*p, end): trims blanks, skips empty entries.
 * Returns false at the end of the list.
 */
static bool
next_group(const char **p, const char *end, const char **g, size_t *glen)
{
	while (*p < end) {
		const char *s = *p, *e = memchr(s, ',', (size_t)(end - s));
		if (!e)
			e = end;
		*p = e < end ? e + 1 : end;
		while (s < e && is_blank(*s))
			s++;
		while (e > s && is_blank(e[-1]))
			e--;
		if (e > s) {
			*g = s;
			*glen = (size_t)(e - s);
			return true;
		}
	}
	return false;
}

/* Validates the list and counts the groups kept (longer than one byte). */
static const char *
check_groups(const char *s, size_t len, unsigned *kept)
{
	const char *p = s, *end = s + len, *g;
	size_t glen;

	*kept = 0;
	while (next_group(&p, end, &g, &glen)) {
		if (glen > PASSDB_GROUP_MAX)
			return "group name too long (max 64 bytes)";
		for (size_t i = 0; i < glen; i++)
			if (is_ctl((unsigned char)g[i]) || g[i] == ':')
				return "group name contains ':' or a control character";
		if (glen > 1 && ++*kept > PASSDB_GROUPS_MAX)
			return "too many groups (max 32)";
	}
	return NULL;
}

const char *
passdb_check_groups(const char *groups)
{
	unsigned kept;
	return check_groups(groups, strlen(groups), &kept);
}

/* $6$[rounds=N$]salt$hash: salt 1..16, hash 86 characters. */
static const char *
check_sha512(const char *s)
{
	if (strncmp(s, "rounds=", 7) == 0) {
		size_t d = strspn(s + 7, "0123456789");
		if (d == 0 || d > 9 || s[7 + d] != '$')
			return "malformed SHA-512 hash (rounds=)";
		s += 7 + d + 1;
	}
	size_t n = b64_span(s);
	if (n == 0 || n > 16 || s[n] != '$')
		return "malformed SHA-512 hash (salt)";
	s += n + 1;
	if (b64_span(s) != 86 || s[86] != '\0')
		return "malformed SHA-512 hash";
	return NULL;
}

/* $y$params$salt$hash: hash 43 characters (256 bits). */
static const char *
check_yescrypt(const char *s)
{
	size_t n = b64_span(s);
	if (n == 0 || s[n] != '$')
		return "malformed yescrypt hash (parameters)";
	s += n + 1;
	n = b64_span(s);
	if (n == 0 || s[n] != '$')
		return "malformed yescrypt hash (salt)";
	s += n + 1;
	if (b64_span(s) != 43 || s[43] != '\0')
		return "malformed yescrypt hash";
	return NULL;
}

const char *
passdb_check_hash(const char *hash)
{
	if (hash[0] == '\0')
		return "empty password hash";
	if (strlen(hash) > PASSDB_HASH_MAX)
		return "password hash too long";
	if (strncmp(hash, "$y$", 3) == 0)
		return check_yescrypt(hash + 3);
	if (strncmp(hash, "$6$", 3) == 0)
		return check_sha512(hash + 3);
	return "unsupported hash type (only yescrypt $y$ and SHA-512 $6$)";
}

/* ---- parsing ---- */

static void __attribute__((format(printf, 5, 6)))
set_err(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
{
	char msg[PASSDB_ERR_LEN];
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(err, errlen, "%s:%u: %s", name, line, msg);
	else
		snprintf(err, errlen, "%s: %s", name, msg);
}

static void
db_free(struct passdb *db)
{
	if (!db)
		return;
	if (db->text) {
		explicit_bzero(db->text, db->text_len + 1);
		free(db->text);
	}
	free(db->users);
	free(db->groups);
	free(db);
}

static int
user_cmp(const void *a, const void *b)
{
	const struct passdb_user *ua = a, *ub = b;
	int c = strcmp(ua->name, ub->name);
	return c ? c : (ua->line > ub->line) - (ua->line < ub->line);
}

/*
 * Parse one non-blank, non-comment line in place (line is NUL-terminated,
 * without its newline). Fills u and appends its groups at *gout.
 */
static const char *
parse_line(char *line, struct passdb_user *u, const char **gout, size_t *ngout)
{
	char *c1 = strchr(line, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *why;
	unsigned kept;

	if (!c2 || strchr(c2 + 1, ':'))
		return "expected 'username:groups:hash'";
	*c1 = *c2 = '\0';
	if ((why = passdb_check_username(line)))
		return why;
	char *groups = c1 + 1, *hash = c2 + 1;
	if ((why = check_groups(groups, (size_t)(c2 - groups), &kept)))
		return why;
	u->locked = false;
	while (*hash == '!') {		/* ocpasswd adds one '!' per lock */
		u->locked = true;
		hash++;
	}
	if ((why = passdb_check_hash(hash)))
		return why;

	u->name = line;
	u->hash = hash;
	u->groups = gout + *ngout;
	u->ngroups = 0;
	const char *p = groups, *g;
	size_t glen;
	while (next_group(&p, c2, &g, &glen)) {
		((char *)g)[glen] = '\0';	/* g points into line */
		if (glen > 1) {
			gout[(*ngout)++] = g;
			u->ngroups++;
		}
	}
	return NULL;
}

/* Counts lines and commas to size the tables. */
static void
count_text(const char *t, size_t len, size_t *lines, size_t *commas)
{
	*lines = 1;
	*commas = 0;
	for (size_t i = 0; i < len; i++) {
		*lines += t[i] == '\n';
		*commas += t[i] == ',';
	}
}

static bool
parse_all(struct passdb *db, const char *name, char *err, size_t errlen)
{
	char *p = db->text, *end = db->text + db->text_len;
	size_t ng = 0;
	unsigned lineno = 0;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		lineno++;
		if ((size_t)(eol - p) >= PASSDB_LINE_MAX) {
			set_err(err, errlen, name, lineno, "line too long (max %d bytes)",
				PASSDB_LINE_MAX - 1);
			return false;
		}
		*eol = '\0';
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		char *line = p;
		p = eol + 1;

		size_t lead = strspn(line, " \t");
		if (line[lead] == '\0' || line[lead] == '#')
			continue;
		if (db->nusers == PASSDB_USERS_MAX) {
			set_err(err, errlen, name, lineno, "too many users (max %d)",
				PASSDB_USERS_MAX);
			return false;
		}
		struct passdb_user *u = &db->users[db->nusers];
		const char *why = parse_line(line, u, db->groups, &ng);
		if (why) {
			set_err(err, errlen, name, lineno, "%s", why);
			return false;
		}
		u->line = lineno;
		db->nusers++;
	}
	return true;
}

/* After sorting: the duplicate that appears first in the file wins the
 * error message, so the report does not depend on the sort. */
static bool
check_duplicates(const struct passdb *db, const char *name, char *err, size_t errlen)
{
	const struct passdb_user *dup = NULL, *first = NULL;

	for (size_t i = 1; i < db->nusers; i++) {
		const struct passdb_user *a = &db->users[i - 1], *b = &db->users[i];
		if (strcmp(a->name, b->name) == 0 && (!dup || b->line < dup->line)) {
			dup = b;
			first = a;
		}
	}
	if (!dup)
		return true;
	while (first > db->users && strcmp(first[-1].name, dup->name) == 0)
		first--;
	set_err(err, errlen, name, dup->line, "duplicate user '%s' (first on line %u)",
		dup->name, first->line);
	return false;
}

struct passdb *
passdb_parse(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	struct passdb *db;
	size_t lines, commas;

	if (err && errlen)
		err[0] = '\0';
	if (len > PASSDB_FILE_MAX) {
		set_err(err, errlen, name, 0, "file too large (max %d bytes)", PASSDB_FILE_MAX);
		return NULL;
	}
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		size_t l, c;
		count_text(text, (size_t)(nul - text), &l, &c);
		set_err(err, errlen, name, (unsigned)l, "NUL byte in line");
		return NULL;
	}
	count_text(text, len, &lines, &commas);
	if (lines > PASSDB_USERS_MAX)
		lines = PASSDB_USERS_MAX;
	db = calloc(1, sizeof(*db));
	if (!db || !(db->text = malloc(len + 1)) ||
	    !(db->users = calloc(lines, sizeof(*db->users))) ||
	    !(db->groups = calloc(lines + commas, sizeof(*db->groups)))) {
		set_err(err, errlen, name, 0, "out of memory");
		db_free(db);
		return NULL;
	}
	memcpy(db->text, text, len);
	db->text[len] = '\0';
	db->text_len = len;
	atomic_init(&db->refs, 1);

	if (!parse_all(db, name, err, errlen)) {
		db_free(db);
		return NULL;
	}
	qsort(db->users, db->nusers, sizeof(*db->users), user_cmp);
	if (!check_duplicates(db, name, err, errlen)) {
		db_free(db);
		return NULL;
	}
	return db;
}

struct passdb *
passdb_load(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	struct passdb *db = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		set_err(err, errlen, path, 0, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, path, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > PASSDB_FILE_MAX) {
		set_err(err, errlen, path, 0, "file too large (max %d bytes)", PASSDB_FILE_MAX);
		goto out;
	}
	/* One byte more than the limit, to notice a file that grew meanwhile. */
	size_t cap = (size_t)st.st_size + 1;
	if (!(buf = malloc(cap))) {
		set_err(err, errlen, path, 0, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_err(err, errlen, path, 0, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			if (cap > PASSDB_FILE_MAX) {
				set_err(err, errlen, path, 0, "file too large (max %d bytes)",
					PASSDB_FILE_MAX);
				goto out;
			}
			size_t ncap = cap * 2 > (size_t)PASSDB_FILE_MAX + 1 ?
				      (size_t)PASSDB_FILE_MAX + 1 : cap * 2;
			char *nb = malloc(ncap);
			if (!nb) {
				set_err(err, errlen, path, 0, "out of memory");
				goto out;
			}
			memcpy(nb, buf, len);
			explicit_bzero(buf, len);
			free(buf);
			buf = nb;
			cap = ncap;
		}
	}
	db = passdb_parse(path, buf, len, err, errlen);
out:
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return db;
}

int
passdb_reload(struct passdb **dbp, const char *path, char *err, size_t errlen)
{
	struct passdb *db = passdb_load(path, err, errlen);

	if (!db)
		return -1;
	passdb_unref(*dbp);
	*dbp = db;
	return 0;
}

struct passdb *
passdb_ref(struct passdb *db)
{
	if (db)
		atomic_fetch_add_explicit(&db->refs, 1, memory_order_relaxed);
	return db;
}

void
passdb_unref(struct passdb *db)
{
	if (db && atomic_fetch_sub_explicit(&db->refs, 1, memory_order_acq_rel) == 1)
		db_free(db);
}

size_t
passdb_count(const struct passdb *db)
{
	return db ? db->nusers : 0;
}

const struct passdb_user *
passdb_user_at(const struct passdb *db, size_t i)
{
	return db && i < db->nusers ? &db->users[i] : NULL;
}

static int
name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct passdb_user *)elem)->name);
}

const struct passdb_user *
passdb_find(const struct passdb *db, const char *user)
{
	if (!db || !user)
		return NULL;
	return bsearch(user, db->users, db->nusers, sizeof(*db->users), name_cmp);
}

/* ---- verification ---- */

int
passdb_verify(const struct passdb *db, const char *user, const char *pass)
{
	const struct passdb_user *u = passdb_find(db, user);
	int res;

	if (!pass || pass[0] == '\0' || strnlen(pass, PASSDB_PASS_MAX + 1) > PASSDB_PASS_MAX)
		return !u ? PASSDB_NO_USER : u->locked ? PASSDB_LOCKED : PASSDB_BAD_PASSWORD;

	/* crypt_data is 32 KiB: keep it off worker stacks; zeroed = fresh. */
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return PASSDB_ERROR;
	const char *setting = u ? u->hash : dummy_setting;
	const char *out = crypt_rn(pass, setting, cd, (int)sizeof(*cd));
	bool match = out && ct_streq(out, setting);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);

	if (!u)
		res = PASSDB_NO_USER;
	else if (u->locked)
		res = PASSDB_LOCKED;
	else if (!out)
		res = PASSDB_ERROR;
	else
		res = match ? PASSDB_OK : PASSDB_BAD_PASSWORD;
	return res;
}

const char *
passdb_result_str(int result)
{
	switch (result) {
	case PASSDB_OK: return "ok";
	case PASSDB_BAD_PASSWORD: return "bad password";
	case PASSDB_NO_USER: return "unknown user";
	case PASSDB_LOCKED: return "user locked";
	case PASSDB_ERROR: return "crypt error";
	}
	return "?";
}
