/* IP ban scoring: scripted cases, eviction, and random events against a naive model. */
#include <stdlib.h>

#include "ban.h"
#include "harness.h"

#define A(x) ((uint32_t)(x))

enum op { ADD, IS, RM, EXP, CNT, SIZE, END };

/* One step: ADD want = return of ban_add_points; IS want = banned (and exp =
 * expiry when banned); RM want = known; EXP want = number of ended bans
 * reported (their addrs must be exp_addr.. in order, up to 2); CNT want =
 * ban_count_banned; SIZE want = ban_size. */
struct step {
	enum op op;
	uint32_t addr, points;
	uint64_t now;
	long long want;
	uint64_t exp;
	uint32_t exp_addr[2];
};

#define S_ADD(a, p, t, w)	{ ADD, a, p, t, w, 0, { 0, 0 } }
#define S_IS(a, t, w, e)	{ IS, a, 0, t, w, e, { 0, 0 } }
#define S_RM(a, w)		{ RM, a, 0, 0, w, 0, { 0, 0 } }
#define S_EXP(t, n, a0)		{ EXP, 0, 0, t, n, 0, { a0, 0 } }
#define S_CNT(t, n)		{ CNT, 0, 0, t, n, 0, { 0, 0 } }
#define S_SIZE(t, n)		{ SIZE, 0, 0, t, n, 0, { 0, 0 } }
#define S_END			{ END, 0, 0, 0, 0, 0, { 0, 0 } }

struct scripted {
	const char *name;
	struct ban_conf conf;
	struct step steps[24];
};

static const struct scripted cases[] = {
	{ "threshold: equal is no ban, above is", { 10, 1200, 300, 64 }, {
		S_ADD(1, 5, 100, false), S_ADD(1, 5, 101, false),	/* 10 = max: no ban */
		S_IS(1, 101, false, 0), S_CNT(101, 0),
		S_ADD(1, 1, 102, true), S_IS(1, 102, true, 402),	/* 11 > 10 */
		S_IS(1, 401, true, 402), S_IS(1, 402, false, 0),
		S_IS(2, 102, false, 0), S_CNT(102, 1), S_END } },
	{ "one big event bans at once", { 10, 1200, 300, 64 }, {
		S_ADD(7, 11, 5, true), S_IS(7, 5, true, 305), S_END } },
	{ "reset after reset_s without events", { 10, 60, 300, 64 }, {
		S_ADD(1, 8, 100, false), S_ADD(1, 2, 159, false),	/* 10, last event 159 */
		S_ADD(1, 5, 219, false),			/* 60 s quiet: 5 */
		S_ADD(1, 5, 220, false),			/* 10 */
		S_ADD(1, 1, 221, true), S_END } },
	{ "reset_s is measured from the last event, not the first", { 10, 60, 300, 64 }, {
		S_ADD(1, 4, 0, false), S_ADD(1, 4, 50, false), S_ADD(1, 3, 100, true), S_END } },
	{ "ban expiry through ban_expire with the callback", { 3, 1200, 30, 64 }, {
		S_ADD(1, 4, 10, true), S_ADD(2, 4, 12, true), S_ADD(3, 1, 12, false),
		S_EXP(39, 0, 0), S_SIZE(39, 3),
		S_EXP(40, 1, 1), S_IS(1, 40, false, 0), S_IS(2, 40, true, 42),
		S_EXP(50, 1, 2), S_SIZE(50, 1), S_CNT(50, 0),
		S_EXP(60, 0, 0), S_END } },
	{ "after a ban the address scores from zero", { 3, 1200, 30, 64 }, {
		S_ADD(1, 4, 10, true), S_EXP(40, 1, 1),
		S_ADD(1, 3, 41, false), S_ADD(1, 1, 42, true), S_END } },
	{ "ended ban not yet expired: new events restart and it is not reported", { 3, 1200, 30, 64 }, {
		S_ADD(1, 4, 10, true), S_ADD(1, 2, 45, false), S_IS(1, 45, false, 0),
		S_EXP(46, 0, 0), S_SIZE(46, 1), S_ADD(1, 2, 47, true), S_END } },
	{ "events during a ban do not extend it", { 3, 1200, 30, 64 }, {
		S_ADD(1, 4, 10, true), S_ADD(1, 100, 20, false), S_ADD(1, 100, 39, false),
		S_IS(1, 39, true, 40), S_IS(1, 40, false, 0),
		S_EXP(40, 1, 1), S_END } },
	{ "stale points go through ban_expire, silently", { 3, 100, 30, 64 }, {
		S_ADD(1, 1, 0, false), S_ADD(2, 1, 50, false),
		S_EXP(99, 0, 0), S_SIZE(99, 2),
		S_EXP(100, 0, 0), S_SIZE(100, 1),
		S_EXP(150, 0, 0), S_SIZE(150, 0), S_END } },
	{ "ban_remove drops ban and points", { 3, 1200, 30, 64 }, {
		S_ADD(1, 4, 10, true), S_ADD(2, 3, 10, false),
		S_RM(1, true), S_RM(1, false), S_IS(1, 11, false, 0),
		S_RM(2, true), S_ADD(2, 1, 11, false), S_ADD(2, 3, 11, true),
		S_RM(9, false), S_EXP(100, 1, 2), S_SIZE(100, 0), S_END } },
	{ "max_score 0 never bans and keeps nothing", { 0, 1200, 300, 64 }, {
		S_ADD(1, 1000000, 1, false), S_ADD(1, UINT32_MAX, 2, false), S_IS(1, 2, false, 0),
		S_SIZE(2, 0), S_RM(1, false), S_END } },
	{ "ban_s 0 is banning off too", { 1, 1200, 0, 64 }, {
		S_ADD(1, 5, 1, false), S_SIZE(1, 0), S_END } },
	{ "zero points are no event", { 1, 10, 30, 64 }, {
		S_ADD(1, 0, 1, false), S_SIZE(1, 0), S_ADD(1, 1, 1, false),
		S_ADD(1, 0, 20, false), S_ADD(1, 1, 20, false),	/* 0 points did not keep it */
		S_ADD(1, 1, 21, true), S_END } },
	{ "scores saturate", { UINT32_MAX - 1, 1200, 30, 64 }, {
		S_ADD(1, UINT32_MAX - 1, 1, false), S_ADD(1, UINT32_MAX, 2, true), S_END } },
	{ "reset_s 0: each event stands alone", { 5, 0, 30, 64 }, {
		S_ADD(1, 5, 1, false), S_ADD(1, 5, 1, false), S_ADD(1, 6, 1, true), S_END } },
};

