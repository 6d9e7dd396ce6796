/*
 * The daemon's one event loop: epoll for descriptors, a binary heap of
 * timers embedded in their owners (no allocation per timer). Callbacks run
 * on the loop thread and must not block.
 */
#ifndef CP_EVLOOP_H
#define CP_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;

typedef void (*ev_fd_cb)(void *arg, uint32_t events);
typedef void (*ev_timer_cb)(void *arg);

/* A timer lives inside the object it belongs to; zero-initialise it. */
struct ev_timer {
	uint64_t deadline_ms;
	uint32_t heap_idx;		/* 0 = not armed */
	ev_timer_cb cb;
	void *arg;
};

struct ev_loop *ev_new(void);
void ev_free(struct ev_loop *l);

/* events: EPOLLIN / EPOLLOUT ... Returns 0 or -errno. */
int ev_add_fd(struct ev_loop *l, int fd, uint32_t events, ev_fd_cb cb, void *arg);
int ev_mod_fd(struct ev_loop *l, int fd, uint32_t events);
int ev_del_fd(struct ev_loop *l, int fd);

/* Arms (or moves) t to fire at deadline_ms (loop clock); 0 or -ENOMEM. */
int ev_timer_set(struct ev_loop *l, struct ev_timer *t, uint64_t deadline_ms, ev_timer_cb cb,
	void *arg);
void ev_timer_cancel(struct ev_loop *l, struct ev_timer *t);
static inline bool
ev_timer_armed(const struct ev_timer *t)
{
	return t->heap_idx != 0;
}

/* Monotonic milliseconds, refreshed once per loop iteration. */
uint64_t ev_now_ms(const struct ev_loop *l);
void ev_update_now(struct ev_loop *l);

/* Runs one iteration, waiting at most max_wait_ms (or until the next timer). */
int ev_run_once(struct ev_loop *l, int max_wait_ms);
/* Runs until ev_stop. */
int ev_run(struct ev_loop *l);
void ev_stop(struct ev_loop *l);

#endif
