/*
 * IP ban scoring (ban.h). Entries live in a fixed array; a hash of
 * (addr, index) slots, open addressing with linear probing and backward-shift
 * deletion (no tombstones), finds them; every entry is on exactly one of two
 * doubly linked lists:
 *   scoring: not banned, ordered by last event (the head is the oldest:
 *            evicted first when full, forgotten first by ban_expire);
 *   bans:    banned, ordered by ban start, which is expiry order since every
 *            ban lasts ban_s (the head ends first).
 * Both orders hold because now never goes backwards.
 */
#include "ban.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define NIL UINT32_MAX

struct ban_ent {
	uint32_t addr;
	uint32_t score;
	uint64_t last_event;
	uint64_t expires;	/* 0: on the scoring list; else on the bans list */
	uint32_t prev, next;	/* list links (free list: next only) */
};

struct ban_list_head {
	uint32_t head, tail;
	uint32_t n;
};

struct ban_slot {
	uint32_t addr;
	uint32_t idx;		/* NIL = empty */
};

struct ban_table {
	struct ban_conf conf;
	uint32_t mask;		/* slots - 1 */
	uint32_t seed;
	uint32_t used;
	uint32_t free_head;
	struct ban_list_head scoring, bans;
	struct ban_slot *slots;
	struct ban_ent *ents;
};

/* Points last added at last are forgotten at now (a clock step back forgets nothing). */
static bool
forgotten(const struct ban_table *t, uint64_t last, uint64_t now)
{
	return now >= last && now - last >= t->conf.reset_s;
}

static bool
ban_off(const struct ban_table *t)
{
	return t->conf.max_score == 0 || t->conf.ban_s == 0;
}

/* Keyed mix (murmur3 finalizer over addr ^ seed): source addresses are chosen
 * by whoever sends packets, the seed keeps them from aiming at one cluster. */
static uint32_t
hash_addr(const struct ban_table *t, uint32_t addr)
{
	uint32_t h = addr ^ t->seed;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h & t->mask;
}

static uint32_t
slot_find(const struct ban_table *t, uint32_t addr)
{
	for (uint32_t i = hash_addr(t, addr);; i = (i + 1) & t->mask) {
		if (t->slots[i].idx == NIL || t->slots[i].addr == addr)
			return i;
	}
}

static void
slot_delete(struct ban_table *t, uint32_t i)
{
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j].idx == NIL)
			break;
		uint32_t k = hash_addr(t, t->slots[j].addr);
		/* move j back to i unless its home k lies cyclically in (i, j] */
		bool stay = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stay) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].idx = NIL;
}

static void
list_unlink(struct ban_table *t, struct ban_list_head *l, uint32_t idx)
{
	struct ban_ent *e = &t->ents[idx];
	if (e->prev != NIL)
		t->ents[e->prev].next = e->next;
	else
		l->head = e->next;
	if (e->next != NIL)
		t->ents[e->next].prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NIL;
	l->n--;
}

static void
list_append(struct ban_table *t, struct ban_list_head *l, uint32_t idx)
{
	struct ban_ent *e = &t->ents[idx];
	e->prev = l->tail;
	e->next = NIL;
	if (l->tail != NIL)
		t->ents[l->tail].next = idx;
	else
		l->head = idx;
	l->tail = idx;
	l->n++;
}

static struct ban_list_head *
list_of(struct ban_table *t, const struct ban_ent *e)
{
	return e->expires ? &t->bans : &t->scoring;
}

/* Removes entry idx completely (hash slot, list, back to the free list). */
static void
ent_drop(struct ban_table *t, uint32_t idx)
{
	struct ban_ent *e = &t->ents[idx];
	slot_delete(t, slot_find(t, e->addr));
	list_unlink(t, list_of(t, e), idx);
	e->next = t->free_head;
	t->free_head = idx;
	t->used--;
}

struct ban_table *
ban_new(const struct ban_conf *c)
{
	uint32_t max = c->max_entries ? c->max_entries : BAN_DEFAULT_MAX_ENTRIES;
	if (max > BAN_MAX_ENTRIES)
		return NULL;
	uint32_t slots = 2;
	while (slots < 2 * max)
		slots <<= 1;
	struct ban_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->conf = *c;
	t->conf.max_entries = max;
	t->mask = slots - 1;
	t->slots = malloc(slots * sizeof(*t->slots));
	t->ents = malloc(max * sizeof(*t->ents));
	if (!t->slots || !t->ents) {
		ban_free(t);
		return NULL;
	}
	for (uint32_t i = 0; i < slots; i++)
		t->slots[i] = (struct ban_slot){ .addr = 0, .idx = NIL };
	for (uint32_t i = 0; i < max; i++)
		t->ents[i] = (struct ban_ent){ .prev = NIL, .next = i + 1 < max ? i + 1 : NIL };
	t->free_head = 0;
	t->scoring = t->bans = (struct ban_list_head){ .head = NIL, .tail = NIL };
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint32_t)(uintptr_t)t ^ 0x9e3779b9u;
	return t;
}