struct reported {
	uint32_t addr[64];
	int n;
};

static void
on_expired(void *arg, uint32_t addr)
{
	struct reported *r = arg;
	if (r->n < 64)
		r->addr[r->n] = addr;
	r->n++;
}

static void
test_scripted(void)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct scripted *sc = &cases[c];
		struct ban_table *t = ban_new(&sc->conf);
		CHECK(t != NULL);
		if (!t)
			continue;
		int fails0 = harness_failures;
		for (int i = 0; sc->steps[i].op != END; i++) {
			const struct step *s = &sc->steps[i];
			uint64_t exp = 7;
			struct reported r = { .n = 0 };
			switch (s->op) {
			case ADD:
				CHECK_EQ(ban_add_points(t, A(s->addr), s->points, s->now), s->want);
				break;
			case IS:
				CHECK_EQ(ban_is_banned(t, A(s->addr), s->now, &exp), s->want);
				CHECK_EQ(exp, s->want ? s->exp : 0);
				break;
			case RM:
				CHECK_EQ(ban_remove(t, A(s->addr)), s->want);
				break;
			case EXP:
				ban_expire(t, s->now, on_expired, &r);
				CHECK_EQ(r.n, s->want);
				for (int k = 0; k < r.n && k < 2; k++)
					CHECK_EQ(r.addr[k], s->exp_addr[k]);
				break;
			case CNT:
				CHECK_EQ(ban_count_banned(t, s->now), s->want);
				break;
			case SIZE:
				CHECK_EQ(ban_size(t), s->want);
				break;
			case END:
				break;
			}
			if (harness_failures != fails0) {
				fprintf(stderr, "  in case \"%s\", step %d\n", sc->name, i);
				break;
			}
		}
		ban_free(t);
	}
}

