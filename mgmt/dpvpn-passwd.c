/*
 * dpvpn-passwd: add, change, lock, unlock and delete users of dpvpnd's
 * password store (ocserv's ocpasswd file format, see controlplane/passdb.h).
 *
 *	dpvpn-passwd [-c FILE] [-g GROUPS] [--sha512] USERNAME	set a password
 *	dpvpn-passwd [-c FILE] -l|-u|-d USERNAME		lock, unlock, delete
 *
 * The password is asked twice without echo on a terminal, or read as one
 * line from stdin otherwise. Hashes are yescrypt by default, SHA-512 with
 * --sha512. Other lines are kept byte for byte; the result must parse as
 * a password store (so the tool never writes a file dpvpnd would refuse)
 * and replaces the file atomically: FILE.tmp (mode 0600, also the lock
 * against a concurrent run), fsync, rename, fsync of the directory.
 * Changing a locked user's password keeps it locked. Exit status 0 on
 * success, 1 on any error.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "passdb.h"

#define DEFAULT_FILE "/etc/dpvpn/passwd"

enum action { SET, LOCK, UNLOCK, DELETE };

struct buf {
	char *p;
	size_t len, cap;
};

static const char *prog = "dpvpn-passwd";

static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-c FILE] [-g GROUPS] [--sha512] USERNAME\n"
		"       %s [-c FILE] -l|-u|-d USERNAME\n"
		"  -c, --passwd FILE  password file (default " DEFAULT_FILE ")\n"
		"  -g, --group GROUPS comma-separated groups of a user being set\n"
		"                     (default: unchanged, '*' for a new user)\n"
		"      --sha512       hash with SHA-512 crypt instead of yescrypt\n"
		"  -l, --lock         lock the user (its hash gets a '!' prefix)\n"
		"  -u, --unlock       unlock the user\n"
		"  -d, --delete       delete the user\n"
		"  -h, --help         this text\n"
		"The password is asked twice on a terminal, else read as one line from stdin.\n",
		prog, prog);
}

/* ---- growing buffer (wiped: it holds hashes) ---- */

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096);
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = malloc(cap);
		if (!p)
			die("out of memory");
		if (b->p) {
			memcpy(p, b->p, b->len);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_wipe(struct buf *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

/* ---- password input ---- */

static struct termios saved_tio;
static volatile sig_atomic_t echo_off;

static void
restore_tty(int sig)
{
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads one line into out (no newline); false on EOF before a line. */
static bool
read_line(FILE *in, char *out, size_t cap)
{
	if (!fgets(out, (int)cap, in))
		return false;
	size_t n = strlen(out);
	if (n == cap - 1 && out[n - 1] != '\n')
		die("password too long (max %d bytes)", PASSDB_PASS_MAX);
	if (n && out[n - 1] == '\n')
		out[--n] = '\0';
	if (n && out[n - 1] == '\r')
		out[--n] = '\0';
	return true;
}

static void
prompt(const char *text, char *out, size_t cap)
{
	struct termios tio;
	bool ok;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		die("cannot read terminal settings: %s", strerror(errno));
	tio = saved_tio;
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tio.c_lflag |= ECHONL;
	signal(SIGINT, restore_tty);
	signal(SIGTERM, restore_tty);
	signal(SIGHUP, restore_tty);
	signal(SIGQUIT, restore_tty);
	echo_off = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio) < 0)
		die("cannot turn off echo: %s", strerror(errno));
	/* prompt only now: TCSAFLUSH drops what was typed before it */
	fputs(text, stderr);
	fflush(stderr);
	ok = read_line(stdin, out, cap);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	echo_off = 0;
	if (!ok)
		die("no password given");
}

static void
get_password(char *pass, size_t cap)
{
	if (isatty(STDIN_FILENO)) {
		char again[PASSDB_PASS_MAX + 2];
		prompt("Enter password: ", pass, cap);
		prompt("Re-enter password: ", again, sizeof(again));
		bool same = strcmp(pass, again) == 0;
		explicit_bzero(again, sizeof(again));
		if (!same)
			die("passwords do not match");
	} else if (!read_line(stdin, pass, cap)) {
		die("no password on stdin");
	}
	if (pass[0] == '\0')
		die("empty password");
}

static void
make_hash(const char *pass, bool sha512, char *out, size_t outlen)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *prefix = sha512 ? "$6$" : "$y$";
	struct crypt_data *cd = calloc(1, sizeof(*cd));

	if (!cd)
		die("out of memory");
	/* NULL random bytes: libxcrypt draws them from the kernel */
	if (!crypt_gensalt_rn(prefix, 0, NULL, 0, setting, sizeof(setting)))
		die("cannot make a %s salt: %s", prefix, strerror(errno));
	const char *h = crypt_rn(pass, setting, cd, (int)sizeof(*cd));
	if (!h || passdb_check_hash(h) || strlen(h) >= outlen)
		die("crypt(3) failed for %s", prefix);
	strcpy(out, h);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
}

