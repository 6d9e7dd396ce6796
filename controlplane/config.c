/*
 * Configuration text -> struct cp_config: the tokenizer (OpenVPN's quoting
 * rules), the line loop, file loading, and the cross-checks and derived
 * values of cp_config_finish(). The directive table lives in
 * config_directives.c, inline <tag> blocks in config_inline.c.
 */
#define CP_CONFIG_INTERNAL
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { LOAD_MAX = 16 << 20 };	/* largest config file we read */

typedef int (*apply_fn)(void *obj, const struct cp_cfg_line *l, char *msg, size_t n);

int
cp_cfg_fail(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return -1;
}

#define fail cp_cfg_fail

/* ---- shared value parsers ---- */

int
cp_cfg_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

int
cp_cfg_mask_bits(uint32_t mask)
{
	uint32_t inv = ~mask;
	if (inv & (inv + 1))	/* the host part must be 0...01...1 */
		return -1;
	return __builtin_popcount(mask);
}

void
cp_cfg_fmt_ipv4(uint32_t a, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Decimal digits only: no sign, no blanks, no hex. */
int
cp_cfg_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
cp_cfg_num(const char *s, uint32_t lo, uint32_t hi, uint32_t *out, char *msg, size_t n)
{
	uint64_t v;
	if (cp_cfg_u64(s, lo, hi, &v))
		return fail(msg, n, "bad number '%s' (expected %u to %u)", s, (unsigned)lo,
			(unsigned)hi);
	*out = (uint32_t)v;
	return 0;
}

int
cp_cfg_addr(const char *s, uint32_t *out, char *msg, size_t n)
{
	if (cp_cfg_ipv4(s, out))
		return fail(msg, n, "bad IPv4 address '%s'", s);
	return 0;
}

/* NET [MASK] for route and iroute: a contiguous mask, no host bits. */
int
cp_cfg_net(const struct cp_cfg_line *l, struct cp_cfg_route *r, char *msg, size_t n)
{
	r->mask = 0xffffffffu;
	if (cp_cfg_addr(l->argv[1], &r->net, msg, n))
		return -1;
	if (l->argc > 2 && cp_cfg_addr(l->argv[2], &r->mask, msg, n))
		return -1;
	if (cp_cfg_mask_bits(r->mask) < 0)
		return fail(msg, n, "netmask %s is not contiguous", l->argv[2]);
	if (r->net & ~r->mask)
		return fail(msg, n, "%s has host bits set for netmask %s", l->argv[1],
			l->argc > 2 ? l->argv[2] : "255.255.255.255");
	return 0;
}

/* Pushed options go into PUSH_REPLY, which is comma separated. */
int
cp_cfg_push(char (*push)[CP_CFG_PUSH_LEN], unsigned *count, const char *s, char *msg, size_t n)
{
	if (!*s)
		return fail(msg, n, "empty option");
	for (const char *p = s; *p; p++)
		if (*p == ',' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(msg, n, "'%s': commas and control characters cannot be pushed",
				s);
	if (*count == CP_CFG_MAX_PUSH)
		return fail(msg, n, "too many push options (max %d)", CP_CFG_MAX_PUSH);
	snprintf(push[(*count)++], CP_CFG_PUSH_LEN, "%s", s);
	return 0;
}

int
cp_cfg_strcpy(char *dst, size_t cap, const char *s, char *msg, size_t n)
{
	if (strlen(s) >= cap)
		return fail(msg, n, "'%s' is too long (max %zu characters)", s, cap - 1);
	strcpy(dst, s);
	return 0;
}

/* Index of s in the NULL-terminated list words, or -1. */
int
cp_cfg_word(const char *s, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return i;
	return -1;
}

/* ---- reader and tokenizer ---- */

int
cp_cfg_next_line(struct cp_cfg_reader *r, const char **line, size_t *n)
{
	if (r->pos >= r->len)
		return 0;
	const char *s = r->text + r->pos;
	const char *nl = memchr(s, '\n', r->len - r->pos);
	size_t len = nl ? (size_t)(nl - s) : r->len - r->pos;
	r->pos += len + (nl ? 1 : 0);
	r->lineno++;
	*line = s;
	*n = len;
	return 1;
}

/* OpenVPN splits words at isspace(); '\n' never reaches here. */
static int
blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* One backslash escape at *p: only \\, \" and \<blank> exist (not in ''). */
static int
unescape(const char **p, const char *end, char *ch, char *msg, size_t n)
{
	if (*p + 1 == end)
		return fail(msg, n, "backslash at end of line");
	char c = (*p)[1];
	if (c != '\\' && c != '"' && !blank(c))
		return fail(msg, n, "bad backslash escape (only \\\\, \\\" and \\SPACE are allowed;"
			" use single quotes for a literal backslash)");
	*ch = c;
	*p += 2;
	return 0;
}

/* Reads one word at *pp into *o (NUL-terminated); advances both. */
static int
read_word(const char **pp, const char *end, char **o, char *msg, size_t n)
{
	const char *p = *pp;
	char quote = 0, *w = *o;
	size_t len = 0;

	if (*p == '"' || *p == '\'')
		quote = *p++;
	for (;;) {
		if (p == end) {
			if (quote)
				return fail(msg, n, "missing closing %s quote",
					quote == '"' ? "double" : "single");
			break;
		}
		char ch = *p;
		if (quote && ch == quote) {
			p++;
			break;
		}
		if (!quote && blank(ch))
			break;
		if (ch == '\\' && quote != '\'') {
			if (unescape(&p, end, &ch, msg, n))
				return -1;
		} else {
			p++;
		}
		if (len == CP_CFG_WORD_MAX)
			return fail(msg, n, "word too long (max %d characters)", CP_CFG_WORD_MAX);
		w[len++] = ch;
	}
	w[len] = '\0';
	*o = w + len + 1;
	*pp = p;
	return 0;
}

/*
 * Splits a line into words like OpenVPN's parse_line(): "..." and '...'
 * quote (a closing quote ends the word), backslash escapes outside single
 * quotes, and '#' or ';' where a word would start begins a comment.
 * out needs room for the line plus one NUL per word.
 */
static int
tokenize(const char *p, size_t len, char *out, struct cp_cfg_line *l, char *msg, size_t n)
{
	const char *end = p + len;

	l->argc = 0;
	for (;;) {
		/* OpenVPN drops a backslash that escapes a separator or ends the line */
		while (p < end && (blank(*p) || (*p == '\\' && (p + 1 == end || blank(p[1])))))
			p += (*p == '\\' && p + 1 < end) ? 2 : 1;
		if (p == end || *p == '#' || *p == ';')
			break;
		if (*p == '\\' && (p[1] == '#' || p[1] == ';'))
			break;	/* OpenVPN: an escaped comment character still starts one */
		if (l->argc == CP_CFG_MAX_WORDS)
			return fail(msg, n, "too many words (max %d)", CP_CFG_MAX_WORDS);
		l->argv[l->argc++] = out;
		if (read_word(&p, end, &out, msg, n))
			return -1;
	}
	l->argv[l->argc] = NULL;
	if (l->argc && strlen(l->argv[0]) >= 3 && !strncmp(l->argv[0], "--", 2))
		l->argv[0] += 2;	/* "--port 1194" as on the command line */
	return 0;
}

/* Blank or comment-only lines are skipped before the length limit applies. */
static int
skippable(const char *s, size_t n)
{
	while (n && blank(*s)) {
		s++;
		n--;
	}
	return n == 0 || *s == '#' || *s == ';';
}

/* Applies l, first reading the inline block when l is a lone "<tag>". */
static int
apply_line(void *obj, apply_fn apply, int allow_inline, struct cp_cfg_reader *r,
	struct cp_cfg_line *l, char *msg, size_t n)
{
	const char *tag;
	size_t taglen;
	char *body = NULL;

	if (!cp_cfg_inline_tag(l, &tag, &taglen))
		return apply(obj, l, msg, n);
	if (taglen && tag[0] == '/')
		return fail(msg, n, "'%s' without an opening tag", l->argv[0]);
	if (!allow_inline)
		return fail(msg, n, "inline block '%s' not allowed in a client-config-dir file",
			l->argv[0]);
	if (cp_cfg_inline_read(r, tag, taglen, &body, msg, n))
		return -1;
	l->argv[0][taglen + 1] = '\0';	/* "<ca>" -> "ca" */
	l->argv[0]++;
	l->argv[1] = body;
	l->argv[2] = NULL;
	l->argc = 2;
	l->is_inline = 1;
	int rc = apply(obj, l, msg, n);
	explicit_bzero(body, strlen(body));	/* may be a private key */
	free(body);
	return rc;
}

/* The line loop shared by server.conf and CCD files. */
static int
run(void *obj, apply_fn apply, int allow_inline, const char *text, size_t len,
	const char *fname, char *err, size_t errlen)
{
	struct cp_cfg_reader r = { .text = text, .len = len };
	char words[CP_CFG_LINE_MAX + CP_CFG_MAX_WORDS + 1];
	char msg[CP_CFG_MSG_LEN];
	const char *s;
	size_t n;
	int rc = 0;

	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		r.pos = 3;	/* UTF-8 byte order mark */
	while (rc == 0 && cp_cfg_next_line(&r, &s, &n)) {
		struct cp_cfg_line l = { .lineno = r.lineno };
		if (memchr(s, '\0', n))
			rc = fail(msg, sizeof(msg), "NUL byte in line");
		else if (skippable(s, n))
			continue;
		else if (n >= CP_CFG_LINE_MAX)
			rc = fail(msg, sizeof(msg), "line too long (max %d characters)",
				CP_CFG_LINE_MAX - 1);
		else
			rc = tokenize(s, n, words, &l, msg, sizeof(msg));
		if (rc == 0 && l.argc)
			rc = apply_line(obj, apply, allow_inline, &r, &l, msg, sizeof(msg));
		if (rc)
			snprintf(err, errlen, "%s:%u: %s", fname, (unsigned)l.lineno, msg);
	}
	explicit_bzero(words, sizeof(words));
	return rc;
}

static int
apply_cfg(void *obj, const struct cp_cfg_line *l, char *msg, size_t n)
{
	return cp_cfg_apply(obj, l, msg, n);
}

static int
apply_ccd(void *obj, const struct cp_cfg_line *l, char *msg, size_t n)
{
	return cp_ccd_apply(obj, l, msg, n);
}

int
cp_config_parse(struct cp_config *c, const char *text, size_t len, const char *fname,
	char *err, size_t errlen)
{
	snprintf(c->source, sizeof(c->source), "%s", fname);
	return run(c, apply_cfg, 1, text, len, fname, err, errlen);
}

int
cp_ccd_parse(struct cp_ccd *cc, const char *text, size_t len, const char *fname,
	char *err, size_t errlen)
{
	memset(cc, 0, sizeof(*cc));
	return run(cc, apply_ccd, 0, text, len, fname, err, errlen);
}

int
cp_config_load(struct cp_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *text = NULL;
	size_t n = 0;
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > LOAD_MAX)
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path, LOAD_MAX);
	else if (!(text = malloc((size_t)st.st_size + 1)))
		snprintf(err, errlen, "%s: out of memory", path);
	else if ((n = fread(text, 1, (size_t)st.st_size, f)) != (size_t)st.st_size)
		snprintf(err, errlen, "%s: read error", path);
	else
		rc = cp_config_parse(c, text, n, path, err, errlen);
	fclose(f);
	if (text) {
		explicit_bzero(text, n);	/* inline keys */
		free(text);
	}
	return rc;
}

