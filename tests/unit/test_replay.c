/*
 * Tests for dataplane/replay.c: numbered table vectors for OpenVPN's
 * packet_id semantics (fact sheet §7.5), then a randomized comparison
 * against a naive reference written straight from the rules.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "replay.h"

struct step {
	uint32_t id;
	uint64_t now;
	bool expect;
	bool update;    /* false: check only, as when the AEAD tag failed */
};

/* T: check, and mark seen when accepted. C: check only. */
#define T(id, now, exp) { (id), (now), (exp), true }
#define C(id, now, exp) { (id), (now), (exp), false }

struct table {
	const char *name;
	uint32_t window, time_s, floor;
	const struct step *steps;
	size_t n;
};

static const struct step basic[] = {
	/*  1 */ T(0, 1, 0),            /* id 0 never valid */
	/*  2 */ T(1, 1, 1),
	/*  3 */ T(1, 1, 0),            /* duplicate */
	/*  4 */ T(3, 1, 1),
	/*  5 */ T(2, 1, 1),            /* reordered, inside window */
	/*  6 */ T(2, 1, 0),
	/*  7 */ C(5, 1, 1),            /* accepted but tag failed: not marked */
	/*  8 */ T(5, 1, 1),
	/*  9 */ T(66, 1, 1),           /* highest 66: window is 3..66 */
	/* 10 */ T(3, 1, 0),            /* in window, seen */
	/* 11 */ T(4, 1, 1),            /* 66 - 4 = 62 < 64 */
	/* 12 */ T(2, 1, 0),            /* 66 - 2 = 64: just outside */
	/* 13 */ C(0, 1, 0),
	/* 14 */ T(67, 1, 1),
	/* 15 */ T(3, 1, 0),            /* slid out */
	/* 16 */ T(66, 1, 0),
	/* 17 */ T(65, 1, 1),
	/* 18 */ T(0xffffffff, 1, 1),   /* jump to the top: whole window fresh */
	/* 19 */ T(0xffffffff - 63, 1, 1),
	/* 20 */ T(0xffffffff - 64, 1, 0),
	/* 21 */ T(67, 1, 0),
	/* 22 */ T(0xfffffffe, 1, 1),
	/* 23 */ T(0xfffffffe, 1, 0),
};

static const struct step one[] = {         /* n = 1: strictly increasing only */
	/*  1 */ T(5, 1, 1),
	/*  2 */ T(5, 1, 0),
	/*  3 */ T(4, 1, 0),
	/*  4 */ T(6, 1, 1),
	/*  5 */ T(100, 1, 1),
	/*  6 */ T(99, 1, 0),
	/*  7 */ T(101, 1, 1),
};

static const struct step floor_[] = {      /* floor 100 */
	/*  1 */ T(100, 1, 0),
	/*  2 */ T(1, 1, 0),
	/*  3 */ T(0, 1, 0),
	/*  4 */ T(103, 1, 1),
	/*  5 */ T(101, 1, 1),
	/*  6 */ T(100, 1, 0),          /* in window but <= floor */
	/*  7 */ T(102, 1, 1),
};

static const struct step jump[] = {        /* n = 64, exercising word clearing */
	/*  1 */ T(1, 1, 1),
	/*  2 */ T(64, 1, 1),
	/*  3 */ T(63, 1, 1),
	/*  4 */ T(65, 1, 1),           /* reuses slot of id 1 */
	/*  5 */ T(1, 1, 0),
	/*  6 */ T(2, 1, 1),            /* 65 - 2 = 63 */
	/*  7 */ T(128, 1, 1),          /* gap exactly 63: partial clears */
	/*  8 */ T(65, 1, 0),           /* 128 - 65 = 63: its slot was not cleared */
	/*  9 */ T(64, 1, 0),
	/* 10 */ T(129, 1, 1),
	/* 11 */ T(66, 1, 1),           /* slot of id 2 was cleared by row 7 */
	/* 12 */ T(193, 1, 1),          /* gap 64: whole bitmap */
	/* 13 */ T(130, 1, 1),
	/* 14 */ T(129, 1, 0),
	/* 15 */ T(1000, 1, 1),         /* gap > W */
	/* 16 */ T(937, 1, 1),
	/* 17 */ T(936, 1, 0),
	/* 18 */ T(999, 1, 1),
	/* 19 */ T(1000, 1, 0),
};

