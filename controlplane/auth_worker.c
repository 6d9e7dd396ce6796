/*
 * Auth worker threads. See auth_worker.h.
 *
 * Locking: one mutex guards both queues, the per-thread "running" slots
 * and the counters; jobs run and are freed outside it. A job is always on
 * exactly one of: the pending queue, a running slot, the done queue, or a
 * local list about to be freed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "auth_worker.h"

struct auth_job {
	struct auth_job *next;
	void *cookie;
	enum auth_job_type type;
	bool cancelled;
	int status, detail;
	struct passdb *db;		/* AUTH_JOB_PASSDB, referenced */
	const char *user, *pass;	/* into blob */
	struct auth_script *script;	/* AUTH_JOB_SCRIPT, referenced */
	struct auth_script_req req;	/* strings into blob */
	struct auth_script_env env[AUTH_SCRIPT_ENV_MAX];
	char *blob;			/* every copied string; wiped */
	size_t blob_len;
};

struct jobq {
	struct auth_job *head, *tail;
};

struct slot {
	struct auth_worker *w;
	pthread_t tid;
	struct auth_job *job;		/* running now, or NULL */
};

struct auth_worker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct jobq pending, done;
	unsigned npending, nrunning, max_pending;
	bool stop;
	int efd;
	unsigned nthreads;
	struct slot slots[];
};

/* ---- queues and jobs ---- */

static void
q_push(struct jobq *q, struct auth_job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

static struct auth_job *
q_pop(struct jobq *q)
{
	struct auth_job *j = q->head;
	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		j->next = NULL;
	}
	return j;
}

/* Moves the jobs with this cookie from q to the list *out. */
static unsigned
q_take_cookie(struct jobq *q, void *cookie, struct auth_job **out)
{
	struct auth_job **pp = &q->head, *prev = NULL;
	unsigned n = 0;

	while (*pp) {
		struct auth_job *j = *pp;
		if (j->cookie == cookie) {
			*pp = j->next;
			j->next = *out;
			*out = j;
			n++;
		} else {
			prev = j;
			pp = &j->next;
		}
	}
	q->tail = prev;
	return n;
}

/* Drops the secrets and references a finished job no longer needs. */
static void
job_release(struct auth_job *j)
{
	if (j->blob) {
		explicit_bzero(j->blob, j->blob_len);
		free(j->blob);
		j->blob = NULL;
	}
	passdb_unref(j->db);
	j->db = NULL;
	auth_script_unref(j->script);
	j->script = NULL;
}

static void
job_free(struct auth_job *j)
{
	if (!j)
		return;
	job_release(j);
	free(j);
}

static void
list_free(struct auth_job *j)
{
	while (j) {
		struct auth_job *next = j->next;
		job_free(j);
		j = next;
	}
}

/* Copy-in helper: strings are appended to one blob sized beforehand. */
struct blob {
	char *p;
	size_t off;
};

static size_t
slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *
blob_put(struct blob *b, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = b->p + b->off;
	memcpy(d, s, n);
	b->off += n;
	return d;
}

static struct auth_job *
job_new(enum auth_job_type type, void *cookie, size_t blob_len)
{
	struct auth_job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->blob = malloc(blob_len ? blob_len : 1);
	if (!j->blob) {
		free(j);
		return NULL;
	}
	j->blob_len = blob_len;
	j->type = type;
	j->cookie = cookie;
	return j;
}

/* ---- threads ---- */

static void
job_run(struct auth_job *j)
{
	if (j->type == AUTH_JOB_PASSDB) {
		j->status = passdb_verify(j->db, j->user, j->pass);
		j->detail = 0;
	} else {
		j->status = auth_script_run(j->script, &j->req, &j->detail);
	}
	job_release(j);		/* wipe the password now, drop references */
}

