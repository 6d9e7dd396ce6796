/*
 * "Answer with fresh counters": a request to every dataplane, and the
 * waiting callers are called back when all have answered or after
 * STATS_WAIT_MS, whichever comes first. Two kinds: the sessions' counters
 * (STATS_REQ .. STATS_DONE: the management interface's `status`, bytecount,
 * dpvpnctl's user lists) and the dataplanes' own counters (COUNTERS_REQ ..
 * COUNTERS last = 1: dpvpnctl show stats). Callers asking while a request
 * is out join it.
 */
#include "log.h"
#include "server.h"
#include "admin.h"

#define STATS_WAIT_MS 500
#define STATS_WAITERS 256

struct waitq {
	struct {
		cp_stats_cb cb;
		void *arg;
		int extra;
	} w[STATS_WAITERS];
	unsigned n, pending;
	struct ev_timer timer;
	unsigned (*request)(struct cp_server *s);	/* returns dataplanes asked */
	const char *what;
};

static unsigned
request_sessions(struct cp_server *s)
{
	return cp_admin_request_stats(s, CP_STATUS_COOKIE);
}

static struct waitq sessions_q = { .request = request_sessions, .what = "session counters" };
static struct waitq groups_q = { .request = cp_dp_counters_request, .what = "dataplane counters" };

static void
run_all(struct cp_server *s, struct waitq *q)
{
	unsigned n = q->n;
	q->n = q->pending = 0;
	ev_timer_cancel(s->loop, &q->timer);
	for (unsigned i = 0; i < n; i++)
		q->w[i].cb(s, q->w[i].arg, q->w[i].extra);
}

static void on_sessions_timeout(void *arg);
static void on_groups_timeout(void *arg);

static void
wait_on(struct cp_server *s, struct waitq *q, cp_stats_cb cb, void *arg, int extra)
{
	if (q->n == STATS_WAITERS) {
		cb(s, arg, extra);	/* too many at once: the counters at hand */
		return;
	}
	if (q->n == 0) {
		q->pending = q->request(s);
		if (!q->pending) {
			cb(s, arg, extra);
			return;
		}
		ev_timer_set(s->loop, &q->timer, ev_now_ms(s->loop) + STATS_WAIT_MS,
			q == &sessions_q ? on_sessions_timeout : on_groups_timeout, s);
	}
	q->w[q->n].cb = cb;
	q->w[q->n].arg = arg;
	q->w[q->n].extra = extra;
	q->n++;
}

static void
timed_out(struct cp_server *s, struct waitq *q)
{
	log_info("%s answered with those at hand (a dataplane is slow)", q->what);
	run_all(s, q);
}

static void
on_sessions_timeout(void *arg)
{
	timed_out(arg, &sessions_q);
}

static void
on_groups_timeout(void *arg)
{
	timed_out(arg, &groups_q);
}

static void
answered(struct cp_server *s, struct waitq *q)
{
	if (q->pending && --q->pending == 0)
		run_all(s, q);
}

static void
cancel(struct waitq *q, void *arg)
{
	for (unsigned i = 0; i < q->n; i++)
		if (q->w[i].arg == arg)
			q->w[i--] = q->w[--q->n];
}

void
cp_stats_wait(struct cp_server *s, cp_stats_cb cb, void *arg, int extra)
{
	wait_on(s, &sessions_q, cb, arg, extra);
}

void
cp_counters_wait(struct cp_server *s, cp_stats_cb cb, void *arg, int extra)
{
	wait_on(s, &groups_q, cb, arg, extra);
}

void
cp_stats_wait_cancel(void *arg)
{
	cancel(&sessions_q, arg);
	cancel(&groups_q, arg);
}

void
cp_stats_wait_done(struct cp_server *s, unsigned dp)
{
	(void)dp;
	answered(s, &sessions_q);
}

void
cp_counters_wait_done(struct cp_server *s, unsigned dp)
{
	(void)dp;
	answered(s, &groups_q);
}
