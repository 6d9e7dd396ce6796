/*
 * dpvpn-pktgen's frames (bench/pktgen/pg_frames.c): a client frame decrypts
 * with the key the dataplane is given and carries the inner packet that
 * pg_inner_parse recognises; a server frame is found by peer-id and opened;
 * tampering is caught; IMIX and pcap are what the docs say.
 */
#include "pg_frames.h"
#include "harness.h"
#include "inet_sum.h"

#include <stdlib.h>
#include <unistd.h>

#include "ovpn_wire.h"

static struct dp_crypto cr;

static struct pg_flow
flow_with_keys(uint32_t i, uint8_t cipher)
{
	struct pg_flow f;
	uint8_t key[32], iv[DP_AEAD_IV_LEN];
	pg_flow_addrs(&f, i);
	f.c2s = aligned_alloc(64, (dp_aead_key_size() + 63) & ~(size_t)63);
	f.s2c = aligned_alloc(64, (dp_aead_key_size() + 63) & ~(size_t)63);
	pg_key_material(i, 0, key, iv);
	CHECK_EQ(dp_aead_key_init(f.c2s, &cr, cipher, key, pg_cipher_key_len(cipher), iv), 0);
	pg_key_material(i, 1, key, iv);
	CHECK_EQ(dp_aead_key_init(f.s2c, &cr, cipher, key, pg_cipher_key_len(cipher), iv), 0);
	return f;
}

static void
free_flow(struct pg_flow *f)
{
	free(f->c2s);
	free(f->s2c);
}

static void
test_addresses(void)
{
	struct pg_flow f;
	pg_flow_addrs(&f, 0);
	CHECK_EQ(f.peer_addr, 0x64400001u);	/* 100.64.0.1 */
	CHECK_EQ(f.vaddr, 0x0A400002u);		/* 10.64.0.2 */
	pg_flow_addrs(&f, 99999);
	CHECK_EQ(f.sess, 99999);
	CHECK_EQ(f.vaddr, 0x0A400002u + 99999);
	CHECK(f.peer_port >= 1024);
	CHECK_EQ(pg_cipher_by_name("aes-256-gcm"), 2);
	CHECK_EQ(pg_cipher_by_name("CHACHA20-POLY1305"), 3);
	CHECK_EQ(pg_cipher_by_name("BF-CBC"), 0);
}

/* What a client sends: the dataplane's rx key (c2s) opens it. */
static void
test_client_frame(uint8_t cipher, unsigned inner_len)
{
	static uint8_t frame[2048];
	static const uint8_t dmac[6] = { 2, 0, 0, 0, 0, 1 }, smac[6] = { 2, 0, 0, 0, 0, 2 };
	struct pg_flow f = flow_with_keys(7, cipher);
	struct dp_aead_op op;
	unsigned len = pg_data_frame_build(frame, &f, dmac, smac, inner_len, 42, 0x123456789ull, &op);
	CHECK_EQ(len, PG_OVPN_OVERHEAD + inner_len);
	CHECK_EQ(dp_aead_encrypt_burst(&cr, &op, 1), 1);
	const uint8_t *ip = frame + PG_ETH_LEN;
	CHECK_EQ(test_inet_sum(ip, 20), 0xFFFF);			/* header checksum */
	CHECK_EQ((uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | ip[18] << 8 | ip[19], PG_DP_OUT_ADDR);
	CHECK_EQ(ip[22] << 8 | ip[23], PG_SERVICE_PORT);
	struct ovpn_data_hdr h;
	CHECK_EQ(ovpn_data_parse(frame + 42, len - 42, &h), 0);
	CHECK_EQ(h.opcode, OVPN_P_DATA_V2);
	CHECK_EQ(h.peer_id, 7);
	CHECK_EQ(h.packet_id, 42);
	/* the server side: decrypt with the same (rx) key */
	uint8_t *ct = frame + 42 + 8 + 16;
	uint32_t sess;
	uint64_t seq;
	CHECK(pg_inner_parse(ct, inner_len, &sess, &seq) != 0);	/* encrypted now */
	struct dp_aead_op dec = { .key = f.c2s, .data = ct, .len = inner_len, .aad = frame + 42,
		.aad_len = 8, .packet_id = 42, .tag = frame + 50 };
	CHECK_EQ(dp_aead_decrypt_burst(&cr, &dec, 1), 1);
	CHECK_EQ(pg_inner_parse(ct, inner_len, &sess, &seq), 0);
	CHECK_EQ(sess, 7);
	CHECK(seq == 0x123456789ull);
	CHECK_EQ(test_inet_sum(ct, 20), 0xFFFF);
	free_flow(&f);
}

/* What the dataplane sends: found by peer-id, opened with s2c; a flipped bit fails. */
static void
test_server_frame(void)
{
	static uint8_t frame[2048];
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 3 };
	struct pg_flow flows[3];
	for (uint32_t i = 0; i < 3; i++)
		flows[i] = flow_with_keys(i, 1);
	struct pg_flow as_server = flows[2];
	as_server.c2s = flows[2].s2c;	/* the server encrypts with s2c */
	struct dp_aead_op op;
	unsigned len = pg_data_frame_build(frame, &as_server, mac, mac, 512, 9, 77, &op);
	CHECK_EQ(dp_aead_encrypt_burst(&cr, &op, 1), 1);
	/* the server's frame goes to the client's address */
	uint8_t *dst = frame + PG_ETH_LEN + 16;
	dst[0] = 100, dst[1] = 64, dst[2] = 0, dst[3] = 3;
	uint8_t *inner;
	unsigned inner_len;
	struct dp_aead_op open_op;
	const struct pg_flow *f = pg_data_frame_open(frame, len, flows, 3, &open_op, &inner,
		&inner_len);
	CHECK(f == &flows[2]);
	CHECK_EQ(inner_len, 512);
	CHECK_EQ(dp_aead_decrypt_burst(&cr, &open_op, 1), 1);
	uint32_t sess;
	uint64_t seq;
	CHECK_EQ(pg_inner_parse(inner, inner_len, &sess, &seq), 0);
	CHECK_EQ(sess, 2);
	CHECK_EQ(seq, 77);
	/* unknown peer-id, wrong address, tampered */
	CHECK(pg_data_frame_open(frame, len, flows, 2, &open_op, &inner, &inner_len) == NULL);
	dst[3] = 4;
	CHECK(pg_data_frame_open(frame, len, flows, 3, &open_op, &inner, &inner_len) == NULL);
	dst[3] = 3;
	len = pg_data_frame_build(frame, &as_server, mac, mac, 512, 10, 78, &op);
	CHECK_EQ(dp_aead_encrypt_burst(&cr, &op, 1), 1);
	dst[0] = 100, dst[1] = 64, dst[2] = 0, dst[3] = 3;
	frame[len - 1] ^= 1;
	CHECK(pg_data_frame_open(frame, len, flows, 3, &open_op, &inner, &inner_len) != NULL);
	CHECK_EQ(dp_aead_decrypt_burst(&cr, &open_op, 1), 0);
	CHECK(pg_data_frame_open(frame, 30, flows, 3, &open_op, &inner, &inner_len) == NULL);
	for (unsigned i = 0; i < 3; i++)
		free_flow(&flows[i]);
}