/* ---- defaults and free ---- */

void
cp_config_defaults(struct cp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 1194;
	c->proto = CP_PROTO_UDP;
	strcpy(c->dev, "tun");
	c->topology = CP_TOPO_NET30;	/* OpenVPN 2.6 (2.7: subnet) */
	c->key_direction = -1;
	c->tls_version_min = 0x0303;
	c->verify_client_cert = CP_VERIFY_REQUIRE;
	strcpy(c->data_ciphers, "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
	c->cipher_ids[0] = CP_CIPHER_AES_256_GCM;
	c->cipher_ids[1] = CP_CIPHER_AES_128_GCM;
	c->cipher_ids[2] = CP_CIPHER_CHACHA20_POLY1305;
	c->n_ciphers = 3;
	strcpy(c->auth, "SHA1");
	c->replay_window = 64;
	c->replay_time = 15;
	c->reneg_sec = 3600;
	c->hand_window = 60;
	c->tran_window = 3600;
	c->tls_timeout = 2;
	c->max_clients = 1024;
	c->connect_freq_initial_n = 100;	/* 2.6's default: 100 reset replies per 10 s */
	c->connect_freq_initial_sec = 10;
	c->script_security = 1;
	c->tun_mtu = 1500;
	c->max_packet_size = 1250;
	c->mssfix = 1492;
	c->mssfix_default = 1;
	c->mssfix_mode = 1;
	c->status_sec = 60;
	c->status_version = 1;
	c->verb = 1;
	c->pool_persist_sec = 600;
	c->mgmt.log_cache = 250;
	strcpy(c->dataplane, "ipc:///run/dpvpn/dataplane.sock");
	strcpy(c->ctl_socket, "/run/dpvpn/dpvpnctl.sock");
	c->max_ban_score = 80;		/* ocserv's defaults */
	c->ban_reset_time = 1200;
	c->ban_time = 300;
	c->ban_points_wrong_password = 10;
	c->ban_points_bad_certificate = 10;
	c->ban_points_bad_packet = 0;	/* spoofable before the cookie exchange: off */
	c->ban_points_connection = 1;
}

static void
free_str(char **s)
{
	free(*s);
	*s = NULL;
}

static void
free_src(struct cp_cfg_src *s)
{
	if (s->value && s->is_inline)
		explicit_bzero(s->value, strlen(s->value));
	free_str(&s->value);
	s->is_inline = 0;
}

void
cp_config_free(struct cp_config *c)
{
	struct cp_cfg_src *srcs[] = { &c->ca, &c->cert, &c->key, &c->dh, &c->crl_verify,
		&c->tls_auth, &c->tls_crypt, &c->tls_crypt_v2, &c->auth_gen_token_secret };
	char **strs[] = { &c->client_config_dir, &c->user_pass_db, &c->auth_verify_cmd,
		&c->status_file, &c->log_file, &c->writepid, &c->pool_persist_file,
		&c->mgmt.pwfile };

	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++)
		free_src(srcs[i]);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free_str(strs[i]);
}

