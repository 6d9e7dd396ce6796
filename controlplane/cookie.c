/*
 * Stateless HMAC cookie (fact sheet §3.6). See cookie.h.
 */
#include <assert.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cookie.h"

/* slot(8) || addr_len(1) || addr(<=16) || port(2) || sid(8) */
#define COOKIE_INPUT_MAX (8 + 1 + COOKIE_ADDR_MAX + 2 + COOKIE_SID_LEN)

void
cookie_key_init(struct cookie_key *key, const uint8_t secret[COOKIE_SECRET_LEN])
{
	assert(key && secret);
	memcpy(key->secret, secret, COOKIE_SECRET_LEN);
	cookie_key_set_hand_window(key, COOKIE_HAND_WINDOW_S);
}

void
cookie_key_set_hand_window(struct cookie_key *key, uint32_t hand_window_s)
{
	assert(key && hand_window_s >= 1);
	/* OpenVPN: now / ((handwindow + 1) / 2); 64-bit so UINT32_MAX works */
	key->slot_s = (uint32_t)(((uint64_t)hand_window_s + 1) / 2);
}

void
cookie_key_wipe(struct cookie_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}

/* First COOKIE_SID_LEN bytes of the HMAC for one slot; false on a crypto
 * library failure (out is then undefined). */
static bool
cookie_compute(const struct cookie_key *key, const uint8_t *addr, size_t addr_len,
	       uint16_t port, const uint8_t sid[COOKIE_SID_LEN], uint64_t slot,
	       uint8_t out[COOKIE_SID_LEN])
{
	uint8_t in[COOKIE_INPUT_MAX];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	size_t n = 0;

	for (int i = 7; i >= 0; i--)
		in[n++] = (uint8_t)(slot >> (8 * i));
	in[n++] = (uint8_t)addr_len;    /* keeps 4- and 16-byte forms apart */
	memcpy(in + n, addr, addr_len);
	n += addr_len;
	in[n++] = (uint8_t)(port >> 8);
	in[n++] = (uint8_t)port;
	memcpy(in + n, sid, COOKIE_SID_LEN);
	n += COOKIE_SID_LEN;

	bool ok = HMAC(EVP_sha256(), key->secret, COOKIE_SECRET_LEN, in, n, md, &md_len) &&
		md_len >= COOKIE_SID_LEN;

	if (ok)
		memcpy(out, md, COOKIE_SID_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return ok;
}

void
cookie_make(const struct cookie_key *key, const uint8_t *client_addr, size_t addr_len,
	    uint16_t client_port, const uint8_t client_sid[COOKIE_SID_LEN],
	    uint64_t now_s, uint8_t out_sid[COOKIE_SID_LEN])
{
	assert(key && key->slot_s && client_addr && client_sid && out_sid);
	assert(addr_len >= 1 && addr_len <= COOKIE_ADDR_MAX);

	if (!cookie_compute(key, client_addr, addr_len, client_port, client_sid,
			    now_s / key->slot_s, out_sid))
		memset(out_sid, 0, COOKIE_SID_LEN);
}

bool
cookie_check(const struct cookie_key *key, const uint8_t *client_addr, size_t addr_len,
	     uint16_t client_port, const uint8_t client_sid[COOKIE_SID_LEN],
	     uint64_t now_s, const uint8_t sid[COOKIE_SID_LEN])
{
	assert(key && key->slot_s && client_addr && client_sid && sid);
	if (addr_len < 1 || addr_len > COOKIE_ADDR_MAX)
		return false;

	const uint64_t slot = now_s / key->slot_s;
	bool match = false;

	/* All candidate slots are tried, no early exit: the time taken does
	 * not tell which slot (or how many bytes) matched. */
	for (uint64_t k = 0; k <= COOKIE_PAST_SLOTS && k <= slot; k++) {
		uint8_t want[COOKIE_SID_LEN];

		if (!cookie_compute(key, client_addr, addr_len, client_port, client_sid,
				    slot - k, want))
			return false;
		match |= CRYPTO_memcmp(want, sid, COOKIE_SID_LEN) == 0;
	}
	return match;
}
