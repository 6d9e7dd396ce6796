/*
 * auth-gen-token (fact sheet §12). See authtoken.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "authtoken.h"
#include "be64.h"

_Static_assert(sizeof(AUTHTOKEN_PREFIX) - 1 == AUTHTOKEN_PREFIX_LEN, "prefix length");
_Static_assert(AUTHTOKEN_RAW_LEN % 3 == 0, "token data must need no base64 padding");
_Static_assert(AUTHTOKEN_SESSID_LEN % 3 == 0, "session id must need no base64 padding");

enum { PEM_FILE_MAX = 16 * 1024 };	/* OpenVPN reads at most 2048 key bytes */

/* ---- helpers ---- */

static bool
is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Strict decode of exactly AUTHTOKEN_B64_LEN alphabet characters (no
 * padding, no whitespace: EVP_DecodeBlock alone would skip blanks). */
static bool
decode_token_b64(const char *in, uint8_t out[AUTHTOKEN_RAW_LEN])
{
	uint8_t tmp[AUTHTOKEN_RAW_LEN + 3];

	for (int i = 0; i < AUTHTOKEN_B64_LEN; i++)
		if (!is_b64(in[i]))
			return false;
	if (EVP_DecodeBlock(tmp, (const unsigned char *)in, AUTHTOKEN_B64_LEN) !=
	    AUTHTOKEN_RAW_LEN)
		return false;
	memcpy(out, tmp, AUTHTOKEN_RAW_LEN);
	return true;
}

/* HMAC-SHA256(K, username || sessid || t_initial || t_now); the last
 * three are the first 28 bytes of the raw token. */
static bool
token_mac(const struct authtoken_key *key, const char *username, size_t ulen,
	  const uint8_t *fields, uint8_t mac[AUTHTOKEN_HMAC_LEN])
{
	enum { FIELDS_LEN = AUTHTOKEN_RAW_LEN - AUTHTOKEN_HMAC_LEN };
	uint8_t in[AUTHTOKEN_USER_MAX + FIELDS_LEN];
	unsigned int mac_len = 0;

	if (ulen > AUTHTOKEN_USER_MAX)
		return false;
	memcpy(in, username, ulen);
	memcpy(in + ulen, fields, FIELDS_LEN);
	return HMAC(EVP_sha256(), key->hmac, AUTHTOKEN_HMAC_LEN, in, ulen + FIELDS_LEN,
		    mac, &mac_len) && mac_len == AUTHTOKEN_HMAC_LEN;
}

/* Does the raw token's MAC match username? Constant-time compare. */
static bool
mac_matches(const struct authtoken_key *key, const char *username, const uint8_t *raw)
{
	uint8_t mac[AUTHTOKEN_HMAC_LEN];
	size_t ulen = strnlen(username, AUTHTOKEN_USER_MAX + 1);

	if (!token_mac(key, username, ulen, raw, mac))
		return false;
	return CRYPTO_memcmp(mac, raw + AUTHTOKEN_RAW_LEN - AUTHTOKEN_HMAC_LEN,
			     AUTHTOKEN_HMAC_LEN) == 0;
}

/* ---- key ---- */

int
authtoken_key_from_pem(struct authtoken_key *key, const char *pem, size_t len,
		       char *err, size_t errlen)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long data_len = 0;
	int ret = -1;

	if (len > PEM_FILE_MAX) {
		snprintf(err, errlen, "key file too large");
		return -1;
	}
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!PEM_read_bio(bio, &name, &header, &data, &data_len)) {
		snprintf(err, errlen, "no PEM block '%s' found", AUTHTOKEN_PEM_NAME);
		goto out;
	}
	if (strcmp(name, AUTHTOKEN_PEM_NAME) != 0) {
		snprintf(err, errlen, "PEM block is '%.64s', expected '%s'", name,
			 AUTHTOKEN_PEM_NAME);
		goto out;
	}
	if (data_len < AUTHTOKEN_KEY_FILE_LEN) {
		snprintf(err, errlen, "key too short (%ld bytes, need %d)", data_len,
			 AUTHTOKEN_KEY_FILE_LEN);
		goto out;
	}
	memcpy(key->hmac, data + AUTHTOKEN_KEY_HMAC_OFF, AUTHTOKEN_HMAC_LEN);
	ret = 0;
out:
	if (data)
		OPENSSL_clear_free(data, (size_t)data_len);
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(bio);
	ERR_clear_error();
	return ret;
}

int
authtoken_key_load(struct authtoken_key *key, const char *path, char *err, size_t errlen)
{
	char buf[PEM_FILE_MAX + 1];
	size_t len = 0;
	int ret = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf)) {
			snprintf(err, errlen, "%s: file too large", path);
			goto out;
		}
	}
	char msg[AUTHTOKEN_ERR_LEN];
	ret = authtoken_key_from_pem(key, buf, len, msg, sizeof(msg));
	if (ret < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
out:
	OPENSSL_cleanse(buf, len);
	close(fd);
	return ret;
}

int
authtoken_key_random(struct authtoken_key *key)
{
	return RAND_bytes(key->hmac, AUTHTOKEN_HMAC_LEN) == 1 ? 0 : -1;
}

int
authtoken_key_file_pem(const uint8_t raw[AUTHTOKEN_KEY_FILE_LEN], char *out, size_t outlen)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	int ret = -1;

	if (!bio)
		return -1;
	if (PEM_write_bio(bio, AUTHTOKEN_PEM_NAME, "", raw, AUTHTOKEN_KEY_FILE_LEN) > 0) {
		long n = BIO_get_mem_data(bio, &p);
		if (n > 0 && (size_t)n < outlen) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
			ret = 0;
		}
		if (n > 0)
			OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(bio);
	return ret;
}

