/* Data packet header parse/build and payload classification (§7, §8). */
#include "harness.h"
#include "ovpn_wire.h"

struct parse_case {
	const char *name;
	uint8_t bytes[32];
	size_t len;
	int ret;
	uint8_t opcode, key_id, hdr_len, aad_off, aad_len;
	uint32_t peer_id, packet_id;
};

static const struct parse_case parse_cases[] = {
	/* capture §18.6, first bytes of the C->S data packet */
	{ "v2 capture", { 0x48, 0, 0, 0, 0, 0, 0, 3 }, 25, 0, 9, 0, 8, 0, 8, 0, 3 },
	{ "v2 key 5 peer 0xabcdef", { 0x4d, 0xab, 0xcd, 0xef, 0xff, 0xff, 0xff, 0xfe }, 40, 0,
		9, 5, 8, 0, 8, 0xabcdef, 0xfffffffe },
	{ "v2 one byte short", { 0x48 }, 24, -1, 0, 0, 0, 0, 0, 0, 0 },
	{ "v1", { 0x31, 0, 0, 1, 0 }, 22, 0, 6, 1, 5, 1, 4, 0xFFFFFF, 256 },
	{ "v1 short", { 0x30 }, 21, -1, 0, 0, 0, 0, 0, 0, 0 },
	{ "control v1", { 0x20 }, 100, -1, 0, 0, 0, 0, 0, 0, 0 },
	{ "hard reset", { 0x38 }, 100, -1, 0, 0, 0, 0, 0, 0, 0 },
	{ "empty", { 0 }, 0, -1, 0, 0, 0, 0, 0, 0, 0 },
};

static void
test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		uint8_t pkt[64] = { 0 };
		struct ovpn_data_hdr h;
		memcpy(pkt, c->bytes, sizeof(c->bytes));
		int ret = ovpn_data_parse(pkt, c->len, &h);
		CHECK_EQ(ret, c->ret);
		if (ret != 0 || c->ret != 0)
			continue;
		CHECK_EQ(h.opcode, c->opcode);
		CHECK_EQ(h.key_id, c->key_id);
		CHECK_EQ(h.hdr_len, c->hdr_len);
		CHECK_EQ(h.aad_off, c->aad_off);
		CHECK_EQ(h.aad_len, c->aad_len);
		CHECK_EQ(h.peer_id, c->peer_id);
		CHECK_EQ(h.packet_id, c->packet_id);
	}
}

static void
test_build_roundtrip(void)
{
	uint8_t p[64] = { 0 };
	struct ovpn_data_hdr h;
	size_t n = ovpn_data_hdr_build(p, OVPN_P_DATA_V2, 3, 0x123456, 0xdeadbeef);
	CHECK_EQ(n, 8);
	static const uint8_t want[] = { 0x4b, 0x12, 0x34, 0x56, 0xde, 0xad, 0xbe, 0xef };
	CHECK_MEM(p, want, 8);
	CHECK_EQ(ovpn_data_parse(p, 40, &h), 0);
	CHECK_EQ(h.peer_id, 0x123456);
	CHECK_EQ(h.packet_id, 0xdeadbeef);
	CHECK_EQ(h.key_id, 3);

	n = ovpn_data_hdr_build(p, OVPN_P_DATA_V1, 7, 0, 42);
	CHECK_EQ(n, 5);
	static const uint8_t want1[] = { 0x37, 0, 0, 0, 42 };
	CHECK_MEM(p, want1, 5);
}

static void
test_classify(void)
{
	uint8_t buf[64] = { 0 };
	buf[0] = 0x45;
	CHECK_EQ(ovpn_payload_classify(buf, 20), OVPN_PL_IPV4);
	CHECK_EQ(ovpn_payload_classify(buf, 19), OVPN_PL_BAD);
	buf[0] = 0x60;
	CHECK_EQ(ovpn_payload_classify(buf, 40), OVPN_PL_IPV6);
	memcpy(buf, ovpn_ping_magic, 16);
	CHECK_EQ(ovpn_payload_classify(buf, 16), OVPN_PL_PING);
	CHECK_EQ(ovpn_payload_classify(buf, 17), OVPN_PL_BAD);
	memcpy(buf, ovpn_occ_magic, 16);
	buf[16] = OVPN_OCC_EXIT;
	CHECK_EQ(ovpn_payload_classify(buf, 17), OVPN_PL_OCC);
	CHECK_EQ(ovpn_payload_classify(buf, 16), OVPN_PL_BAD);
	buf[0] = 0xFA;
	CHECK_EQ(ovpn_payload_classify(buf, 30), OVPN_PL_COMPRESSED);
	buf[0] = 0x00;
	CHECK_EQ(ovpn_payload_classify(buf, 30), OVPN_PL_BAD);
	CHECK_EQ(ovpn_payload_classify(buf, 0), OVPN_PL_BAD);
}

int
main(void)
{
	test_parse();
	test_build_roundtrip();
	test_classify();
	return harness_done("ovpn_wire");
}
