/*
 * auth-user-pass-verify via-file and the auth worker pool. The scripts
 * are written into a temporary directory (with a space in its name, so
 * quoting is exercised end to end) at run time.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth_script.h"
#include "auth_worker.h"
#include "harness.h"
#include "passdb.h"

static char dir[64];		/* test directory */
static char out[128];		/* where scripts write what they saw */

/* ---- helpers ---- */

static void
write_script(const char *name, const char *body)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0700);
}

/* Command line: the script path in double quotes, then args. */
static void
cmdline(char *buf, size_t len, const char *script, const char *args)
{
	snprintf(buf, len, "\"%s/%s\" %s", dir, script, args);
}

/* The value of KEY=... in the file the accept script writes, or NULL. */
static const char *
seen(const char *key)
{
	static char line[1024];
	char path[256];
	size_t kl = strlen(key);
	snprintf(path, sizeof(path), "%s/seen.txt", out);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			fclose(f);
			return line + kl + 1;
		}
	}
	fclose(f);
	return NULL;
}

static bool
seen_is(const char *key, const char *want)
{
	const char *v = seen(key);
	if (!v || strcmp(v, want) != 0) {
		fprintf(stderr, "%s: got '%s', want '%s'\n", key, v ? v : "(none)", want);
		return false;
	}
	return true;
}

static void
forget_seen(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/seen.txt", out);
	unlink(path);
}

static int
count_entries(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Is pid gone (or a zombie waiting for init)? */
static bool
pid_dead(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	bool dead = false;
	if (fgets(buf, sizeof(buf), f)) {
		const char *p = strrchr(buf, ')');
		dead = p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
	}
	fclose(f);
	return dead;
}

static pid_t
read_pid(const char *name)
{
	char path[256];
	int pid = 0;
	snprintf(path, sizeof(path), "%s/%s", out, name);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

/* ---- command splitting ---- */

struct split_case {
	const char *cmd;
	const char *words[5];	/* NULL-terminated; empty list: error below */
	const char *err;
};

static const struct split_case split_cases[] = {
	{ "/bin/true", { "/bin/true" }, NULL },
	{ "  a   b\tc  ", { "a", "b", "c" }, NULL },
	{ "\"a b\" c", { "a b", "c" }, NULL },
	{ "'a \\ b' c", { "a \\ b", "c" }, NULL },		/* no escapes in '' */
	{ "a\\ b", { "a b" }, NULL },
	{ "\"a\\\"b\\\\c\"", { "a\"b\\c" }, NULL },
	{ "\"\" x", { "", "x" }, NULL },
	{ "\"a\"b", { "a", "b" }, NULL },			/* a quote ends the word */
	{ "a #comment", { "a" }, NULL },
	{ "a ;comment", { "a" }, NULL },
	{ "a b#c", { "a", "b#c" }, NULL },
	{ "a \\", { "a" }, NULL },
	{ "", { NULL }, "empty command" },
	{ "   ", { NULL }, "empty command" },
	{ "# x", { NULL }, "empty command" },
	{ "\"a", { NULL }, "no closing quotation (\") in command" },
	{ "'a", { NULL }, "no closing single quotation (') in command" },
	{ "a\\x", { NULL }, "bad backslash ('\\') usage in command" },
	{ "a\\", { NULL }, "trailing backslash in command" },
};

static void
test_split(void)
{
	char err[AUTH_SCRIPT_ERR_LEN], **argv;

	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];
		int n = auth_script_split(c->cmd, &argv, err, sizeof(err));
		if (c->err) {
			CHECK_EQ(n, -1);
			CHECK(argv == NULL);
			if (strcmp(err, c->err) != 0)
				fprintf(stderr, "split case %zu: '%s'\n", i, err);
			CHECK(strcmp(err, c->err) == 0);
			continue;
		}
		int want = 0;
		while (want < 5 && c->words[want])
			want++;
		CHECK_EQ(n, want);
		for (int k = 0; n == want && k < n; k++) {
			if (strcmp(argv[k], c->words[k]) != 0)
				fprintf(stderr, "split case %zu word %d: '%s'\n", i, k, argv[k]);
			CHECK(strcmp(argv[k], c->words[k]) == 0);
		}
		if (n >= 0)
			CHECK(argv[n] == NULL);
		free(argv);
	}

	/* AUTH_SCRIPT_ARGS_MAX words pass, one more does not */
	char cmd[512] = "";
	for (int i = 0; i < AUTH_SCRIPT_ARGS_MAX; i++)
		strcat(cmd, "a ");
	CHECK_EQ(auth_script_split(cmd, &argv, err, sizeof(err)), AUTH_SCRIPT_ARGS_MAX);
	free(argv);
	strcat(cmd, "a");
	CHECK_EQ(auth_script_split(cmd, &argv, err, sizeof(err)), -1);
	CHECK(strcmp(err, "too many words in command (max 64)") == 0);
}