static void
test_eviction(void)
{
	struct ban_conf c = { .max_score = 5, .reset_s = 1000, .ban_s = 100, .max_entries = 4 };
	struct ban_table *t = ban_new(&c);
	CHECK(ban_add_points(t, 1, 6, 10));		/* banned, oldest event */
	CHECK(!ban_add_points(t, 2, 1, 11));
	CHECK(!ban_add_points(t, 3, 1, 12));
	CHECK(!ban_add_points(t, 4, 1, 13));
	CHECK(!ban_add_points(t, 2, 1, 14));		/* 2 is now newer than 3 and 4 */
	CHECK_EQ(ban_size(t), 4);
	CHECK(!ban_add_points(t, 5, 1, 15));		/* full: evicts 3 (oldest scoring), not 1 */
	CHECK_EQ(ban_size(t), 4);
	CHECK(ban_is_banned(t, 1, 15, NULL));
	CHECK(!ban_remove(t, 3));
	CHECK(!ban_add_points(t, 6, 1, 16));		/* evicts 4, the oldest scoring one now */
	CHECK(!ban_remove(t, 4));
	/* 2 had 2 points and survives: 4 more pass 5 */
	CHECK(ban_add_points(t, 2, 4, 17));
	CHECK(ban_add_points(t, 5, 5, 18));
	CHECK(ban_add_points(t, 6, 5, 19));
	/* all four are bans: a new address evicts the first ban (1) */
	CHECK(!ban_add_points(t, 7, 1, 20));
	CHECK_EQ(ban_size(t), 4);
	CHECK(!ban_is_banned(t, 1, 20, NULL));
	CHECK(!ban_remove(t, 1));
	CHECK(ban_is_banned(t, 2, 20, NULL));
	/* a table of bans stays bounded under a flood of new addresses */
	for (uint32_t a = 100; a < 10000; a++)
		ban_add_points(t, a, 1, 21);
	CHECK_EQ(ban_size(t), 4);
	CHECK(ban_is_banned(t, 2, 21, NULL));
	CHECK(ban_is_banned(t, 5, 21, NULL));
	CHECK(ban_is_banned(t, 6, 21, NULL));
	CHECK_EQ(ban_count_banned(t, 21), 3);
	ban_free(t);

	/* a large table filled past its bound by a flood keeps every ban */
	c = (struct ban_conf){ .max_score = 2, .reset_s = 1000, .ban_s = 100, .max_entries = 1000 };
	t = ban_new(&c);
	int started = 0;
	for (uint32_t a = 1; a <= 100; a++)
		started += ban_add_points(t, a * 7919, 3, 1);
	CHECK_EQ(started, 100);
	for (uint32_t a = 0; a < 200000; a++)
		ban_add_points(t, 0x0a000000u + a, 1, 2 + a / 10000);
	CHECK_EQ(ban_size(t), 1000);
	CHECK_EQ(ban_count_banned(t, 30), 100);
	bool all = true;
	for (uint32_t a = 1; a <= 100; a++)
		all &= ban_is_banned(t, a * 7919, 30, NULL);
	CHECK(all);
	/* the newest scoring addresses are the ones kept */
	CHECK(!ban_remove(t, 0x0a000000u));
	CHECK(ban_remove(t, 0x0a000000u + 199999));
	ban_free(t);
}

