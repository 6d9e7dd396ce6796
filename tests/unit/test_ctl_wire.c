/*
 * Tests for controlplane/ctl_wire.c (fact sheet §2.1/§2.2): the upstream
 * vectors and the decrypted capture plaintexts parse to the listed fields
 * and rebuild to the same bytes; truncations, n_acks > 8, zero sids, data
 * and unknown opcodes are rejected; random packets round-trip.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "hex.h"
#include "ctl_wire.h"

/* Hex string (white space ignored) -> bytes; returns the count. */
#define unhex(s, out) test_unhex((s), (out), SIZE_MAX)

struct vec {
	const char *name;
	const char *hex;
	uint8_t opcode, key_id;
	const char *sid;
	uint8_t n_acks;
	uint32_t acks[CTL_ACK_MAX];
	const char *ack_sid;    /* only when n_acks > 0 */
	bool has_msg_id;
	uint32_t msg_id;
	const char *payload;    /* hex */
};

/*
 * §18.7 gives the v2 capture plaintexts with <sid_C>/<sid_S> placeholders
 * only; those rows use the §18.6 sids (C = bb731e3f21fc0fbc,
 * S = 9236ec326dd3ce9a) and test the layout, not captured bytes.
 */
static const struct vec vecs[] = {
	{ "§2.2 client_reset_v2_none (upstream test_pkt.c)",
	  "38 6891923fa3103437 00 00000000",
	  7, 0, "6891923fa3103437", 0, { 0 }, NULL, true, 0, "" },
	{ "§2.2 client_ack_none_random_id (upstream test_pkt.c)",
	  "28 aeb9afe1f01d79c8 01 00000000 dd85db535623b02e",
	  5, 0, "aeb9afe1f01d79c8", 1, { 0 }, "dd85db535623b02e", false, 0, "" },
	{ "§18.4 tls-auth client reset, unwrapped",
	  "38 de694c5c7bfba274 00 00000000",
	  7, 0, "de694c5c7bfba274", 0, { 0 }, NULL, true, 0, "" },
	{ "§18.6 client reset plaintext",
	  "38 bb731e3f21fc0fbc 00 00000000",
	  7, 0, "bb731e3f21fc0fbc", 0, { 0 }, NULL, true, 0, "" },
	{ "§18.6 server reset plaintext",
	  "40 9236ec326dd3ce9a 01 00000000 bb731e3f21fc0fbc 00000000",
	  8, 0, "9236ec326dd3ce9a", 1, { 0 }, "bb731e3f21fc0fbc", true, 0, "" },
	{ "§18.7 #1 server reset with EARLY_NEG_FLAGS TLV (sids: placeholders)",
	  "40 9236ec326dd3ce9a 01 00000000 bb731e3f21fc0fbc 00000000 0001 0002 0001",
	  8, 0, "9236ec326dd3ce9a", 1, { 0 }, "bb731e3f21fc0fbc", true, 0, "000100020001" },
	{ "§18.7 #2 P_CONTROL_WKC_V1 with ClientHello start (sids: placeholders)",
	  "58 bb731e3f21fc0fbc 01 00000000 9236ec326dd3ce9a 00000001 160301",
	  11, 0, "bb731e3f21fc0fbc", 1, { 0 }, "9236ec326dd3ce9a", true, 1, "160301" },
	{ "§18.7 #5 P_ACK_V1 with two ACKs (sids: placeholders)",
	  "28 bb731e3f21fc0fbc 02 00000001 00000000 9236ec326dd3ce9a",
	  5, 0, "bb731e3f21fc0fbc", 2, { 1, 0 }, "9236ec326dd3ce9a", false, 0, "" },
	{ "§3.5 #13 P_ACK_V1 [5..0]",
	  "28 bb731e3f21fc0fbc 06 00000005 00000004 00000003 00000002 00000001 00000000"
	  " 9236ec326dd3ce9a",
	  5, 0, "bb731e3f21fc0fbc", 6, { 5, 4, 3, 2, 1, 0 }, "9236ec326dd3ce9a", false, 0, "" },
	{ "soft reset key_id 3, 8 ACKs (the maximum)",
	  "1b 0102030405060708 08 00000001 00000002 00000003 00000004 00000005 00000006"
	  " 00000007 ffffffff 1112131415161718 00000000",
	  3, 3, "0102030405060708", 8, { 1, 2, 3, 4, 5, 6, 7, 0xffffffff },
	  "1112131415161718", true, 0, "" },
	{ "P_CONTROL_V1 key_id 7, no ACK, payload",
	  "27 0102030405060708 00 fffffffe 170303000102",
	  4, 7, "0102030405060708", 0, { 0 }, NULL, true, 0xfffffffe, "170303000102" },
};

