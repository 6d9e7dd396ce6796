/*
 * tls-crypt-v2 server side and early-negotiation TLVs (fact sheet §2.6,
 * §3.7). See tls_crypt_v2.h.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "ctl_wire.h"
#include "ovpn_wire.h"
#include "tls_crypt_v2.h"

/* Server key = cipher[64] || hmac[64]; AES-256 and HMAC-SHA256 use 32 each. */
static const uint8_t *
srv_ke(const uint8_t *k)
{
	return k;
}

static const uint8_t *
srv_ka(const uint8_t *k)
{
	return k + STATIC_KEY_SLOT_LEN;
}

int
tls_crypt_v2_wkc_unwrap(const uint8_t server_key[TLS_CRYPT_V2_SERVER_KEY_LEN],
			const uint8_t *wkc, size_t len, struct tls_crypt_v2_client *out)
{
	uint8_t pt[TLS_CRYPT_V2_WKC_MAX];
	size_t pt_len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len < TLS_CRYPT_V2_WKC_MIN)
		return CTL_ERR_SHORT;
	/* the length field covers the whole WKc and is authenticated (the AD) */
	if (len > TLS_CRYPT_V2_WKC_MAX || ctl_get_u16(wkc + len - 2) != len)
		return CTL_ERR_FORMAT;
	pt_len = len - TLS_CRYPT_V2_TAG_LEN - 2;
	rc = tls_crypt_open(srv_ke(server_key), srv_ka(server_key), wkc + len - 2, 2,
			    wkc, wkc + TLS_CRYPT_V2_TAG_LEN, pt_len, pt);
	if (rc == 0) {
		memcpy(out->kc, pt, TLS_CRYPT_V2_CLIENT_KEY_LEN);
		out->metadata_len = pt_len - TLS_CRYPT_V2_CLIENT_KEY_LEN;
		memcpy(out->metadata, pt + TLS_CRYPT_V2_CLIENT_KEY_LEN, out->metadata_len);
	}
	OPENSSL_cleanse(pt, sizeof(pt));
	return rc;
}

ssize_t
tls_crypt_v2_wkc_wrap(const uint8_t server_key[TLS_CRYPT_V2_SERVER_KEY_LEN],
		      const uint8_t kc[TLS_CRYPT_V2_CLIENT_KEY_LEN],
		      const uint8_t *meta, size_t meta_len, uint8_t *out, size_t cap)
{
	uint8_t pt[TLS_CRYPT_V2_CLIENT_KEY_LEN + TLS_CRYPT_V2_METADATA_MAX];
	size_t pt_len = TLS_CRYPT_V2_CLIENT_KEY_LEN + meta_len;
	size_t total = TLS_CRYPT_V2_TAG_LEN + pt_len + 2;
	int rc;

	if (meta_len > TLS_CRYPT_V2_METADATA_MAX)
		return CTL_ERR_ARG;
	if (total > cap)
		return CTL_ERR_SPACE;
	memcpy(pt, kc, TLS_CRYPT_V2_CLIENT_KEY_LEN);
	if (meta_len)
		memcpy(pt + TLS_CRYPT_V2_CLIENT_KEY_LEN, meta, meta_len);
	ctl_put_u16(out + total - 2, (uint16_t)total);
	rc = tls_crypt_seal(srv_ke(server_key), srv_ka(server_key), out + total - 2, 2,
			    pt, pt_len, out, out + TLS_CRYPT_V2_TAG_LEN);
	OPENSSL_cleanse(pt, sizeof(pt));
	return rc ? rc : (ssize_t)total;
}

int
tls_crypt_v2_split(const uint8_t *pkt, size_t len, size_t *wrapped_len,
		   const uint8_t **wkc, size_t *wkc_len)
{
	size_t l;

	if (len < 2)
		return CTL_ERR_SHORT;
	l = ctl_get_u16(pkt + len - 2);
	if (l > len)
		return CTL_ERR_SHORT;
	if (l < TLS_CRYPT_V2_WKC_MIN || l > TLS_CRYPT_V2_WKC_MAX)
		return CTL_ERR_FORMAT;
	*wrapped_len = len - l;
	*wkc = pkt + len - l;
	*wkc_len = l;
	return 0;
}