static void
test_list(void)
{
	struct ban_conf c = { .max_score = 5, .reset_s = 100, .ban_s = 50, .max_entries = 16 };
	struct ban_table *t = ban_new(&c);
	struct ban_entry out[8];
	ban_add_points(t, 11, 2, 10);
	ban_add_points(t, 12, 9, 20);	/* ban until 70 */
	ban_add_points(t, 13, 3, 30);
	ban_add_points(t, 14, 6, 40);	/* ban until 90 */
	ban_add_points(t, 12, 1, 45);	/* during the ban: score 10, last event 45 */
	CHECK_EQ(ban_list(t, 50, true, out, 8), 2);
	CHECK_EQ(out[0].addr, 12);
	CHECK_EQ(out[0].score, 10);
	CHECK_EQ(out[0].expires, 70);
	CHECK_EQ(out[0].last_event, 45);
	CHECK_EQ(out[1].addr, 14);
	CHECK_EQ(out[1].expires, 90);
	CHECK_EQ(ban_list(t, 50, false, out, 8), 4);
	CHECK_EQ(out[2].addr, 11);
	CHECK_EQ(out[2].score, 2);
	CHECK_EQ(out[2].expires, 0);
	CHECK_EQ(out[2].last_event, 10);
	CHECK_EQ(out[3].addr, 13);
	/* cap: count of all, only cap filled */
	memset(out, 0xAA, sizeof(out));
	CHECK_EQ(ban_list(t, 50, false, out, 1), 4);
	CHECK_EQ(out[0].addr, 12);
	CHECK_EQ(out[1].addr, 0xAAAAAAAAu);
	CHECK_EQ(ban_list(t, 50, false, NULL, 0), 4);
	/* at 75 the ban of 12 ended (not swept yet): listed in neither */
	CHECK_EQ(ban_list(t, 75, true, out, 8), 1);
	CHECK_EQ(out[0].addr, 14);
	CHECK_EQ(ban_count_banned(t, 75), 1);
	CHECK_EQ(ban_list(t, 75, false, out, 8), 3);
	/* at 110 the points of 11 are forgotten (last event 10) */
	CHECK_EQ(ban_list(t, 110, false, out, 8), 1);
	CHECK_EQ(out[0].addr, 13);
	CHECK_EQ(ban_count_banned(t, 110), 0);
	ban_free(t);
}

/* ---- naive model: an array, linear scans, the same rules spelt out ---- */

#define M_ADDRS 20
struct m_ent {
	bool used;
	uint32_t score;
	uint64_t last_event, expires, seq;	/* seq: touch order (scoring) or ban start order */
};
struct model {
	struct ban_conf c;
	struct m_ent e[M_ADDRS];
	uint64_t seq;
};

static uint32_t
m_sat(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static int
m_count(const struct model *m)
{
	int n = 0;
	for (int i = 0; i < M_ADDRS; i++)
		n += m->e[i].used;
	return n;
}

static void
m_evict(struct model *m)
{
	int best = -1;
	for (int pass = 0; pass < 2 && best < 0; pass++)	/* scoring first, then bans */
		for (int i = 0; i < M_ADDRS; i++)
			if (m->e[i].used && (m->e[i].expires != 0) == pass
				&& (best < 0 || m->e[i].seq < m->e[best].seq))
				best = i;
	m->e[best].used = false;
}

static bool
m_add(struct model *m, int a, uint32_t pts, uint64_t now)
{
	if (!pts || !m->c.max_score || !m->c.ban_s)
		return false;
	struct m_ent *e = &m->e[a];
	if (e->used && e->expires && now < e->expires) {
		e->score = m_sat(e->score, pts);
		e->last_event = now;
		return false;
	}
	if (!e->used) {
		if (m_count(m) == (int)m->c.max_entries)
			m_evict(m);
		*e = (struct m_ent){ .used = true };
	} else if (e->expires || now - e->last_event >= m->c.reset_s) {
		e->expires = 0;
		e->score = 0;
	}
	e->score = m_sat(e->score, pts);
	e->last_event = now;
	e->seq = ++m->seq;
	if (e->score > m->c.max_score) {
		e->expires = now + m->c.ban_s;
		return true;
	}
	return false;
}

static int
m_expire(struct model *m, uint64_t now, uint32_t *rep)
{
	int n = 0;
	for (;;) {	/* ended bans in ban-start order */
		int best = -1;
		for (int i = 0; i < M_ADDRS; i++)
			if (m->e[i].used && m->e[i].expires && m->e[i].expires <= now
				&& (best < 0 || m->e[i].seq < m->e[best].seq))
				best = i;
		if (best < 0)
			break;
		m->e[best].used = false;
		rep[n++] = (uint32_t)best + 1;
	}
	for (int i = 0; i < M_ADDRS; i++)
		if (m->e[i].used && !m->e[i].expires && now - m->e[i].last_event >= m->c.reset_s)
			m->e[i].used = false;
	return n;
}

static size_t
m_list(const struct model *m, uint64_t now, bool banned_only, struct ban_entry *out)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && banned_only)
			break;
		uint64_t last = 0;
		for (;;) {	/* by seq within each group */
			int best = -1;
			for (int i = 0; i < M_ADDRS; i++) {
				const struct m_ent *e = &m->e[i];
				bool live = pass == 0 ? e->expires && now < e->expires
					: !e->expires && now - e->last_event < m->c.reset_s;
				if (e->used && live && e->seq > last
					&& (best < 0 || e->seq < m->e[best].seq))
					best = i;
			}
			if (best < 0)
				break;
			const struct m_ent *e = &m->e[best];
			out[n++] = (struct ban_entry){ .addr = (uint32_t)best + 1, .score = e->score,
				.expires = pass == 0 ? e->expires : 0, .last_event = e->last_event };
			last = e->seq;
		}
	}
	return n;
}

