/* Test vectors are written as hex with blanks; this turns them into bytes. */
#ifndef DPVPN_TEST_HEX_H
#define DPVPN_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Lower-case hex digits into out (at most cap bytes); anything else is skipped. */
static inline size_t
test_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *s && n < cap; s++) {
		int v = (*s >= '0' && *s <= '9') ? *s - '0' :
			(*s >= 'a' && *s <= 'f') ? *s - 'a' + 10 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

#endif