static void
notify(int efd)
{
	uint64_t one = 1;
	/* EAGAIN only if the counter would overflow: then it is readable anyway */
	while (write(efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void *
worker_main(void *arg)
{
	struct slot *slot = arg;
	struct auth_worker *w = slot->w;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && !w->pending.head)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		struct auth_job *j = q_pop(&w->pending);
		w->npending--;
		w->nrunning++;
		slot->job = j;
		pthread_mutex_unlock(&w->mu);

		job_run(j);

		pthread_mutex_lock(&w->mu);
		slot->job = NULL;
		w->nrunning--;
		if (j->cancelled) {
			free(j);	/* job_run released everything else */
			continue;
		}
		q_push(&w->done, j);
		notify(w->efd);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct auth_worker *
auth_worker_new(unsigned nthreads, unsigned max_pending)
{
	sigset_t all, old;
	struct auth_worker *w;
	unsigned started = 0;
	int err = 0;

	if (nthreads == 0)
		nthreads = AUTH_WORKER_THREADS_DEFAULT;
	if (nthreads > AUTH_WORKER_THREADS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w) + nthreads * sizeof(w->slots[0]));
	if (!w)
		return NULL;
	w->max_pending = max_pending ? max_pending : AUTH_WORKER_QUEUE_DEFAULT;
	w->nthreads = nthreads;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		err = errno;
		free(w);
		errno = err;
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);

	/* Threads inherit the mask: signals stay with the loop thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; started < nthreads; started++) {
		w->slots[started].w = w;
		err = pthread_create(&w->slots[started].tid, NULL, worker_main, &w->slots[started]);
		if (err)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		w->nthreads = started;
		auth_worker_free(w);
		errno = err;
		return NULL;
	}
	return w;
}

void
auth_worker_free(struct auth_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->slots[i].tid, NULL);
	list_free(w->pending.head);
	list_free(w->done.head);
	close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int
auth_worker_fd(const struct auth_worker *w)
{
	return w->efd;
}

static int
enqueue(struct auth_worker *w, struct auth_job *j)
{
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	if (w->stop)
		rc = -EINVAL;
	else if (w->npending >= w->max_pending)
		rc = -EAGAIN;
	else {
		q_push(&w->pending, j);
		w->npending++;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	if (rc)
		job_free(j);
	return rc;
}

int
auth_worker_submit_passdb(struct auth_worker *w, struct passdb *db, const char *user,
			  const char *pass, void *cookie)
{
	if (!w || !db || !user || !pass)
		return -EINVAL;
	struct auth_job *j = job_new(AUTH_JOB_PASSDB, cookie, slen(user) + slen(pass));
	if (!j)
		return -ENOMEM;
	struct blob b = { j->blob, 0 };
	j->user = blob_put(&b, user);
	j->pass = blob_put(&b, pass);
	j->db = passdb_ref(db);
	return enqueue(w, j);
}

int
auth_worker_submit_script(struct auth_worker *w, struct auth_script *script,
			  const struct auth_script_req *req, void *cookie)
{
	if (!w || !script || !req || !req->username || !req->password ||
	    req->nenv > AUTH_SCRIPT_ENV_MAX || (req->nenv && !req->env))
		return -EINVAL;

	size_t len = slen(req->username) + slen(req->password) + slen(req->common_name) +
		     slen(req->untrusted_ip);
	for (size_t i = 0; i < req->nenv; i++)
		len += slen(req->env[i].name) + slen(req->env[i].value);

	struct auth_job *j = job_new(AUTH_JOB_SCRIPT, cookie, len);
	if (!j)
		return -ENOMEM;
	struct blob b = { j->blob, 0 };
	j->req.username = blob_put(&b, req->username);
	j->req.password = blob_put(&b, req->password);
	j->req.common_name = blob_put(&b, req->common_name);
	j->req.untrusted_ip = blob_put(&b, req->untrusted_ip);
	j->req.untrusted_port = req->untrusted_port;
	for (size_t i = 0; i < req->nenv; i++) {
		j->env[i].name = blob_put(&b, req->env[i].name);
		j->env[i].value = blob_put(&b, req->env[i].value);
	}
	j->req.env = j->env;
	j->req.nenv = req->nenv;
	j->script = auth_script_ref(script);
	return enqueue(w, j);
}

void
auth_worker_cancel(struct auth_worker *w, void *cookie)
{
	struct auth_job *drop = NULL;

	pthread_mutex_lock(&w->mu);
	w->npending -= q_take_cookie(&w->pending, cookie, &drop);
	q_take_cookie(&w->done, cookie, &drop);
	for (unsigned i = 0; i < w->nthreads; i++)
		if (w->slots[i].job && w->slots[i].job->cookie == cookie)
			w->slots[i].job->cancelled = true;
	pthread_mutex_unlock(&w->mu);
	list_free(drop);
}

unsigned
auth_worker_drain(struct auth_worker *w, auth_result_cb cb, void *arg)
{
	uint64_t cnt;
	unsigned n = 0;

	/* Reset the eventfd first: a result pushed after this read writes it
	 * again, so none is left behind without a wake-up. */
	while (read(w->efd, &cnt, sizeof(cnt)) < 0 && errno == EINTR)
		;
	for (;;) {
		/* One at a time, so cb may cancel results still queued. */
		pthread_mutex_lock(&w->mu);
		struct auth_job *j = q_pop(&w->done);
		pthread_mutex_unlock(&w->mu);
		if (!j)
			break;
		struct auth_result r = {
			.cookie = j->cookie, .type = j->type,
			.status = j->status, .detail = j->detail,
		};
		job_free(j);
		cb(arg, &r);
		n++;
	}
	return n;
}

unsigned
auth_worker_busy(struct auth_worker *w)
{
	pthread_mutex_lock(&w->mu);
	unsigned n = w->npending + w->nrunning;
	pthread_mutex_unlock(&w->mu);
	return n;
}