/* ---- running scripts ---- */

static const char accept_body[] =
	"out=\"$1\"\n"
	"for f; do :; done\n"		/* f = the last argument */
	"{\n"
	"  echo \"argc=$#\"\n"
	"  echo \"arg2=$2\"\n"
	"  echo \"file=$f\"\n"
	"  echo \"mode=$(stat -c %a \"$f\")\"\n"
	"  echo \"lines=$(wc -l < \"$f\")\"\n"
	"  echo \"script_type=$script_type\"\n"
	"  echo \"username=$username\"\n"
	"  echo \"common_name=${common_name-unset}\"\n"
	"  echo \"untrusted_ip=${untrusted_ip-unset}\"\n"
	"  echo \"untrusted_ip6=${untrusted_ip6-unset}\"\n"
	"  echo \"untrusted_port=${untrusted_port-unset}\"\n"
	"  echo \"password=${password-unset}\"\n"
	"  echo \"IV_VER=${IV_VER-unset}\"\n"
	"  echo \"IV_PLAT=${IV_PLAT-unset}\"\n"
	"  echo \"UV_X=${UV_X-unset}\"\n"
	"  echo \"session_state=${session_state-unset}\"\n"
	"  echo \"HOME=${HOME-unset}\"\n"
	"  echo \"PATH=$PATH\"\n"
	"  echo \"stdin=$(cat | wc -c)\"\n"
	"} > \"$out/seen.tmp\"\n"
	"mv \"$out/seen.tmp\" \"$out/seen.txt\"\n"
	"u=$(sed -n 1p \"$f\")\n"
	"p=$(sed -n 2p \"$f\")\n"
	"[ \"$u\" = alice ] && [ \"$p\" = 's3cret pass' ] && exit 0\n"
	"exit 1\n";

