/*
 * Lowest-free allocator over [0, n): peer-ids (OpenVPN 2.6 hands out the
 * lowest free slot below max-clients), session slots and pool addresses.
 * A bitmap with a summary hint; pure and allocation-free after init.
 */
#ifndef CP_IDPOOL_H
#define CP_IDPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct idpool {
	uint32_t n;
	uint32_t used;
	uint32_t hint;		/* no free id below hint*64 */
	uint64_t *bits;		/* 1 = taken */
};

int idpool_init(struct idpool *p, uint32_t n);
void idpool_free(struct idpool *p);
/* Lowest free id, or -1 when full. */
int64_t idpool_alloc(struct idpool *p);
/* Takes a given id; false if taken or out of range. */
bool idpool_take(struct idpool *p, uint32_t id);
/* Releases id (no effect when already free). */
void idpool_release(struct idpool *p, uint32_t id);
bool idpool_is_used(const struct idpool *p, uint32_t id);

#endif
