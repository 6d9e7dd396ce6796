/*
 * Auth workers: a few threads that run the slow checks (crypt(3) against
 * the password store, auth-user-pass-verify scripts) so the event loop
 * never blocks on them.
 *
 *	loop thread			worker threads
 *	auth_worker_submit_*() --->	pending queue --> passdb_verify() /
 *					                  auth_script_run()
 *	epoll on auth_worker_fd() <---	done queue + eventfd write
 *	auth_worker_drain(cb)	   -->	cb(arg, result) on the loop thread
 *
 * Submit copies everything it needs (user, password, script variables)
 * and takes references on the passdb table / script object, so the caller
 * may free its buffers, reload the table or replace the script at once.
 * Passwords are wiped (explicit_bzero) as soon as the check is done and
 * again when the job is freed.
 *
 * A session that goes away calls auth_worker_cancel(cookie): its result
 * is then never delivered (a running check still runs to completion).
 *
 * A script job holds its worker thread until the script ends or times
 * out, so more workers than the default 2 suit slow scripts; the queue
 * is bounded (submit fails with -EAGAIN: answer AUTH_FAILED,TEMP).
 *
 * Threading: every function except the workers' own is called on the
 * event-loop thread only. Workers run with all signals blocked.
 */
#ifndef DPVPN_CP_AUTH_WORKER_H
#define DPVPN_CP_AUTH_WORKER_H

#include <stddef.h>

#include "auth_script.h"
#include "passdb.h"

enum auth_worker_limits {
	AUTH_WORKER_THREADS_DEFAULT = 2,
	AUTH_WORKER_THREADS_MAX = 64,
	AUTH_WORKER_QUEUE_DEFAULT = 1024,	/* pending jobs */
};

enum auth_job_type {
	AUTH_JOB_PASSDB,
	AUTH_JOB_SCRIPT,
};

struct auth_result {
	void *cookie;			/* as given to submit */
	enum auth_job_type type;
	int status;			/* enum passdb_result or enum auth_script_result */
	int detail;			/* script: see auth_script_run(); passdb: 0 */
};

/* Called on the loop thread from auth_worker_drain(); may submit or
 * cancel jobs. */
typedef void (*auth_result_cb)(void *arg, const struct auth_result *res);

struct auth_worker;

/* nthreads 0 / max_pending 0: the defaults. NULL with errno on failure. */
struct auth_worker *auth_worker_new(unsigned nthreads, unsigned max_pending);

/*
 * Stop the threads (waiting for running jobs: a script up to its
 * timeout), drop queued and undelivered results without callbacks, free.
 */
void auth_worker_free(struct auth_worker *w);

/* eventfd, readable when results wait: add it to the loop (EPOLLIN) and
 * call auth_worker_drain() when it fires. */
int auth_worker_fd(const struct auth_worker *w);

/* Queue a password-store check of user/pass against db. 0, -EAGAIN when
 * the queue is full, -ENOMEM, -EINVAL. */
int auth_worker_submit_passdb(struct auth_worker *w, struct passdb *db, const char *user,
			      const char *pass, void *cookie);

/* Queue a script run with req (deep-copied). Same returns. */
int auth_worker_submit_script(struct auth_worker *w, struct auth_script *script,
			      const struct auth_script_req *req, void *cookie);

/* Forget every job with this cookie: queued ones are dropped, running
 * and finished ones will not be delivered. */
void auth_worker_cancel(struct auth_worker *w, void *cookie);

/* Deliver finished results to cb; returns how many were delivered. */
unsigned auth_worker_drain(struct auth_worker *w, auth_result_cb cb, void *arg);

/* Jobs queued or running (not yet finished), for stats and tests. */
unsigned auth_worker_busy(struct auth_worker *w);

#endif