static void
test_run(void)
{
	char cmd[512], err[AUTH_SCRIPT_ERR_LEN];
	int detail = 12345;

	/* $1: where to write what it saw; $2: one word with a blank */
	snprintf(cmd, sizeof(cmd), "\"%s/accept.sh\" \"%s\" 'two words'", dir, out);

	struct auth_script *s = auth_script_new(cmd, dir, 5, err, sizeof(err));
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	struct stat st;
	CHECK(stat(auth_script_dir(s), &st) == 0 && (st.st_mode & 0777) == 0700);

	const struct auth_script_env env[] = {
		{ "IV_VER", "2.6.14" },
		{ "IV_PLAT", "li\nnux\x01" },		/* control characters become '_' */
		{ "UV_X", "y" },
		{ "BAD-NAME", "skipped" },
		{ "9X", "skipped" },
		{ "session_state", "Initial" },
		{ NULL, "skipped" },
	};
	struct auth_script_req req = {
		.username = "alice", .password = "s3cret pass",
		.common_name = "client1", .untrusted_ip = "198.18.0.2", .untrusted_port = 51000,
		.env = env, .nenv = sizeof(env) / sizeof(env[0]),
	};
	CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_ACCEPT);
	CHECK_EQ(detail, 0);
	CHECK(seen_is("argc", "3"));
	CHECK(seen_is("arg2", "two words"));
	CHECK(seen_is("mode", "600"));
	CHECK(seen_is("lines", "2"));
	CHECK(seen_is("script_type", "user-pass-verify"));
	CHECK(seen_is("username", "alice"));
	CHECK(seen_is("common_name", "client1"));
	CHECK(seen_is("untrusted_ip", "198.18.0.2"));
	CHECK(seen_is("untrusted_ip6", "unset"));
	CHECK(seen_is("untrusted_port", "51000"));
	CHECK(seen_is("password", "unset"));		/* via-file: never in the env */
	CHECK(seen_is("IV_VER", "2.6.14"));
	CHECK(seen_is("IV_PLAT", "li_nux_"));
	CHECK(seen_is("UV_X", "y"));
	CHECK(seen_is("session_state", "Initial"));
	CHECK(seen_is("HOME", "unset"));		/* nothing inherited */
	CHECK(seen_is("stdin", "0"));
	/* the file was in the private directory and is gone */
	const char *file = seen("file");
	CHECK(file && strncmp(file, auth_script_dir(s), strlen(auth_script_dir(s))) == 0);
	CHECK(file && access(file, F_OK) < 0 && errno == ENOENT);
	CHECK_EQ(count_entries(auth_script_dir(s)), 0);

	/* wrong password, wrong user */
	forget_seen();
	req.password = "s3cret pasS";
	CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_REJECT);
	CHECK_EQ(detail, 1);
	req.password = "s3cret pass";
	req.username = "bob";
	CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_REJECT);
	CHECK(seen_is("username", "bob"));
	CHECK_EQ(count_entries(auth_script_dir(s)), 0);

	/* IPv6 peer, no common name, no extra variables */
	forget_seen();
	req.username = "alice";
	req.common_name = NULL;
	req.untrusted_ip = "2001:db8::1";
	req.nenv = 0;
	CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_ACCEPT);
	CHECK(seen_is("untrusted_ip6", "2001:db8::1"));
	CHECK(seen_is("untrusted_ip", "unset"));
	CHECK(seen_is("common_name", "unset"));
	CHECK(seen_is("IV_VER", "unset"));

	/* credentials that cannot be written one per line: refused unrun */
	forget_seen();
	req.username = "alice\nbob";
	CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_REJECT);
	CHECK_EQ(detail, -EINVAL);
	req.username = "alice";
	req.password = "pass\r";
	CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_REJECT);
	CHECK(seen("username") == NULL);
	req.password = NULL;
	CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_ERROR);
	CHECK_EQ(detail, -EINVAL);

	char sdir[128];
	snprintf(sdir, sizeof(sdir), "%s", auth_script_dir(s));
	CHECK(auth_script_ref(s) == s);
	auth_script_unref(s);
	CHECK(access(sdir, F_OK) == 0);
	auth_script_unref(s);
	CHECK(access(sdir, F_OK) < 0);			/* private directory removed */
}

static void
test_exit_codes(void)
{
	char cmd[512], err[AUTH_SCRIPT_ERR_LEN];
	int detail;
	struct auth_script_req req = { .username = "u", .password = "p" };

	write_script("exit3.sh", "exit 3\n");
	write_script("killed.sh", "kill -TERM $$\nsleep 5\n");
	write_script("deferred.sh", "exit 2\n");

	cmdline(cmd, sizeof(cmd), "exit3.sh", "");
	struct auth_script *s = auth_script_new(cmd, dir, 5, err, sizeof(err));
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_REJECT);
		CHECK_EQ(detail, 3);
		auth_script_unref(s);
	}
	cmdline(cmd, sizeof(cmd), "killed.sh", "");
	s = auth_script_new(cmd, dir, 5, err, sizeof(err));
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_REJECT);
		CHECK_EQ(detail, 128 + 15);
		auth_script_unref(s);
	}
	cmdline(cmd, sizeof(cmd), "deferred.sh", "");
	s = auth_script_new(cmd, dir, 5, err, sizeof(err));
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_REJECT);
		CHECK_EQ(detail, 2);
		auth_script_unref(s);
	}
}