void
ban_free(struct ban_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->ents);
	free(t);
}

/* A free entry for a new address: the free list, else an eviction. */
static uint32_t
ent_alloc(struct ban_table *t)
{
	if (t->free_head == NIL) {
		/* full: the oldest scoring entry, or when all are bans the
		 * first to end (an ended one, if any has ended) */
		ent_drop(t, t->scoring.head != NIL ? t->scoring.head : t->bans.head);
	}
	uint32_t idx = t->free_head;
	t->free_head = t->ents[idx].next;
	t->used++;
	return idx;
}

static uint32_t
sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

bool
ban_add_points(struct ban_table *t, uint32_t addr, uint32_t points, uint64_t now)
{
	if (points == 0 || ban_off(t))
		return false;
	uint32_t s = slot_find(t, addr);
	uint32_t idx = t->slots[s].idx;
	struct ban_ent *e;
	if (idx == NIL) {
		idx = ent_alloc(t);
		s = slot_find(t, addr);	/* an eviction may have moved slots */
		t->slots[s] = (struct ban_slot){ .addr = addr, .idx = idx };
		e = &t->ents[idx];
		*e = (struct ban_ent){ .addr = addr, .prev = NIL, .next = NIL };
	} else {
		e = &t->ents[idx];
		if (e->expires && now < e->expires) {
			/* banned: counted for show, the ban is not extended */
			e->score = sat_add(e->score, points);
			e->last_event = now;
			return false;
		}
		list_unlink(t, list_of(t, e), idx);
		if (e->expires || forgotten(t, e->last_event, now)) {
			/* the ban ended (not reported by ban_expire now), or the
			 * points were forgotten */
			e->expires = 0;
			e->score = 0;
		}
	}
	e->score = sat_add(e->score, points);
	e->last_event = now;
	if (e->score > t->conf.max_score) {
		e->expires = now + t->conf.ban_s;
		list_append(t, &t->bans, idx);
		return true;
	}
	list_append(t, &t->scoring, idx);
	return false;
}

static const struct ban_ent *
lookup(const struct ban_table *t, uint32_t addr)
{
	uint32_t idx = t->slots[slot_find(t, addr)].idx;
	return idx == NIL ? NULL : &t->ents[idx];
}

bool
ban_is_banned(const struct ban_table *t, uint32_t addr, uint64_t now, uint64_t *expires)
{
	const struct ban_ent *e = lookup(t, addr);
	bool banned = e && e->expires && now < e->expires;
	if (expires)
		*expires = banned ? e->expires : 0;
	return banned;
}

bool
ban_remove(struct ban_table *t, uint32_t addr)
{
	uint32_t idx = t->slots[slot_find(t, addr)].idx;
	if (idx == NIL)
		return false;
	ent_drop(t, idx);
	return true;
}

void
ban_expire(struct ban_table *t, uint64_t now, void (*expired)(void *arg, uint32_t addr), void *arg)
{
	while (t->bans.head != NIL && t->ents[t->bans.head].expires <= now) {
		uint32_t addr = t->ents[t->bans.head].addr;
		ent_drop(t, t->bans.head);
		if (expired)
			expired(arg, addr);
	}
	while (t->scoring.head != NIL && forgotten(t, t->ents[t->scoring.head].last_event, now))
		ent_drop(t, t->scoring.head);
}

static void
put(struct ban_entry *out, size_t cap, size_t n, const struct ban_ent *e, bool banned)
{
	if (n < cap)
		out[n] = (struct ban_entry){ .addr = e->addr, .score = e->score,
			.expires = banned ? e->expires : 0, .last_event = e->last_event };
}

size_t
ban_list(const struct ban_table *t, uint64_t now, bool banned_only, struct ban_entry *out, size_t cap)
{
	size_t n = 0;
	for (uint32_t i = t->bans.head; i != NIL; i = t->ents[i].next) {
		const struct ban_ent *e = &t->ents[i];
		if (now < e->expires)
			put(out, cap, n++, e, true);
	}
	if (banned_only)
		return n;
	for (uint32_t i = t->scoring.head; i != NIL; i = t->ents[i].next) {
		const struct ban_ent *e = &t->ents[i];
		if (!forgotten(t, e->last_event, now))
			put(out, cap, n++, e, false);
	}
	return n;
}

size_t
ban_count_banned(const struct ban_table *t, uint64_t now)
{
	size_t ended = 0;
	for (uint32_t i = t->bans.head; i != NIL && t->ents[i].expires <= now; i = t->ents[i].next)
		ended++;
	return t->bans.n - ended;
}

size_t
ban_size(const struct ban_table *t)
{
	return t->used;
}
