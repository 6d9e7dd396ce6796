#include "evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 64

struct fd_entry {
	ev_fd_cb cb;
	void *arg;
	bool used;
};

struct ev_loop {
	int epfd;
	bool stop;
	uint64_t now_ms;
	struct fd_entry *fds;		/* indexed by fd */
	int n_fds;
	struct ev_timer **heap;		/* 1-based binary min-heap */
	uint32_t heap_len, heap_cap;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct ev_loop *
ev_new(void)
{
	struct ev_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->now_ms = mono_ms();
	return l;
}

void
ev_free(struct ev_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->fds);
	free(l->heap);
	free(l);
}

uint64_t
ev_now_ms(const struct ev_loop *l)
{
	return l->now_ms;
}

void
ev_update_now(struct ev_loop *l)
{
	l->now_ms = mono_ms();
}

static int
fd_slot(struct ev_loop *l, int fd)
{
	if (fd < l->n_fds)
		return 0;
	int n = fd + 64;
	struct fd_entry *f = realloc(l->fds, (size_t)n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	memset(f + l->n_fds, 0, (size_t)(n - l->n_fds) * sizeof(*f));
	l->fds = f;
	l->n_fds = n;
	return 0;
}

int
ev_add_fd(struct ev_loop *l, int fd, uint32_t events, ev_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	if (fd < 0 || fd_slot(l, fd))
		return -ENOMEM;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->fds[fd] = (struct fd_entry){ .cb = cb, .arg = arg, .used = true };
	return 0;
}

int
ev_mod_fd(struct ev_loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int
ev_del_fd(struct ev_loop *l, int fd)
{
	if (fd >= 0 && fd < l->n_fds)
		l->fds[fd].used = false;
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

static void
heap_place(struct ev_loop *l, uint32_t i, struct ev_timer *t)
{
	l->heap[i] = t;
	t->heap_idx = i;
}

static void
sift_up(struct ev_loop *l, uint32_t i)
{
	struct ev_timer *t = l->heap[i];
	while (i > 1 && l->heap[i / 2]->deadline_ms > t->deadline_ms) {
		heap_place(l, i, l->heap[i / 2]);
		i /= 2;
	}
	heap_place(l, i, t);
}

static void
sift_down(struct ev_loop *l, uint32_t i)
{
	struct ev_timer *t = l->heap[i];
	for (;;) {
		uint32_t c = i * 2;
		if (c > l->heap_len)
			break;
		if (c + 1 <= l->heap_len && l->heap[c + 1]->deadline_ms < l->heap[c]->deadline_ms)
			c++;
		if (l->heap[c]->deadline_ms >= t->deadline_ms)
			break;
		heap_place(l, i, l->heap[c]);
		i = c;
	}
	heap_place(l, i, t);
}

void
ev_timer_cancel(struct ev_loop *l, struct ev_timer *t)
{
	uint32_t i = t->heap_idx;
	if (i == 0)
		return;
	struct ev_timer *last = l->heap[l->heap_len--];
	t->heap_idx = 0;
	if (last == t)
		return;
	heap_place(l, i, last);
	sift_up(l, i);
	sift_down(l, last->heap_idx);
}

int
ev_timer_set(struct ev_loop *l, struct ev_timer *t, uint64_t deadline_ms, ev_timer_cb cb, void *arg)
{
	ev_timer_cancel(l, t);
	if (l->heap_len + 1 >= l->heap_cap) {
		uint32_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
		struct ev_timer **h = realloc(l->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->heap_cap = cap;
	}
	t->deadline_ms = deadline_ms;
	t->cb = cb;
	t->arg = arg;
	heap_place(l, ++l->heap_len, t);
	sift_up(l, l->heap_len);
	return 0;
}

static void
run_timers(struct ev_loop *l)
{
	/* Timers armed by callbacks for "now" run on the next iteration, not in a loop. */
	uint64_t now = l->now_ms;
	unsigned budget = l->heap_len;
	while (budget-- && l->heap_len && l->heap[1]->deadline_ms <= now) {
		struct ev_timer *t = l->heap[1];
		ev_timer_cancel(l, t);
		t->cb(t->arg);
	}
}

static int
next_wait(const struct ev_loop *l, int max_wait_ms)
{
	if (l->heap_len == 0)
		return max_wait_ms;
	uint64_t d = l->heap[1]->deadline_ms;
	int wait = d <= l->now_ms ? 0 : (int)(d - l->now_ms);
	return max_wait_ms >= 0 && max_wait_ms < wait ? max_wait_ms : wait;
}

int
ev_run_once(struct ev_loop *l, int max_wait_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(l->epfd, evs, MAX_EVENTS, next_wait(l, max_wait_ms));
	if (n < 0 && errno != EINTR)
		return -errno;
	ev_update_now(l);
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		if (fd < l->n_fds && l->fds[fd].used)
			l->fds[fd].cb(l->fds[fd].arg, evs[i].events);
	}
	run_timers(l);
	return 0;
}

int
ev_run(struct ev_loop *l)
{
	l->stop = false;
	while (!l->stop) {
		int r = ev_run_once(l, -1);
		if (r < 0)
			return r;
	}
	return 0;
}

void
ev_stop(struct ev_loop *l)
{
	l->stop = true;
}