/* ---- file handling ---- */

/* Whole file into b; false if it does not exist. */
static bool
read_file(const char *path, struct buf *b, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char chunk[4096];

	if (fd < 0) {
		if (errno == ENOENT)
			return false;
		die("%s: %s", path, strerror(errno));
	}
	if (fstat(fd, st) < 0)
		die("%s: %s", path, strerror(errno));
	if (!S_ISREG(st->st_mode))
		die("%s: not a regular file", path);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		if (b->len + (size_t)n > PASSDB_FILE_MAX)
			die("%s: file too large", path);
		buf_add(b, chunk, (size_t)n);
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	if (!b->p)
		buf_add(b, "", 0);
	return true;
}

/*
 * Applies the action to every line of user in old, writing the result to
 * out; returns the number of matching lines. For SET, line is the new
 * "user:groups:hash" without its lock mark, groups NULL = keep.
 */
static int
edit(const struct buf *old, struct buf *out, enum action act, const char *user,
     const char *groups, const char *hash, bool *was_locked)
{
	size_t ul = strlen(user);
	int found = 0;
	const char *p = old->p, *end = old->p + old->len;

	*was_locked = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl + 1 : end;
		size_t n = (size_t)(eol - p);
		if (!(n > ul && p[ul] == ':' && memcmp(p, user, ul) == 0)) {
			buf_add(out, p, n);
			p = eol;
			continue;
		}
		found++;
		const char *g = p + ul + 1;
		const char *c2 = memchr(g, ':', (size_t)(eol - g));
		if (!c2) {		/* malformed: the final parse reports it */
			if (act != DELETE)
				buf_add(out, p, n);
			p = eol;
			continue;
		}
		const char *h = c2 + 1;
		bool locked = *h == '!';
		*was_locked |= locked;
		switch (act) {
		case DELETE:
			break;
		case LOCK:
			buf_add(out, p, (size_t)(h - p));
			if (!locked)
				buf_str(out, "!");
			buf_add(out, h, (size_t)(eol - h));
			break;
		case UNLOCK:
			buf_add(out, p, (size_t)(h - p));
			while (*h == '!')
				h++;
			buf_add(out, h, (size_t)(eol - h));
			break;
		case SET:
			buf_str(out, user);
			buf_str(out, ":");
			if (groups)
				buf_str(out, groups);
			else
				buf_add(out, g, (size_t)(c2 - g));
			buf_str(out, locked ? ":!" : ":");
			buf_str(out, hash);
			buf_str(out, "\n");
			break;
		}
		p = eol;
	}
	return found;
}

