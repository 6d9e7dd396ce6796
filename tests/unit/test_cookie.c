/*
 * Tests for controlplane/cookie.c (fact sheet §3.6): determinism, every
 * input changes the cookie, slot acceptance (current and two previous
 * 30 s slots, never a future one), and rejection of any single bit flip.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "cookie.h"

static const uint8_t v4[4] = { 192, 0, 2, 7 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t csid[8] = { 0x68, 0x91, 0x92, 0x3f, 0xa3, 0x10, 0x34, 0x37 };
static const uint16_t port = 51194;

static struct cookie_key key;

static void
make_at(const uint8_t *addr, size_t alen, uint16_t p, const uint8_t *sid, uint64_t now,
	uint8_t out[8])
{
	cookie_make(&key, addr, alen, p, sid, now, out);
}

static bool
check_at(uint64_t now, const uint8_t sid[8])
{
	return cookie_check(&key, v4, sizeof(v4), port, csid, now, sid);
}

static void
test_determinism_and_inputs(void)
{
	uint8_t a[8], b[8], c[8];
	static const uint8_t zero[8];

	/* 1: same inputs, same second -> same sid, not all zero */
	make_at(v4, 4, port, csid, 1000, a);
	make_at(v4, 4, port, csid, 1000, b);
	CHECK_MEM(a, b, 8);
	CHECK(memcmp(a, zero, 8) != 0);

	/* 1b: known answer, from Python's hmac module over the documented
	 * input: slot(8, BE) || addr_len || addr || port(BE) || client sid */
	static const uint8_t kat4[8] = { 0xb7, 0x8d, 0x83, 0x8f, 0x9d, 0xe1, 0xd6, 0xd0 };
	static const uint8_t kat6[8] = { 0x61, 0x77, 0x17, 0x74, 0x30, 0xad, 0x17, 0x15 };

	CHECK_MEM(a, kat4, 8);
	make_at(v6, 16, port, csid, 5000, b);
	CHECK_MEM(b, kat6, 8);

	/* 2: same slot (1000 / 30 = 33 covers 990..1019) -> same sid */
	make_at(v4, 4, port, csid, 990, b);
	CHECK_MEM(a, b, 8);
	make_at(v4, 4, port, csid, 1019, b);
	CHECK_MEM(a, b, 8);

	/* 3: next slot -> different */
	make_at(v4, 4, port, csid, 1020, b);
	CHECK(memcmp(a, b, 8) != 0);

	/* 4: different address (one bit) */
	uint8_t addr2[4];

	memcpy(addr2, v4, 4);
	addr2[3] ^= 1;
	make_at(addr2, 4, port, csid, 1000, b);
	CHECK(memcmp(a, b, 8) != 0);

	/* 5: different port */
	make_at(v4, 4, port + 1, csid, 1000, b);
	CHECK(memcmp(a, b, 8) != 0);
	make_at(v4, 4, (uint16_t)(port ^ 0x8000), csid, 1000, b);
	CHECK(memcmp(a, b, 8) != 0);

	/* 6: different client sid (every byte position) */
	for (int i = 0; i < 8; i++) {
		uint8_t sid2[8];

		memcpy(sid2, csid, 8);
		sid2[i] ^= 0x80;
		make_at(v4, 4, port, sid2, 1000, b);
		CHECK(memcmp(a, b, 8) != 0);
	}

	/* 7: IPv6 differs from IPv4; 16 bytes zero-padded v4 differs too */
	uint8_t pad[16] = { 0 };

	memcpy(pad, v4, 4);
	make_at(v6, 16, port, csid, 1000, b);
	CHECK(memcmp(a, b, 8) != 0);
	make_at(pad, 16, port, csid, 1000, c);
	CHECK(memcmp(a, c, 8) != 0);
	CHECK(memcmp(b, c, 8) != 0);

	/* 8: different secret -> different */
	struct cookie_key k2;
	uint8_t s2[32];

	memset(s2, 0x5a, sizeof(s2));
	s2[31] ^= 1;
	cookie_key_init(&k2, s2);
	cookie_make(&k2, v4, 4, port, csid, 1000, b);
	CHECK(memcmp(a, b, 8) != 0);
	cookie_key_wipe(&k2);

	/* 9: same secret in a second key -> same cookie (per-process key,
	 * not per-object state) */
	uint8_t s1[32];

	memset(s1, 0x5a, sizeof(s1));
	cookie_key_init(&k2, s1);
	cookie_make(&k2, v4, 4, port, csid, 1000, b);
	CHECK_MEM(a, b, 8);

	/* 10: wipe clears the secret */
	static const uint8_t zero32[32];

	cookie_key_wipe(&k2);
	CHECK_MEM(k2.secret, zero32, 32);
}

