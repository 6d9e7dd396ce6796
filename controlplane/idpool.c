#include "idpool.h"

#include <stdlib.h>

int
idpool_init(struct idpool *p, uint32_t n)
{
	p->n = n;
	p->used = 0;
	p->hint = 0;
	p->bits = calloc((n + 63) / 64 + 1, sizeof(uint64_t));
	return p->bits ? 0 : -1;
}

void
idpool_free(struct idpool *p)
{
	free(p->bits);
	p->bits = NULL;
}

bool
idpool_is_used(const struct idpool *p, uint32_t id)
{
	return id < p->n && (p->bits[id / 64] >> (id % 64) & 1);
}

int64_t
idpool_alloc(struct idpool *p)
{
	uint32_t words = (p->n + 63) / 64;
	for (uint32_t w = p->hint; w < words; w++) {
		if (p->bits[w] == UINT64_MAX)
			continue;
		uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(~p->bits[w]);
		if (id >= p->n)
			break;
		p->bits[w] |= 1ull << (id % 64);
		p->used++;
		p->hint = w;
		return id;
	}
	return -1;
}

bool
idpool_take(struct idpool *p, uint32_t id)
{
	if (id >= p->n || idpool_is_used(p, id))
		return false;
	p->bits[id / 64] |= 1ull << (id % 64);
	p->used++;
	return true;
}

void
idpool_release(struct idpool *p, uint32_t id)
{
	if (!idpool_is_used(p, id))
		return;
	p->bits[id / 64] &= ~(1ull << (id % 64));
	p->used--;
	if (id / 64 < p->hint)
		p->hint = id / 64;
}
