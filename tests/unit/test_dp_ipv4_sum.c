/*
 * Tests for dataplane/ipv4_sum.h: the hot-path IPv4 header checksum must
 * give exactly what the generic 16-bit ones' complement sum gives
 * (rte_raw_cksum's definition, RFC 1071), for every header length, byte
 * pattern and carry case, and verify what it builds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "inet_sum.h"
#include "ipv4_sum.h"

/* 16-bit words in memory order, 32-bit accumulator, folded twice: rte_raw_cksum. */
static uint16_t
ref_sum(const uint8_t *p, uint32_t len)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < len; i += 2) {
		uint16_t w;
		memcpy(&w, p + i, 2);
		sum += w;
	}
	sum = ((sum & 0xffff0000u) >> 16) + (sum & 0xffffu);
	sum = ((sum & 0xffff0000u) >> 16) + (sum & 0xffffu);
	return (uint16_t)sum;
}

/* A well-known header (RFC 1071 style example from a real capture). */
static void
test_known(void)
{
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	uint16_t c = dp_ipv4_hdr_cksum(h, sizeof(h));
	memcpy(h + 10, &c, 2);
	CHECK_EQ(h[10], 0xb8);
	CHECK_EQ(h[11], 0x61);
	CHECK_EQ(dp_ipv4_hdr_sum(h, sizeof(h)), 0xffff);
	h[8]--;	/* a changed TTL no longer verifies */
	CHECK(dp_ipv4_hdr_sum(h, sizeof(h)) != 0xffff);
}

static void
test_extremes(void)
{
	uint8_t h[60];

	memset(h, 0, sizeof(h));
	CHECK_EQ(dp_ipv4_hdr_sum(h, 20), ref_sum(h, 20));	/* 0: all zero */
	memset(h, 0xff, sizeof(h));
	for (uint32_t hl = 20; hl <= 60; hl += 4)
		CHECK_EQ(dp_ipv4_hdr_sum(h, hl), ref_sum(h, hl));	/* every carry */
	memset(h, 0, sizeof(h));
	h[0] = 0x01;	/* 0xffff - x style sums that end on 0xffff */
	h[2] = 0xfe;
	h[3] = 0xff;
	CHECK_EQ(dp_ipv4_hdr_sum(h, 20), ref_sum(h, 20));
}

static void
test_random(unsigned n)
{
	uint8_t h[60];

	srand(6);
	for (unsigned i = 0; i < n; i++) {
		uint32_t hl = 20 + 4 * (uint32_t)(rand() % 11);
		int dense = rand() % 4;	/* mostly 0xff bytes stress the carries */
		for (uint32_t j = 0; j < hl; j++)
			h[j] = dense == 0 ? 0xff : (uint8_t)rand();
		CHECK_EQ(dp_ipv4_hdr_sum(h, hl), ref_sum(h, hl));
		h[10] = h[11] = 0;
		uint16_t c = dp_ipv4_hdr_cksum(h, hl);
		uint16_t w = (uint16_t)~test_inet_sum(h, hl);
		CHECK_EQ(((const uint8_t *)&c)[0], w >> 8);
		CHECK_EQ(((const uint8_t *)&c)[1], w & 0xff);
		memcpy(h + 10, &c, 2);
		CHECK_EQ(dp_ipv4_hdr_sum(h, hl), 0xffff);
	}
}

int
main(int argc, char **argv)
{
	test_known();
	test_extremes();
	test_random(argc > 1 ? (unsigned)atoi(argv[1]) : 200000);
	return harness_done("dp_ipv4_sum");
}
