/*
 * OpenVPN-compatible "auth-user-pass-verify CMD via-file".
 *
 * For every login the script gets a temporary file with two lines,
 * username then password, as its last argument, and an environment with
 * the variables OpenVPN 2.6 scripts rely on:
 *
 *	script_type=user-pass-verify  username  common_name
 *	untrusted_ip (or untrusted_ip6 for an IPv6 peer)  untrusted_port
 *	plus caller-supplied ones: IV_* / UV_* peer info, session_id,
 *	session_state (auth-gen-token), ...  and a default PATH
 *
 * Exit status 0 accepts, anything else refuses (2.x's 2 = "deferred"
 * needs auth_control_file, which we do not offer, so it refuses too).
 *
 * CMD is split into words as OpenVPN does (parse_line): blanks separate
 * words; "double quotes" group (backslash escapes \\ \" and a blank
 * inside them and outside quotes); 'single quotes' group literally; a
 * word starting with '#' or ';' ends the command. No shell is involved
 * and PATH is not searched: the first word is the program's path, run
 * with execve semantics (posix_spawn). A parse error is an error here
 * (OpenVPN would run the whole string as one path).
 *
 * The temporary files live in a private directory (mode 0700) made by
 * auth_script_new() under tmp_dir, are created 0600, and are removed
 * whatever happens. A script that runs longer than the timeout is killed
 * with its whole process group (it runs as a group leader) and the login
 * fails.
 *
 * Threads: auth_script_run() blocks for as long as the script runs (up
 * to the timeout): dpvpnd calls it only on auth_worker threads. It is
 * thread-safe; the object is immutable after auth_script_new() and
 * reference counted so a reload can replace it while jobs still run.
 * dpvpnd must not reap children with waitpid(-1) nor set SIGCHLD to
 * SIG_IGN: the worker waits for its own child's pid.
 */
#ifndef DPVPN_CP_AUTH_SCRIPT_H
#define DPVPN_CP_AUTH_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

enum auth_script_limits {
	AUTH_SCRIPT_ARGS_MAX = 64,	/* words in CMD */
	AUTH_SCRIPT_ENV_MAX = 64,	/* caller-supplied variables */
	AUTH_SCRIPT_VALUE_MAX = 4096,	/* bytes in one variable's value */
	AUTH_SCRIPT_ERR_LEN = 256,
	AUTH_SCRIPT_TIMEOUT_DEFAULT = 30,	/* seconds */
};

enum auth_script_result {
	AUTH_SCRIPT_ACCEPT = 0,		/* exit status 0 */
	AUTH_SCRIPT_REJECT,		/* other exit status, killed by a signal,
					 * or credentials unfit for the file */
	AUTH_SCRIPT_TIMEOUT,		/* killed after the timeout */
	AUTH_SCRIPT_ERROR,		/* could not run it (see *detail) */
};

struct auth_script_env {
	const char *name;		/* [A-Za-z_][A-Za-z0-9_]*, else skipped */
	const char *value;		/* control characters become '_' */
};

/* One login to check. Strings are only read during the call. */
struct auth_script_req {
	const char *username;
	const char *password;
	const char *common_name;	/* NULL: not set */
	const char *untrusted_ip;	/* text form; NULL: not set */
	unsigned untrusted_port;
	const struct auth_script_env *env;
	size_t nenv;			/* at most AUTH_SCRIPT_ENV_MAX */
};

struct auth_script;

/*
 * Parse cmd, check that its program is an executable file, and make the
 * private directory under tmp_dir (NULL: $TMPDIR or /tmp). timeout_s 0
 * means AUTH_SCRIPT_TIMEOUT_DEFAULT. Returns an object with one
 * reference, or NULL with a message in err.
 */
struct auth_script *auth_script_new(const char *cmd, const char *tmp_dir, unsigned timeout_s,
				    char *err, size_t errlen);
struct auth_script *auth_script_ref(struct auth_script *s);
/* The last reference removes the private directory. */
void auth_script_unref(struct auth_script *s);

/* The private directory (for tests and logs). */
const char *auth_script_dir(const struct auth_script *s);

/*
 * Run the script for req; returns an enum auth_script_result. *detail
 * (if not NULL): the exit status (0..255), 128 + signal number if it was
 * killed, or -errno when it could not run (ETIMEDOUT on a timeout).
 */
int auth_script_run(const struct auth_script *s, const struct auth_script_req *req,
		    int *detail);

const char *auth_script_result_str(int result);

/*
 * Split cmd like OpenVPN (see above) into a NULL-terminated vector
 * allocated in one block (free() it). Returns the number of words (>= 1),
 * or -1 with a message in err. Exposed for tests.
 */
int auth_script_split(const char *cmd, char ***argv, char *err, size_t errlen);

#endif
