#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TOKENS 16
#define MAX_LINE 1024

struct line {
	char *tok[MAX_TOKENS];
	int n;
};

typedef int (*directive_fn)(struct dp_conf *c, const struct line *l, char *msg, size_t n);

struct directive {
	const char *name;
	int min_args, max_args;
	directive_fn fn;
};

static int
fail(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
dp_conf_parse_prefix(const char *s, uint32_t *addr, uint8_t *plen)
{
	char buf[64];
	struct in_addr a;
	uint32_t len = 32;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (!plen || parse_u32(slash + 1, 0, 32, &len))
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr = a.s_addr;
	if (plen)
		*plen = (uint8_t)len;
	return 0;
}

static int
port_kv(struct dp_port_conf *p, const char *key, const char *val, char *msg, size_t n)
{
	uint32_t v;
	if (!strcmp(key, "port")) {
		if (parse_u32(val, 0, 1023, &v))
			return fail(msg, n, "bad port number '%s'", val);
		p->port_id = (int)v;
	} else if (!strcmp(key, "dev")) {
		if (strlen(val) >= sizeof(p->dev))
			return fail(msg, n, "device name too long");
		strcpy(p->dev, val);
	} else if (!strcmp(key, "addr")) {
		if (dp_conf_parse_prefix(val, &p->addr, &p->plen) || !strchr(val, '/')
			|| p->plen == 0 || p->plen > 31)
			return fail(msg, n, "bad addr '%s' (want a.b.c.d/len, len 1..31)", val);
	} else if (!strcmp(key, "gw")) {
		if (dp_conf_parse_prefix(val, &p->gw, NULL))
			return fail(msg, n, "bad gw '%s'", val);
	} else {
		return fail(msg, n, "unknown key '%s' (port, dev, addr, gw)", key);
	}
	return 0;
}

static int
do_port(struct dp_port_conf *p, const struct line *l, char *msg, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->port_id = -1;
	for (int i = 1; i < l->n; i++) {
		char *eq = strchr(l->tok[i], '=');
		if (!eq)
			return fail(msg, n, "expected KEY=VALUE, got '%s'", l->tok[i]);
		*eq = '\0';
		if (port_kv(p, l->tok[i], eq + 1, msg, n))
			return -1;
	}
	if (p->port_id < 0 && !p->dev[0])
		return fail(msg, n, "%s needs port=N or dev=NAME", l->tok[0]);
	if (!p->addr)
		return fail(msg, n, "%s needs addr=A.B.C.D/LEN", l->tok[0]);
	p->set = 1;
	return 0;
}

static int
d_outside(struct dp_conf *c, const struct line *l, char *msg, size_t n)
{
	return do_port(&c->outside, l, msg, n);
}

static int
d_inside(struct dp_conf *c, const struct line *l, char *msg, size_t n)
{
	return do_port(&c->inside, l, msg, n);
}

static int
d_route(struct dp_conf *c, const struct line *l, char *msg, size_t n)
{
	struct dp_route_conf r;
	if (c->n_routes == DP_CONF_MAX_ROUTES)
		return fail(msg, n, "too many routes (max %d)", DP_CONF_MAX_ROUTES);
	if (dp_conf_parse_prefix(l->tok[1], &r.prefix, &r.plen))
		return fail(msg, n, "bad prefix '%s'", l->tok[1]);
	if (strcmp(l->tok[2], "via") || dp_conf_parse_prefix(l->tok[3], &r.via, NULL))
		return fail(msg, n, "expected 'route PREFIX via GATEWAY'");
	c->routes[c->n_routes++] = r;
	return 0;
}

static int
d_string(char *dst, size_t cap, const struct line *l, char *msg, size_t n)
{
	if (strlen(l->tok[1]) >= cap)
		return fail(msg, n, "value too long (max %zu)", cap - 1);
	strcpy(dst, l->tok[1]);
	return 0;
}

static int
d_name(struct dp_conf *c, const struct line *l, char *msg, size_t n)
{
	return d_string(c->name, sizeof(c->name), l, msg, n);
}

static int
d_control(struct dp_conf *c, const struct line *l, char *msg, size_t n)
{
	return d_string(c->control, sizeof(c->control), l, msg, n);
}

#define NUM_DIRECTIVE(fname, field, lo, hi) \
static int \
fname(struct dp_conf *c, const struct line *l, char *msg, size_t n) \
{ \
	uint32_t v; \
	if (parse_u32(l->tok[1], lo, hi, &v)) \
		return fail(msg, n, "bad value '%s' (%u..%u)", l->tok[1], lo, hi); \
	c->field = v; \
	return 0; \
}

NUM_DIRECTIVE(d_udp_port, udp_port, 1u, 65535u)
NUM_DIRECTIVE(d_max_sessions, max_sessions, 1u, 8388608u)
NUM_DIRECTIVE(d_mbufs, mbufs, 1023u, 4194303u)
NUM_DIRECTIVE(d_rx_desc, rx_desc, 64u, 16384u)
NUM_DIRECTIVE(d_tx_desc, tx_desc, 64u, 16384u)
NUM_DIRECTIVE(d_burst, burst, 1u, 64u)
NUM_DIRECTIVE(d_neigh_hold, neigh_hold, 1u, 65536u)
NUM_DIRECTIVE(d_mtu, mtu, 576u, 9000u)

static const struct directive directives[] = {
	{ "name", 1, 1, d_name },
	{ "outside", 1, 4, d_outside },
	{ "inside", 1, 4, d_inside },
	{ "route", 3, 3, d_route },
	{ "udp-port", 1, 1, d_udp_port },
	{ "control", 1, 1, d_control },
	{ "max-sessions", 1, 1, d_max_sessions },
	{ "mbufs", 1, 1, d_mbufs },
	{ "rx-desc", 1, 1, d_rx_desc },
	{ "tx-desc", 1, 1, d_tx_desc },
	{ "burst", 1, 1, d_burst },
	{ "neigh-hold", 1, 1, d_neigh_hold },
	{ "mtu", 1, 1, d_mtu },
};

void
dp_conf_defaults(struct dp_conf *c)
{
	memset(c, 0, sizeof(*c));
	if (gethostname(c->name, sizeof(c->name) - 1) != 0)
		strcpy(c->name, "dataplane");
	c->udp_port = 1194;
	strcpy(c->control, "ipc:///run/dpvpn/dataplane.sock");
	c->max_sessions = 65536;
	c->mbufs = 16383;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->burst = 32;
	c->neigh_hold = 256;
	c->mtu = 1500;
}

static void
tokenize(char *s, struct line *l)
{
	l->n = 0;
	char *hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	for (char *t = strtok(s, " \t\r"); t; t = strtok(NULL, " \t\r")) {
		if (l->n == MAX_TOKENS) {
			l->n = MAX_TOKENS + 1;	/* too many: reported by caller */
			return;
		}
		l->tok[l->n++] = t;
	}
}

static int
apply_line(struct dp_conf *c, struct line *l, char *msg, size_t n)
{
	if (l->n > MAX_TOKENS)
		return fail(msg, n, "too many words");
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		const struct directive *d = &directives[i];
		if (strcmp(d->name, l->tok[0]))
			continue;
		if (l->n - 1 < d->min_args || l->n - 1 > d->max_args)
			return fail(msg, n, "'%s' takes %d..%d arguments", d->name,
				d->min_args, d->max_args);
		return d->fn(c, l, msg, n);
	}
	return fail(msg, n, "unknown directive '%s'", l->tok[0]);
}

