#include "counters.h"

#include <string.h>

#include "dp.h"

#define DP_NAME(n) #n,
const char *const dp_drop_names[DP_DROP__COUNT] = { DP_FOREACH_DROP(DP_NAME) };
const char *const dp_stat_names[DP_STAT__COUNT] = { DP_FOREACH_STAT(DP_NAME) };
#undef DP_NAME

void
dp_counters_sum(struct dp_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < dp.n_lcores; i++) {
		const struct dp_counters *c = &dp.lcores[i].cnt;
		for (unsigned d = 0; d < DP_DROP__COUNT; d++)
			out->drop[d] += __atomic_load_n(&c->drop[d], __ATOMIC_RELAXED);
		for (unsigned s = 0; s < DP_STAT__COUNT; s++)
			out->stat[s] += __atomic_load_n(&c->stat[s], __ATOMIC_RELAXED);
	}
}
