/*
 * Password store: file format (every error message exactly), crypt
 * verification with yescrypt and SHA-512 hashes made here, locked and
 * unknown users, reload keeping the old table on error.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "passdb.h"

/* Real crypt(3) outputs for the password "pw". */
#define HY "$y$j9T$aJsSO.k.xib74n8jFn9qa.$24b.n.CKmTqq2Cv8PhaR6NdkO95gyBBg/jwHNkYbV2D"
#define H6 "$6$xXn9kkjtXGsVibZb$hRRLWlG61zDJtqAFD5gq814aN2NoAqvnZInNNR0vB/c7B9gQyj0aaY7ciAwRJvIRF.W9DgJCv1ASfg6e9FMHp/"
#define B86 "hRRLWlG61zDJtqAFD5gq814aN2NoAqvnZInNNR0vB/c7B9gQyj0aaY7ciAwRJvIRF.W9DgJCv1ASfg6e9FMHp/"
#define B43 "24b.n.CKmTqq2Cv8PhaR6NdkO95gyBBg/jwHNkYbV2D"

struct format_case {
	const char *text;
	const char *err;	/* NULL: parses */
	size_t users;
};

static const struct format_case format_cases[] = {
	/* accepted */
	{ "", NULL, 0 },
	{ "# comment\n\n  \t \n#x:*:" HY "\n\t # indented\n", NULL, 0 },
	{ "alice:*:" HY "\n", NULL, 1 },
	{ "alice:*:" HY, NULL, 1 },				/* no final newline */
	{ "alice:*:" HY "\r\n", NULL, 1 },			/* CRLF */
	{ "alice:*:" HY "\nbob:x:" H6 "\n", NULL, 2 },
	{ "alice::" HY "\n", NULL, 1 },				/* empty group list */
	{ "bob:*:!" HY "\n", NULL, 1 },				/* locked */
	{ "bob:*:!!" H6 "\n", NULL, 1 },			/* locked twice by ocpasswd */
	{ "carol:*:$6$rounds=10000$saltsalt$" B86 "\n", NULL, 1 },
	{ "d@example.org:a,b:" HY "\n", NULL, 1 },
	/* refused */
	{ "alice\n", "pw:1: expected 'username:groups:hash'", 0 },
	{ "alice:*\n", "pw:1: expected 'username:groups:hash'", 0 },
	{ "alice:*:" HY ":x\n", "pw:1: expected 'username:groups:hash'", 0 },
	{ ":*:" HY "\n", "pw:1: empty username", 0 },
	{ " alice:*:" HY "\n", "pw:1: username contains a space, ':' or a control character", 0 },
	{ "al\tice:*:" HY "\n", "pw:1: username contains a space, ':' or a control character", 0 },
	{ "# one\nbob:*:\n", "pw:2: empty password hash", 0 },
	{ "bob:*:!\n", "pw:1: empty password hash", 0 },
	{ "bob:*:$1$abc$def\n", "pw:1: unsupported hash type (only yescrypt $y$ and SHA-512 $6$)", 0 },
	{ "bob:*:$5$abc$def\n", "pw:1: unsupported hash type (only yescrypt $y$ and SHA-512 $6$)", 0 },
	{ "bob:*:secret\n", "pw:1: unsupported hash type (only yescrypt $y$ and SHA-512 $6$)", 0 },
	{ "bob:*:$y$j9T$salt$short\n", "pw:1: malformed yescrypt hash", 0 },
	{ "bob:*:$y$j9T$salt$" B43 "x\n", "pw:1: malformed yescrypt hash", 0 },
	{ "bob:*:$y$$salt$" B43 "\n", "pw:1: malformed yescrypt hash (parameters)", 0 },
	{ "bob:*:$y$j9T$$" B43 "\n", "pw:1: malformed yescrypt hash (salt)", 0 },
	{ "bob:*:$6$saltsaltsaltsalt1$" B86 "\n", "pw:1: malformed SHA-512 hash (salt)", 0 },
	{ "bob:*:$6$rounds=$salt$" B86 "\n", "pw:1: malformed SHA-512 hash (rounds=)", 0 },
	{ "bob:*:$6$salt$" B86 "=\n", "pw:1: malformed SHA-512 hash", 0 },
	{ "bob:*:$6$salt$tooshort\n", "pw:1: malformed SHA-512 hash", 0 },
	{ "bob:*:$6$" B86 "\n", "pw:1: malformed SHA-512 hash (salt)", 0 },
	{ "a:*:" HY "\nb:*:" HY "\na:*:" H6 "\n", "pw:3: duplicate user 'a' (first on line 1)", 0 },
	{ "b:*:" HY "\na:*:" HY "\nb:*:" HY "\na:*:" HY "\n",
	  "pw:3: duplicate user 'b' (first on line 1)", 0 },
	{ "bob:g:r:oup:" HY "\n", "pw:1: expected 'username:groups:hash'", 0 },
	{ "bob:a,\x01,c:" HY "\n", "pw:1: group name contains ':' or a control character", 0 },
};