static void
test_inner_rejects(void)
{
	uint8_t p[128];
	uint32_t sess;
	uint64_t seq;
	pg_inner_build(p, 64, 1, 2, 3, 4);
	CHECK_EQ(pg_inner_parse(p, 64, &sess, &seq), 0);
	CHECK(pg_inner_parse(p, 63, &sess, &seq) != 0);		/* length disagrees */
	p[8] ^= 1;						/* TTL: checksum breaks */
	CHECK(pg_inner_parse(p, 64, &sess, &seq) != 0);
	p[8] ^= 1;
	p[28] ^= 1;						/* magic */
	CHECK(pg_inner_parse(p, 64, &sess, &seq) != 0);
}

static void
test_imix(void)
{
	unsigned n64 = 0, n570 = 0, n1420 = 0;
	for (unsigned j = 0; j < PG_IMIX_N; j++) {
		unsigned l = pg_inner_len(0, j);
		n64 += l == 64, n570 += l == 570, n1420 += l == 1420;
	}
	CHECK_EQ(n64, 7);
	CHECK_EQ(n570, 4);
	CHECK_EQ(n1420, 1);
	CHECK_EQ(pg_inner_len(512, 5), 512);
}

static void
test_pcap(void)
{
	char path[] = "/tmp/pgpcapXXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	FILE *f = pg_pcap_open(path);
	CHECK(f != NULL);
	uint8_t frame[100] = { 0 };
	pg_pcap_write(f, frame, 100);
	pg_pcap_write(f, frame, 60);
	fclose(f);
	f = fopen(path, "rb");
	uint32_t hdr[6];
	CHECK_EQ(fread(hdr, sizeof(hdr), 1, f), 1);
	CHECK_EQ(hdr[0], 0xA1B2C3D4u);
	CHECK_EQ(hdr[5], 1);
	fseek(f, 0, SEEK_END);
	CHECK_EQ(ftell(f), 24 + 16 + 100 + 16 + 60);
	fclose(f);
	unlink(path);
}

int
main(void)
{
	CHECK_EQ(dp_crypto_init(&cr), 0);
	test_addresses();
	for (uint8_t c = 1; c <= 3; c++) {
		test_client_frame(c, 64);
		test_client_frame(c, 1420);
	}
	test_server_frame();
	test_inner_rejects();
	test_imix();
	test_pcap();
	dp_crypto_fini(&cr);
	return harness_done("pktgen_frames");
}
