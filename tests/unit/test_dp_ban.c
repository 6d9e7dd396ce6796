/*
 * The dataplane ban table (dataplane/ban_table.c): basic cases, the
 * DP_BAN_MAX bound, and long random churn against a plain array, with the
 * rebuilds (dp_ban_copy into the other table) the service loop does.
 */
#include <stdlib.h>

#include "ban_table.h"
#include "harness.h"

#define MUL 0x9e3779b97f4a7c15ull

static struct dp_ban_table *
table_new(void)
{
	struct dp_ban_table *t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	return t;
}

/* Every held address is reachable, counts match the slots, the fill bound holds. */
static bool
consistent(const struct dp_ban_table *t)
{
	uint32_t live = 0, tomb = 0;
	bool ok = true;
	for (uint32_t i = 0; i < DP_BAN_SLOTS; i++) {
		uint32_t a = t->slots[i].addr;
		if (a == DP_BAN_TOMB)
			tomb++;
		else if (a != DP_BAN_EMPTY) {
			live++;
			ok &= dp_ban_expiry(t, MUL, a) == t->slots[i].expires;
		}
	}
	return ok && live == t->n_live && tomb == t->n_tomb && live + tomb <= DP_BAN_FILL_MAX;
}

static void
test_basic(void)
{
	struct dp_ban_table *t = table_new();
	CHECK_EQ(dp_ban_expiry(t, MUL, 0x0100000a), 0);
	CHECK_EQ(dp_ban_put(t, MUL, 0x0100000a, 500, 100), 0);
	CHECK_EQ(dp_ban_expiry(t, MUL, 0x0100000a), 500);
	CHECK_EQ(dp_ban_expiry(t, MUL, 0x0200000a), 0);
	CHECK_EQ(dp_ban_expiry(t, MUL, DP_BAN_TOMB), 0);
	CHECK_EQ(dp_ban_expiry(t, MUL, DP_BAN_EMPTY), 0);
	CHECK_EQ(dp_ban_put(t, MUL, 0x0100000a, 900, 200), 0);	/* replaces the ttl */
	CHECK_EQ(dp_ban_expiry(t, MUL, 0x0100000a), 900);
	CHECK_EQ(t->n_live, 1);
	CHECK(!dp_ban_remove(t, MUL, 0x0200000a));
	CHECK(!dp_ban_remove(t, MUL, DP_BAN_TOMB));
	CHECK(dp_ban_remove(t, MUL, 0x0100000a));
	CHECK(!dp_ban_remove(t, MUL, 0x0100000a));
	CHECK_EQ(dp_ban_expiry(t, MUL, 0x0100000a), 0);
	CHECK_EQ(t->n_live, 0);
	CHECK_EQ(t->n_tomb, 1);
	/* the tombstone is reused by the next address probing through it */
	CHECK_EQ(dp_ban_put(t, MUL, 0x0100000a, 50, 0), 0);
	CHECK_EQ(t->n_tomb, 0);
	/* sweep: only expired bans (expires <= now) go */
	CHECK_EQ(dp_ban_put(t, MUL, 0x0300000a, 60, 0), 0);
	CHECK_EQ(dp_ban_sweep(t, 0, DP_BAN_SLOTS, 50), 1);
	CHECK_EQ(dp_ban_expiry(t, MUL, 0x0100000a), 0);
	CHECK_EQ(dp_ban_expiry(t, MUL, 0x0300000a), 60);
	CHECK(consistent(t));
	free(t);
}

static void
test_bound(void)
{
	struct dp_ban_table *t = table_new(), *u = table_new();
	int ok = 1;
	for (uint32_t i = 1; i <= DP_BAN_MAX; i++)
		ok &= dp_ban_put(t, MUL, i, i <= 1000 ? 10 : 1000, 0) == 0;
	CHECK(ok);
	CHECK_EQ(t->n_live, DP_BAN_MAX);
	CHECK_EQ(dp_ban_put(t, MUL, DP_BAN_MAX + 1, 1000, 5), DP_BAN_PUT_FULL);
	CHECK_EQ(dp_ban_put(t, MUL, 7, 2000, 5), 0);	/* held ones can still be renewed */
	/* at 10 the first 1000 expired: a full table sweeps them to make room */
	CHECK_EQ(dp_ban_put(t, MUL, DP_BAN_MAX + 1, 1000, 10), 0);
	CHECK_EQ(t->n_live, DP_BAN_MAX - 1000 + 2);
	CHECK_EQ(dp_ban_expiry(t, MUL, 7), 2000);
	CHECK_EQ(dp_ban_expiry(t, MUL, 8), 0);
	CHECK(consistent(t));
	/* a copy keeps the running bans only, without tombstones */
	dp_ban_copy(u, t, MUL, 1000);
	CHECK_EQ(u->n_live, 1);
	CHECK_EQ(u->n_tomb, 0);
	CHECK_EQ(dp_ban_expiry(u, MUL, 7), 2000);
	dp_ban_copy(u, NULL, MUL, 0);
	CHECK_EQ(u->n_live, 0);
	CHECK_EQ(dp_ban_expiry(u, MUL, 7), 0);
	free(t);
	free(u);
}