/* hot: how many addresses get most events (small tables need repeat offenders to ban) */
static void
test_random(uint32_t max_entries, unsigned seed, int hot, int min_bans, int min_reports)
{
	struct ban_conf c = { .max_score = 12, .reset_s = 40, .ban_s = 25, .max_entries = max_entries };
	struct model m = { .c = c };
	struct ban_table *t = ban_new(&c);
	uint64_t now = 1000;
	int ok = 1, bans = 0, reports = 0;
	srand(seed);
	for (int round = 0; round < 5000; round++) {
		int op = rand() % 100;
		int a = rand() % 4 ? rand() % hot : rand() % M_ADDRS;
		if (rand() % 3 == 0)
			now += (uint64_t)(rand() % 6);
		if (op < 70) {
			uint32_t pts = (uint32_t)(rand() % 5);
			bool want = m_add(&m, a, pts, now);
			bool got = ban_add_points(t, (uint32_t)a + 1, pts, now);
			bans += want;
			if (got != want) {
				ok = 0;
				fprintf(stderr, "round %d: add %d +%u at %llu: got %d want %d\n", round, a + 1,
					pts, (unsigned long long)now, got, want);
			}
		} else if (op < 82) {
			uint64_t exp;
			const struct m_ent *e = &m.e[a];
			bool want = e->used && e->expires && now < e->expires;
			ok &= ban_is_banned(t, (uint32_t)a + 1, now, &exp) == want;
			ok &= exp == (want ? e->expires : 0);
		} else if (op < 85) {
			ok &= ban_remove(t, (uint32_t)a + 1) == m.e[a].used;
			m.e[a].used = false;
		} else if (op < 93) {
			uint32_t want[M_ADDRS];
			struct reported r = { .n = 0 };
			int n = m_expire(&m, now, want);
			ban_expire(t, now, on_expired, &r);
			reports += n;
			ok &= r.n == n;
			for (int i = 0; i < n && i < r.n; i++)
				ok &= r.addr[i] == want[i];
		} else {
			struct ban_entry got[M_ADDRS], want[M_ADDRS];
			bool bo = op & 1;
			size_t n = m_list(&m, now, bo, want);
			ok &= ban_list(t, now, bo, got, M_ADDRS) == n;
			ok &= memcmp(got, want, n * sizeof(got[0])) == 0;
			size_t nb = m_list(&m, now, true, want);
			ok &= ban_count_banned(t, now) == nb;
		}
		ok &= ban_size(t) == (size_t)m_count(&m);
		if (!ok) {
			fprintf(stderr, "random(max_entries %u): diverged at round %d\n", max_entries, round);
			break;
		}
	}
	CHECK(ok);
	/* the run did exercise bans and their expiry */
	if (bans < min_bans || reports < min_reports)
		fprintf(stderr, "random(max_entries %u): %d bans, %d reported ended\n", max_entries,
			bans, reports);
	CHECK(bans >= min_bans);
	CHECK(reports >= min_reports);
	ban_free(t);
}

int
main(void)
{
	test_scripted();
	test_eviction();
	test_list();
	test_random(64, 1, M_ADDRS, 100, 50);
	test_random(20, 2, M_ADDRS, 100, 50);
	test_random(6, 3, 4, 100, 30);	/* evictions on most new addresses */
	test_random(1, 4, 1, 100, 0);	/* bans evicted by other addresses */
	return harness_done("ban");
}