void
authtoken_key_wipe(struct authtoken_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}

/* ---- sessions and tokens ---- */

void
authtoken_session_start(struct authtoken_session *s, const uint8_t sessid[AUTHTOKEN_SESSID_LEN],
			uint64_t now)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->sessid, sessid, AUTHTOKEN_SESSID_LEN);
	s->t_initial = now;
	s->bound = true;
}

void
authtoken_session_adopt(struct authtoken_session *s, const struct authtoken_info *info)
{
	if (s->bound || !info->hmac_ok)
		return;
	memcpy(s->sessid, info->sessid, AUTHTOKEN_SESSID_LEN);
	s->t_initial = info->t_initial;
	s->empty_user = info->empty_user;
	s->bound = true;
}

void
authtoken_session_clear(struct authtoken_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

bool
authtoken_generate(const struct authtoken_key *key, const struct authtoken_session *s,
		   const char *username, uint64_t now, char out[AUTHTOKEN_SIZE])
{
	uint8_t raw[AUTHTOKEN_RAW_LEN];
	const char *user = s->empty_user ? "" : username;
	size_t ulen = strnlen(user, AUTHTOKEN_USER_MAX + 1);

	out[0] = '\0';
	if (!s->bound)
		return false;
	memcpy(raw, s->sessid, AUTHTOKEN_SESSID_LEN);
	put_be64(raw + AUTHTOKEN_SESSID_LEN, s->t_initial);
	put_be64(raw + AUTHTOKEN_SESSID_LEN + 8, now);
	if (!token_mac(key, user, ulen, raw, raw + AUTHTOKEN_SESSID_LEN + 16))
		return false;
	memcpy(out, AUTHTOKEN_PREFIX, AUTHTOKEN_PREFIX_LEN);
	/* EVP_EncodeBlock NUL-terminates: 80 characters + 1 fit exactly */
	if (EVP_EncodeBlock((unsigned char *)out + AUTHTOKEN_PREFIX_LEN, raw,
			    AUTHTOKEN_RAW_LEN) != AUTHTOKEN_B64_LEN) {
		out[0] = '\0';
		return false;
	}
	return true;
}

bool
authtoken_is_token(const char *password)
{
	return password && strnlen(password, AUTHTOKEN_LEN + 1) == AUTHTOKEN_LEN &&
	       memcmp(password, AUTHTOKEN_PREFIX, AUTHTOKEN_PREFIX_LEN) == 0;
}

/* now in [t_now, t_now + 2*renewal) without overflow */
static bool
in_renewal_window(uint64_t now, uint64_t t_now, uint64_t renewal)
{
	uint64_t window = renewal > UINT64_MAX / 2 ? UINT64_MAX : 2 * renewal;
	return now >= t_now && now - t_now < window;
}

enum authtoken_result
authtoken_validate(const struct authtoken_key *key, const struct authtoken_params *params,
		   const struct authtoken_session *session, const char *username,
		   const char *password, uint64_t now, struct authtoken_info *info)
{
	struct authtoken_info tmp;
	uint8_t raw[AUTHTOKEN_RAW_LEN];

	if (!info)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	if (!authtoken_is_token(password))
		return AUTHTOKEN_NOT_TOKEN;
	if (!decode_token_b64(password + AUTHTOKEN_PREFIX_LEN, raw))
		return AUTHTOKEN_INVALID;

	memcpy(info->sessid, raw, AUTHTOKEN_SESSID_LEN);
	info->t_initial = get_be64(raw + AUTHTOKEN_SESSID_LEN);
	info->t_now = get_be64(raw + AUTHTOKEN_SESSID_LEN + 8);

	if (mac_matches(key, username ? username : "", raw)) {
		info->hmac_ok = true;
	} else if (mac_matches(key, "", raw)) {
		info->hmac_ok = true;
		info->empty_user = true;
	} else {
		return AUTHTOKEN_INVALID;
	}

	bool expired = !in_renewal_window(now, info->t_now, params->renewal) ||
		       info->t_now < info->t_initial ||
		       (params->lifetime && now > info->t_initial &&
			now - info->t_initial > params->lifetime);

	if (session && session->bound &&
	    CRYPTO_memcmp(session->sessid, info->sessid, AUTHTOKEN_SESSID_LEN) != 0)
		return AUTHTOKEN_INVALID;

	if (info->empty_user)
		return expired ? AUTHTOKEN_EXPIRED_EMPTY_USER : AUTHTOKEN_VALID_EMPTY_USER;
	return expired ? AUTHTOKEN_EXPIRED : AUTHTOKEN_VALID;
}

const char *
authtoken_state_name(enum authtoken_result r)
{
	switch (r) {
	case AUTHTOKEN_NOT_TOKEN: return "Initial";
	case AUTHTOKEN_VALID: return "Authenticated";
	case AUTHTOKEN_VALID_EMPTY_USER: return "AuthenticatedEmptyUser";
	case AUTHTOKEN_EXPIRED: return "Expired";
	case AUTHTOKEN_EXPIRED_EMPTY_USER: return "ExpiredEmptyUser";
	case AUTHTOKEN_INVALID: return "Invalid";
	}
	return "Invalid";
}

void
authtoken_session_id_str(const uint8_t sessid[AUTHTOKEN_SESSID_LEN],
			 char out[AUTHTOKEN_SESSID_B64_LEN + 1])
{
	EVP_EncodeBlock((unsigned char *)out, sessid, AUTHTOKEN_SESSID_LEN);
}
