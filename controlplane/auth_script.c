/*
 * auth-user-pass-verify via-file. See auth_script.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth_script.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum { ENV_NAME_MAX = 64 };

struct auth_script {
	atomic_uint refs;
	char **argv;			/* one block from auth_script_split */
	int argc;
	unsigned timeout_s;
	char dir[PATH_MAX];		/* private directory for the files */
};

/* ---- command splitting (OpenVPN parse_line rules) ---- */

static bool
is_space(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

int
auth_script_split(const char *cmd, char ***argvp, char *err, size_t errlen)
{
	enum { INIT, UNQUOTED, DQUOTED, SQUOTED } st = INIT;
	size_t len = strlen(cmd), o = 0;
	char *words = malloc(len + 1);	/* output never outgrows the input */
	bool bs = false;
	int n = 0;

	*argvp = NULL;
	if (!words) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (const char *c = cmd;; c++) {
		char in = *c, out = 0;
		bool done = false;

		if (!bs && in == '\\' && st != SQUOTED) {
			bs = true;
			continue;	/* in is not NUL here */
		}
		if (st == INIT) {
			if (!is_space(in)) {
				if (in == '#' || in == ';')	/* comment */
					break;
				if (!bs && in == '"')
					st = DQUOTED;
				else if (!bs && in == '\'')
					st = SQUOTED;
				else {
					out = in;
					st = UNQUOTED;
				}
			}
		} else if (st == UNQUOTED) {
			if (!bs && is_space(in))
				done = true;
			else
				out = in;
		} else if (st == DQUOTED) {
			if (!bs && in == '"')
				done = true;
			else
				out = in;
		} else if (in == '\'') {
			done = true;
		} else {
			out = in;
		}
		if (bs && out && !(out == '\\' || out == '"' || is_space(out))) {
			snprintf(err, errlen, "bad backslash ('\\') usage in command");
			goto fail;
		}
		bs = false;
		if (out)
			words[o++] = out;
		if (done) {
			words[o++] = '\0';
			st = INIT;
			if (++n > AUTH_SCRIPT_ARGS_MAX) {
				snprintf(err, errlen, "too many words in command (max %d)",
					 AUTH_SCRIPT_ARGS_MAX);
				goto fail;
			}
		}
		if (in == '\0')
			break;
	}
	if (st == DQUOTED) {
		snprintf(err, errlen, "no closing quotation (\") in command");
		goto fail;
	}
	if (st == SQUOTED) {
		snprintf(err, errlen, "no closing single quotation (') in command");
		goto fail;
	}
	if (st != INIT) {
		snprintf(err, errlen, "trailing backslash in command");
		goto fail;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty command");
		goto fail;
	}

	char **argv = malloc((size_t)(n + 1) * sizeof(char *) + o);
	if (!argv) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	char *p = (char *)(argv + n + 1);
	memcpy(p, words, o);
	for (int i = 0; i < n; i++) {
		argv[i] = p;
		p += strlen(p) + 1;
	}
	argv[n] = NULL;
	free(words);
	*argvp = argv;
	return n;
fail:
	free(words);
	return -1;
}

/* ---- object ---- */

struct auth_script *
auth_script_new(const char *cmd, const char *tmp_dir, unsigned timeout_s, char *err,
		size_t errlen)
{
	struct auth_script *s = calloc(1, sizeof(*s));
	struct stat st;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->argc = auth_script_split(cmd, &s->argv, err, errlen);
	if (s->argc < 0)
		goto fail;
	errno = 0;
	if (stat(s->argv[0], &st) < 0 || !S_ISREG(st.st_mode) || access(s->argv[0], X_OK) < 0) {
		snprintf(err, errlen, "cannot execute '%s': %s", s->argv[0],
			 errno ? strerror(errno) : "not a regular file");
		goto fail;
	}
	if (!tmp_dir)
		tmp_dir = secure_getenv("TMPDIR");
	if (!tmp_dir || !*tmp_dir)
		tmp_dir = "/tmp";
	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s/dpvpn-auth-XXXXXX", tmp_dir) >=
	    sizeof(s->dir)) {
		snprintf(err, errlen, "tmp-dir path too long");
		goto fail;
	}
	if (!mkdtemp(s->dir)) {		/* mode 0700 */
		snprintf(err, errlen, "cannot create a directory in %s: %s", tmp_dir,
			 strerror(errno));
		goto fail;
	}
	s->timeout_s = timeout_s ? timeout_s : AUTH_SCRIPT_TIMEOUT_DEFAULT;
	atomic_init(&s->refs, 1);
	return s;
fail:
	free(s->argv);
	free(s);
	return NULL;
}

