/*
 * Key method 2 messages (fact sheet §5.1, §5.2). See kmethod2.h.
 */
#include <assert.h>
#include <string.h>

#include <openssl/crypto.h>

#include "kmethod2.h"

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static size_t
rd_left(const struct rd *r)
{
	return r->len - r->off;
}

/* Length prefix of the next string, without consuming it. */
static int
str_len(const struct rd *r, size_t *l)
{
	if (rd_left(r) < 2)
		return KM2_INCOMPLETE;
	*l = (size_t)r->p[r->off] << 8 | r->p[r->off + 1];
	return KM2_OK;
}

/*
 * Consume the next string of length l (from str_len). With dst (cap >= l,
 * cap >= 1) it must be NUL-terminated without an embedded NUL and is copied; without
 * dst it is skipped unchecked. l == 0 gives "".
 */
static int
str_take(struct rd *r, size_t l, char *dst, size_t cap)
{
	if (rd_left(r) - 2 < l)
		return KM2_INCOMPLETE;

	const uint8_t *s = r->p + r->off + 2;

	if (dst) {
		assert(l <= cap && cap > 0);
		if (l > 0 && (s[l - 1] != 0 || memchr(s, 0, l - 1)))
			return KM2_E_STRING;
		memcpy(dst, s, l);
		dst[l ? l - 1 : 0] = '\0';
	}
	r->off += 2 + l;
	return KM2_OK;
}

/* A string into dst[cap] with a hard limit L <= cap: too long is fatal
 * (options, peer-info). *slen: its strlen. */
static int
read_limited(struct rd *r, char *dst, size_t cap, int err_too_long, size_t *slen)
{
	size_t l = 0;
	int rc = str_len(r, &l);

	if (rc != KM2_OK)
		return rc;
	if (l > cap)
		return err_too_long;
	rc = str_take(r, l, dst, cap);
	if (rc == KM2_OK && slen)
		*slen = l ? l - 1 : 0;
	return rc;
}

/* username or password: too long is skipped and flagged (2.6: AUTH_FAILED). */
static int
read_cred(struct rd *r, char *dst, bool *too_long)
{
	size_t l = 0;
	int rc = str_len(r, &l);

	if (rc != KM2_OK)
		return rc;
	if (l > KM2_USERPASS_MAX) {
		*too_long = true;
		return str_take(r, l, NULL, 0);
	}
	return str_take(r, l, dst, KM2_USERPASS_MAX);
}

static int
parse_creds_and_peer_info(struct rd *r, struct km2_client_msg *m)
{
	int rc = read_cred(r, m->username, &m->creds_too_long);

	if (rc != KM2_OK)
		return rc;
	if (rd_left(r) == 0)
		return KM2_INCOMPLETE;  /* 2.6 sends username and password together */
	rc = read_cred(r, m->password, &m->creds_too_long);
	if (rc != KM2_OK)
		return rc;
	m->has_userpass = true;
	if (m->creds_too_long) {
		OPENSSL_cleanse(m->username, sizeof(m->username));
		OPENSSL_cleanse(m->password, sizeof(m->password));
	}
	if (rd_left(r) == 0)
		return KM2_OK;          /* no peer-info */
	rc = read_limited(r, m->peer_info, KM2_PEERINFO_MAX, KM2_E_PEERINFO,
			  &m->peer_info_len);
	m->has_peer_info = rc == KM2_OK && m->peer_info_len > 0;
	return rc;
}

int
km2_client_parse(const uint8_t *buf, size_t len, struct km2_client_msg *out, size_t *consumed)
{
	struct rd r = { .p = buf, .len = len, .off = 0 };
	int rc;

	assert(out && (buf || len == 0));
	km2_client_msg_wipe(out);
	if (consumed)
		*consumed = 0;

	if (len < KM2_HDR_LEN)
		return KM2_INCOMPLETE;
	out->method = buf[4];           /* bytes 0..3: uint32 0, not checked (2.6) */
	if ((out->method & KM2_METHOD_MASK) != KM2_METHOD)
		return KM2_E_METHOD;
	r.off = KM2_HDR_LEN;
	if (rd_left(&r) < KM2_PRE_MASTER_LEN + 2 * KM2_RANDOM_LEN)
		return KM2_INCOMPLETE;
	memcpy(out->pre_master, buf + r.off, KM2_PRE_MASTER_LEN);
	r.off += KM2_PRE_MASTER_LEN;
	memcpy(out->random1, buf + r.off, KM2_RANDOM_LEN);
	r.off += KM2_RANDOM_LEN;
	memcpy(out->random2, buf + r.off, KM2_RANDOM_LEN);
	r.off += KM2_RANDOM_LEN;

	rc = read_limited(&r, out->options, KM2_OPTIONS_MAX, KM2_E_OPTIONS, NULL);
	if (rc == KM2_OK && rd_left(&r) > 0)
		rc = parse_creds_and_peer_info(&r, out);
	if (rc != KM2_OK) {
		km2_client_msg_wipe(out);
		return rc;
	}
	if (consumed)
		*consumed = r.off;
	return KM2_OK;
}