static void
test_formats(void)
{
	char err[PASSDB_ERR_LEN];

	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		const struct format_case *c = &format_cases[i];
		struct passdb *db = passdb_parse("pw", c->text, strlen(c->text), err, sizeof(err));
		if (c->err) {
			CHECK(db == NULL);
			if (strcmp(err, c->err) != 0)
				fprintf(stderr, "case %zu: got \"%s\"\n     want \"%s\"\n", i, err,
					c->err);
			CHECK(strcmp(err, c->err) == 0);
		} else {
			if (!db)
				fprintf(stderr, "case %zu: unexpected error \"%s\"\n", i, err);
			CHECK(db != NULL);
			CHECK_EQ(passdb_count(db), c->users);
			CHECK_EQ(err[0], '\0');
		}
		passdb_unref(db);
	}
}

/* Limits that need generated input. */
static void
test_limits(void)
{
	char err[PASSDB_ERR_LEN], line[4096];
	struct passdb *db;

	/* username of 128 bytes passes, 129 does not */
	snprintf(line, sizeof(line), "%.*s:*:%s\n", 128,
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", HY);
	db = passdb_parse("pw", line, strlen(line), err, sizeof(err));
	CHECK(db != NULL);
	passdb_unref(db);
	memmove(line + 1, line, strlen(line) + 1);
	line[0] = 'a';
	db = passdb_parse("pw", line, strlen(line), err, sizeof(err));
	CHECK(db == NULL);
	CHECK(strcmp(err, "pw:1: username too long (max 128 bytes)") == 0);

	/* a line of 1023 bytes is read, 1024 is refused */
	memset(line, 'x', sizeof(line));
	memcpy(line, "# ", 2);
	line[1023] = '\n';
	db = passdb_parse("pw", line, 1024, err, sizeof(err));
	CHECK(db != NULL);
	passdb_unref(db);
	line[1023] = 'x';
	line[1024] = '\n';
	db = passdb_parse("pw", line, 1025, err, sizeof(err));
	CHECK(db == NULL);
	CHECK(strcmp(err, "pw:1: line too long (max 1023 bytes)") == 0);

	/* 32 groups pass, 33 do not; one-character groups do not count */
	char groups[512] = "";
	for (int i = 0; i < 32; i++)
		snprintf(groups + strlen(groups), sizeof(groups) - strlen(groups), "%sg%02d",
			 i ? "," : "", i);
	snprintf(line, sizeof(line), "u:%s,x,*:%s\n", groups, HY);
	db = passdb_parse("pw", line, strlen(line), err, sizeof(err));
	CHECK(db != NULL);
	const struct passdb_user *u = passdb_find(db, "u");
	CHECK(u && u->ngroups == 32);
	CHECK(u && strcmp(u->groups[31], "g31") == 0);
	passdb_unref(db);
	snprintf(line, sizeof(line), "u:%s,g32:%s\n", groups, HY);
	db = passdb_parse("pw", line, strlen(line), err, sizeof(err));
	CHECK(db == NULL);
	CHECK(strcmp(err, "pw:1: too many groups (max 32)") == 0);

	snprintf(line, sizeof(line), "u:%.65s:%s\n",
		 "ggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg", HY);
	db = passdb_parse("pw", line, strlen(line), err, sizeof(err));
	CHECK(db == NULL);
	CHECK(strcmp(err, "pw:1: group name too long (max 64 bytes)") == 0);

	/* NUL byte, reported on its line */
	static const char nul[] = "a:*:" HY "\nb\0:*:" HY "\n";
	db = passdb_parse("pw", nul, sizeof(nul) - 1, err, sizeof(err));
	CHECK(db == NULL);
	CHECK(strcmp(err, "pw:2: NUL byte in line") == 0);

	/* whole file over the limit */
	size_t big = (size_t)PASSDB_FILE_MAX + 1;
	char *buf = malloc(big);
	CHECK(buf != NULL);
	if (buf) {
		memset(buf, '\n', big);
		db = passdb_parse("pw", buf, big, err, sizeof(err));
		CHECK(db == NULL);
		CHECK(strcmp(err, "pw: file too large (max 16777216 bytes)") == 0);
		free(buf);
	}

	/* a short error buffer truncates safely */
	char small[8];
	db = passdb_parse("pw", "x\n", 2, small, sizeof(small));
	CHECK(db == NULL);
	CHECK(strcmp(small, "pw:1: e") == 0);
}

static void
test_lookup(void)
{
	static const char text[] =
		"zed:*:" HY "\n"
		"alice: admins , ops ,x:" H6 "\n"
		"bob:*:!" HY "\n";
	char err[PASSDB_ERR_LEN];
	struct passdb *db = passdb_parse("pw", text, sizeof(text) - 1, err, sizeof(err));

	CHECK(db != NULL);
	if (!db)
		return;
	CHECK_EQ(passdb_count(db), 3);
	CHECK(strcmp(passdb_user_at(db, 0)->name, "alice") == 0);
	CHECK(strcmp(passdb_user_at(db, 1)->name, "bob") == 0);
	CHECK(strcmp(passdb_user_at(db, 2)->name, "zed") == 0);
	CHECK(passdb_user_at(db, 3) == NULL);

	const struct passdb_user *a = passdb_find(db, "alice");
	CHECK(a != NULL);
	if (a) {
		CHECK_EQ(a->line, 2);
		CHECK_EQ(a->ngroups, 2);
		CHECK(strcmp(a->groups[0], "admins") == 0);
		CHECK(strcmp(a->groups[1], "ops") == 0);
		CHECK(strcmp(a->hash, H6) == 0);
		CHECK(!a->locked);
	}
	const struct passdb_user *b = passdb_find(db, "bob");
	CHECK(b && b->locked && strcmp(b->hash, HY) == 0 && b->ngroups == 0);
	CHECK(passdb_find(db, "carol") == NULL);
	CHECK(passdb_find(db, "") == NULL);
	CHECK(passdb_find(NULL, "alice") == NULL);

	/* references: the table lives until the last one goes */
	CHECK(passdb_ref(db) == db);
	passdb_unref(db);
	CHECK(passdb_find(db, "zed") != NULL);
	passdb_unref(db);
	passdb_unref(NULL);
}

static void
make_hash(const char *prefix, const char *pass, char *out, size_t outlen)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;

	memset(&cd, 0, sizeof(cd));
	CHECK(crypt_gensalt_rn(prefix, 0, NULL, 0, setting, sizeof(setting)) != NULL);
	const char *h = crypt_rn(pass, setting, &cd, sizeof(cd));
	CHECK(h != NULL);
	snprintf(out, outlen, "%s", h ? h : "");
}