/* The naive side: stored expiry per address (0 = not held). */
enum { N = 100000 };
static uint64_t ref[N + 1], ref_min = UINT64_MAX;
static uint32_t held;

/* Drops what expired at now (a sweep, a rebuild, a full table's own sweep). */
static void
ref_sweep(uint64_t now)
{
	if (now < ref_min)
		return;
	ref_min = UINT64_MAX;
	for (uint32_t i = 1; i <= N; i++) {
		if (ref[i] && ref[i] <= now) {
			ref[i] = 0;
			held--;
		} else if (ref[i] && ref[i] < ref_min) {
			ref_min = ref[i];
		}
	}
}

/*
 * Random put/remove/sweep/lookup over more addresses than fit, with the
 * rebuilds the service loop does; phases of long bans (the table fills up to
 * DP_BAN_MAX) alternate with short ones (churn, tombstones, rebuilds).
 */
static void
test_random(void)
{
	struct dp_ban_table *t = table_new(), *spare = table_new();
	uint32_t rebuilds = 0, fulls = 0, sweeps = 0;
	uint64_t now = 1;
	int ok = 1;
	srand(7);
	for (long op = 0; op < 2000000 && ok; op++) {
		uint32_t a = 1 + (uint32_t)(((unsigned)rand() << 8 ^ (unsigned)rand()) % N);
		bool churn = (op / 250000) % 2;
		uint64_t ttl_max = churn ? 20000 : 4000000;
		int r = rand() % 10000, puts = churn ? 4800 : 7000;
		now++;
		if (r < puts) {
			uint64_t exp = now + 1 + (uint64_t)rand() % ttl_max;
			if (!ref[a] && held >= DP_BAN_MAX)
				ref_sweep(now);		/* the table sweeps when full */
			int got = dp_ban_put(t, MUL, a, exp, now);
			if (got == DP_BAN_PUT_REBUILD) {
				struct dp_ban_table *x = t;
				dp_ban_copy(spare, t, MUL, now);
				t = spare;
				spare = x;
				rebuilds++;
				ref_sweep(now);
				ok &= t->n_tomb == 0 && t->n_live == held;
				got = dp_ban_put(t, MUL, a, exp, now);
			}
			if (got == DP_BAN_PUT_FULL) {
				fulls++;
				ok &= !ref[a] && held >= DP_BAN_MAX;
			} else {
				ok &= got == 0;
				held += !ref[a];
				ref[a] = exp;
				if (exp < ref_min)
					ref_min = exp;
			}
		} else if (r < 9000) {
			ok &= dp_ban_remove(t, MUL, a) == (ref[a] != 0);
			held -= ref[a] != 0;
			ref[a] = 0;
		} else if (r < 9002) {
			/* a full pass in slices, as the service loop does */
			for (uint32_t from = 0; from < DP_BAN_SLOTS; from += 2048)
				dp_ban_sweep(t, from, from + 2048, now);
			ref_sweep(now);
			sweeps++;
		} else {
			ok &= dp_ban_expiry(t, MUL, a) == ref[a];
		}
		ok &= t->n_live == held;
		if (!ok)
			fprintf(stderr, "diverged at op %ld (addr %u, held %u)\n", op, a, held);
		if (op % 250000 == 0)
			ok &= consistent(t);
	}
	CHECK(ok);
	CHECK(consistent(t));
	for (uint32_t i = 1; i <= N && ok; i++)
		ok &= dp_ban_expiry(t, MUL, i) == ref[i];
	CHECK(ok);
	if (!rebuilds || !fulls || !sweeps)
		fprintf(stderr, "rebuilds %u, full tables %u, sweeps %u\n", rebuilds, fulls, sweeps);
	CHECK(rebuilds > 0);
	CHECK(fulls > 0);
	free(t);
	free(spare);
}

int
main(void)
{
	test_basic();
	test_bound();
	test_random();
	return harness_done("dp_ban");
}