static void
check_vec(const struct vec *v)
{
	uint8_t wire[256], want[64], back[256];
	size_t n = unhex(v->hex, wire);
	struct ctl_pkt p;
	int rc = ctl_pkt_parse(wire, n, &p);

	if (rc != 0)
		fprintf(stderr, "vector: %s\n", v->name);
	CHECK_EQ(rc, 0);
	CHECK_EQ(p.opcode, v->opcode);
	CHECK_EQ(p.key_id, v->key_id);
	unhex(v->sid, want);
	CHECK_MEM(p.sid, want, CTL_SID_LEN);
	CHECK_EQ(p.n_acks, v->n_acks);
	for (unsigned i = 0; i < v->n_acks && i < CTL_ACK_MAX; i++)
		CHECK_EQ(p.acks[i], v->acks[i]);
	if (v->ack_sid) {
		unhex(v->ack_sid, want);
		CHECK_MEM(p.ack_sid, want, CTL_SID_LEN);
	}
	CHECK_EQ(p.has_msg_id, v->has_msg_id);
	CHECK_EQ(p.msg_id, v->msg_id);
	size_t pl = unhex(v->payload, want);
	CHECK_EQ(p.payload_len, pl);
	if (pl)
		CHECK_MEM(p.payload, want, pl);
	CHECK(p.wkc == NULL && p.wkc_len == 0);

	/* rebuild: byte-identical */
	ssize_t m = ctl_pkt_build(&p, back, sizeof(back));
	CHECK_EQ(m, (ssize_t)n);
	CHECK_EQ(ctl_pkt_len(&p), n);
	CHECK_MEM(back, wire, n);
	/* exact capacity suffices, one byte less does not */
	CHECK_EQ(ctl_pkt_build(&p, back, n), (ssize_t)n);
	CHECK_EQ(ctl_pkt_build(&p, back, n - 1), CTL_ERR_SPACE);

	/* every truncation into the fixed fields is rejected as short */
	size_t fixed = n - pl;
	for (size_t k = 0; k < fixed; k++)
		CHECK_EQ(ctl_pkt_parse(wire, k, &p), CTL_ERR_SHORT);
	/* a truncated payload is just a shorter payload */
	if (pl) {
		CHECK_EQ(ctl_pkt_parse(wire, n - 1, &p), 0);
		CHECK_EQ(p.payload_len, pl - 1);
	}
}

static void
test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		check_vec(&vecs[i]);
}

static void
test_ack_trailing_bytes(void)
{
	uint8_t w[64];
	size_t n = unhex("28 aeb9afe1f01d79c8 01 00000000 dd85db535623b02e", w);
	struct ctl_pkt p;

	w[n] = 0;
	CHECK_EQ(ctl_pkt_parse(w, n + 1, &p), CTL_ERR_FORMAT);
	/* an ACK_V1 without ACKs is legal syntax (2.x reads it), nothing after */
	n = unhex("28 aeb9afe1f01d79c8 00", w);
	CHECK_EQ(ctl_pkt_parse(w, n, &p), 0);
	CHECK(!p.has_msg_id && p.n_acks == 0 && p.payload_len == 0);
	w[n] = 1;
	CHECK_EQ(ctl_pkt_parse(w, n + 1, &p), CTL_ERR_FORMAT);
}

static void
test_too_many_acks(void)
{
	uint8_t w[128];
	struct ctl_pkt p;
	/* 9 ACK ids, peer sid, msg id: complete but over RELIABLE_ACK_SIZE */
	size_t n = unhex("20 0102030405060708 09 00000000 00000001 00000002 00000003 00000004"
			 " 00000005 00000006 00000007 00000008 1112131415161718 00000001", w);

	CHECK_EQ(ctl_pkt_parse(w, n, &p), CTL_ERR_FORMAT);
	w[0] = 0x28;    /* same as P_ACK_V1 (drop the msg id) */
	CHECK_EQ(ctl_pkt_parse(w, n - 4, &p), CTL_ERR_FORMAT);
	for (unsigned c = 9; c <= 255; c++) {
		w[9] = (uint8_t)c;
		CHECK_EQ(ctl_pkt_parse(w, n, &p), CTL_ERR_FORMAT);
	}
}

static void
test_zero_sid(void)
{
	uint8_t w[64];
	struct ctl_pkt p;
	size_t n = unhex("38 0000000000000000 00 00000000", w);

	CHECK_EQ(ctl_pkt_parse(w, n, &p), CTL_ERR_FORMAT);
	w[8] = 1;       /* one non-zero byte anywhere makes it defined */
	CHECK_EQ(ctl_pkt_parse(w, n, &p), 0);
}