static double
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
test_verify(void)
{
	char hy[CRYPT_OUTPUT_SIZE], h6[CRYPT_OUTPUT_SIZE], text[2048], err[PASSDB_ERR_LEN];

	make_hash("$y$", "yes secret", hy, sizeof(hy));
	make_hash("$6$", "sha secret", h6, sizeof(h6));
	CHECK(strncmp(hy, "$y$", 3) == 0);
	CHECK(strncmp(h6, "$6$", 3) == 0);
	CHECK(passdb_check_hash(hy) == NULL);
	CHECK(passdb_check_hash(h6) == NULL);

	/* the last user's hash is well formed but its parameters are not */
	snprintf(text, sizeof(text),
		 "ycat:*:%s\nsha:staff:%s\nlocked:*:!%s\nkat:*:%s\nkat6:*:%s\n"
		 "broken:*:$y$zz$salt$" B43 "\n", hy, h6, hy, HY, H6);
	struct passdb *db = passdb_parse("pw", text, strlen(text), err, sizeof(err));
	CHECK(db != NULL);
	if (!db) {
		fprintf(stderr, "%s\n", err);
		return;
	}

	CHECK_EQ(passdb_verify(db, "ycat", "yes secret"), PASSDB_OK);
	CHECK_EQ(passdb_verify(db, "ycat", "yes secreT"), PASSDB_BAD_PASSWORD);
	CHECK_EQ(passdb_verify(db, "ycat", "yes secret "), PASSDB_BAD_PASSWORD);
	CHECK_EQ(passdb_verify(db, "ycat", "sha secret"), PASSDB_BAD_PASSWORD);
	CHECK_EQ(passdb_verify(db, "sha", "sha secret"), PASSDB_OK);
	CHECK_EQ(passdb_verify(db, "sha", "yes secret"), PASSDB_BAD_PASSWORD);
	CHECK_EQ(passdb_verify(db, "kat", "pw"), PASSDB_OK);		/* known answers */
	CHECK_EQ(passdb_verify(db, "kat6", "pw"), PASSDB_OK);
	CHECK_EQ(passdb_verify(db, "kat6", "pW"), PASSDB_BAD_PASSWORD);
	/* locked: refused even with the right password */
	CHECK_EQ(passdb_verify(db, "locked", "yes secret"), PASSDB_LOCKED);
	CHECK_EQ(passdb_verify(db, "locked", "wrong"), PASSDB_LOCKED);
	CHECK_EQ(passdb_verify(db, "nobody", "yes secret"), PASSDB_NO_USER);
	CHECK_EQ(passdb_verify(db, "YCAT", "yes secret"), PASSDB_NO_USER);
	CHECK_EQ(passdb_verify(db, "broken", "pw"), PASSDB_ERROR);
	CHECK_EQ(passdb_verify(NULL, "ycat", "yes secret"), PASSDB_NO_USER);
	/* empty and oversize passwords never reach crypt */
	CHECK_EQ(passdb_verify(db, "ycat", ""), PASSDB_BAD_PASSWORD);
	CHECK_EQ(passdb_verify(db, "ycat", NULL), PASSDB_BAD_PASSWORD);
	char *huge = malloc(PASSDB_PASS_MAX + 2);
	if (huge) {
		memset(huge, 'p', PASSDB_PASS_MAX + 1);
		huge[PASSDB_PASS_MAX + 1] = '\0';
		CHECK_EQ(passdb_verify(db, "ycat", huge), PASSDB_BAD_PASSWORD);
		CHECK_EQ(passdb_verify(db, "nobody", huge), PASSDB_NO_USER);
		free(huge);
	}

	/* an unknown user costs a yescrypt run too (loose: timers are noisy) */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	passdb_verify(db, "ycat", "wrong");
	double t_bad = elapsed_ms(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	passdb_verify(db, "nobody", "wrong");
	double t_nouser = elapsed_ms(&t0);
	if (!(t_nouser * 10 > t_bad))
		fprintf(stderr, "unknown user %.2f ms, bad password %.2f ms\n", t_nouser, t_bad);
	CHECK(t_nouser * 10 > t_bad);

	CHECK(strcmp(passdb_result_str(PASSDB_LOCKED), "user locked") == 0);
	passdb_unref(db);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
test_reload(void)
{
	char dir[] = "/tmp/test_passdb.XXXXXX", path[64], err[PASSDB_ERR_LEN], want[128];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/passwd", dir);

	struct passdb *db = passdb_load(path, err, sizeof(err));
	CHECK(db == NULL);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CHECK(strcmp(err, want) == 0);
	db = passdb_load(dir, err, sizeof(err));
	CHECK(db == NULL);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	CHECK(strcmp(err, want) == 0);

	write_file(path, "alice:*:" HY "\n");
	db = passdb_load(path, err, sizeof(err));
	CHECK(db != NULL);
	struct passdb *old = db;
	CHECK_EQ(passdb_verify(db, "alice", "pw"), PASSDB_OK);

	/* bad file: error, and the old table stays */
	write_file(path, "alice:*:" HY "\nbob:*:$1$x$y\n");
	CHECK_EQ(passdb_reload(&db, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "%s:2: unsupported hash type (only yescrypt $y$ and SHA-512 $6$)", path);
	CHECK(strcmp(err, want) == 0);
	CHECK(db == old);
	CHECK_EQ(passdb_verify(db, "alice", "pw"), PASSDB_OK);

	/* vanished file: same */
	unlink(path);
	CHECK_EQ(passdb_reload(&db, path, err, sizeof(err)), -1);
	CHECK(db == old);
	CHECK(passdb_find(db, "alice") != NULL);

	/* good file: swapped; a reference taken before keeps the old one */
	struct passdb *held = passdb_ref(db);
	write_file(path, "bob:*:" H6 "\n");
	CHECK_EQ(passdb_reload(&db, path, err, sizeof(err)), 0);
	CHECK(db != old);
	CHECK(passdb_find(db, "alice") == NULL);
	CHECK_EQ(passdb_verify(db, "bob", "pw"), PASSDB_OK);
	CHECK_EQ(passdb_verify(held, "alice", "pw"), PASSDB_OK);
	passdb_unref(held);
	passdb_unref(db);

	unlink(path);
	rmdir(dir);
}

static void
test_validators(void)
{
	CHECK(passdb_check_username("alice") == NULL);
	CHECK(passdb_check_username("a:b") != NULL);
	CHECK(passdb_check_username("#a") != NULL);
	CHECK(passdb_check_username("") != NULL);
	CHECK(passdb_check_groups("*") == NULL);
	CHECK(passdb_check_groups("a, b,c") == NULL);
	CHECK(passdb_check_groups("a:b") != NULL);
	CHECK(passdb_check_groups("a\nb") != NULL);
	CHECK(passdb_check_hash(HY) == NULL);
	CHECK(passdb_check_hash(H6) == NULL);
	CHECK(passdb_check_hash("$2b$05$abc") != NULL);
}

int
main(void)
{
	test_formats();
	test_limits();
	test_lookup();
	test_verify();
	test_reload();
	test_validators();
	return harness_done("passdb");
}