struct auth_script *
auth_script_ref(struct auth_script *s)
{
	if (s)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
auth_script_unref(struct auth_script *s)
{
	if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	rmdir(s->dir);
	free(s->argv);
	free(s);
}

const char *
auth_script_dir(const struct auth_script *s)
{
	return s->dir;
}

/* ---- environment ---- */

struct env {
	char *v[AUTH_SCRIPT_ENV_MAX + 8];
	size_t n;
};

static bool
valid_name(const char *name)
{
	size_t n = strnlen(name, ENV_NAME_MAX + 1);

	if (n == 0 || n > ENV_NAME_MAX || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* Adds NAME=value with control characters replaced by '_'. Invalid names
 * and oversize values are skipped; -1 only when out of memory. */
static int
env_add(struct env *e, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strnlen(value, AUTH_SCRIPT_VALUE_MAX + 1);

	if (!valid_name(name) || vl > AUTH_SCRIPT_VALUE_MAX ||
	    e->n + 1 >= sizeof(e->v) / sizeof(e->v[0]))
		return 0;
	char *s = malloc(nl + 1 + vl + 1);
	if (!s)
		return -1;
	memcpy(s, name, nl);
	s[nl] = '=';
	for (size_t i = 0; i < vl; i++) {
		unsigned char c = (unsigned char)value[i];
		s[nl + 1 + i] = (c < 0x20 || c == 0x7f) ? '_' : (char)c;
	}
	s[nl + 1 + vl] = '\0';
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return 0;
}

static void
env_free(struct env *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
}

static int
env_build(struct env *e, const struct auth_script_req *req)
{
	char port[16];
	int rc = 0;

	e->n = 0;
	e->v[0] = NULL;
	/* fixed variables first: with duplicates, getenv() finds the first */
	rc |= env_add(e, "script_type", "user-pass-verify");
	rc |= env_add(e, "username", req->username);
	if (req->common_name)
		rc |= env_add(e, "common_name", req->common_name);
	if (req->untrusted_ip) {
		bool v6 = strchr(req->untrusted_ip, ':') != NULL;
		snprintf(port, sizeof(port), "%u", req->untrusted_port);
		rc |= env_add(e, v6 ? "untrusted_ip6" : "untrusted_ip", req->untrusted_ip);
		rc |= env_add(e, "untrusted_port", port);
	}
	rc |= env_add(e, "PATH", DEFAULT_PATH);
	for (size_t i = 0; i < req->nenv && i < AUTH_SCRIPT_ENV_MAX; i++)
		if (req->env[i].name && req->env[i].value)
			rc |= env_add(e, req->env[i].name, req->env[i].value);
	return rc;
}

/* ---- the temporary file ---- */

static bool
has_newline(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* Writes "username\npassword\n" to a new 0600 file in dir; 0 or -errno. */
static int
write_cred_file(const char *dir, const char *user, const char *pass, char path[PATH_MAX])
{
	size_t ul = strlen(user), pl = strlen(pass), len = ul + pl + 2, off = 0;
	int rc = 0;

	if ((size_t)snprintf(path, PATH_MAX, "%s/up-XXXXXX", dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	char *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, user, ul);
	buf[ul] = '\n';
	memcpy(buf + ul + 1, pass, pl);
	buf[len - 1] = '\n';

	int fd = mkostemp(path, O_CLOEXEC);	/* 0600 */
	if (fd < 0) {
		rc = -errno;
		path[0] = '\0';
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
out:
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

/* ---- running ---- */

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pid_t
spawn(char *const argv[], char *const envp[], int *err)
{
	posix_spawnattr_t at;
	posix_spawn_file_actions_t fa;
	sigset_t none, all;
	pid_t pid = -1;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_init(&fa);
	/* own process group (so a timeout kills everything it started),
	 * default signal dispositions, nothing blocked: workers block all */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				      POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	*err = posix_spawn(&pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return *err ? -1 : pid;
}

/*
 * Wait for pid until the deadline; past it, kill its process group and
 * reap it. Returns 0 (status filled, *timed_out set) or -errno.
 */
static int
wait_child(pid_t pid, unsigned timeout_s, int *status, bool *timed_out)
{
	int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);	/* -1 on old kernels */
	int rc = 0;

	*timed_out = false;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
				;
			*timed_out = true;
			rc = r == pid ? 0 : -errno;
			break;
		}
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		} else {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	if (pfd >= 0)
		close(pfd);
	return rc;
}

int
auth_script_run(const struct auth_script *s, const struct auth_script_req *req, int *detail)
{
	char path[PATH_MAX] = "";
	char *argv[AUTH_SCRIPT_ARGS_MAX + 2];
	struct env env;
	int d = 0, res = AUTH_SCRIPT_ERROR, status = 0, err;
	bool timed_out;

	env.n = 0;
	if (!req->username || !req->password) {
		d = -EINVAL;
		goto out;
	}
	/* the file holds one line each: such credentials cannot be passed */
	if (has_newline(req->username) || has_newline(req->password)) {
		res = AUTH_SCRIPT_REJECT;
		d = -EINVAL;
		goto out;
	}
	/* checked here too: under some emulators (valgrind) posix_spawn
	 * cannot report a failed exec, the child just exits 127 */
	if (access(s->argv[0], X_OK) < 0) {
		d = -errno;
		goto out;
	}
	if (env_build(&env, req) < 0) {
		d = -ENOMEM;
		goto out;
	}
	if ((d = write_cred_file(s->dir, req->username, req->password, path)) < 0)
		goto out;

	for (int i = 0; i < s->argc; i++)
		argv[i] = s->argv[i];
	argv[s->argc] = path;
	argv[s->argc + 1] = NULL;

	pid_t pid = spawn(argv, env.v, &err);
	if (pid < 0) {
		d = -err;
		goto out;
	}
	if ((d = wait_child(pid, s->timeout_s, &status, &timed_out)) < 0)
		goto out;
	if (timed_out) {
		res = AUTH_SCRIPT_TIMEOUT;
		d = -ETIMEDOUT;
	} else if (WIFEXITED(status)) {
		d = WEXITSTATUS(status);
		res = d == 0 ? AUTH_SCRIPT_ACCEPT : AUTH_SCRIPT_REJECT;
	} else {
		d = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		res = AUTH_SCRIPT_REJECT;
	}
out:
	if (path[0])
		unlink(path);
	env_free(&env);
	if (detail)
		*detail = d;
	return res;
}

const char *
auth_script_result_str(int result)
{
	switch (result) {
	case AUTH_SCRIPT_ACCEPT: return "accepted";
	case AUTH_SCRIPT_REJECT: return "rejected";
	case AUTH_SCRIPT_TIMEOUT: return "timed out";
	case AUTH_SCRIPT_ERROR: return "error";
	}
	return "?";
}