/* Only 3,4,5,7,8,10,11 are control opcodes of the 2.6 receive path. */
static void
test_opcodes(void)
{
	for (unsigned op = 0; op < 32; op++) {
		uint8_t w[32];
		size_t n = unhex("00 0102030405060708 00 00000000", w);
		struct ctl_pkt p;
		bool want = op == 3 || op == 4 || op == 5 || op == 7 || op == 8 ||
			    op == 10 || op == 11;

		w[0] = (uint8_t)(op << 3 | 2);
		if (op == 5)
			n -= 4;         /* no msg id in P_ACK_V1 */
		int rc = ctl_pkt_parse(w, n, &p);
		CHECK_EQ(rc, want ? 0 : CTL_ERR_OPCODE);
		CHECK_EQ(ctl_opcode_valid(op), want);
		if (want)
			CHECK(p.opcode == op && p.key_id == 2);
	}
}

static void
test_build_rejects(void)
{
	uint8_t out[128];
	static const uint8_t pl[3] = { 1, 2, 3 };
	struct ctl_pkt base = {
		.opcode = 4, .key_id = 0, .sid = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.n_acks = 1, .acks = { 7 }, .ack_sid = { 9, 9, 9, 9, 9, 9, 9, 9 },
		.has_msg_id = true, .msg_id = 2, .payload = pl, .payload_len = 3,
	};
	struct ctl_pkt p = base;

	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), 1 + 8 + 1 + 4 + 8 + 4 + 3);
	p.n_acks = 9;
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_FORMAT);
	p = base;
	memset(p.sid, 0, sizeof(p.sid));
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_FORMAT);
	p = base;
	p.opcode = 6;
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_OPCODE);
	p.opcode = 12;
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_OPCODE);
	p = base;
	p.key_id = 8;
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_FORMAT);
	p = base;
	p.has_msg_id = false;   /* only P_ACK_V1 lacks the msg id */
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_FORMAT);
	p.opcode = 5;           /* ... and it has no payload */
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_FORMAT);
	p.payload = NULL;
	p.payload_len = 0;
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), 1 + 8 + 1 + 4 + 8);
	p.has_msg_id = true;
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_FORMAT);
	p = base;
	p.payload = NULL;       /* length without bytes */
	CHECK_EQ(ctl_pkt_build(&p, out, sizeof(out)), CTL_ERR_FORMAT);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void
random_pkt(struct ctl_pkt *p, uint8_t *payload)
{
	static const uint8_t ops[] = { 3, 4, 5, 7, 8, 10, 11 };

	memset(p, 0, sizeof(*p));
	p->opcode = ops[rnd() % sizeof(ops)];
	p->key_id = (uint8_t)(rnd() % 8);
	for (int i = 0; i < CTL_SID_LEN; i++)
		p->sid[i] = (uint8_t)rnd();
	p->sid[rnd() % CTL_SID_LEN] |= 1;
	p->n_acks = (uint8_t)(rnd() % (CTL_ACK_MAX + 1));
	for (unsigned i = 0; i < p->n_acks; i++)
		p->acks[i] = rnd();
	if (p->n_acks)
		for (int i = 0; i < CTL_SID_LEN; i++)
			p->ack_sid[i] = (uint8_t)rnd();
	p->has_msg_id = p->opcode != 5;
	if (p->has_msg_id) {
		p->msg_id = rnd();
		p->payload_len = rnd() % 64;
		for (size_t i = 0; i < p->payload_len; i++)
			payload[i] = (uint8_t)rnd();
		p->payload = p->payload_len ? payload : NULL;
	}
}

static bool
same_pkt(const struct ctl_pkt *a, const struct ctl_pkt *b)
{
	return a->opcode == b->opcode && a->key_id == b->key_id &&
	       !memcmp(a->sid, b->sid, CTL_SID_LEN) && a->n_acks == b->n_acks &&
	       !memcmp(a->acks, b->acks, sizeof(a->acks[0]) * a->n_acks) &&
	       (a->n_acks == 0 || !memcmp(a->ack_sid, b->ack_sid, CTL_SID_LEN)) &&
	       a->has_msg_id == b->has_msg_id && a->msg_id == b->msg_id &&
	       a->payload_len == b->payload_len &&
	       (a->payload_len == 0 || !memcmp(a->payload, b->payload, a->payload_len));
}

static void
test_round_trips(void)
{
	for (int i = 0; i < 5000; i++) {
		uint8_t payload[64], w1[256], w2[256];
		struct ctl_pkt a, b;

		random_pkt(&a, payload);
		ssize_t n = ctl_pkt_build(&a, w1, sizeof(w1));
		CHECK(n > 0 && (size_t)n == ctl_pkt_len(&a));
		CHECK_EQ(ctl_pkt_parse(w1, (size_t)n, &b), 0);
		CHECK(same_pkt(&a, &b));
		CHECK_EQ(ctl_pkt_build(&b, w2, sizeof(w2)), n);
		CHECK_MEM(w1, w2, (size_t)n);
	}
}

int
main(void)
{
	test_vectors();
	test_ack_trailing_bytes();
	test_too_many_acks();
	test_zero_sid();
	test_opcodes();
	test_build_rejects();
	test_round_trips();
	return harness_done("ctl_wire");
}