void
km2_client_msg_wipe(struct km2_client_msg *m)
{
	OPENSSL_cleanse(m, sizeof(*m));
}

static size_t
put_string(uint8_t *p, const char *s, size_t slen)
{
	if (slen == 0 && s == NULL) {   /* empty string: 00 00, no NUL */
		p[0] = p[1] = 0;
		return 2;
	}
	p[0] = (uint8_t)((slen + 1) >> 8);
	p[1] = (uint8_t)(slen + 1);
	memcpy(p + 2, s, slen + 1);
	return 2 + slen + 1;
}

int
km2_server_build(uint8_t *out, size_t cap, const uint8_t random1[KM2_RANDOM_LEN],
		 const uint8_t random2[KM2_RANDOM_LEN], const char *options)
{
	if (!out || !random1 || !random2 || !options)
		return KM2_E_ARG;

	const size_t olen = strlen(options);
	const size_t need = KM2_HDR_LEN + 2 * KM2_RANDOM_LEN + 2 + olen + 1 + 3 * 2;

	if (olen >= KM2_OPTIONS_MAX || cap < need)
		return KM2_E_ARG;

	size_t n = 0;

	memset(out, 0, 4);              /* uint32 0 */
	out[4] = KM2_METHOD;
	n = KM2_HDR_LEN;
	memcpy(out + n, random1, KM2_RANDOM_LEN);       /* no pre_master from the server */
	n += KM2_RANDOM_LEN;
	memcpy(out + n, random2, KM2_RANDOM_LEN);
	n += KM2_RANDOM_LEN;
	n += put_string(out + n, options, olen);        /* the options string has its NUL */
	n += put_string(out + n, NULL, 0);              /* username */
	n += put_string(out + n, NULL, 0);              /* password */
	n += put_string(out + n, NULL, 0);              /* peer-info: none from a server */
	assert(n == need);
	return (int)n;
}

/* A string field: empty as 00 00 (what 2.x writes for absent values). */
static size_t
put_field(uint8_t *p, const char *s)
{
	size_t len = strlen(s);
	return put_string(p, len ? s : NULL, len);
}

int
km2_client_build(uint8_t *out, size_t cap, const struct km2_client_msg *m)
{
	if (!out || !m)
		return KM2_E_ARG;
	const char *user = m->has_userpass ? m->username : "", *pass = m->has_userpass ? m->password : "";
	const char *fields[4] = { m->options, user, pass, m->peer_info };
	const size_t limits[4] = { KM2_OPTIONS_MAX, KM2_USERPASS_MAX, KM2_USERPASS_MAX, KM2_PEERINFO_MAX };
	size_t need = KM2_HDR_LEN + KM2_PRE_MASTER_LEN + 2 * KM2_RANDOM_LEN;
	for (int i = 0; i < 4; i++) {
		size_t len = strnlen(fields[i], limits[i]);
		if (len >= limits[i])
			return KM2_E_ARG;
		need += 2 + (len ? len + 1 : 0);
	}
	if (cap < need)
		return KM2_E_ARG;
	memset(out, 0, 4);	/* uint32 0 */
	out[4] = KM2_METHOD;
	size_t n = KM2_HDR_LEN;
	memcpy(out + n, m->pre_master, KM2_PRE_MASTER_LEN);
	n += KM2_PRE_MASTER_LEN;
	memcpy(out + n, m->random1, KM2_RANDOM_LEN);
	n += KM2_RANDOM_LEN;
	memcpy(out + n, m->random2, KM2_RANDOM_LEN);
	n += KM2_RANDOM_LEN;
	for (int i = 0; i < 4; i++)
		n += put_field(out + n, fields[i]);
	assert(n == need);
	return (int)n;
}

bool
km2_occ_uses_comp(const char *options)
{
	return strstr(options, ",comp-lzo,") != NULL;
}
