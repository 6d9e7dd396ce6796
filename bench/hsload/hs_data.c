#include "hs_data.h"

#include <string.h>

#include <openssl/evp.h>

#include "ctl_wire.h"

/* The key is the first 16 or 32 bytes of a 64-byte slot: EVP takes its own length. */
static const EVP_CIPHER *
cipher_by_name(const char *name)
{
	if (strcmp(name, "CHACHA20-POLY1305") == 0)
		return EVP_chacha20_poly1305();
	if (strcmp(name, "AES-256-GCM") == 0)
		return EVP_aes_256_gcm();
	return strcmp(name, "AES-128-GCM") == 0 ? EVP_aes_128_gcm() : NULL;
}

static EVP_CIPHER_CTX *
ctx_new(const EVP_CIPHER *cipher, const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	if (x && EVP_CipherInit_ex(x, cipher, NULL, key, NULL, enc) == 1)
		return x;
	EVP_CIPHER_CTX_free(x);
	return NULL;
}

int
hs_aead_init(struct hs_aead *a, const char *name, const uint8_t kb[256], uint32_t peer_id)
{
	const EVP_CIPHER *cipher = cipher_by_name(name);
	memset(a, 0, sizeof(*a));
	if (!cipher)
		return -1;
	a->enc = ctx_new(cipher, kb, 1);	/* keys[0].cipher: client -> server */
	a->dec = ctx_new(cipher, kb + 128, 0);	/* keys[1].cipher: server -> client */
	memcpy(a->tx_iv, kb + 64, sizeof(a->tx_iv));	/* implicit IVs: first 8 bytes of the hmac slots */
	memcpy(a->rx_iv, kb + 192, sizeof(a->rx_iv));
	a->peer_id = peer_id;
	if (a->enc && a->dec)
		return 0;
	hs_aead_free(a);
	return -1;
}

void
hs_aead_free(struct hs_aead *a)
{
	EVP_CIPHER_CTX_free(a->enc);
	EVP_CIPHER_CTX_free(a->dec);
	a->enc = a->dec = NULL;
}

bool
hs_data_aead(void *ctx, const uint8_t iv[8], const uint8_t hdr[8], const uint8_t *in, size_t len,
	uint8_t *out, uint8_t tag[16], bool enc)
{
	EVP_CIPHER_CTX *x = ctx;
	uint8_t nonce[12];
	int n = 0;
	memcpy(nonce, hdr + 4, 4);
	memcpy(nonce + 4, iv, 8);
	if (EVP_CipherInit_ex(x, NULL, NULL, NULL, nonce, enc) != 1 || EVP_CipherUpdate(x, NULL, &n, hdr, 8) != 1
		|| EVP_CipherUpdate(x, out, &n, in, (int)len) != 1)
		return false;
	if (!enc && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1)
		return false;
	if (EVP_CipherFinal_ex(x, out + n, &n) != 1)
		return false;
	return !enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
}

ssize_t
hs_data_seal(struct hs_aead *a, const uint8_t *pt, size_t len, uint8_t *out, size_t cap)
{
	if (len == 0 || len > 65535 || cap < len + HS_DATA_OVERHEAD)
		return -1;
	ctl_put_u32(out, (9u << 27) | (a->peer_id & 0xFFFFFF));	/* P_DATA_V2, key_id 0 */
	ctl_put_u32(out + 4, ++a->tx_pid);
	if (!hs_data_aead(a->enc, a->tx_iv, out, pt, len, out + HS_DATA_OVERHEAD, out + 8, true))
		return -1;
	return (ssize_t)(len + HS_DATA_OVERHEAD);
}

ssize_t
hs_data_open(struct hs_aead *a, const uint8_t *in, size_t len, uint8_t *pt, size_t cap)
{
	uint8_t tag[16];
	if (len <= HS_DATA_OVERHEAD || in[0] >> 3 != 9 || len - HS_DATA_OVERHEAD > cap)
		return -1;
	memcpy(tag, in + 8, sizeof(tag));
	if (!hs_data_aead(a->dec, a->rx_iv, in, in + HS_DATA_OVERHEAD, len - HS_DATA_OVERHEAD, pt, tag, false))
		return -1;
	return (ssize_t)(len - HS_DATA_OVERHEAD);
}

static uint16_t
csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += ctl_get_u16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

void
hs_icmp_echo_build(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq)
{
	memset(p, 0, len);
	p[0] = 0x45;
	ctl_put_u16(p + 2, (uint16_t)len);
	p[8] = 64;	/* TTL */
	p[9] = 1;	/* ICMP */
	ctl_put_u32(p + 12, src);
	ctl_put_u32(p + 16, dst);
	ctl_put_u16(p + 10, csum(p, 20));
	uint8_t *icmp = p + 20;
	icmp[0] = 8;	/* echo request */
	ctl_put_u16(icmp + 4, id);
	ctl_put_u16(icmp + 6, seq);
	for (size_t i = 8; i < len - 20; i++)
		icmp[i] = (uint8_t)i;
	ctl_put_u16(icmp + 2, csum(icmp, len - 20));
}

bool
hs_icmp_echo_reply(const uint8_t *p, size_t len, uint32_t dst, uint16_t *id, uint16_t *seq)
{
	size_t total = len >= 20 ? ctl_get_u16(p + 2) : 0;
	if (total < 28 || total > len || p[0] != 0x45 || p[9] != 1 || ctl_get_u32(p + 16) != dst || p[20] != 0)
		return false;
	if (csum(p, 20) != 0 || csum(p + 20, total - 20) != 0)
		return false;
	*id = ctl_get_u16(p + 24);
	*seq = ctl_get_u16(p + 26);
	return true;
}
