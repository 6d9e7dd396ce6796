/*
 * Inline file blocks: a line holding only "<tag>" opens a block that ends at
 * the first line starting (after blanks) with "</tag>"; the lines between are
 * the file's text, taken verbatim (no quoting or comments). The directive
 * table decides which tags may be inline (OpenVPN 2.6: ca, cert, key, dh,
 * crl-verify, tls-auth, tls-crypt, tls-crypt-v2, auth-gen-token-secret, and
 * others that dpvpn refuses).
 */
#define CP_CONFIG_INTERNAL
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AT(c, d, type) ((type *)((char *)(c) + (d)->off))

#define fail cp_cfg_fail

int
cp_cfg_inline_tag(const struct cp_cfg_line *l, const char **tag, size_t *taglen)
{
	const char *w = l->argv[0];
	size_t n = strlen(w);

	if (l->argc != 1 || n < 2 || w[0] != '<' || w[n - 1] != '>')
		return 0;
	*tag = w + 1;
	*taglen = n - 2;
	return 1;
}

/* The line (after leading blanks) starts with "</tag>". */
static int
is_close(const char *s, size_t n, const char *tag, size_t taglen)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f')) {
		s++;
		n--;
	}
	return n >= taglen + 3 && s[0] == '<' && s[1] == '/' && !memcmp(s + 2, tag, taglen)
		&& s[taglen + 2] == '>';
}

/* Line length without a trailing '\r' (CRLF files give LF-only text). */
static size_t
body_len(const char *s, size_t n)
{
	return (n && s[n - 1] == '\r') ? n - 1 : n;
}

/*
 * Two passes over the same lines: the first finds the end tag and the size,
 * the second copies, so the body is allocated once at its final size.
 */
int
cp_cfg_inline_read(struct cp_cfg_reader *r, const char *tag, size_t taglen, char **body,
	char *msg, size_t n)
{
	struct cp_cfg_reader scan = *r;
	const char *s;
	size_t len, total = 0;
	int closed = 0;

	while (cp_cfg_next_line(&scan, &s, &len)) {
		if (is_close(s, len, tag, taglen)) {
			closed = 1;
			break;
		}
		if (memchr(s, '\0', len)) {
			snprintf(msg, n, "NUL byte in inline block '<%.*s>' (line %u)", (int)taglen,
				tag, (unsigned)scan.lineno);
			return -1;
		}
		total += body_len(s, len) + 1;
	}
	if (!closed) {
		snprintf(msg, n, "missing '</%.*s>': inline block not closed", (int)taglen, tag);
		return -1;
	}
	if (total == 0) {
		snprintf(msg, n, "empty inline block '<%.*s>'", (int)taglen, tag);
		return -1;
	}
	char *out = malloc(total + 1), *o = out;
	if (!out) {
		snprintf(msg, n, "out of memory");
		return -1;
	}
	while (cp_cfg_next_line(r, &s, &len) && r->lineno < scan.lineno) {
		size_t b = body_len(s, len);
		memcpy(o, s, b);
		o += b;
		*o++ = '\n';
	}
	*o = '\0';
	*body = out;
	return 0;
}

/* ---- file arguments: a path, or an inline block's text ---- */

int
cp_cfg_strdup(char **dst, const char *s, char *msg, size_t n)
{
	char *v;
	if (!*s)
		return fail(msg, n, "empty file name");
	if (!(v = strdup(s)))
		return fail(msg, n, "out of memory");
	free(*dst);
	*dst = v;
	return 0;
}

int
cp_cfg_set_src(struct cp_cfg_src *dst, const struct cp_cfg_line *l, char *msg, size_t n)
{
	char *old = dst->value;
	int old_inline = dst->is_inline;

	dst->value = NULL;
	if (cp_cfg_strdup(&dst->value, l->argv[1], msg, n)) {
		dst->value = old;
		return -1;
	}
	if (old && old_inline)
		explicit_bzero(old, strlen(old));
	free(old);
	dst->is_inline = l->is_inline;
	return 0;
}

static int
key_dir(const char *s, int *out, char *msg, size_t n)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return fail(msg, n, "bad key direction '%s' (expected 0 or 1)", s);
	*out = s[0] - '0';
	return 0;
}

CP_CFG_HANDLER(cp_cfg_h_path)
{
	return cp_cfg_strdup(AT(c, d, char *), l->argv[1], msg, n);
}

CP_CFG_HANDLER(cp_cfg_h_src)
{
	return cp_cfg_set_src(AT(c, d, struct cp_cfg_src), l, msg, n);
}

CP_CFG_HANDLER(cp_cfg_h_dh)
{
	if (!l->is_inline && !strcmp(l->argv[1], "none")) {
		free(c->dh.value);
		c->dh.value = NULL;
		c->dh.is_inline = 0;
		c->dh_none = 1;
		return 0;
	}
	c->dh_none = 0;
	return cp_cfg_set_src(&c->dh, l, msg, n);
}

CP_CFG_HANDLER(cp_cfg_h_crl)
{
	if (l->argc > 2 && strcmp(l->argv[2], "dir"))
		return fail(msg, n, "unknown flag '%s' (expected dir)", l->argv[2]);
	c->crl_dir = l->argc > 2;
	return cp_cfg_set_src(&c->crl_verify, l, msg, n);
}

CP_CFG_HANDLER(cp_cfg_h_tls_auth)
{
	if (l->argc > 2 && key_dir(l->argv[2], &c->key_direction, msg, n))
		return -1;
	return cp_cfg_set_src(&c->tls_auth, l, msg, n);
}

CP_CFG_HANDLER(cp_cfg_h_tls_crypt_v2)
{
	static const char *const modes[] = { "allow-noncookie", "force-cookie", NULL };
	int m = 0;
	if (l->argc > 2 && (m = cp_cfg_word(l->argv[2], modes)) < 0)
		return fail(msg, n, "unknown flag '%s' (expected force-cookie or allow-noncookie)",
			l->argv[2]);
	c->tls_crypt_v2_force_cookie = m;
	return cp_cfg_set_src(&c->tls_crypt_v2, l, msg, n);
}

CP_CFG_HANDLER(cp_cfg_h_status)
{
	if (l->argc > 2 && cp_cfg_num(l->argv[2], 0, 1u << 30, &c->status_sec, msg, n))
		return -1;
	return cp_cfg_strdup(&c->status_file, l->argv[1], msg, n);
}

CP_CFG_HANDLER(cp_cfg_h_pool_persist)
{
	if (l->argc > 2 && cp_cfg_num(l->argv[2], 0, 1u << 30, &c->pool_persist_sec, msg, n))
		return -1;
	return cp_cfg_strdup(&c->pool_persist_file, l->argv[1], msg, n);
}

CP_CFG_HANDLER(cp_cfg_h_log)
{
	if (cp_cfg_strdup(&c->log_file, l->argv[1], msg, n))
		return -1;
	c->log_append = !strcmp(d->name, "log-append");
	return 0;
}
