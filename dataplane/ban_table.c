/* Writer side of the ban table (ban_table.h): the service loop only. */
#include "ban_table.h"

#include <string.h>

#define SLOT_MASK (DP_BAN_SLOTS - 1)

/* The slot holding addr, or the empty slot that ends its probe; *free_slot
 * (optional) gets the first tombstone on the way, else that empty slot. */
static uint32_t
find(const struct dp_ban_table *t, uint64_t mul, uint32_t addr, uint32_t *free_slot)
{
	uint32_t fs = UINT32_MAX;
	for (uint32_t i = dp_ban_hash(mul, addr);; i = (i + 1) & SLOT_MASK) {
		uint32_t k = t->slots[i].addr;
		if (k == addr || k == DP_BAN_EMPTY) {
			if (free_slot)
				*free_slot = fs == UINT32_MAX ? i : fs;
			return i;
		}
		if (k == DP_BAN_TOMB && fs == UINT32_MAX)
			fs = i;
	}
}

static void
del_slot(struct dp_ban_table *t, uint32_t i)
{
	__atomic_store_n(&t->slots[i].expires, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&t->slots[i].addr, DP_BAN_TOMB, __ATOMIC_RELEASE);
	__atomic_store_n(&t->n_live, t->n_live - 1, __ATOMIC_RELAXED);
	t->n_tomb++;
}

/* Removes every ban expired at now; next_exp becomes exact. */
static void
sweep_all(struct dp_ban_table *t, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (uint32_t i = 0; i < DP_BAN_SLOTS && t->n_live; i++) {
		uint32_t k = t->slots[i].addr;
		if (k == DP_BAN_EMPTY || k == DP_BAN_TOMB)
			continue;
		if (t->slots[i].expires <= now)
			del_slot(t, i);
		else if (t->slots[i].expires < next)
			next = t->slots[i].expires;
	}
	t->next_exp = next;
}

int
dp_ban_put(struct dp_ban_table *t, uint64_t mul, uint32_t addr, uint64_t expires, uint64_t now)
{
	uint32_t fs;
	uint32_t i = find(t, mul, addr, &fs);
	if (expires < t->next_exp)
		t->next_exp = expires;
	if (t->slots[i].addr == addr) {
		__atomic_store_n(&t->slots[i].expires, expires, __ATOMIC_RELAXED);
		return 0;
	}
	if (t->n_live >= DP_BAN_MAX) {
		if (now >= t->next_exp)
			sweep_all(t, now);
		if (t->n_live >= DP_BAN_MAX)
			return DP_BAN_PUT_FULL;
		find(t, mul, addr, &fs);
	}
	if (t->slots[fs].addr == DP_BAN_EMPTY) {
		if (t->n_live + t->n_tomb + 1 > DP_BAN_FILL_MAX)
			return DP_BAN_PUT_REBUILD;
	} else {
		t->n_tomb--;
	}
	__atomic_store_n(&t->slots[fs].expires, expires, __ATOMIC_RELAXED);
	__atomic_store_n(&t->slots[fs].addr, addr, __ATOMIC_RELEASE);
	__atomic_store_n(&t->n_live, t->n_live + 1, __ATOMIC_RELEASE);
	return 0;
}

bool
dp_ban_remove(struct dp_ban_table *t, uint64_t mul, uint32_t addr)
{
	if (addr == DP_BAN_EMPTY || addr == DP_BAN_TOMB)
		return false;
	uint32_t i = find(t, mul, addr, NULL);
	if (t->slots[i].addr != addr)
		return false;
	del_slot(t, i);
	return true;
}

uint32_t
dp_ban_sweep(struct dp_ban_table *t, uint32_t from, uint32_t to, uint64_t now)
{
	uint32_t n = 0;
	for (uint32_t i = from; i < to && i < DP_BAN_SLOTS && t->n_live; i++) {
		uint32_t k = t->slots[i].addr;
		if (k != DP_BAN_EMPTY && k != DP_BAN_TOMB && t->slots[i].expires <= now) {
			del_slot(t, i);
			n++;
		}
	}
	return n;
}

void
dp_ban_copy(struct dp_ban_table *dst, const struct dp_ban_table *src, uint64_t mul, uint64_t now)
{
	memset(dst, 0, sizeof(*dst));
	dst->next_exp = UINT64_MAX;
	for (uint32_t i = 0; src && i < DP_BAN_SLOTS; i++) {
		const struct dp_ban_slot *s = &src->slots[i];
		if (s->addr == DP_BAN_EMPTY || s->addr == DP_BAN_TOMB || s->expires <= now)
			continue;
		uint32_t j = find(dst, mul, s->addr, NULL);
		dst->slots[j].addr = s->addr;
		dst->slots[j].expires = s->expires;
		dst->n_live++;
		if (s->expires < dst->next_exp)
			dst->next_exp = s->expires;
	}
}
