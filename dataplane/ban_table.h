/*
 * The dataplane's table of banned source addresses, pure part (no EAL):
 * one writer (the service loop), lock-free readers (workers).
 *
 * Open addressing with linear probing over a fixed array of DP_BAN_SLOTS
 * slots, hashed by multiply-shift with a random odd 64-bit multiplier. A
 * slot's addr is DP_BAN_EMPTY (0: ends a probe), DP_BAN_TOMB (deleted:
 * probes go on) or a banned address in network order; the ban holds while
 * the TSC is below expires. The writer never moves a slot: an insert stores
 * expires, then addr (release); a delete zeroes expires, then stores
 * DP_BAN_TOMB. Entries plus tombstones are kept at most 3/4 of the slots
 * (dp_ban_put says when the table must be rebuilt into a fresh one), so a
 * probe always ends. At most DP_BAN_MAX addresses are held.
 */
#ifndef DP_BAN_TABLE_H
#define DP_BAN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#define DP_BAN_MAX		65536u		/* bans held at once */
#define DP_BAN_SLOT_BITS	17
#define DP_BAN_SLOTS		(1u << DP_BAN_SLOT_BITS)	/* 2 x DP_BAN_MAX */
#define DP_BAN_FILL_MAX		(DP_BAN_SLOTS / 4 * 3)	/* entries + tombstones */
#define DP_BAN_EMPTY		0u
#define DP_BAN_TOMB		0xFFFFFFFFu

struct dp_ban_slot {
	uint32_t addr;
	uint32_t pad;
	uint64_t expires;		/* TSC */
};

struct dp_ban_table {
	uint32_t n_live;		/* addresses held (expired ones until swept) */
	uint32_t n_tomb;
	uint64_t next_exp;		/* writer: no ban expires before (a lower bound) */
	struct dp_ban_slot slots[DP_BAN_SLOTS];
};

static inline uint32_t
dp_ban_hash(uint64_t mul, uint32_t addr)
{
	return (uint32_t)((addr * mul) >> (64 - DP_BAN_SLOT_BITS));
}

/*
 * Reader (any thread): the expiry of addr's ban, 0 when it has none. The
 * caller compares it with the TSC, so the clock is read only on a match.
 */
static inline uint64_t
dp_ban_expiry(const struct dp_ban_table *t, uint64_t mul, uint32_t addr)
{
	if (__atomic_load_n(&t->n_live, __ATOMIC_RELAXED) == 0 || addr == DP_BAN_TOMB)
		return 0;
	for (uint32_t i = dp_ban_hash(mul, addr);; i = (i + 1) & (DP_BAN_SLOTS - 1)) {
		uint32_t k = __atomic_load_n(&t->slots[i].addr, __ATOMIC_ACQUIRE);
		if (k == addr)
			return __atomic_load_n(&t->slots[i].expires, __ATOMIC_RELAXED);
		if (k == DP_BAN_EMPTY)
			return 0;
	}
}

/* Writer side. t must be zeroed before first use (all slots empty). */

#define DP_BAN_PUT_FULL		(-1)	/* DP_BAN_MAX running bans held */
#define DP_BAN_PUT_REBUILD	(-2)	/* rebuild (dp_ban_copy into a fresh table), retry */

/* Bans addr until expires (replacing an existing expiry); 0 or DP_BAN_PUT_*.
 * When the table is full, expired bans (expires <= now) are swept first
 * (a whole pass, only when one can have expired). */
int dp_ban_put(struct dp_ban_table *t, uint64_t mul, uint32_t addr, uint64_t expires, uint64_t now);
/* Unbans addr; false if it was not held. */
bool dp_ban_remove(struct dp_ban_table *t, uint64_t mul, uint32_t addr);
/* Removes the bans of slots [from, to) that expired at now; returns how many. */
uint32_t dp_ban_sweep(struct dp_ban_table *t, uint32_t from, uint32_t to, uint64_t now);
/* Fills dst (not visible to readers yet) with src's bans still running at now, no tombstones. */
void dp_ban_copy(struct dp_ban_table *dst, const struct dp_ban_table *src, uint64_t mul, uint64_t now);

#endif
