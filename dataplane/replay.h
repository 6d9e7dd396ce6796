/*
 * Per-key receive replay window for the OpenVPN data channel (fact sheet
 * §7.5, `--replay-window n [t]`), same accept/reject decisions as OpenVPN's
 * packet_id.c:
 *   - id 0 and ids <= floor are rejected;
 *   - id > highest is accepted;
 *   - otherwise accepted iff highest - id < n, id not seen yet, and the time
 *     rule does not close it: once a seen id x was received more than t
 *     seconds ago (x's receive time + t < now), every id <= x is rejected
 *     (OpenVPN's packet_id_reap). t = 0 disables the time rule.
 * Difference: OpenVPN applies the time rule lazily (reap at most every 5 s),
 * here it is applied exactly at every check, i.e. at most 5 s earlier.
 *
 * Seen ids live in a circular bitmap of W = max(64, pow2 >= n) bits indexed
 * by id mod W; moving the window clears only the words skipped over. The
 * time rule needs "the highest id as it was at second now - t - 1": a ring
 * of (second, highest) checkpoints, one per second in which highest grew,
 * at most min(n, 601) of them (only the last t + 1 seconds, and only ids
 * still inside the window, can matter).
 *
 * Not thread-safe: one owner (the lcore of the session) per window.
 */
#ifndef DPVPN_DP_REPLAY_H
#define DPVPN_DP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_REPLAY_WINDOW_MAX 65536
#define DP_REPLAY_TIME_MAX 600  /* OpenVPN's MAX_TIME_BACKTRACK; larger t is clamped */

struct dp_replay_ckpt {
	uint32_t sec;           /* low 32 bits of now_s */
	uint32_t highest;       /* highest id at the end of that second */
};

struct dp_replay {
	uint32_t window;        /* n, 1..65536 */
	uint32_t mask;          /* W - 1 */
	uint32_t time_s;        /* t, 0 = no time rule */
	uint32_t floor;
	uint32_t highest;       /* highest accepted id, floor before any */
	uint32_t expired;       /* ids <= this are closed by the time rule */
	uint32_t ck_cap, ck_head, ck_len;
	uint64_t bits[];        /* W / 64 words, then ck_cap checkpoints */
};

/* Bytes to allocate for a window of n packets (n is clamped to 1..65536). */
size_t dp_replay_size(uint32_t window);
/* ids <= floor are always replays. */
void dp_replay_init(struct dp_replay *r, uint32_t window, uint32_t time_s, uint32_t floor);
/* Would id be accepted now? No state change. */
bool dp_replay_check(const struct dp_replay *r, uint32_t id, uint64_t now_s);
/* Mark id seen; only after check passed and the tag verified. now_s should not go backwards. */
void dp_replay_update(struct dp_replay *r, uint32_t id, uint64_t now_s);
uint32_t dp_replay_highest(const struct dp_replay *r);

#endif
