/*
 * OpenVPN receive replay window; see replay.h for the rules.
 *
 * Why the time rule reduces to checkpoints of "highest": OpenVPN rejects id
 * if some seen x >= id was received before now - t. Receive times grow with
 * arrival order and every seen x <= highest at its arrival, so the largest
 * such x is exactly the value "highest" had at the end of second now - t - 1.
 * We therefore remember highest per second (only seconds where it grew) and
 * fold checkpoints older than t seconds into r->expired.
 */
#include <string.h>

#include "replay.h"

static uint32_t
clamp_window(uint32_t window)
{
	if (window == 0)
		return 1;
	return window > DP_REPLAY_WINDOW_MAX ? DP_REPLAY_WINDOW_MAX : window;
}

/* W: bitmap bits, a power of two >= n and >= one word. */
static uint32_t
bitmap_bits(uint32_t n)
{
	uint32_t w = 64;

	while (w < n)
		w <<= 1;
	return w;
}

/* Enough checkpoints: at most t + 1 seconds matter, and at most n ids. */
static uint32_t
ckpt_cap(uint32_t n)
{
	return n < DP_REPLAY_TIME_MAX + 1 ? n : DP_REPLAY_TIME_MAX + 1;
}

static struct dp_replay_ckpt *
ring(const struct dp_replay *r)
{
	return (struct dp_replay_ckpt *)(uintptr_t)(r->bits + (r->mask + 1) / 64);
}

size_t
dp_replay_size(uint32_t window)
{
	uint32_t n = clamp_window(window);

	return sizeof(struct dp_replay) + bitmap_bits(n) / 8 +
	       ckpt_cap(n) * sizeof(struct dp_replay_ckpt);
}

void
dp_replay_init(struct dp_replay *r, uint32_t window, uint32_t time_s, uint32_t floor)
{
	uint32_t n = clamp_window(window);

	memset(r, 0, dp_replay_size(n));
	r->window = n;
	r->mask = bitmap_bits(n) - 1;
	r->time_s = time_s > DP_REPLAY_TIME_MAX ? DP_REPLAY_TIME_MAX : time_s;
	r->floor = floor;
	r->highest = floor;
	r->expired = floor;
	r->ck_cap = ckpt_cap(n);
}

static inline bool
bit_test(const struct dp_replay *r, uint32_t id)
{
	uint32_t pos = id & r->mask;

	return (r->bits[pos >> 6] >> (pos & 63)) & 1;
}

/* Seconds are kept mod 2^32; signed difference tolerates a clock that steps back. */
static inline bool
too_old(uint32_t sec, uint32_t now, uint32_t t)
{
	return (int32_t)(now - sec) > (int32_t)t;
}

/* Ring index arithmetic without a division: i < 2 * ck_cap. */
static inline uint32_t
ring_wrap(const struct dp_replay *r, uint32_t i)
{
	return i >= r->ck_cap ? i - r->ck_cap : i;
}

static inline uint32_t
ring_next(const struct dp_replay *r, uint32_t i)
{
	return ring_wrap(r, i + 1);
}

/*
 * Closed by the time rule? Only checkpoints that aged past t since the last
 * update are scanned: one per elapsed second, normally zero or one.
 */
static bool
time_closed(const struct dp_replay *r, uint32_t id, uint32_t now)
{
	const struct dp_replay_ckpt *ck = ring(r);
	uint32_t i = r->ck_head;

	if (id <= r->expired)
		return true;
	for (uint32_t k = 0; k < r->ck_len; k++, i = ring_next(r, i)) {
		if (!too_old(ck[i].sec, now, r->time_s))
			break;
		if (id <= ck[i].highest)
			return true;
	}
	return false;
}

bool
dp_replay_check(const struct dp_replay *r, uint32_t id, uint64_t now_s)
{
	if (id <= r->floor)     /* also id 0 */
		return false;
	if (id > r->highest)
		return true;
	if (r->highest - id >= r->window || bit_test(r, id))
		return false;
	return r->time_s == 0 || !time_closed(r, id, (uint32_t)now_s);
}

/* Clear bits of ids [from, from + count), count < W: one word op per 64 ids. */
static void
clear_range(struct dp_replay *r, uint32_t from, uint32_t count)
{
	while (count > 0) {
		uint32_t pos = from & r->mask, bit = pos & 63;
		uint32_t n = 64 - bit < count ? 64 - bit : count;
		uint64_t m = n == 64 ? ~0ull : ((1ull << n) - 1) << bit;

		r->bits[pos >> 6] &= ~m;
		from += n;
		count -= n;
	}
}

/* In order (gap 1, nearly every packet) the only id skipped over is id itself,
 * whose bit the caller sets anyway: no range to clear. */
static void
advance(struct dp_replay *r, uint32_t id)
{
	uint32_t gap = id - r->highest;

	if (gap > r->mask)
		memset(r->bits, 0, (r->mask + 1) / 8);
	else if (gap > 1)
		clear_range(r, r->highest + 1, gap);
	r->highest = id;
}

/* Fold checkpoints older than t into r->expired (they only ever grow). */
static void
collapse(struct dp_replay *r, uint32_t now)
{
	const struct dp_replay_ckpt *ck = ring(r);

	while (r->ck_len > 0 && too_old(ck[r->ck_head].sec, now, r->time_s)) {
		r->expired = ck[r->ck_head].highest;
		r->ck_head = ring_next(r, r->ck_head);
		r->ck_len--;
	}
}

/*
 * Record the new highest for second now. Ring full can only happen with
 * n <= 600 checkpoints of distinct highest values: the oldest is then
 * <= id - n, outside the new window, so dropping it changes no decision.
 */
static void
note_highest(struct dp_replay *r, uint32_t id, uint32_t now)
{
	struct dp_replay_ckpt *ck = ring(r);
	uint32_t tail;

	if (r->ck_len > 0) {
		tail = ring_wrap(r, r->ck_head + r->ck_len - 1);
		if ((int32_t)(now - ck[tail].sec) <= 0) {
			ck[tail].highest = id;
			return;
		}
	}
	if (r->ck_len == r->ck_cap) {
		r->ck_head = ring_next(r, r->ck_head);
		r->ck_len--;
	}
	tail = ring_wrap(r, r->ck_head + r->ck_len);
	ck[tail] = (struct dp_replay_ckpt){ .sec = now, .highest = id };
	r->ck_len++;
}

void
dp_replay_update(struct dp_replay *r, uint32_t id, uint64_t now_s)
{
	uint32_t now = (uint32_t)now_s;

	/* Defensive: an id the window cannot hold would alias a live slot. */
	if (id <= r->floor || (id <= r->highest && r->highest - id >= r->window))
		return;
	if (r->time_s != 0)
		collapse(r, now);
	if (id > r->highest) {
		advance(r, id);
		if (r->time_s != 0)
			note_highest(r, id, now);
	}
	r->bits[(id & r->mask) >> 6] |= 1ull << (id & 63);
}

uint32_t
dp_replay_highest(const struct dp_replay *r)
{
	return r->highest;
}
