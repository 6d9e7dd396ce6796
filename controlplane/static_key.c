/*
 * Key file parsing and key-direction slicing (fact sheet §2.3-§2.6).
 * See static_key.h.
 */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "static_key.h"

static const char sk_head[] = "-----BEGIN OpenVPN Static key V1-----";
static const char sk_foot[] = "-----END OpenVPN Static key V1-----";
static const char v2_srv_name[] = "OpenVPN tls-crypt-v2 server key";
static const char v2_cli_name[] = "OpenVPN tls-crypt-v2 client key";

struct line {
	const char *p;
	size_t n;
};

/* Split off the next '\n'-terminated line; false at the end of the text. */
static bool
next_line(const char **cur, const char *end, struct line *l)
{
	const char *nl;

	if (*cur >= end)
		return false;
	nl = memchr(*cur, '\n', (size_t)(end - *cur));
	l->p = *cur;
	l->n = (size_t)((nl ? nl : end) - *cur);
	*cur = nl ? nl + 1 : end;
	return true;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Line starts with marker and has only white space after it ("\r" of CRLF files). */
static bool
line_is(const struct line *l, const char *marker)
{
	size_t m = strlen(marker);

	if (l->n < m || memcmp(l->p, marker, m) != 0)
		return false;
	for (size_t i = m; i < l->n; i++)
		if (!is_space(l->p[i]))
			return false;
	return true;
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append the hex digits of one data line to out[*count..]; pairs may span
 * lines (2.x reads a character stream), *hi holds a pending high nibble. */
static bool
hex_line(const struct line *l, uint8_t *out, size_t *count, int *hi)
{
	for (size_t i = 0; i < l->n; i++) {
		int v = hex_nibble(l->p[i]);

		if (v < 0) {
			if (is_space(l->p[i]))
				continue;
			return false;
		}
		if (*count >= STATIC_KEY_LEN)
			return false;   /* more than 256 bytes */
		if (*hi < 0) {
			*hi = v;
		} else {
			out[(*count)++] = (uint8_t)(*hi << 4 | v);
			*hi = -1;
		}
	}
	return true;
}

int
static_key_parse(const char *text, size_t len, uint8_t out[STATIC_KEY_LEN])
{
	const char *cur = text, *end = text + len;
	struct line l;
	size_t count = 0;
	int hi = -1;
	bool in_block = false, done = false;

	while (!done && next_line(&cur, end, &l)) {
		if (!in_block) {
			in_block = line_is(&l, sk_head);
		} else if (l.n > 0 && l.p[0] == '-') {
			/* 2.x: a line starting with '-' inside the block is the footer */
			if (!line_is(&l, sk_foot))
				break;
			done = true;
		} else if (!hex_line(&l, out, &count, &hi)) {
			break;
		}
	}
	if (done && count == STATIC_KEY_LEN && hi < 0)
		return 0;
	static_key_wipe(out);
	return -1;
}

int
static_key_slices(const uint8_t key[STATIC_KEY_LEN], int key_direction,
		  struct key_slices *out)
{
	/* keys[i].cipher at 128*i, keys[i].hmac at 128*i + 64 (§2.4) */
	const uint8_t *k0 = key, *k1 = key + 2 * STATIC_KEY_SLOT_LEN;
	const uint8_t *snd, *rcv;

	switch (key_direction) {
	case KEY_DIR_NONE:
		snd = rcv = k0;
		break;
	case KEY_DIR_NORMAL:
		snd = k0;
		rcv = k1;
		break;
	case KEY_DIR_INVERSE:
		snd = k1;
		rcv = k0;
		break;
	default:
		return -1;
	}
	out->send_cipher = snd;
	out->send_hmac = snd + STATIC_KEY_SLOT_LEN;
	out->recv_cipher = rcv;
	out->recv_hmac = rcv + STATIC_KEY_SLOT_LEN;
	return 0;
}

/*
 * Decode the first PEM block of text (OpenSSL's PEM reader, as 2.x uses:
 * text before "-----BEGIN" is skipped). Its name must be name and its size
 * min..max; the bytes go to out. Returns the size or -1. OpenSSL's error
 * queue is left empty: a failed key parse is reported by our caller.
 */
static long
pem_decode(const char *text, size_t len, const char *name, uint8_t *out,
	   size_t min, size_t max)
{
	char *got_name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0, ret = -1;
	BIO *bio;

	if (len > INT_MAX)
		return -1;
	bio = BIO_new_mem_buf(text, (int)len);
	if (bio && PEM_read_bio(bio, &got_name, &header, &data, &dlen) &&
	    strcmp(got_name, name) == 0 && dlen >= (long)min && dlen <= (long)max) {
		memcpy(out, data, (size_t)dlen);
		ret = dlen;
	}
	if (data)
		OPENSSL_clear_free(data, (size_t)dlen);
	OPENSSL_free(got_name);
	OPENSSL_free(header);
	BIO_free(bio);
	ERR_clear_error();
	return ret;
}

int
tls_crypt_v2_server_key_parse(const char *text, size_t len,
			      uint8_t out[TLS_CRYPT_V2_SERVER_KEY_LEN])
{
	if (pem_decode(text, len, v2_srv_name, out, TLS_CRYPT_V2_SERVER_KEY_LEN,
		       TLS_CRYPT_V2_SERVER_KEY_LEN) < 0) {
		tls_crypt_v2_server_key_wipe(out);
		return -1;
	}
	return 0;
}

int
tls_crypt_v2_client_key_parse(const char *text, size_t len,
			      struct tls_crypt_v2_client_key *out)
{
	uint8_t buf[TLS_CRYPT_V2_CLIENT_KEY_LEN + TLS_CRYPT_V2_WKC_MAX];
	long n = pem_decode(text, len, v2_cli_name, buf,
			    TLS_CRYPT_V2_CLIENT_KEY_LEN + TLS_CRYPT_V2_WKC_MIN, sizeof(buf));
	int rc = -1;

	if (n > 0) {
		size_t wlen = (size_t)n - TLS_CRYPT_V2_CLIENT_KEY_LEN;
		const uint8_t *w = buf + TLS_CRYPT_V2_CLIENT_KEY_LEN;

		/* §2.6: a WKc ends in its own total length */
		if ((size_t)(w[wlen - 2] << 8 | w[wlen - 1]) == wlen) {
			memcpy(out->kc, buf, TLS_CRYPT_V2_CLIENT_KEY_LEN);
			memcpy(out->wkc, w, wlen);
			out->wkc_len = wlen;
			rc = 0;
		}
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc)
		tls_crypt_v2_client_key_wipe(out);
	return rc;
}

void
static_key_wipe(uint8_t key[STATIC_KEY_LEN])
{
	OPENSSL_cleanse(key, STATIC_KEY_LEN);
}

void
tls_crypt_v2_server_key_wipe(uint8_t key[TLS_CRYPT_V2_SERVER_KEY_LEN])
{
	OPENSSL_cleanse(key, TLS_CRYPT_V2_SERVER_KEY_LEN);
}

void
tls_crypt_v2_client_key_wipe(struct tls_crypt_v2_client_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}