static const struct step time15[] = {      /* n = 64, t = 15 */
	/*  1 */ T(10, 100, 1),
	/*  2 */ T(20, 110, 1),
	/*  3 */ T(15, 120, 1),         /* late arrival of 15: ids 11..14,16..19 open */
	/*  4 */ C(12, 115, 1),         /* 10 arrived at 100: 100 + 15 < 115 false */
	/*  5 */ C(9, 116, 0),          /* 10 aged out: ids <= 10 closed */
	/*  6 */ C(12, 125, 1),         /* 20 got here at 110: 125 not > 125 */
	/*  7 */ C(12, 126, 0),         /* 20 aged: everything <= 20 closed */
	/*  8 */ C(19, 126, 0),
	/*  9 */ C(21, 126, 1),         /* above highest: always fine */
	/* 10 */ T(30, 126, 1),
	/* 11 */ T(25, 141, 1),         /* 30 arrived at 126: 126 + 15 = 141 */
	/* 12 */ T(26, 142, 0),
	/* 13 */ T(31, 500, 1),
	/* 14 */ T(40, 500, 1),
	/* 15 */ T(35, 515, 1),         /* same-second checkpoint: 40 at 500 */
	/* 16 */ T(36, 516, 0),
	/* 17 */ T(41, 516, 1),
	/* 18 */ T(100, 520, 1),        /* 100 at 520: gap 42..99 open until 535 */
	/* 19 */ T(50, 535, 1),
	/* 20 */ C(60, 536, 0),
	/* 21 */ T(200, 9000, 1),       /* jump after a long pause */
	/* 22 */ T(199, 9015, 1),
	/* 23 */ T(150, 9016, 0),
};

static const struct step time1b[] = {      /* n = 8, t = 1 */
	/*  1 */ T(1, 10, 1),
	/*  2 */ T(3, 11, 1),
	/*  3 */ C(2, 12, 1),
	/*  4 */ C(2, 13, 0),
	/*  5 */ T(4, 13, 1),
	/*  6 */ T(12, 13, 1),          /* window 5..12 */
	/*  7 */ T(5, 13, 1),
	/*  8 */ T(4, 13, 0),
	/*  9 */ T(11, 14, 1),          /* 12 (t=13) not old at 14 */
	/* 10 */ C(10, 15, 0),
};

static const struct step clamp600[] = {    /* t = 100000 is clamped to 600 */
	/*  1 */ T(5, 1000, 1),
	/*  2 */ C(4, 1600, 1),
	/*  3 */ C(4, 1601, 0),
};

static const struct step big[] = {         /* n = 65536, t = 600 */
	/*  1 */ T(70000, 1, 1),
	/*  2 */ T(70000 - 65535, 2, 1),
	/*  3 */ T(70000 - 65536, 2, 0),
	/*  4 */ T(4465, 2, 0),
	/*  5 */ T(135535, 3, 1),       /* slides by 65535 */
	/*  6 */ T(70000, 3, 0),        /* 135535 - 70000 = 65535: in window, seen */
	/*  7 */ T(70001, 3, 1),        /* same slot as 4465 (row 2): cleared by the slide */
	/*  8 */ T(69999, 3, 0),        /* just outside */
	/*  9 */ C(100000, 603, 1),     /* 135535 arrived at 3: 3 + 600 < 603 false */
	/* 10 */ T(135536, 603, 1),
	/* 11 */ C(100000, 604, 0),     /* now it has aged: closed */
};

static const struct step odd[] = {         /* n = 100 (W = 128) */
	/*  1 */ T(200, 1, 1),
	/*  2 */ T(101, 1, 1),          /* 200 - 101 = 99 */
	/*  3 */ T(100, 1, 0),          /* 100: outside though W would hold it */
	/*  4 */ T(228, 1, 1),          /* 228 & 127 == 100 & 127 */
	/*  5 */ T(129, 1, 1),
	/*  6 */ T(128, 1, 0),
};