/* ---- cp_config_finish: cross-checks ---- */

struct fin {
	struct cp_config *c;
	char *err;
	size_t errlen;
};

/* "SRC:LINE: msg" at the line of directive 'at' (if given), else "SRC: msg". */
static int
ferr(const struct fin *f, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
ferr(const struct fin *f, const char *at, const char *fmt, ...)
{
	char msg[CP_CFG_MSG_LEN];
	va_list ap;
	uint32_t line = at ? cp_cfg_line_of(f->c, at) : 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(f->err, f->errlen, "%s:%u: %s", f->c->source, (unsigned)line, msg);
	else
		snprintf(f->err, f->errlen, "%s: %s", f->c->source, msg);
	return -1;
}

static uint32_t
seen(const struct fin *f, const char *name)
{
	return cp_cfg_line_of(f->c, name);
}

static int
check_required(const struct fin *f)
{
	const struct cp_config *c = f->c;

	if (!c->ca.value)
		return ferr(f, NULL, "missing 'ca' (the CA certificate that signs client "
			"certificates)");
	if (!c->cert.value)
		return ferr(f, NULL, "missing 'cert' (the server certificate)");
	if (!c->key.value)
		return ferr(f, NULL, "missing 'key' (the server private key)");
	if (!c->server_set)
		return ferr(f, NULL, "missing 'server NETWORK NETMASK' (the tunnel address pool)");
	if (strncmp(c->dev, "tun", 3) && !seen(f, "dev-type"))
		return ferr(f, "dev", "dev: cannot tell the type of device '%s': add "
			"'dev-type tun'", c->dev);
	return 0;
}

/* Pairs of directives that exclude each other: the later one is reported. */
static int
check_exclusive(const struct fin *f)
{
	static const char *const pairs[][3] = {
		{ "tls-auth", "tls-crypt", "" },
		{ "keepalive", "ping", ": keepalive sets ping and ping-restart" },
		{ "keepalive", "ping-restart", ": keepalive sets ping and ping-restart" },
		{ "user-pass-db", "auth-user-pass-verify", ": choose one password check" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint32_t a = seen(f, pairs[i][0]), b = seen(f, pairs[i][1]);
		if (a && b)
			return ferr(f, a > b ? pairs[i][0] : pairs[i][1],
				"'%s' (line %u) and '%s' (line %u) cannot be combined%s",
				pairs[i][0], (unsigned)a, pairs[i][1], (unsigned)b, pairs[i][2]);
	}
	return 0;
}

/* Directives that only make sense with another one. */
static int
check_depends(const struct fin *f)
{
	static const char *const deps[][2] = {
		{ "management-client-auth", "management" },
		{ "management-hold", "management" },
		{ "management-log-cache", "management" },
		{ "management-client-user", "management" },
		{ "management-client-group", "management" },
		{ "auth-gen-token-secret", "auth-gen-token" },
		{ "ccd-exclusive", "client-config-dir" },
	};
	const struct cp_cfg_mgmt *m = &f->c->mgmt;

	for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++)
		if (seen(f, deps[i][0]) && !seen(f, deps[i][1]))
			return ferr(f, deps[i][0], "%s: needs '%s'", deps[i][0], deps[i][1]);
	if (m->set && !m->is_unix && (m->client_user[0] || m->client_group[0])) {
		const char *d = m->client_user[0] ? "management-client-user"
			: "management-client-group";
		return ferr(f, d, "%s: only for a unix socket ('management PATH unix')", d);
	}
	return 0;
}

#define USERPASS "user/password authentication (user-pass-db, auth-user-pass-verify or " \
	"management-client-auth)"

static int
check_auth(const struct fin *f)
{
	const struct cp_config *c = f->c;
	int userpass = c->user_pass_db || c->auth_verify_cmd || c->mgmt.client_auth;

	if (c->auth_verify_cmd && c->script_security < 2)
		return ferr(f, "auth-user-pass-verify",
			"auth-user-pass-verify: needs 'script-security 2' or higher");
	if (c->verify_client_cert != CP_VERIFY_REQUIRE && !userpass)
		return ferr(f, "verify-client-cert", "verify-client-cert: '%s' needs %s",
			c->verify_client_cert == CP_VERIFY_NONE ? "none" : "optional", USERPASS);
	if (c->auth_user_pass_optional && !userpass)
		return ferr(f, "auth-user-pass-optional", "auth-user-pass-optional: needs %s",
			USERPASS);
	if (c->allow_compression == CP_ALLOWCOMP_NO && c->compress >= CP_COMP_LZO
		&& c->compress != CP_COMP_LZO_NO)
		return ferr(f, "allow-compression",
			"allow-compression: 'no' conflicts with the configured compression");
	return 0;
}

/* ---- cp_config_finish: derived values ---- */

static int
add_push(const struct fin *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
add_push(const struct fin *f, const char *fmt, ...)
{
	struct cp_cfg_derived *d = &f->c->derived;
	va_list ap;

	if (d->n_push == CP_CFG_MAX_DERIVED_PUSH)
		return ferr(f, NULL, "too many implied push options");
	va_start(ap, fmt);
	vsnprintf(d->push[d->n_push++], CP_CFG_PUSH_LEN, fmt, ap);
	va_end(ap);
	return 0;
}

/* An explicit ifconfig-pool must lie inside the server network. */
static int
check_pool(const struct fin *f)
{
	const struct cp_config *c = f->c;
	const struct cp_cfg_derived *d = &c->derived;
	uint32_t bcast = c->server_net | ~c->server_mask;

	if (!c->pool_set)
		return 0;
	if (!c->server_nopool)
		return ferr(f, "ifconfig-pool", "ifconfig-pool: 'server' (line %u) already defines "
			"the pool; use 'server NETWORK NETMASK nopool' with an explicit pool",
			(unsigned)seen(f, "server"));
	if ((c->pool_start & c->server_mask) != c->server_net
		|| (c->pool_end & c->server_mask) != c->server_net
		|| c->pool_start == c->server_net || c->pool_end == bcast)
		return ferr(f, "ifconfig-pool", "ifconfig-pool: range must lie inside the host "
			"addresses of the 'server' network");
	if (d->server_ip >= c->pool_start && d->server_ip <= c->pool_end)
		return ferr(f, "ifconfig-pool", "ifconfig-pool: range contains the server address");
	if (d->net30_peer && d->net30_peer >= c->pool_start && d->net30_peer <= c->pool_end)
		return ferr(f, "ifconfig-pool", "ifconfig-pool: range contains the server's net30 "
			"peer address (NETWORK+2)");
	return 0;
}

/*
 * 'server NET MASK' as OpenVPN's helper expands it (fact sheet §16):
 * subnet: server .1, pool .2 .. broadcast-1, push route-gateway and topology.
 * net30: server .1 with peer .2, pool from .4 to broadcast-4 (/29: to the
 * broadcast) in /30 blocks, push 'route .1' (or the whole network with
 * client-to-client) and topology.
 */
static int
derive_addresses(const struct fin *f)
{
	struct cp_config *c = f->c;
	struct cp_cfg_derived *d = &c->derived;
	uint32_t net = c->server_net, mask = c->server_mask, bcast = net | ~mask;
	char a[16], m[16];

	d->server_ip = net + 1;
	d->netmask = mask;
	cp_cfg_fmt_ipv4(net + 1, a, sizeof(a));
	if (c->topology == CP_TOPO_SUBNET) {
		d->pool_start = net + 2;
		d->pool_end = bcast - 1;
		if (add_push(f, "route-gateway %s", a))
			return -1;
	} else {
		d->net30_peer = net + 2;
		d->pool_start = net + 4;
		d->pool_end = bcast - (cp_cfg_mask_bits(mask) == 29 ? 0 : 4);
		if (c->client_to_client) {
			cp_cfg_fmt_ipv4(net, a, sizeof(a));
			cp_cfg_fmt_ipv4(mask, m, sizeof(m));
			if (add_push(f, "route %s %s", a, m))
				return -1;
		} else if (add_push(f, "route %s", a)) {
			return -1;
		}
	}
	if (add_push(f, "topology %s", c->topology == CP_TOPO_SUBNET ? "subnet" : "net30"))
		return -1;
	d->has_pool = !c->server_nopool;
	if (check_pool(f))
		return -1;
	if (c->pool_set) {
		d->has_pool = 1;
		d->pool_start = c->pool_start;
		d->pool_end = c->pool_end;
	} else if (c->server_nopool) {
		d->pool_start = d->pool_end = 0;
	}
	return 0;
}

/* keepalive I T: we ping every I and restart after 2T; clients get I and T. */
static int
derive_timers(const struct fin *f)
{
	struct cp_config *c = f->c;
	struct cp_cfg_derived *d = &c->derived;

	if (!c->keepalive_ping) {
		d->ping = c->ping;
		d->ping_restart = c->ping_restart;
		return 0;
	}
	d->ping = c->keepalive_ping;
	d->ping_restart = 2 * c->keepalive_timeout;
	if (add_push(f, "ping %u", (unsigned)c->keepalive_ping)
		|| add_push(f, "ping-restart %u", (unsigned)c->keepalive_timeout))
		return -1;
	return 0;
}

int
cp_config_finish(struct cp_config *c, char *err, size_t errlen)
{
	struct fin f = { .c = c, .err = err, .errlen = errlen };

	memset(&c->derived, 0, sizeof(c->derived));
	if (check_required(&f) || check_exclusive(&f) || check_depends(&f) || check_auth(&f)
		|| derive_addresses(&f) || derive_timers(&f)) {
		memset(&c->derived, 0, sizeof(c->derived));
		return -1;
	}
	return 0;
}

/* ---- CCD against the config ---- */

static int
ccd_err(char *err, size_t errlen, const char *fname, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
ccd_err(char *err, size_t errlen, const char *fname, uint32_t line, const char *fmt, ...)
{
	char msg[CP_CFG_MSG_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%u: %s", fname, (unsigned)line, msg);
	return -1;
}

/* A client address: a host address of the server network, not ours. */
static int
host_in_server_net(const struct cp_config *c, uint32_t a)
{
	const struct cp_cfg_derived *d = &c->derived;
	return (a & c->server_mask) == c->server_net && a != c->server_net
		&& a != (c->server_net | ~c->server_mask) && a != d->server_ip
		&& a != d->net30_peer;
}

int
cp_ccd_check(const struct cp_config *c, const struct cp_ccd *cc, const char *fname,
	char *err, size_t errlen)
{
	char a[16], m[16];
	uint32_t line = cc->ifconfig_line, l = cc->ifconfig_local, r = cc->ifconfig_remote;

	if (!cc->has_ifconfig)
		return 0;
	cp_cfg_fmt_ipv4(l, a, sizeof(a));
	cp_cfg_fmt_ipv4(r, m, sizeof(m));
	if (!host_in_server_net(c, l))
		return ccd_err(err, errlen, fname, line, "ifconfig-push: %s is not a free host "
			"address of the server network", a);
	if (c->topology == CP_TOPO_SUBNET) {
		if (r != c->server_mask)
			return ccd_err(err, errlen, fname, line, "ifconfig-push: with topology "
				"subnet the second address is the netmask of the server network, "
				"not %s", m);
		return 0;
	}
	/* net30: LOCAL and REMOTE are the two host addresses of one /30 (which
	 * then lies inside the server network too: it is at least a /29) */
	if ((l & ~3u) != (r & ~3u) || l == r || (l & 3) == 0 || (l & 3) == 3 || (r & 3) == 0
		|| (r & 3) == 3)
		return ccd_err(err, errlen, fname, line, "ifconfig-push: with topology net30 %s "
			"and %s must be the two host addresses of one /30 block", a, m);
	return 0;
}
