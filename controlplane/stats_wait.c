/*
 * "Answer with fresh counters": a STATS_REQ to every dataplane, and the
 * waiting callers are called back when all have answered (STATS_DONE) or
 * after STATS_WAIT_MS, whichever comes first. Used by the management
 * interface's `status` and dpvpnctl's user lists.
 */
#include "log.h"
#include "server.h"
#include "admin.h"

#define STATS_WAIT_MS 500
#define STATS_WAITERS 256

static struct {
	cp_stats_cb cb;
	void *arg;
	int extra;
} waiters[STATS_WAITERS];
static unsigned n_waiters, pending;
static struct ev_timer timer;

static void
run_all(struct cp_server *s)
{
	unsigned n = n_waiters;
	n_waiters = pending = 0;
	ev_timer_cancel(s->loop, &timer);
	for (unsigned i = 0; i < n; i++)
		waiters[i].cb(s, waiters[i].arg, waiters[i].extra);
}

static void
on_timeout(void *arg)
{
	log_info("counters answered with those at hand (a dataplane is slow)");
	run_all(arg);
}

void
cp_stats_wait(struct cp_server *s, cp_stats_cb cb, void *arg, int extra)
{
	if (n_waiters == STATS_WAITERS) {
		cb(s, arg, extra);	/* too many at once: the counters at hand */
		return;
	}
	if (n_waiters == 0) {
		pending = cp_admin_request_stats(s, CP_STATUS_COOKIE);
		if (!pending) {
			cb(s, arg, extra);
			return;
		}
		ev_timer_set(s->loop, &timer, ev_now_ms(s->loop) + STATS_WAIT_MS, on_timeout, s);
	}
	waiters[n_waiters].cb = cb;
	waiters[n_waiters].arg = arg;
	waiters[n_waiters].extra = extra;
	n_waiters++;
}

void
cp_stats_wait_cancel(void *arg)
{
	for (unsigned i = 0; i < n_waiters; i++)
		if (waiters[i].arg == arg)
			waiters[i--] = waiters[--n_waiters];
}

void
cp_stats_wait_done(struct cp_server *s, unsigned dp)
{
	(void)dp;
	if (pending && --pending == 0)
		run_all(s);
}