static void
write_all(int fd, const char *path, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("%s: %s", path, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

static char tmp_path[4096];
static int tmp_fd = -1;

static void
drop_tmp(void)
{
	if (tmp_fd >= 0) {
		close(tmp_fd);
		unlink(tmp_path);
		tmp_fd = -1;
	}
}

/* Takes the lock: creates FILE.tmp exclusively. */
static void
lock_file(const char *path)
{
	if ((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path) >= sizeof(tmp_path))
		die("%s: path too long", path);
	tmp_fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (tmp_fd < 0 && errno == EEXIST)
		die("%s exists: another %s is running (or remove it if it is stale)", tmp_path,
		    prog);
	if (tmp_fd < 0)
		die("cannot create %s: %s", tmp_path, strerror(errno));
	atexit(drop_tmp);
}

static void
replace_file(const char *path, const struct buf *content, const struct stat *old_st)
{
	write_all(tmp_fd, tmp_path, content->p, content->len);
	if (fchmod(tmp_fd, 0600) < 0)
		die("%s: %s", tmp_path, strerror(errno));
	/* keep the owner dpvpnd may rely on (only root can give files away) */
	if (old_st && (old_st->st_uid != geteuid() || old_st->st_gid != getegid()) &&
	    fchown(tmp_fd, old_st->st_uid, old_st->st_gid) < 0 && errno != EPERM)
		die("%s: %s", tmp_path, strerror(errno));
	if (fsync(tmp_fd) < 0)
		die("%s: %s", tmp_path, strerror(errno));
	if (close(tmp_fd) < 0) {
		tmp_fd = -1;
		unlink(tmp_path);
		die("%s: %s", tmp_path, strerror(errno));
	}
	tmp_fd = -1;
	if (rename(tmp_path, path) < 0) {
		int e = errno;
		unlink(tmp_path);
		die("cannot replace %s: %s", path, strerror(e));
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "passwd", required_argument, NULL, 'c' },
		{ "group", required_argument, NULL, 'g' },
		{ "lock", no_argument, NULL, 'l' },
		{ "unlock", no_argument, NULL, 'u' },
		{ "delete", no_argument, NULL, 'd' },
		{ "sha512", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_FILE, *groups = NULL, *why;
	enum action act = SET;
	int nact = 0, c;
	bool sha512 = false;

	while ((c = getopt_long(argc, argv, "c:g:ludh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'g': groups = optarg; break;
		case 'l': act = LOCK; nact++; break;
		case 'u': act = UNLOCK; nact++; break;
		case 'd': act = DELETE; nact++; break;
		case 'S': sha512 = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	const char *user = argv[optind];
	if (nact > 1)
		die("-l, -u and -d exclude each other");
	if (act != SET && (groups || sha512))
		die("-g and --sha512 apply only when setting a password");
	if ((why = passdb_check_username(user)))
		die("invalid username '%s': %s", user, why);
	if (groups && (why = passdb_check_groups(groups)))
		die("invalid group list '%s': %s", groups, why);
	if (groups && groups[0] == '\0')
		groups = "*";

	char hash[CRYPT_OUTPUT_SIZE] = "";
	if (act == SET) {
		char pass[PASSDB_PASS_MAX + 2];
		get_password(pass, sizeof(pass));
		make_hash(pass, sha512, hash, sizeof(hash));
		explicit_bzero(pass, sizeof(pass));
	}

	/* Lock first, then read: a concurrent run cannot lose our change. */
	lock_file(path);
	struct buf old = { 0 }, out = { 0 };
	struct stat st;
	bool exists = read_file(path, &old, &st);
	if (!exists && act != SET)
		die("%s: %s", path, strerror(ENOENT));

	bool was_locked = false;
	int found = exists ? edit(&old, &out, act, user, groups, hash, &was_locked) : 0;
	if (!exists)
		buf_add(&out, "", 0);
	if (!found && act != SET)
		die("user '%s' not found in %s", user, path);
	if (!found) {
		if (out.len && out.p[out.len - 1] != '\n')
			buf_str(&out, "\n");
		buf_str(&out, user);
		buf_str(&out, ":");
		buf_str(&out, groups ? groups : "*");
		buf_str(&out, ":");
		buf_str(&out, hash);
		buf_str(&out, "\n");
	}
	explicit_bzero(hash, sizeof(hash));

	/* never write what dpvpnd would refuse */
	char err[PASSDB_ERR_LEN];
	struct passdb *db = passdb_parse(path, out.p, out.len, err, sizeof(err));
	if (!db)
		die("%s (file left unchanged)", err);
	passdb_unref(db);

	replace_file(path, &out, exists ? &st : NULL);
	if (act == SET && was_locked && found)
		fprintf(stderr, "%s: note: '%s' is locked; unlock it with -u\n", prog, user);
	if (act == UNLOCK && !was_locked)
		fprintf(stderr, "%s: note: '%s' was not locked\n", prog, user);
	buf_wipe(&old);
	buf_wipe(&out);
	return 0;
}