int
dp_conf_parse(struct dp_conf *c, const char *text, size_t len, const char *fname,
	char *err, size_t errlen)
{
	char buf[MAX_LINE];
	char msg[256];
	size_t pos = 0;
	unsigned lineno = 0;

	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		if (end - pos >= sizeof(buf) || memchr(text + pos, '\0', end - pos)) {
			snprintf(err, errlen, "%s:%u: line too long or contains NUL", fname, lineno);
			return -1;
		}
		memcpy(buf, text + pos, end - pos);
		buf[end - pos] = '\0';
		pos = end + 1;

		struct line l;
		tokenize(buf, &l);
		if (l.n == 0)
			continue;
		if (apply_line(c, &l, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%u: %s", fname, lineno, msg);
			return -1;
		}
	}
	if (!c->outside.set || !c->inside.set) {
		snprintf(err, errlen, "%s: both 'outside' and 'inside' are required", fname);
		return -1;
	}
	return 0;
}

int
dp_conf_load(struct dp_conf *c, const char *path, char *err, size_t errlen)
{
	static char text[1 << 20];
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = fread(text, 1, sizeof(text), f);
	int too_big = !feof(f);
	fclose(f);
	if (too_big) {
		snprintf(err, errlen, "%s: file larger than %zu bytes", path, sizeof(text));
		return -1;
	}
	return dp_conf_parse(c, text, n, path, err, errlen);
}