#define TBL(name, w, t, f, s) { name, w, t, f, s, sizeof(s) / sizeof(s[0]) }
static const struct table tables[] = {
	TBL("basic", 64, 0, 0, basic),
	TBL("one", 1, 0, 0, one),
	TBL("floor", 64, 0, 100, floor_),
	TBL("jump", 64, 0, 0, jump),
	TBL("time15", 64, 15, 0, time15),
	TBL("time1b", 8, 1, 0, time1b),
	TBL("clamp600", 64, 100000, 0, clamp600),
	TBL("big", 65536, 600, 0, big),
	TBL("odd", 100, 0, 0, odd),
};

static void
run_table(const struct table *t)
{
	struct dp_replay *r = malloc(dp_replay_size(t->window));

	dp_replay_init(r, t->window, t->time_s, t->floor);
	CHECK_EQ(dp_replay_highest(r), t->floor);
	for (size_t i = 0; i < t->n; i++) {
		const struct step *s = &t->steps[i];
		bool got = dp_replay_check(r, s->id, s->now);

		if (got != s->expect)
			fprintf(stderr, "table %s row %zu: id %u now %llu\n", t->name, i + 1,
				s->id, (unsigned long long)s->now);
		CHECK_EQ(got, s->expect);
		if (got && s->update)
			dp_replay_update(r, s->id, s->now);
	}
	free(r);
}

/* ---- naive reference: every seen id with its receive time ---- */

struct ref {
	uint32_t n, t, floor, highest;
	uint32_t cnt, cap;
	uint32_t *ids;
	uint64_t *when;
};

static void
ref_init(struct ref *f, uint32_t n, uint32_t t, uint32_t floor)
{
	free(f->ids);
	free(f->when);
	*f = (struct ref){ .n = n, .t = t > 600 ? 600 : t, .floor = floor, .highest = floor };
}

static bool
ref_check(const struct ref *f, uint32_t id, uint64_t now)
{
	if (id == 0 || id <= f->floor)
		return false;
	if (id > f->highest)
		return true;
	if (f->highest - id >= f->n)
		return false;
	for (uint32_t i = 0; i < f->cnt; i++)
		if (f->ids[i] == id)
			return false;
	/* OpenVPN's reap: a seen x >= id received over t seconds ago closes id. */
	for (uint32_t i = 0; f->t && i < f->cnt; i++)
		if (f->ids[i] >= id && f->when[i] + f->t < now)
			return false;
	return true;
}

