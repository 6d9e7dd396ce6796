/*
 * Fuzz what dpvpn-hsload reads from a server: byte 0 picks the parser.
 * 0: PUSH_REPLY options (NUL-terminated); 1: the server's key method 2
 * length; 2: P_DATA_V2 open with a fixed key; 3: ICMP echo reply.
 * Properties (abort on violation): a key method 2 length never exceeds the
 * input and a prefix of it is incomplete; data that opens is no longer than
 * the packet minus its overhead; a parsed echo reply fits its IP length.
 */
#include <stdlib.h>
#include <string.h>

#include "hs_conn.h"
#include "hs_data.h"

static void
check_km2(const uint8_t *p, size_t len)
{
	ssize_t n = hs_km2_server_len(p, len);
	if (n > (ssize_t)len || (n > 0 && hs_km2_server_len(p, (size_t)n - 1) != 0))
		abort();
}

static void
check_data(const uint8_t *p, size_t len)
{
	static struct hs_aead a;
	static uint8_t kb[256], pt[1 << 16];
	if (!a.enc && hs_aead_init(&a, "AES-256-GCM", kb, 1) != 0)
		abort();
	ssize_t n = hs_data_open(&a, p, len, pt, sizeof(pt));
	if (n > 0 && (size_t)n + HS_DATA_OVERHEAD != len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[4096];
	uint16_t id, seq;
	struct hs_pushed pushed = { .peer_id = 0xFFFFFF };
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t len = size - 1;
	switch (data[0] & 3) {
	case 0:
		len = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
		memcpy(text, p, len);
		text[len] = '\0';
		hs_push_parse(text, &pushed);
		if (strlen(pushed.cipher) >= sizeof(pushed.cipher))
			abort();
		break;
	case 1:
		check_km2(p, len);
		break;
	case 2:
		check_data(p, len);
		break;
	default:
		if (hs_icmp_echo_reply(p, len, 0x0A630002, &id, &seq) && (len < 28 || (size_t)(p[2] << 8 | p[3]) > len))
			abort();
	}
	return 0;
}

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	static const char push[] = "\0route-gateway 10.99.0.1,topology subnet,ifconfig 10.99.0.2 255.255.0.0,"
		"peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm,push-continuation 1";
	static const uint8_t km2[] = { 1, 0, 0, 0, 0, 2, [70] = 0, 3, 'V', '4', 0, 0, 0, 0, 0, 0, 0 };
	if (idx == 0 && cap >= sizeof(push) - 1) {
		memcpy(buf, push, sizeof(push) - 1);
		return sizeof(push) - 1;
	}
	if (idx == 1 && cap >= sizeof(km2)) {
		memcpy(buf, km2, sizeof(km2));
		return sizeof(km2);
	}
	return 0;
}
