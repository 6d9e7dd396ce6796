/* Event loop: timer order, re-arming, cancelling, fd readiness. */
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop.h"
#include "harness.h"

static int fired[64];
static int n_fired;

static void
on_timer(void *arg)
{
	fired[n_fired++] = (int)(intptr_t)arg;
}

static void
test_order(void)
{
	struct ev_loop *l = ev_new();
	struct ev_timer t[40] = { 0 };
	uint64_t now = ev_now_ms(l);
	/* deadlines in a scrambled order; fire order must be by deadline */
	for (int i = 0; i < 40; i++)
		ev_timer_set(l, &t[i], now + (uint64_t)((i * 17) % 40), on_timer, (void *)(intptr_t)i);
	ev_timer_cancel(l, &t[3]);
	ev_timer_set(l, &t[5], now + 100, on_timer, (void *)(intptr_t)5);	/* moved last */
	n_fired = 0;
	while (n_fired < 39)
		ev_run_once(l, 200);
	CHECK_EQ(n_fired, 39);
	CHECK_EQ(fired[38], 5);
	int ok = 1;
	for (int i = 1; i < 38; i++)
		ok &= t[fired[i - 1]].deadline_ms <= t[fired[i]].deadline_ms;
	CHECK(ok);
	for (int i = 0; i < n_fired; i++)
		CHECK(fired[i] != 3);
	for (int i = 0; i < 40; i++)
		CHECK(!ev_timer_armed(&t[i]));
	ev_free(l);
}

static int fd_events;

static void
on_fd(void *arg, uint32_t events)
{
	char c;
	(void)events;
	if (read((int)(intptr_t)arg, &c, 1) == 1)
		fd_events++;
}

static void
test_fd(void)
{
	struct ev_loop *l = ev_new();
	int p[2];
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(ev_add_fd(l, p[0], EPOLLIN, on_fd, (void *)(intptr_t)p[0]), 0);
	CHECK_EQ(write(p[1], "ab", 2), 2);
	ev_run_once(l, 100);
	ev_run_once(l, 100);
	CHECK_EQ(fd_events, 2);
	CHECK_EQ(ev_del_fd(l, p[0]), 0);
	CHECK_EQ(write(p[1], "c", 1), 1);
	ev_run_once(l, 10);
	CHECK_EQ(fd_events, 2);
	close(p[0]);
	close(p[1]);
	ev_free(l);
}

static uint64_t fired_deadline[2000];
static int n_deadlines;

static void
on_timer_deadline(void *arg)
{
	fired_deadline[n_deadlines++] = ((struct ev_timer *)arg)->deadline_ms;
}

/* Random arm/move/cancel, then everything due at once: must fire in deadline order. */
static void
test_random_heap(void)
{
	struct ev_loop *l = ev_new();
	enum { N = 2000 };
	struct ev_timer *t = calloc(N, sizeof(*t));
	/* Deadlines up to 100 s in the past, clamped at 0: the monotonic clock
	 * of a freshly booted CI machine may read less than that. */
	uint64_t now = ev_now_ms(l);
	int armed = 0;
	srand(7);
	for (int round = 0; round < 20000; round++) {
		int i = rand() % N;
		uint64_t ago = (uint64_t)(rand() % 100000);
		if (rand() % 3 == 0)
			ev_timer_cancel(l, &t[i]);
		else
			ev_timer_set(l, &t[i], now > ago ? now - ago : 0, on_timer_deadline, &t[i]);
	}
	for (int i = 0; i < N; i++)
		armed += ev_timer_armed(&t[i]);
	n_deadlines = 0;
	ev_run_once(l, 0);
	CHECK_EQ(n_deadlines, armed);
	int ok = 1;
	for (int i = 1; i < n_deadlines; i++)
		ok &= fired_deadline[i - 1] <= fired_deadline[i];
	CHECK(ok);
	free(t);
	ev_free(l);
}

int
main(void)
{
	test_order();
	test_fd();
	test_random_heap();
	return harness_done("evloop");
}
