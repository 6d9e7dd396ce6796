/*
 * Data-channel cipher negotiation (fact sheet §10). See ncp.h.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ncp.h"

static const struct {
	const char *name;
	enum ncp_cipher c;
} cipher_names[] = {
	/* canonical names first: ncp_cipher_name() returns the first match */
	{ "AES-128-GCM", NCP_AES_128_GCM },
	{ "AES-256-GCM", NCP_AES_256_GCM },
	{ "CHACHA20-POLY1305", NCP_CHACHA20_POLY1305 },
	/* OpenSSL's long names, which OpenVPN translates */
	{ "id-aes128-GCM", NCP_AES_128_GCM },
	{ "id-aes256-GCM", NCP_AES_256_GCM },
};

#define N_CIPHER_NAMES (sizeof(cipher_names) / sizeof(cipher_names[0]))

enum ncp_cipher
ncp_cipher_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < N_CIPHER_NAMES; i++) {
		if (strlen(cipher_names[i].name) == len &&
		    strncasecmp(cipher_names[i].name, name, len) == 0)
			return cipher_names[i].c;
	}
	return NCP_CIPHER_NONE;
}

const char *
ncp_cipher_name(enum ncp_cipher c)
{
	for (size_t i = 0; i < N_CIPHER_NAMES; i++) {
		if (cipher_names[i].c == c)
			return cipher_names[i].name;
	}
	return "none";
}

unsigned
ncp_cipher_key_len(enum ncp_cipher c)
{
	switch (c) {
	case NCP_AES_128_GCM:
		return 16;
	case NCP_AES_256_GCM:
	case NCP_CHACHA20_POLY1305:
		return 32;
	default:
		return 0;
	}
}

static void
set_err(char *err, size_t errlen, const char *what, const char *tok, size_t len)
{
	if (errlen)
		snprintf(err, errlen, "%s%.*s", what, (int)(len > NCP_NAME_MAX ? NCP_NAME_MAX : len), tok);
}

static void
list_add(struct ncp_list *l, enum ncp_cipher c)
{
	for (unsigned i = 0; i < l->n; i++) {
		if (l->c[i] == c)
			return;
	}
	assert(l->n < NCP_LIST_MAX);
	l->c[l->n++] = c;
}

int
ncp_list_parse(const char *data_ciphers, struct ncp_list *out, char *err, size_t errlen)
{
	assert(data_ciphers && out && (err || errlen == 0));
	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';

	for (const char *p = data_ciphers; *p;) {
		size_t len = strcspn(p, ":");
		const char *tok = p;

		p += len + (p[len] == ':');
		if (len == 0)
			continue;       /* strtok() semantics: empty items vanish */

		const bool optional = tok[0] == '?';

		if (optional) {
			tok++;
			len--;
		}
		enum ncp_cipher c = ncp_cipher_from_name(tok, len);

		if (c != NCP_CIPHER_NONE)
			list_add(out, c);
		else if (!optional) {
			set_err(err, errlen, "Unsupported cipher in --data-ciphers "
				"(supported: AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305): ", tok, len);
			return -1;
		}
	}
	char tmp[NCP_CIPHERS_LEN_MAX + 1];

	if (out->n == 0) {
		set_err(err, errlen, "--data-ciphers has no supported cipher", "", 0);
		return -1;
	}
	if (ncp_list_format(out, tmp, sizeof(tmp)) < 0) {
		set_err(err, errlen, "Length of --data-ciphers is over the limit of 127 chars", "", 0);
		return -1;
	}
	return 0;
}

int
ncp_list_format(const struct ncp_list *l, char *out, size_t cap)
{
	size_t n = 0;

	assert(l && out);
	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (unsigned i = 0; i < l->n; i++) {
		int w = snprintf(out + n, cap - n, "%s%s", i ? ":" : "", ncp_cipher_name(l->c[i]));

		if (w < 0 || (size_t)w >= cap - n)
			return -1;
		n += (size_t)w;
	}
	return (int)n;
}

bool
ncp_occ_cipher(const char *options, char *out, size_t cap)
{
	static const char name[] = "cipher ";
	const size_t nlen = sizeof(name) - 1;

	assert(options && out);
	for (const char *p = options; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		/* 2.6: "cipher " must be followed by something, anywhere */
		if (strncmp(p, name, nlen) != 0 || p[nlen] == '\0')
			continue;
		const char *v = p + nlen;
		size_t vlen = strcspn(v, ",");

		if (vlen == 13 && memcmp(v, "[null-cipher]", 13) == 0) {
			v = "none";
			vlen = 4;
		}
		if (vlen >= cap)
			return false;
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		return true;
	}
	return false;
}

/* Bit (1 << cipher) for every supported cipher in a client list. */
static unsigned
client_mask(const char *list)
{
	unsigned mask = 0;

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ":");

		mask |= 1u << ncp_cipher_from_name(p, len);
		p += len + (p[len] == ':');
	}
	return mask & ~1u;      /* NCP_CIPHER_NONE is never a choice */
}

int
ncp_select(const struct ncp_list *server, const struct peerinfo *pi,
	   const char *occ_cipher, enum ncp_cipher fallback, struct ncp_result *res)
{
	assert(server && res);
	memset(res, 0, sizeof(*res));

	const char *iv_ciphers = pi ? peerinfo_get(pi, "IV_CIPHERS") : NULL;
	unsigned mask = 0;
	bool have_list = false;         /* 2.6: strlen(tls_peer_ncp_list()) > 0 */

	if (iv_ciphers) {
		mask = client_mask(iv_ciphers);
		have_list = iv_ciphers[0] != '\0';
	} else if (pi && pi->ncp >= 2) {
		mask = 1u << NCP_AES_256_GCM | 1u << NCP_AES_128_GCM;
		have_list = true;
	}
	/* clients sending IV_CIPHERS may not accept their OCC cipher */
	const enum ncp_cipher occ = occ_cipher && !iv_ciphers ?
		ncp_cipher_from_name(occ_cipher, strlen(occ_cipher)) : NCP_CIPHER_NONE;

	res->push_cipher = pi && peerinfo_supports_ncp(pi);
	for (unsigned i = 0; i < server->n; i++) {
		const enum ncp_cipher c = server->c[i];

		if ((mask & 1u << c) || (occ != NCP_CIPHER_NONE && c == occ)) {
			res->cipher = c;
			res->via_occ = !(mask & 1u << c);
			return 0;
		}
	}
	/* the fallback is only for clients that told us nothing at all */
	if (!have_list && !occ_cipher && fallback != NCP_CIPHER_NONE) {
		res->cipher = fallback;
		res->via_fallback = true;
		return 0;
	}
	res->push_cipher = false;
	return -1;
}
