/*
 * dpvpn-hsload's parsers and data channel: PUSH_REPLY options, the server's
 * key method 2 length, P_DATA_V2 against the fact sheet's §18.1 vector, and
 * ICMP echo.
 */
#include <string.h>

#include "harness.h"
#include "hex.h"
#include "hs_conn.h"
#include "hs_data.h"
#include "kmethod2.h"

static void
test_push_parse(void)
{
	static const struct {
		const char *opts;
		uint32_t peer_id, ifconfig;
		const char *cipher;
		bool ekm, more;
	} rows[] = {
		{ "route-gateway 10.99.0.1,topology subnet,ping 10,ping-restart 60,ifconfig 10.99.0.2 255.255.0.0,"
		  "peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt", 0, 0x0A630002,
		  "AES-256-GCM", true, false },
		{ "peer-id 4242,key-derivation tls-ekm,cipher CHACHA20-POLY1305,push-continuation 1", 4242, 0,
		  "CHACHA20-POLY1305", true, true },
		{ "ifconfig 10.8.0.6 10.8.0.5,push-continuation 2", 0xFFFFFF, 0x0A080006, "", false, false },
		{ "protocol-flags cc-exit tls-ekmx,cipher", 0xFFFFFF, 0, "", false, false },	/* not the word tls-ekm */
		{ "ifconfig 10.8.0.300 255.0.0.0,,,peer-id", 0xFFFFFF, 0, "", false, false },
		{ "", 0xFFFFFF, 0, "", false, false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct hs_pushed p = { .peer_id = 0xFFFFFF };
		CHECK_EQ(hs_push_parse(rows[i].opts, &p), rows[i].more);
		CHECK_EQ(p.peer_id, rows[i].peer_id);
		CHECK_EQ(p.ifconfig, rows[i].ifconfig);
		CHECK_STR(p.cipher, rows[i].cipher);
		CHECK_EQ(p.ekm, rows[i].ekm);
	}
}

static void
test_km2_len(void)
{
	uint8_t r[32] = { 0 }, msg[KM2_SERVER_MSG_MAX];
	int n = km2_server_build(msg, sizeof(msg), r, r, "V4,dev-type tun,tls-server");
	CHECK(n > 0);
	CHECK_EQ(hs_km2_server_len(msg, (size_t)n), n);
	for (int cut = 0; cut < n; cut++)	/* every prefix: wait for more, never a wrong length */
		CHECK_EQ(hs_km2_server_len(msg, (size_t)cut), 0);
	CHECK_EQ(hs_km2_server_len(msg, (size_t)n + 5), n);	/* text messages may follow */
	msg[4] = 1;	/* key method 1 */
	CHECK_EQ(hs_km2_server_len(msg, (size_t)n), -1);
	msg[4] = 2;
	msg[0] = 1;
	CHECK_EQ(hs_km2_server_len(msg, 5), -1);
}

/* §18.1: key block byte i = seed[i % 32] ^ i; both directions keys[0]. */
static void
test_aead_vector(void)
{
	static const char seed[] = "abcdefgh01234567ABCDEFGHjkuchenl";
	static const char pt[] = "The quick little fox jumps over the bureaucratic hurdles";
	uint8_t kb[256], want[80], hdr[8], out[56], tag[16], back[56];
	for (int i = 0; i < 256; i++)
		kb[i] = (uint8_t)(seed[i % 32] ^ i);
	CHECK_EQ(test_unhex("0700001700000001" "1fdd908f0e9dc25e79d832020d58e73f"
			    "2262f977d6bb2118fa0ea82e6b1706d949aefcb5efcbbacd5c09a9ab45f4d391"
			    "d3f68794cb0b82c3d33389b61622b3281598e2ff6d5cc38b", want, sizeof(want)), 80);
	struct hs_aead a;
	CHECK_EQ(hs_aead_init(&a, "AES-256-GCM", kb, 0), 0);
	memcpy(hdr, want, 8);
	CHECK(hs_data_aead(a.enc, a.tx_iv, hdr, (const uint8_t *)pt, 56, out, tag, true));
	CHECK_MEM(tag, want + 8, 16);
	CHECK_MEM(out, want + 24, 56);
	hs_aead_free(&a);
	/* the same key as the receiving one: open the vector, then with one bit flipped */
	memcpy(kb + 128, kb, 128);
	CHECK_EQ(hs_aead_init(&a, "AES-256-GCM", kb, 0), 0);
	memcpy(tag, want + 8, 16);
	CHECK(hs_data_aead(a.dec, a.rx_iv, hdr, want + 24, 56, back, tag, false));
	CHECK_MEM(back, pt, 56);
	hdr[3] ^= 1;
	CHECK(!hs_data_aead(a.dec, a.rx_iv, hdr, want + 24, 56, back, tag, false));
	hs_aead_free(&a);
	CHECK_EQ(hs_aead_init(&a, "BF-CBC", kb, 0), -1);
}

/* seal with the server's view of a key block, open with the client's. */
static void
test_seal_open(void)
{
	static const char *const ciphers[] = { "AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305" };
	uint8_t kb[256], swapped[256], pkt[200], pt[200];
	for (int i = 0; i < 256; i++)
		kb[i] = (uint8_t)(i * 37 + 11);
	memcpy(swapped, kb + 128, 128);
	memcpy(swapped + 128, kb, 128);
	for (int c = 0; c < 3; c++) {
		struct hs_aead client, server;
		CHECK_EQ(hs_aead_init(&client, ciphers[c], kb, 7), 0);
		CHECK_EQ(hs_aead_init(&server, ciphers[c], swapped, 7), 0);
		ssize_t n = hs_data_seal(&server, (const uint8_t *)"hello", 5, pkt, sizeof(pkt));
		CHECK_EQ(n, 5 + HS_DATA_OVERHEAD);
		CHECK_EQ(pkt[0], 0x48);
		CHECK_EQ(pkt[3], 7);
		CHECK_EQ(pkt[7], 1);	/* first packet-id */
		CHECK_EQ(hs_data_open(&client, pkt, (size_t)n, pt, sizeof(pt)), 5);
		CHECK_MEM(pt, "hello", 5);
		pkt[n - 1] ^= 0x80;
		CHECK_EQ(hs_data_open(&client, pkt, (size_t)n, pt, sizeof(pt)), -1);
		CHECK_EQ(hs_data_open(&client, pkt, HS_DATA_OVERHEAD, pt, sizeof(pt)), -1);
		CHECK_EQ(hs_data_seal(&server, pt, 0, pkt, sizeof(pkt)), -1);
		hs_aead_free(&client);
		hs_aead_free(&server);
	}
}

static void
test_icmp(void)
{
	uint8_t p[84];
	uint16_t id, seq;
	hs_icmp_echo_build(p, sizeof(p), 0x0A630002, 0x0AC80002, 77, 9);
	CHECK(!hs_icmp_echo_reply(p, sizeof(p), 0x0A630002, &id, &seq));	/* a request, to the LAN */
	/* what the LAN host answers: addresses swapped, type 0, ICMP checksum + 0x0800 */
	uint8_t r[84];
	memcpy(r, p, sizeof(r));
	memcpy(r + 12, p + 16, 4);
	memcpy(r + 16, p + 12, 4);
	r[20] = 0;
	uint32_t sum = (uint32_t)(r[22] << 8 | r[23]) + 0x0800;
	sum = (sum & 0xFFFF) + (sum >> 16);
	r[22] = (uint8_t)(sum >> 8);
	r[23] = (uint8_t)sum;
	CHECK(hs_icmp_echo_reply(r, sizeof(r), 0x0A630002, &id, &seq));
	CHECK_EQ(id, 77);
	CHECK_EQ(seq, 9);
	CHECK(!hs_icmp_echo_reply(r, sizeof(r), 0x0A630003, &id, &seq));	/* someone else's */
	CHECK(!hs_icmp_echo_reply(r, 40, 0x0A630002, &id, &seq));	/* shorter than its IP length */
	r[40] ^= 1;
	CHECK(!hs_icmp_echo_reply(r, sizeof(r), 0x0A630002, &id, &seq));	/* bad checksum */
}

int
main(void)
{
	test_push_parse();
	test_km2_len();
	test_aead_vector();
	test_seal_open();
	test_icmp();
	return harness_done("hsload");
}
