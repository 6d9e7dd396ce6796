/* connect-freq / connect-freq-initial: OpenVPN's fixed-window event limit. */
#include "freqlimit.h"
#include "harness.h"

/* A run of events: at second t, how many are offered and how many must pass. */
struct step {
	uint64_t t;
	unsigned offered, allowed;
};

static void
run(uint32_t max, uint32_t per, const struct step *steps, size_t n)
{
	struct freq_limit f;
	freq_limit_init(&f, max, per);
	for (size_t i = 0; i < n; i++) {
		unsigned got = 0;
		for (unsigned k = 0; k < steps[i].offered; k++)
			got += freq_limit_allow(&f, steps[i].t);
		CHECK_EQ(got, steps[i].allowed);
	}
}

int
main(void)
{
	/* 2.6's default 100 per 10 s: a burst of 150 gets 100, the window stays shut until t0+10 */
	static const struct step dflt[] = {
		{ 1000, 150, 100 }, { 1005, 10, 0 }, { 1009, 1, 0 }, { 1010, 120, 100 }, { 1019, 5, 0 },
	};
	run(100, 10, dflt, sizeof(dflt) / sizeof(dflt[0]));
	/* the window opens at the first event after the last one ended, not on a grid */
	static const struct step late[] = {
		{ 7, 2, 2 }, { 8, 1, 0 }, { 25, 1, 1 }, { 26, 1, 1 }, { 27, 1, 0 }, { 35, 3, 2 },
	};
	run(2, 10, late, sizeof(late) / sizeof(late[0]));
	/* per second */
	static const struct step fast[] = { { 0, 5000, 3000 }, { 1, 3500, 3000 }, { 2, 10, 10 } };
	run(3000, 1, fast, sizeof(fast) / sizeof(fast[0]));
	/* max 0: unlimited (connect-freq not configured) */
	static const struct step none[] = { { 0, 100000, 100000 } };
	run(0, 0, none, 1);
	/* a clock that goes back opens a new window rather than staying shut */
	static const struct step back[] = { { 100, 3, 1 }, { 50, 2, 1 } };
	run(1, 60, back, 2);
	return harness_done("freqlimit");
}
