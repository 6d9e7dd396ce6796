/*
 * OpenVPN's event frequency limit (connect-freq, connect-freq-initial): at
 * most max events per window of per_s seconds. A fixed window, as 2.6 has
 * it: the first event after a window has ended opens the next one. Pure: the
 * caller passes the time in seconds of a monotonic clock.
 */
#ifndef DPVPN_CP_FREQLIMIT_H
#define DPVPN_CP_FREQLIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct freq_limit {
	uint32_t max;		/* 0: unlimited */
	uint32_t per_s;
	uint32_t n;		/* events allowed in the current window */
	bool open;		/* a window has started */
	uint64_t window_start_s;
};

/* max = 0 means no limit. */
void freq_limit_init(struct freq_limit *f, uint32_t max, uint32_t per_s);

/* Counts an event at now_s; whether it is within the limit. */
bool freq_limit_allow(struct freq_limit *f, uint64_t now_s);

#endif