ssize_t
tls_crypt_v2_unwrap(const uint8_t server_key[TLS_CRYPT_V2_SERVER_KEY_LEN],
		    const uint8_t *in, size_t len, struct tls_crypt_v2_client *cl,
		    uint8_t *out, size_t cap, uint32_t *replay_id, uint32_t *replay_time)
{
	struct tls_crypt_ctx ctx;
	const uint8_t *wkc;
	size_t wrapped_len, wkc_len;
	unsigned op;
	ssize_t rc;

	memset(cl, 0, sizeof(*cl));
	if (len < 1)
		return CTL_ERR_SHORT;
	op = ovpn_opcode(in[0]);
	if (op != OVPN_P_CONTROL_HARD_RESET_CLIENT_V3 && op != OVPN_P_CONTROL_WKC_V1)
		return CTL_ERR_OPCODE;
	rc = tls_crypt_v2_split(in, len, &wrapped_len, &wkc, &wkc_len);
	if (rc == 0)
		rc = tls_crypt_v2_wkc_unwrap(server_key, wkc, wkc_len, cl);
	if (rc)
		return rc;
	tls_crypt_init(&ctx, cl->kc, true);
	rc = tls_crypt_unwrap(&ctx, in, wrapped_len, out, cap, replay_id, replay_time);
	tls_crypt_wipe(&ctx);
	if (rc < 0)
		tls_crypt_v2_client_wipe(cl);
	return rc;
}

ssize_t
tls_crypt_v2_client_wrap(const struct tls_crypt_ctx *kc_ctx, const uint8_t *plain,
			 size_t len, uint32_t replay_id, uint32_t replay_time,
			 const uint8_t *wkc, size_t wkc_len, uint8_t *out, size_t cap)
{
	ssize_t n;

	if (len + TLS_CRYPT_OVERHEAD + wkc_len > cap)
		return CTL_ERR_SPACE;
	n = tls_crypt_wrap(kc_ctx, plain, len, replay_id, replay_time, out, cap - wkc_len);
	if (n < 0)
		return n;
	memcpy(out + n, wkc, wkc_len);
	return n + (ssize_t)wkc_len;
}

int
tls_crypt_v2_meta_type(const struct tls_crypt_v2_client *cl)
{
	return cl->metadata_len ? cl->metadata[0] : -1;
}

int
tls_crypt_v2_meta_timestamp(const struct tls_crypt_v2_client *cl, int64_t *ts)
{
	uint64_t v = 0;

	if (tls_crypt_v2_meta_type(cl) != TLS_CRYPT_V2_META_TIMESTAMP || cl->metadata_len < 9)
		return -1;
	for (int i = 1; i <= 8; i++)
		v = v << 8 | cl->metadata[i];
	*ts = (int64_t)v;
	return 0;
}

void
tls_crypt_v2_client_wipe(struct tls_crypt_v2_client *cl)
{
	OPENSSL_cleanse(cl, sizeof(*cl));
}

bool
early_neg_signalled(uint32_t replay_id)
{
	/* 2.6 mudp.c: ((id & EARLY_NEG_MASK) & EARLY_NEG_START) == EARLY_NEG_START */
	return (replay_id & EARLY_NEG_MASK & EARLY_NEG_START) == EARLY_NEG_START;
}

int
early_neg_parse(const uint8_t *p, size_t len, uint16_t *flags)
{
	*flags = 0;
	while (len > 0) {
		uint16_t type, tlen;

		if (len < EARLY_NEG_TLV_HDR_LEN)
			return CTL_ERR_SHORT;
		type = ctl_get_u16(p);
		tlen = ctl_get_u16(p + 2);
		p += EARLY_NEG_TLV_HDR_LEN;
		len -= EARLY_NEG_TLV_HDR_LEN;
		if (len < tlen)
			return CTL_ERR_SHORT;
		if (type == TLV_TYPE_EARLY_NEG_FLAGS) {
			if (tlen != 2)
				return CTL_ERR_FORMAT;
			*flags |= ctl_get_u16(p);
		}
		/* unknown types: skipped, as 2.x and o3 do */
		p += tlen;
		len -= tlen;
	}
	return 0;
}

ssize_t
early_neg_build(uint16_t flags, uint8_t *out, size_t cap)
{
	if (cap < EARLY_NEG_FLAGS_TLV_LEN)
		return CTL_ERR_SPACE;
	ctl_put_u16(out, TLV_TYPE_EARLY_NEG_FLAGS);
	ctl_put_u16(out + 2, 2);
	ctl_put_u16(out + 4, flags);
	return EARLY_NEG_FLAGS_TLV_LEN;
}
