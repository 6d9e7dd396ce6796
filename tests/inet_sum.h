/* The reference Internet checksum for tests (RFC 1071), written the plain way. */
#ifndef DPVPN_TEST_INET_SUM_H
#define DPVPN_TEST_INET_SUM_H

#include <stdint.h>

/* One's-complement sum of network-order 16-bit words, folded (not inverted):
 * 0xFFFF over a header whose checksum field is right. len is even. */
static inline uint16_t
test_inet_sum(const uint8_t *p, uint32_t len)
{
	uint32_t s = 0;
	for (uint32_t i = 0; i < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)s;
}

#endif
