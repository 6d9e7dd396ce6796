/*
 * Banned source addresses, EAL side: the service loop applies BAN_ADD /
 * BAN_DEL / BAN_FLUSH and sweeps expired bans; workers test every UDP packet
 * to the service port with dp_ban_hit() (dp.h) before any other work. The
 * table itself and its concurrency rules are in ban_table.h.
 *
 * Two tables are allocated at start, nothing later. Workers read the one
 * dp.bans points to. A rebuild (too many tombstones) or a flush fills the
 * other one, publishes it, and waits for an RCU grace period: after it no
 * worker reads the old table, which becomes the spare. Telemetry reads only
 * the entry count; both tables live until exit.
 */
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "ipc.h"
#include "log.h"

#define SWEEP_SLOTS	2048		/* per sweep step */
#define SWEEP_US	1000		/* between steps: a full pass in 64 ms */

static struct dp_ban_table *spare;
static uint32_t sweep_cursor;
static uint64_t next_sweep;

int
dp_ban_init(void)
{
	dp.bans = rte_zmalloc("bans0", sizeof(*dp.bans), RTE_CACHE_LINE_SIZE);
	spare = rte_zmalloc("bans1", sizeof(*spare), RTE_CACHE_LINE_SIZE);
	if (!dp.bans || !spare)
		return -ENOMEM;
	if (getrandom(&dp.ban_hash_mul, sizeof(dp.ban_hash_mul), 0) != sizeof(dp.ban_hash_mul))
		dp.ban_hash_mul = rte_rdtsc() * 0x9e3779b97f4a7c15ull;
	dp.ban_hash_mul |= 1;
	return 0;
}

uint32_t
dp_ban_count(void)
{
	const struct dp_ban_table *t = __atomic_load_n(&dp.bans, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&t->n_live, __ATOMIC_RELAXED);
}

/* Publishes the spare table holding the bans still running at now (none: flush). */
static void
republish(bool flush, uint64_t now)
{
	struct dp_ban_table *old = dp.bans;
	dp_ban_copy(spare, flush ? NULL : old, dp.ban_hash_mul, now);
	__atomic_store_n(&dp.bans, spare, __ATOMIC_RELEASE);
	/* The service loop is RCU-offline here (loop.c): this waits for workers only. */
	rte_rcu_qsbr_synchronize(dp.rcu, RTE_QSBR_THRID_INVALID);
	spare = old;
	sweep_cursor = 0;
}

static int
ban_add(uint32_t addr, uint32_t ttl_s)
{
	uint64_t now = rte_rdtsc();
	uint64_t expires = now + (uint64_t)ttl_s * dp.tsc_hz;
	int r = dp_ban_put(dp.bans, dp.ban_hash_mul, addr, expires, now);
	if (r == DP_BAN_PUT_REBUILD) {
		republish(false, now);
		r = dp_ban_put(dp.bans, dp.ban_hash_mul, addr, expires, now);
	}
	return r == 0 ? 0 : IPC_E_NO_ROOM;
}

/* 0.0.0.0 and 255.255.255.255 mark slots; 224/3 (multicast, reserved) is never a source. */
static bool
unicast_v4(const struct ipc_addr *a, uint32_t *addr)
{
	if (a->len != 4)
		return false;
	*addr = ipc_addr_to_v4(a);
	return *addr != DP_BAN_EMPTY && (a->b[0] & 0xE0) != 0xE0;
}

int
dp_ban_apply(const struct ipc_msg *m)
{
	uint32_t addr;
	switch (m->type) {
	case IPC_BAN_ADD:
		if (!unicast_v4(&m->u.ban_add.addr, &addr) || m->u.ban_add.ttl_s == 0)
			return IPC_E_BAD_VALUE;
		return ban_add(addr, m->u.ban_add.ttl_s);
	case IPC_BAN_DEL:
		if (!unicast_v4(&m->u.ban_del.addr, &addr))
			return IPC_E_BAD_VALUE;
		dp_ban_remove(dp.bans, dp.ban_hash_mul, addr);
		return 0;
	case IPC_BAN_FLUSH:
		if (dp.bans->n_live || dp.bans->n_tomb)
			republish(true, 0);
		log_info("bans flushed (cookie %u)", m->u.ban_flush.cookie);
		return 0;
	default:
		return IPC_E_DIRECTION;
	}
}

void
dp_ban_service(uint64_t now)
{
	if (now < next_sweep)
		return;
	next_sweep = now + dp.tsc_hz / 1000000 * SWEEP_US;
	if (!dp.bans->n_live) {
		sweep_cursor = 0;
		return;
	}
	dp_ban_sweep(dp.bans, sweep_cursor, sweep_cursor + SWEEP_SLOTS, now);
	sweep_cursor = (sweep_cursor + SWEEP_SLOTS) & (DP_BAN_SLOTS - 1);
}
