/*
 * IP ban scoring (ocserv style): every suspicious event from a source
 * address (a failed login, a bad control packet...) adds points; when an
 * address's score passes max_score it is banned for ban_s seconds, and the
 * caller pushes the ban to the dataplanes (IPC BAN_ADD), which drop the
 * address's packets before any crypto work.
 *
 * Pure: no sockets, no clock (the caller passes now, in seconds of a clock
 * that never goes backwards, e.g. CLOCK_MONOTONIC), memory bounded by
 * max_entries and allocated once in ban_new. O(1) per event: an
 * open-addressing hash (linear probing, keyed hash, load <= 1/2) plus two
 * intrusive lists, one of scoring entries by last event (eviction and reset
 * order) and one of bans by start (= expiry order, ban_s being fixed).
 *
 * Addresses are IPv4 in network byte order.
 */
#ifndef CP_BAN_H
#define CP_BAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BAN_DEFAULT_RESET_S	1200
#define BAN_DEFAULT_BAN_S	300
#define BAN_DEFAULT_MAX_ENTRIES	65536
#define BAN_MAX_ENTRIES		(1u << 24)

struct ban_conf {
	uint32_t max_score;	/* ban when the score passes it (score > max_score); 0 = banning off */
	uint32_t reset_s;	/* points forgotten once this long passed without a new event */
	uint32_t ban_s;		/* ban length; 0 = banning off */
	uint32_t max_entries;	/* table bound (0 = BAN_DEFAULT_MAX_ENTRIES, at most
				 * BAN_MAX_ENTRIES); when full, the scoring entry with the
				 * oldest last event is evicted, a ban only when all are bans */
};

struct ban_table;

/* NULL on allocation failure or max_entries above BAN_MAX_ENTRIES. */
struct ban_table *ban_new(const struct ban_conf *c);
void ban_free(struct ban_table *t);

/*
 * Adds points for addr at now. Returns true when this event starts a ban
 * (the caller pushes it to the dataplanes). Rules:
 *  - points == 0, or banning off: nothing happens, false;
 *  - a score whose last event is reset_s or more seconds old restarts from 0;
 *  - a ban starts when the score passes max_score, and lasts ban_s seconds
 *    (banned while now < start + ban_s);
 *  - events during a ban do not extend it: they only add to the score shown
 *    by ban_list and update last_event;
 *  - once a ban has ended, the address scores again from zero.
 */
bool ban_add_points(struct ban_table *t, uint32_t addr, uint32_t points, uint64_t now);

/* true while addr is banned; *expires (may be NULL) gets the ban's end, or 0. */
bool ban_is_banned(const struct ban_table *t, uint32_t addr, uint64_t now, uint64_t *expires);

/* unban ip: drops the ban and the points; true if the address was in the table. */
bool ban_remove(struct ban_table *t, uint32_t addr);

/*
 * Drops ended bans and entries whose points were forgotten (reset_s). For
 * each ended ban calls expired(arg, addr) (may be NULL), oldest first, so the
 * caller can tell the dataplanes (which also forget a ban by its ttl). A ban
 * that ended but was superseded before this call (a new event restarted the
 * address's scoring, ban_remove, or eviction) is not reported. Cost: the
 * number of entries dropped.
 */
void ban_expire(struct ban_table *t, uint64_t now, void (*expired)(void *arg, uint32_t addr),
	void *arg);

/* `show ip bans` / `show ip ban points`. */
struct ban_entry {
	uint32_t addr;		/* network byte order */
	uint32_t score;
	uint64_t expires;	/* 0 = not banned */
	uint64_t last_event;
};

/*
 * Fills up to cap live entries (active bans, then addresses with points not
 * yet forgotten; each group oldest first) and returns how many there are in
 * all. banned_only: active bans only. O(table size).
 */
size_t ban_list(const struct ban_table *t, uint64_t now, bool banned_only, struct ban_entry *out,
	size_t cap);

/* Active bans at now. O(bans). */
size_t ban_count_banned(const struct ban_table *t, uint64_t now);

/* Entries held (live or awaiting ban_expire); at most max_entries. */
size_t ban_size(const struct ban_table *t);

#endif