static void
ref_update(struct ref *f, uint32_t id, uint64_t now)
{
	uint32_t k = 0;

	if (f->cnt == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->ids = realloc(f->ids, f->cap * sizeof(*f->ids));
		f->when = realloc(f->when, f->cap * sizeof(*f->when));
	}
	f->ids[f->cnt] = id;
	f->when[f->cnt++] = now;
	if (id > f->highest)
		f->highest = id;
	/* Forget ids below the window: they can never matter again (speed only). */
	for (uint32_t i = 0; i < f->cnt; i++) {
		if (f->highest - f->ids[i] < f->n) {
			f->ids[k] = f->ids[i];
			f->when[k++] = f->when[i];
		}
	}
	f->cnt = k;
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint32_t
clamp_u32(int64_t v)
{
	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Next id to offer: mostly in order, with reorder, duplicates and jumps. */
static uint32_t
gen_id(const struct ref *f, const uint32_t *recent)
{
	int64_t h = f->highest, n = f->n;
	uint32_t r = rnd() % 100;

	if (r < 35)
		return clamp_u32(h + 1);
	if (r < 45)
		return clamp_u32(h + 1 + rnd() % 4);
	if (r < 70)
		return clamp_u32(h - (int64_t)(rnd() % (uint32_t)(n + 2)));
	if (r < 78)
		return recent[rnd() % 8];
	if (r < 85)
		return clamp_u32(h + n - 2 + rnd() % 5);
	if (r < 90)
		return clamp_u32(h + rnd() % (uint32_t)(3 * n));
	if (r < 93)
		return 0;
	if (r < 96)
		return clamp_u32((int64_t)f->floor - 1 + rnd() % 3);
	return rnd() % 4 ? clamp_u32(h - 2 * n + rnd() % (uint32_t)(4 * n)) : rnd();
}

static const uint32_t windows[] = { 1, 2, 3, 7, 63, 64, 65, 100, 128, 1000, 4096, 65536 };
static const uint32_t times[] = { 0, 0, 1, 2, 3, 15, 600 };

/* One random sequence; returns the failing step or -1. */
static long
run_random(struct ref *f, struct dp_replay *r, uint32_t steps, bool slow_clock)
{
	uint32_t recent[8] = { 0 };
	uint64_t now = 1000 + rnd() % 1000;

	for (uint32_t i = 0; i < steps; i++) {
		uint32_t id = gen_id(f, recent);
		bool want, got;

		/* slow clock: about one second per few packets, so many checkpoints live */
		if (slow_clock)
			now += rnd() % 3 == 0;
		else if (rnd() % 4 == 0)
			now += rnd() % (f->t + 3);
		want = ref_check(f, id, now);
		got = dp_replay_check(r, id, now);
		if (want != got) {
			fprintf(stderr, "random: n %u t %u floor %u highest %u id %u now %llu: want %d got %d\n",
				f->n, f->t, f->floor, f->highest, id, (unsigned long long)now, want, got);
			return i;
		}
		if (want && rnd() % 10 != 0) {  /* 10%: tag failed, no update */
			ref_update(f, id, now);
			dp_replay_update(r, id, now);
			recent[i % 8] = id;
		}
		if (dp_replay_highest(r) != f->highest)
			return i;
	}
	return -1;
}

static void
test_random(unsigned seqs)
{
	struct ref f = { 0 };
	unsigned fails = 0;

	for (unsigned s = 0; s < seqs; s++) {
		uint32_t n = rnd() % 5 ? windows[rnd() % 12] : 1 + rnd() % 300;
		uint32_t t = times[rnd() % 7];
		uint32_t floor = rnd() % 3 ? 0 : rnd() % 4 ? rnd() % 1000 : UINT32_MAX - rnd() % 5000;
		uint32_t steps = n >= 4096 ? 2000 : 300;
		bool slow = s % 8 == 0;

		if (slow) {     /* long runs that fill the checkpoint ring */
			n = (uint32_t[]){ 5, 100, 600, 601, 1000, 65536 }[rnd() % 6];
			t = rnd() % 2 ? 600 : 1 + rnd() % 100;
			steps = 4000;
		}
		/* exact size per run, so valgrind/ASan see any overrun */
		struct dp_replay *r = malloc(dp_replay_size(n));

		ref_init(&f, n, t, floor);
		dp_replay_init(r, n, t, floor);
		fails += run_random(&f, r, steps, slow) >= 0;
		free(r);
	}
	CHECK_EQ(fails, 0);
	ref_init(&f, 1, 0, 0);
}

/*
 * t = 600 with a new highest in each of 601 consecutive seconds: the ring
 * must hold all of them, the oldest closes its gap exactly at second 1601.
 */
static void
test_ring_full(void)
{
	struct dp_replay *r = malloc(dp_replay_size(65536));
	int bad = 0;

	dp_replay_init(r, 65536, 600, 0);
	for (uint32_t sec = 1000; sec <= 1600; sec++) {
		bad += !dp_replay_check(r, 2 * (sec - 999), sec);
		dp_replay_update(r, 2 * (sec - 999), sec);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(dp_replay_check(r, 1, 1600), 1);
	CHECK_EQ(dp_replay_check(r, 1, 1601), 0);      /* 2 arrived at 1000 */
	CHECK_EQ(dp_replay_check(r, 3, 1601), 1);      /* 4 arrived at 1001 */
	CHECK_EQ(dp_replay_check(r, 3, 1602), 0);
	CHECK_EQ(dp_replay_check(r, 1201, 1801), 1);   /* 1202 arrived at 1600 */
	CHECK_EQ(dp_replay_check(r, 1201, 2201), 0);
	free(r);
}

/* Memory stays small for the default window; sizes grow with n only. */
static void
test_sizes(void)
{
	CHECK(dp_replay_size(64) <= 1024);
	CHECK(dp_replay_size(0) == dp_replay_size(1));
	CHECK(dp_replay_size(70000) == dp_replay_size(65536));
	CHECK(dp_replay_size(65536) <= 16384);
	CHECK(dp_replay_size(100) >= dp_replay_size(64));
}

int
main(int argc, char **argv)
{
	unsigned seqs = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;

	test_sizes();
	test_ring_full();
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		run_table(&tables[i]);
	test_random(seqs);
	return harness_done("replay");
}