static void
test_slots(void)
{
	uint8_t sid[8];

	/* cookie made at t = 1000 (slot 33: 990..1019) */
	make_at(v4, 4, port, csid, 1000, sid);

	/* 11: accepted in its own slot */
	CHECK(check_at(1000, sid));
	CHECK(check_at(990, sid));
	CHECK(check_at(1019, sid));
	/* 12: accepted in the next slot (it is the previous one then) */
	CHECK(check_at(1020, sid));
	CHECK(check_at(1049, sid));
	/* 13: and in the one after (2 slots back): valid >= hand-window */
	CHECK(check_at(1050, sid));
	CHECK(check_at(1079, sid));
	CHECK(check_at(1000 + 60, sid));   /* 60 s after making, always ok */
	/* 14: older is rejected */
	CHECK(!check_at(1080, sid));
	CHECK(!check_at(100000, sid));
	/* 15: a cookie from the future slot is rejected */
	CHECK(!check_at(989, sid));
	CHECK(!check_at(960, sid));
	/* 16: made at the last second of a slot: still >= 60 s */
	make_at(v4, 4, port, csid, 1019, sid);
	CHECK(check_at(1019 + 60, sid));
	CHECK(!check_at(1080, sid));

	/* 17: near t = 0 no slot underflow: made at 5, checked at 5, 35, 65 */
	make_at(v4, 4, port, csid, 5, sid);
	CHECK(check_at(5, sid));
	CHECK(check_at(35, sid));
	CHECK(check_at(65, sid));
	CHECK(!check_at(90, sid));

	/* 18: hand-window 10 -> 5 s slots: valid through slot + 2 */
	cookie_key_set_hand_window(&key, 10);
	CHECK_EQ(key.slot_s, 5);
	make_at(v4, 4, port, csid, 100, sid);    /* slot 20: 100..104 */
	CHECK(check_at(104, sid));
	CHECK(check_at(114, sid));
	CHECK(!check_at(115, sid));
	CHECK(!check_at(99, sid));
	cookie_key_set_hand_window(&key, 61);   /* (61 + 1) / 2 = 31 */
	CHECK_EQ(key.slot_s, 31);
	cookie_key_set_hand_window(&key, 1);
	CHECK_EQ(key.slot_s, 1);
	cookie_key_set_hand_window(&key, UINT32_MAX);
	CHECK_EQ(key.slot_s, 0x80000000u);
	cookie_key_set_hand_window(&key, COOKIE_HAND_WINDOW_S);
	CHECK_EQ(key.slot_s, 30);

	/* 19: large times (64-bit seconds) work */
	uint64_t big = UINT64_C(0xfffffffffffffff0);

	make_at(v4, 4, port, csid, big, sid);
	CHECK(check_at(big, sid));
	CHECK(check_at(big + 15, sid));
}

static void
test_rejects(void)
{
	uint8_t sid[8];

	make_at(v4, 4, port, csid, 1000, sid);
	CHECK(check_at(1000, sid));

	/* 20: any single bit flip of the cookie is rejected */
	int accepted = 0;

	for (int bit = 0; bit < 64; bit++) {
		uint8_t bad[8];

		memcpy(bad, sid, 8);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		accepted += check_at(1000, bad);
		accepted += check_at(1030, bad);
	}
	CHECK_EQ(accepted, 0);

	/* 21: any single bit flip of the client sid, address or port */
	accepted = 0;
	for (int bit = 0; bit < 64; bit++) {
		uint8_t c2[8];

		memcpy(c2, csid, 8);
		c2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		accepted += cookie_check(&key, v4, 4, port, c2, 1000, sid);
	}
	for (int bit = 0; bit < 32; bit++) {
		uint8_t a2[4];

		memcpy(a2, v4, 4);
		a2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		accepted += cookie_check(&key, a2, 4, port, csid, 1000, sid);
	}
	for (int bit = 0; bit < 16; bit++)
		accepted += cookie_check(&key, v4, 4, (uint16_t)(port ^ (1u << bit)), csid,
					 1000, sid);
	CHECK_EQ(accepted, 0);

	/* 22: all-zero sid and bad address lengths are rejected */
	static const uint8_t zero[8];
	uint8_t big[COOKIE_ADDR_MAX + 1] = { 0 };

	CHECK(!check_at(1000, zero));
	CHECK(!cookie_check(&key, big, sizeof(big), port, csid, 1000, sid));
	CHECK(!cookie_check(&key, v4, 0, port, csid, 1000, sid));

	/* 23: IPv6 round trip */
	make_at(v6, 16, port, csid, 5000, sid);
	CHECK(cookie_check(&key, v6, 16, port, csid, 5059, sid));
	CHECK(!cookie_check(&key, v6, 15, port, csid, 5000, sid));
}

int
main(void)
{
	uint8_t secret[32];

	memset(secret, 0x5a, sizeof(secret));
	cookie_key_init(&key, secret);
	CHECK_EQ(key.slot_s, 30);

	test_determinism_and_inputs();
	test_slots();
	test_rejects();
	cookie_key_wipe(&key);
	return harness_done("cookie");
}
