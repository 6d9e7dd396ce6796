/*
 * Peer-info parser (fact sheet §5.4). See peerinfo.h.
 */
#include <assert.h>
#include <limits.h>
#include <string.h>

#include "peerinfo.h"

static bool
is_key_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* OpenVPN's value sanitising: non-printable, space and shell meta -> '_' */
static char
sanitize(unsigned char c)
{
	if (c < 0x21 || c > 0x7e || c == '$' || c == '(' || c == '`')
		return '_';
	return (char)c;
}

/* Leading decimal integer, like sscanf("%d"): optional sign, >= 1 digit,
 * anything may follow. Saturates at +-INT_MAX. */
static bool
parse_int(const char *s, int *out)
{
	bool neg = false;
	long long v = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v < INT_MAX)
			v = v * 10 + (*s - '0');
	}
	if (v > INT_MAX)
		v = INT_MAX;
	*out = (int)(neg ? -v : v);
	return true;
}

static void
decode_comp(struct peerinfo *pi, const char *key, const char *val)
{
	static const struct { const char *key; uint32_t bit; } comp[] = {
		{ "IV_LZO", PI_COMP_LZO },
		{ "IV_LZ4", PI_COMP_LZ4 },
		{ "IV_LZ4v2", PI_COMP_LZ4V2 },
		{ "IV_LZO_STUB", PI_COMP_LZO_STUB },
		{ "IV_COMP_STUB", PI_COMP_STUB },
		{ "IV_COMP_STUBv2", PI_COMP_STUBV2 },
	};
	int n;

	for (size_t i = 0; i < sizeof(comp) / sizeof(comp[0]); i++) {
		if (strcmp(key, comp[i].key) == 0 && parse_int(val, &n) && n != 0)
			pi->comp |= comp[i].bit;
	}
}

/* Decode a known key; called for the first occurrence of each key only. */
static void
decode_known(struct peerinfo *pi, const char *key, const char *val)
{
	int n;

	if (strcmp(key, "IV_PROTO") == 0) {
		if (parse_int(val, &n) && n > 0)
			pi->proto = (uint32_t)n;
	} else if (strcmp(key, "IV_NCP") == 0) {
		if (parse_int(val, &n))
			pi->ncp = n;
	} else if (strcmp(key, "IV_MTU") == 0) {
		pi->has_mtu = parse_int(val, &pi->mtu);
	} else if (strcmp(key, "IV_TCPNL") == 0) {
		pi->tcpnl = parse_int(val, &n) && n == 1;
	} else if (strcmp(key, "IV_CIPHERS") == 0) {
		pi->has_ciphers = true;
	} else {
		decode_comp(pi, key, val);
	}
}

/* Validate, store and decode one line (no '\n', trailing '\r' removed).
 * Returns false if it was rejected. */
static bool
add_line(struct peerinfo *pi, const char *line, size_t len)
{
	size_t klen = 0;

	if (len > PEERINFO_LINE_MAX)
		return false;
	while (klen < len && is_key_char((unsigned char)line[klen]))
		klen++;
	if (klen == 0 || klen >= len || line[klen] != '=')
		return false;
	if (klen < 3 || (memcmp(line, "IV_", 3) != 0 && memcmp(line, "UV_", 3) != 0))
		return false;
	/* key NUL value NUL */
	if (pi->n_pairs >= PEERINFO_PAIRS_MAX || (size_t)pi->text_len + len + 1 > PEERINFO_TEXT_MAX)
		return false;

	char *key = pi->text + pi->text_len;
	char *val = key + klen + 1;
	size_t vlen = len - klen - 1;

	memcpy(key, line, klen);
	key[klen] = '\0';
	for (size_t i = 0; i < vlen; i++)
		val[i] = sanitize((unsigned char)line[klen + 1 + i]);
	val[vlen] = '\0';

	const bool first = peerinfo_get(pi, key) == NULL;
	struct peerinfo_pair *p = &pi->pairs[pi->n_pairs];

	p->key_off = pi->text_len;
	p->val_off = (uint16_t)(pi->text_len + klen + 1);
	pi->text_len = (uint16_t)(pi->text_len + len + 1);
	if (key[0] == 'U')
		pi->uv[pi->n_uv++] = (uint8_t)pi->n_pairs;
	pi->n_pairs++;
	if (first)
		decode_known(pi, key, val);
	return true;
}

void
peerinfo_parse(struct peerinfo *pi, const char *text, size_t len)
{
	assert(pi && (text || len == 0));
	memset(pi, 0, sizeof(*pi));

	const char *end = text ? memchr(text, '\0', len) : NULL;

	if (end)
		len = (size_t)(end - text);

	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;

		pos += llen + (nl ? 1 : 0);
		while (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			continue;
		if (!add_line(pi, line, llen))
			pi->n_rejected++;
	}
}

const char *
peerinfo_get(const struct peerinfo *pi, const char *key)
{
	for (unsigned i = 0; i < pi->n_pairs; i++) {
		if (strcmp(pi->text + pi->pairs[i].key_off, key) == 0)
			return pi->text + pi->pairs[i].val_off;
	}
	return NULL;
}

const char *
peerinfo_key(const struct peerinfo *pi, unsigned i)
{
	assert(i < pi->n_pairs);
	return pi->text + pi->pairs[i].key_off;
}

const char *
peerinfo_value(const struct peerinfo *pi, unsigned i)
{
	assert(i < pi->n_pairs);
	return pi->text + pi->pairs[i].val_off;
}

bool
peerinfo_supports_ncp(const struct peerinfo *pi)
{
	return pi->has_ciphers || pi->ncp >= 2;
}