static void
test_timeout(void)
{
	char cmd[512], err[AUTH_SCRIPT_ERR_LEN];
	int detail;
	struct auth_script_req req = { .username = "u", .password = "p" };

	/* leaves a child in its process group, then hangs */
	write_script("hang.sh", "sleep 30 &\necho $! > \"$1/child.pid\"\nsleep 30\n");
	snprintf(cmd, sizeof(cmd), "\"%s/hang.sh\" \"%s\"", dir, out);
	struct auth_script *s = auth_script_new(cmd, dir, 1, err, sizeof(err));
	CHECK(s != NULL);
	if (!s)
		return;
	double t0 = now_s();
	CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_TIMEOUT);
	double dt = now_s() - t0;
	CHECK_EQ(detail, -ETIMEDOUT);
	CHECK(dt >= 0.9 && dt < 5);
	CHECK_EQ(count_entries(auth_script_dir(s)), 0);
	pid_t child = read_pid("child.pid");
	CHECK(child > 0);
	for (int i = 0; i < 100 && child > 0 && !pid_dead(child); i++)
		usleep(10000);
	CHECK(child > 0 && pid_dead(child));		/* the whole group was killed */
	auth_script_unref(s);
}

static void
test_missing(void)
{
	char cmd[512], err[AUTH_SCRIPT_ERR_LEN], want[600];
	int detail;
	struct auth_script_req req = { .username = "u", .password = "p" };

	/* at configuration time */
	CHECK(auth_script_new("/nonexistent/verify.sh", dir, 5, err, sizeof(err)) == NULL);
	CHECK(strcmp(err, "cannot execute '/nonexistent/verify.sh': No such file or directory") ==
	      0);
	/* no x bit at all: refused even for root */
	write_script("noexec.sh", "exit 0\n");
	char path[256];
	snprintf(path, sizeof(path), "%s/noexec.sh", dir);
	chmod(path, 0600);
	snprintf(cmd, sizeof(cmd), "\"%s\"", path);
	CHECK(auth_script_new(cmd, dir, 5, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "cannot execute '%s': Permission denied", path);
	CHECK(strcmp(err, want) == 0);
	snprintf(cmd, sizeof(cmd), "'%s'", dir);
	CHECK(auth_script_new(cmd, dir, 5, err, sizeof(err)) == NULL);	/* a directory */
	snprintf(want, sizeof(want), "cannot execute '%s': not a regular file", dir);
	CHECK(strcmp(err, want) == 0);
	CHECK(auth_script_new("\"unterminated", dir, 5, err, sizeof(err)) == NULL);
	CHECK(strcmp(err, "no closing quotation (\") in command") == 0);
	CHECK(auth_script_new("/bin/true", "/nonexistent", 5, err, sizeof(err)) == NULL);
	CHECK(strcmp(err, "cannot create a directory in /nonexistent: No such file or directory") ==
	      0);

	/* removed after configuration: the run fails, the file is still removed */
	write_script("gone.sh", "exit 0\n");
	snprintf(path, sizeof(path), "%s/gone.sh", dir);
	snprintf(cmd, sizeof(cmd), "\"%s\"", path);
	struct auth_script *s = auth_script_new(cmd, dir, 5, err, sizeof(err));
	CHECK(s != NULL);
	if (s) {
		unlink(path);
		CHECK_EQ(auth_script_run(s, &req, &detail), AUTH_SCRIPT_ERROR);
		CHECK_EQ(detail, -ENOENT);
		CHECK_EQ(count_entries(auth_script_dir(s)), 0);
		auth_script_unref(s);
	}
	CHECK(strcmp(auth_script_result_str(AUTH_SCRIPT_TIMEOUT), "timed out") == 0);
}

/* ---- the worker pool ---- */

struct collected {
	struct auth_result r[32];
	unsigned n;
};

static void
collect(void *arg, const struct auth_result *r)
{
	struct collected *c = arg;
	if (c->n < 32)
		c->r[c->n++] = *r;
}

/* Polls the pool's fd like the event loop until n results or timeout. */
static void
wait_results(struct auth_worker *w, struct collected *c, unsigned n, int timeout_ms)
{
	double end = now_s() + timeout_ms / 1000.0;
	while (c->n < n) {
		int left = (int)((end - now_s()) * 1000);
		if (left <= 0)
			break;
		struct pollfd p = { .fd = auth_worker_fd(w), .events = POLLIN };
		if (poll(&p, 1, left) > 0)
			auth_worker_drain(w, collect, c);
	}
}

static const struct auth_result *
result_for(const struct collected *c, void *cookie)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->r[i].cookie == cookie)
			return &c->r[i];
	return NULL;
}

