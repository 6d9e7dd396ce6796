#include "freqlimit.h"

void
freq_limit_init(struct freq_limit *f, uint32_t max, uint32_t per_s)
{
	*f = (struct freq_limit){ .max = max, .per_s = per_s };
}

bool
freq_limit_allow(struct freq_limit *f, uint64_t now_s)
{
	if (f->max == 0)
		return true;
	/* A clock that went back (it should not) also opens a new window. */
	if (!f->open || now_s < f->window_start_s || now_s - f->window_start_s >= f->per_s) {
		f->open = true;
		f->window_start_s = now_s;
		f->n = 0;
	}
	if (f->n >= f->max)
		return false;
	f->n++;
	return true;
}
