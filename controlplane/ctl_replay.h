/*
 * Replay check of wrapped control packets (fact sheet §2.8): the 8-byte
 * "long" packet id id(4) || time(4) of tls-auth / tls-crypt, one window per
 * receiving tls_wrap context (per session; a separate one for the
 * dyn-tls-crypt key). Same semantics as 2.x packet_id.c in backtrack mode,
 * which the control channel uses on UDP and TCP alike:
 *
 *  - id 0 is never valid;
 *  - time < current time: reject; time > current time: accept and restart
 *    the window (the sender's counter restarted);
 *  - same time: accept an id above the highest one; an id up to window-1
 *    below it if not seen yet and no newer id was seen more than
 *    backtrack_s seconds ago (2.x expires those slots on its periodic reap;
 *    we evaluate the same rule exactly at check time).
 *
 * Use: ctl_replay_check() after the HMAC/tag verified, then
 * ctl_replay_update() (or ctl_replay_accept() for both). The stateless
 * reset reply does not use a window; the first packet of the session after
 * the cookie check initialises it (§3.6). Window capped at 64 ids (2.x
 * default; --replay-window may ask for more, which only makes us stricter).
 * Time is any monotonic clock in seconds, passed in.
 */
#ifndef DPVPN_CP_CTL_REPLAY_H
#define DPVPN_CP_CTL_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum ctl_replay_limits {
	CTL_REPLAY_WINDOW_MAX = 64,
	CTL_REPLAY_WINDOW_DEFAULT = 64,         /* --replay-window n */
	CTL_REPLAY_BACKTRACK_S_DEFAULT = 15,    /* --replay-window n t */
};

struct ctl_replay {
	bool started;           /* a packet has been recorded */
	uint32_t window;        /* 1..CTL_REPLAY_WINDOW_MAX */
	uint32_t backtrack_s;
	uint32_t time;          /* replay time of the current window */
	uint32_t highest;       /* highest id recorded under that time */
	uint64_t seen;          /* bit d: id highest - d recorded */
	uint64_t seen_at[CTL_REPLAY_WINDOW_MAX];        /* now_s when bit d was set */
};

/* window 0 or > 64 means 64. */
static inline void
ctl_replay_init(struct ctl_replay *r, uint32_t window, uint32_t backtrack_s)
{
	memset(r, 0, sizeof(*r));
	r->window = window && window <= CTL_REPLAY_WINDOW_MAX ? window : CTL_REPLAY_WINDOW_MAX;
	r->backtrack_s = backtrack_s;
}

/* Would (id, time) be accepted now? No state change. */
static inline bool
ctl_replay_check(const struct ctl_replay *r, uint32_t id, uint32_t time, uint64_t now_s)
{
	uint32_t d;

	if (id == 0)
		return false;
	if (!r->started || time > r->time)
		return true;
	if (time < r->time)
		return false;
	if (id > r->highest)
		return true;
	d = r->highest - id;
	if (d >= r->window || (r->seen >> d & 1))
		return false;
	/* a newer id recorded too long ago has expired everything older */
	for (uint32_t j = 0; j < d; j++)
		if ((r->seen >> j & 1) && r->seen_at[j] + r->backtrack_s < now_s)
			return false;
	return true;
}

/* Slide the window so that id becomes the highest (bit 0). */
static inline void
ctl_replay_advance(struct ctl_replay *r, uint32_t id)
{
	uint32_t shift = id - r->highest;

	if (shift >= CTL_REPLAY_WINDOW_MAX) {
		r->seen = 0;
	} else {
		r->seen <<= shift;
		memmove(r->seen_at + shift, r->seen_at,
			(CTL_REPLAY_WINDOW_MAX - shift) * sizeof(r->seen_at[0]));
	}
	r->highest = id;
}

/* Record an accepted (id, time); call only when ctl_replay_check() was true. */
static inline void
ctl_replay_update(struct ctl_replay *r, uint32_t id, uint32_t time, uint64_t now_s)
{
	if (!r->started || time != r->time) {
		r->started = true;
		r->time = time;
		r->highest = id;
		r->seen = 0;
	} else if (id > r->highest) {
		ctl_replay_advance(r, id);
	}
	if (r->highest - id < CTL_REPLAY_WINDOW_MAX) {  /* guards misuse only */
		r->seen |= 1ull << (r->highest - id);
		r->seen_at[r->highest - id] = now_s;
	}
}

static inline bool
ctl_replay_accept(struct ctl_replay *r, uint32_t id, uint32_t time, uint64_t now_s)
{
	if (!ctl_replay_check(r, id, time, now_s))
		return false;
	ctl_replay_update(r, id, time, now_s);
	return true;
}

#endif