#define HY "$y$j9T$aJsSO.k.xib74n8jFn9qa.$24b.n.CKmTqq2Cv8PhaR6NdkO95gyBBg/jwHNkYbV2D"

static void
test_worker(void)
{
	static const char text[] = "kat:*:" HY "\nlocked:*:!" HY "\n";
	char err[PASSDB_ERR_LEN], cmd[512], user[16] = "kat", pass[16] = "pw";
	int c1, c2, c3, c4, c5, c6, c7, c8, c9;
	struct collected col = { .n = 0 };

	struct passdb *db = passdb_parse("pw", text, sizeof(text) - 1, err, sizeof(err));
	CHECK(db != NULL);
	struct auth_worker *w = auth_worker_new(0, 0);
	CHECK(w != NULL);
	if (!w || !db)
		return;
	CHECK(auth_worker_fd(w) >= 0);

	/* results come back through the fd; the caller's buffers and its
	 * table reference can go right after submit */
	CHECK_EQ(auth_worker_submit_passdb(w, db, user, pass, &c1), 0);
	memset(pass, 0, sizeof(pass));
	memset(user, 0, sizeof(user));
	CHECK_EQ(auth_worker_submit_passdb(w, db, "kat", "wrong", &c2), 0);
	CHECK_EQ(auth_worker_submit_passdb(w, db, "nobody", "pw", &c3), 0);
	CHECK_EQ(auth_worker_submit_passdb(w, db, "locked", "pw", &c4), 0);
	passdb_unref(db);		/* a reload swapping tables */
	db = NULL;
	wait_results(w, &col, 4, 10000);
	CHECK_EQ(col.n, 4);
	const struct auth_result *r;
	CHECK((r = result_for(&col, &c1)) && r->status == PASSDB_OK && r->type == AUTH_JOB_PASSDB);
	CHECK((r = result_for(&col, &c2)) && r->status == PASSDB_BAD_PASSWORD);
	CHECK((r = result_for(&col, &c3)) && r->status == PASSDB_NO_USER);
	CHECK((r = result_for(&col, &c4)) && r->status == PASSDB_LOCKED);
	CHECK_EQ(auth_worker_busy(w), 0);
	CHECK_EQ(auth_worker_submit_passdb(w, NULL, "kat", "pw", &c1), -EINVAL);

	/* a hung script does not hold up password checks on the other thread */
	db = passdb_parse("pw", text, sizeof(text) - 1, err, sizeof(err));
	write_script("slow.sh", "echo $$ > \"$1/slow.pid\"\nexec sleep 30\n");
	snprintf(cmd, sizeof(cmd), "\"%s/slow.sh\" \"%s\"", dir, out);
	struct auth_script *slow = auth_script_new(cmd, dir, 2, err, sizeof(err));
	CHECK(slow != NULL);
	struct auth_script_req req = { .username = "u", .password = "p" };
	col.n = 0;
	double t0 = now_s();
	CHECK_EQ(auth_worker_submit_script(w, slow, &req, &c5), 0);
	CHECK_EQ(auth_worker_submit_passdb(w, db, "kat", "pw", &c6), 0);
	wait_results(w, &col, 1, 10000);
	CHECK(now_s() - t0 < 1.5);
	CHECK(col.n == 1 && col.r[0].cookie == &c6 && col.r[0].status == PASSDB_OK);
	CHECK_EQ(auth_worker_busy(w), 1);
	wait_results(w, &col, 2, 10000);
	CHECK((r = result_for(&col, &c5)) && r->type == AUTH_JOB_SCRIPT &&
	      r->status == AUTH_SCRIPT_TIMEOUT && r->detail == -ETIMEDOUT);
	auth_worker_free(w);

	/* one thread: a queue limit, and cancelling queued/running jobs */
	w = auth_worker_new(1, 2);
	CHECK(w != NULL);
	if (!w)
		goto out;
	col.n = 0;
	char pidfile[256];
	snprintf(pidfile, sizeof(pidfile), "%s/slow.pid", out);
	unlink(pidfile);
	CHECK_EQ(auth_worker_submit_script(w, slow, &req, &c7), 0);
	for (int i = 0; i < 500 && access(pidfile, F_OK) < 0; i++)	/* it runs */
		usleep(10000);
	CHECK_EQ(auth_worker_submit_passdb(w, db, "kat", "pw", &c8), 0);
	CHECK_EQ(auth_worker_submit_passdb(w, db, "kat", "pw", &c9), 0);
	CHECK_EQ(auth_worker_submit_passdb(w, db, "kat", "pw", &c1), -EAGAIN);
	CHECK_EQ(auth_worker_busy(w), 3);
	auth_worker_cancel(w, &c8);		/* queued */
	auth_worker_cancel(w, &c7);		/* running */
	CHECK_EQ(auth_worker_busy(w), 2);
	wait_results(w, &col, 1, 10000);
	CHECK(col.n == 1 && col.r[0].cookie == &c9);
	usleep(100000);
	auth_worker_drain(w, collect, &col);
	CHECK_EQ(col.n, 1);			/* neither cancelled one came */
	CHECK_EQ(auth_worker_busy(w), 0);

	/* script jobs copy their request */
	const struct auth_script_env env[] = { { "IV_VER", "2.6.14" } };
	char u2[16] = "alice", p2[16] = "s3cret pass";
	char acmd[512];
	snprintf(acmd, sizeof(acmd), "\"%s/accept.sh\" \"%s\" x", dir, out);
	struct auth_script *acc = auth_script_new(acmd, dir, 5, err, sizeof(err));
	CHECK(acc != NULL);
	struct auth_script_req areq = {
		.username = u2, .password = p2, .untrusted_ip = "10.0.0.1", .untrusted_port = 1,
		.env = env, .nenv = 1,
	};
	forget_seen();
	col.n = 0;
	CHECK_EQ(auth_worker_submit_script(w, acc, &areq, &c2), 0);
	memset(u2, 0, sizeof(u2));
	memset(p2, 0, sizeof(p2));
	auth_script_unref(acc);			/* the job holds its own reference */
	wait_results(w, &col, 1, 10000);
	CHECK(col.n == 1 && col.r[0].status == AUTH_SCRIPT_ACCEPT && col.r[0].detail == 0);
	CHECK(seen_is("IV_VER", "2.6.14"));
	CHECK(seen_is("untrusted_port", "1"));

	/* freeing with work queued: nothing delivered, nothing leaked */
	CHECK_EQ(auth_worker_submit_passdb(w, db, "kat", "pw", &c3), 0);
	CHECK_EQ(auth_worker_submit_passdb(w, db, "kat", "pw", &c4), 0);
	auth_worker_free(w);
out:
	auth_script_unref(slow);
	passdb_unref(db);
}

static void
rm_rf(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		for (struct dirent *e; (e = readdir(d));) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[512];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test auth_script.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(out, sizeof(out), "%s/out", dir);
	mkdir(out, 0700);
	write_script("accept.sh", accept_body);

	test_split();
	test_run();
	test_exit_codes();
	test_timeout();
	test_missing();
	test_worker();

	rm_rf(dir);
	return harness_done("auth_script");
}
