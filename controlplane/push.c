/*
 * PUSH_REPLY and the other text control messages (fact sheet §9). See push.h.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "push.h"

#define PUSH_REPLY_CMD "PUSH_REPLY"
#define PUSH_SAFE_CAP (PUSH_BUNDLE_SIZE - PUSH_BUNDLE_SLACK)

static bool
is_print(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* ---- a bounded writer for one message ---- */

struct wbuf {
	char *p;
	size_t cap;
	size_t len;             /* without the NUL */
	bool fail;
};

static void
wb_put(struct wbuf *w, const char *s, size_t n)
{
	if (w->fail || w->len + n + 1 > w->cap) {
		w->fail = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
wb_puts(struct wbuf *w, const char *s)
{
	wb_put(w, s, strlen(s));
}

/* Caller text: non-printable bytes become '_'; at most max_len bytes of
 * the message in total (the rest is cut). */
static void
wb_put_text(struct wbuf *w, const char *s, size_t max_len)
{
	for (; *s && !w->fail && w->len < max_len; s++) {
		const char c = is_print((unsigned char)*s) ? *s : '_';

		wb_put(w, &c, 1);
	}
}

static void
wb_printf(struct wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
wb_printf(struct wbuf *w, const char *fmt, ...)
{
	char tmp[PUSH_OPTION_MAX + 2];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		w->fail = true;
	else
		wb_put(w, tmp, (size_t)n);
}

/* NUL-terminate; the message length incl. NUL, or -1. */
static int
wb_end(struct wbuf *w)
{
	if (w->fail || w->len + 1 > w->cap)
		return -1;
	w->p[w->len] = '\0';
	return (int)(w->len + 1);
}

static struct wbuf
wb_init(char *out, size_t cap)
{
	struct wbuf w = { .p = out, .cap = out ? cap : 0, .len = 0, .fail = !out };

	return w;
}

/* ---- PUSH_REPLY ---- */

struct pb {
	char *out;
	size_t cap;
	size_t msg;             /* offset of the current message */
	struct wbuf w;          /* the current message */
	unsigned n_msgs;
	bool multi;
	bool fail;
};

static bool
option_ok(const char *opt, size_t l)
{
	if (l == 0 || l > PUSH_OPTION_MAX)
		return false;
	for (size_t i = 0; i < l; i++) {
		if (!is_print((unsigned char)opt[i]) || opt[i] == ',')
			return false;
	}
	return true;
}

static void
pb_start(struct pb *b)
{
	b->w = wb_init(b->out + b->msg, b->cap - b->msg);
	wb_puts(&b->w, PUSH_REPLY_CMD);
}

static void
pb_finish(struct pb *b)
{
	int n = wb_end(&b->w);

	if (n < 0) {
		b->fail = true;
		return;
	}
	b->msg += (size_t)n;
	b->n_msgs++;
}

/* 2.6 send_push_options(): split before an option that would not fit. */
static void
pb_add(struct pb *b, const char *opt)
{
	const size_t l = strlen(opt);

	if (b->fail || !option_ok(opt, l)) {
		b->fail = true;
		return;
	}
	if (b->w.len + l >= PUSH_SAFE_CAP) {
		wb_puts(&b->w, ",push-continuation 2");
		pb_finish(b);
		if (b->fail)
			return;
		pb_start(b);
		b->multi = true;
	}
	wb_puts(&b->w, ",");
	wb_puts(&b->w, opt);
	b->fail |= b->w.fail;
}

static void
pb_addf(struct pb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
pb_addf(struct pb *b, const char *fmt, ...)
{
	char opt[PUSH_OPTION_MAX + 2];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(opt, sizeof(opt), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > PUSH_OPTION_MAX)
		b->fail = true;
	else
		pb_add(b, opt);
}

static void
ip4_str(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	snprintf(out, INET_ADDRSTRLEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
}

static const char *
topology_name(enum push_topology t)
{
	switch (t) {
	case PUSH_TOPO_NET30:
		return "net30";
	case PUSH_TOPO_P2P:
		return "p2p";
	case PUSH_TOPO_SUBNET:
		return "subnet";
	default:
		return NULL;
	}
}

/* The global list: admin lines, then what 2.6's helper.c adds. */
static void
add_global(struct pb *b, const struct push_global *g)
{
	char net[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN], first[INET_ADDRSTRLEN];

	for (size_t i = 0; i < g->n_push; i++)
		pb_add(b, g->push[i]);
	if (g->server_ipv6)
		pb_add(b, "tun-ipv6");
	ip4_str(g->server_network, net);
	ip4_str(g->server_netmask, mask);
	ip4_str(g->server_network + 1, first);
	switch (g->topology) {
	case PUSH_TOPO_NET30:
	case PUSH_TOPO_P2P:
		if (g->client_to_client)
			pb_addf(b, "route %s %s", net, mask);
		else if (g->topology == PUSH_TOPO_NET30)
			pb_addf(b, "route %s", first);
		break;
	case PUSH_TOPO_SUBNET:
		pb_addf(b, "route-gateway %s", first);
		break;
	default:
		break;
	}
	if (topology_name(g->topology))
		pb_addf(b, "topology %s", topology_name(g->topology));
	if (g->keepalive_ping) {
		pb_addf(b, "ping %u", g->keepalive_ping);
		pb_addf(b, "ping-restart %u", g->keepalive_restart);
	}
}

/* protocol-flags / key-derivation, as 2.6 prepare_push_reply(). */
static void
add_proto_flags(struct pb *b, uint32_t f)
{
	char flags[64] = "";

	if (f & PUSH_PF_CC_EXIT) {
		strcat(flags, " cc-exit");
		if (f & PUSH_PF_TLS_EKM)
			strcat(flags, " tls-ekm");
	} else if (f & PUSH_PF_TLS_EKM) {
		pb_add(b, "key-derivation tls-ekm");
	}
	if (f & PUSH_PF_DYN_TLS_CRYPT)
		strcat(flags, " dyn-tls-crypt");
	if (flags[0])
		pb_addf(b, "protocol-flags%s", flags);
}

static void
add_client(struct pb *b, const struct push_client *pc)
{
	char a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < pc->n_push; i++)
		pb_add(b, pc->push[i]);
	if (pc->ifconfig_ipv6) {
		inet_ntop(AF_INET6, &pc->ipv6_local, a, sizeof(a));
		inet_ntop(AF_INET6, &pc->ipv6_remote, c, sizeof(c));
		pb_addf(b, "ifconfig-ipv6 %s/%u %s", a, pc->ipv6_netbits, c);
	}
	if (pc->ifconfig) {
		ip4_str(pc->ifconfig_local, a);
		ip4_str(pc->ifconfig_remote_netmask, c);
		pb_addf(b, "ifconfig %s %s", a, c);
	}
	if (pc->peer_id_set && pc->peer_id > PUSH_PEER_ID_MAX)
		b->fail = true;
	if (pc->peer_id_set)
		pb_addf(b, "peer-id %u", pc->peer_id);
	if (pc->auth_token)
		pb_addf(b, "auth-token %s", pc->auth_token);
	if (pc->cipher)
		pb_addf(b, "cipher %s", pc->cipher);
	add_proto_flags(b, pc->proto_flags);
	if (pc->tun_mtu_set)
		pb_addf(b, "tun-mtu %d", pc->tun_mtu);
}

int
push_reply_build(const struct push_global *g, const struct push_client *pc,
		 char *out, size_t cap, unsigned *n_msgs)
{
	struct pb b = { .out = out, .cap = out ? cap : 0, .fail = !out };

	if (n_msgs)
		*n_msgs = 0;
	if (b.fail)
		return -1;
	pb_start(&b);
	if (g)
		add_global(&b, g);
	if (pc)
		add_client(&b, pc);
	if (b.multi && !b.fail)
		wb_puts(&b.w, ",push-continuation 1");
	if (!b.fail)
		pb_finish(&b);  /* a bare "PUSH_REPLY" if nothing was pushed */
	if (b.fail)
		return -1;
	if (n_msgs)
		*n_msgs = b.n_msgs;
	return (int)b.msg;
}

int
push_reply_auth_token(char *out, size_t cap, const char *token)
{
	struct pb b = { .out = out, .cap = out ? cap : 0, .fail = !out || !token };

	if (b.fail)
		return -1;
	pb_start(&b);
	pb_addf(&b, "auth-token %s", token);
	if (!b.fail)
		pb_finish(&b);
	return b.fail ? -1 : (int)b.msg;
}

uint32_t
push_net30_peer(uint32_t client_ip)
{
	return (client_ip & ~3u) | 1u;
}

uint32_t
push_proto_flags(uint32_t iv_proto, bool ekm_available)
{
	uint32_t f = 0;

	if (iv_proto & PI_PROTO_CC_EXIT_NOTIFY)
		f |= PUSH_PF_CC_EXIT;
	if ((iv_proto & PI_PROTO_TLS_KEY_EXPORT) && ekm_available)
		f |= PUSH_PF_TLS_EKM;
	if ((iv_proto & PI_PROTO_DYN_TLS_CRYPT) && ekm_available)
		f |= PUSH_PF_DYN_TLS_CRYPT;
	return f;
}

void
push_client_caps(struct push_client *pc, const struct peerinfo *pi, bool ekm_available,
		 uint32_t peer_id, int tun_mtu)
{
	assert(pc);
	const uint32_t proto = pi ? pi->proto : 0;

	pc->peer_id_set = (proto & PI_PROTO_DATA_V2) != 0;
	pc->peer_id = peer_id;
	pc->proto_flags = push_proto_flags(proto, ekm_available);
	pc->tun_mtu_set = pi && pi->has_mtu;
	pc->tun_mtu = tun_mtu;
}

/* ---- other server -> client messages ---- */

int
ctlmsg_auth_failed(char *out, size_t cap, const char *reason)
{
	struct wbuf w = wb_init(out, cap);

	wb_puts(&w, "AUTH_FAILED");
	if (reason && reason[0]) {
		wb_puts(&w, ",");
		wb_put_text(&w, reason, PUSH_BUNDLE_SIZE - 1);
	}
	return wb_end(&w);
}

int
ctlmsg_auth_failed_temp(char *out, size_t cap, unsigned backoff_s,
			enum ctlmsg_advance adv, const char *text)
{
	static const char *const advance[] = { NULL, "no", "addr", "remote" };
	struct wbuf w = wb_init(out, cap);

	if ((unsigned)adv >= sizeof(advance) / sizeof(advance[0]))
		return -1;
	wb_puts(&w, "AUTH_FAILED,TEMP");
	if (backoff_s || advance[adv]) {
		wb_puts(&w, "[");
		if (backoff_s)
			wb_printf(&w, "backoff %u", backoff_s);
		if (advance[adv])
			wb_printf(&w, "%sadvance %s", backoff_s ? "," : "", advance[adv]);
		wb_puts(&w, "]");
	}
	wb_puts(&w, ":");
	if (text)
		wb_put_text(&w, text, PUSH_BUNDLE_SIZE - 1);
	return wb_end(&w);
}

int
ctlmsg_restart(char *out, size_t cap, bool halt, unsigned flags, const char *text)
{
	struct wbuf w = wb_init(out, cap);
	const bool has_text = text && text[0];

	wb_puts(&w, halt ? "HALT" : "RESTART");
	if (flags || has_text)
		wb_puts(&w, ",");
	if (flags) {
		wb_puts(&w, "[");
		if (flags & CTL_RESTART_KEEP_CREDS)
			wb_puts(&w, "P");
		if (flags & CTL_RESTART_NEXT_SERVER)
			wb_puts(&w, "N");
		wb_puts(&w, "]");
	}
	if (has_text)
		wb_put_text(&w, text, PUSH_BUNDLE_SIZE - 1);
	return wb_end(&w);
}

int
ctlmsg_auth_pending(char *out, size_t cap, uint32_t iv_proto, unsigned timeout_s)
{
	struct wbuf w = wb_init(out, cap);

	if (iv_proto & PI_PROTO_AUTH_PENDING_KW)
		wb_printf(&w, "AUTH_PENDING,timeout %u", timeout_s);
	else
		wb_puts(&w, "AUTH_PENDING");
	return wb_end(&w);
}

/* "KEYWORD,TEXT" refused (not cut) above PUSH_BUNDLE_SIZE incl. NUL. */
static int
keyword_text(char *out, size_t cap, const char *kw, const char *text)
{
	struct wbuf w = wb_init(out, cap);

	if (!text || strlen(kw) + 1 + strlen(text) + 1 > PUSH_BUNDLE_SIZE)
		return -1;
	wb_puts(&w, kw);
	wb_puts(&w, ",");
	wb_put_text(&w, text, PUSH_BUNDLE_SIZE - 1);
	return wb_end(&w);
}

int
ctlmsg_info_pre(char *out, size_t cap, const char *extra)
{
	return keyword_text(out, cap, "INFO_PRE", extra);
}

int
ctlmsg_info(char *out, size_t cap, const char *text)
{
	return keyword_text(out, cap, "INFO", text);
}

/* ---- received messages ---- */

static const struct {
	const char *kw;
	enum ctlmsg_type type;
} keywords[] = {
	{ "PUSH_REQUEST", CTL_PUSH_REQUEST },
	{ "PUSH_REPLY", CTL_PUSH_REPLY },
	{ "PUSH_UPDATE", CTL_PUSH_UPDATE },
	{ "AUTH_FAILED", CTL_AUTH_FAILED },
	{ "AUTH_PENDING", CTL_AUTH_PENDING },
	{ "INFO_PRE", CTL_INFO_PRE },
	{ "INFO", CTL_INFO },
	{ "CR_RESPONSE", CTL_CR_RESPONSE },
	{ "RESTART", CTL_RESTART },
	{ "HALT", CTL_HALT },
	{ "EXIT", CTL_EXIT },
	{ "ACC", CTL_ACC },
	{ "RELAY", CTL_RELAY },
};

#define N_KEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

bool
ctlmsg_next(const uint8_t *rec, size_t len, size_t *off, const char **msg, size_t *msg_len)
{
	assert(off && msg && msg_len && *off <= len && (rec || len == 0));
	while (*off < len) {
		const uint8_t *s = rec + *off;
		const uint8_t *nul = memchr(s, 0, len - *off);

		if (!nul)
			return false;   /* unterminated tail: *off stays on it */
		size_t n = (size_t)(nul - s);

		*off += n + 1;
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
			n--;
		if (n == 0)
			continue;
		*msg = (const char *)s;
		*msg_len = n;
		return true;
	}
	return false;
}

void
ctlmsg_classify(const char *msg, size_t len, struct ctlmsg *out)
{
	assert(out && (msg || len == 0));
	out->type = CTL_UNKNOWN;
	out->arg = "";
	out->arg_len = 0;

	for (size_t i = 0; i < len; i++) {
		if (!is_print((unsigned char)msg[i])) {
			out->type = CTL_INVALID;
			return;
		}
	}
	for (size_t i = 0; i < N_KEYWORDS; i++) {
		const size_t kl = strlen(keywords[i].kw);

		if (len < kl || memcmp(msg, keywords[i].kw, kl) != 0 ||
		    (len > kl && msg[kl] != ','))
			continue;
		out->type = keywords[i].type;
		if (len > kl) {
			out->arg = msg + kl + 1;
			out->arg_len = len - kl - 1;
		}
		return;
	}
}

const char *
ctlmsg_type_name(enum ctlmsg_type t)
{
	for (size_t i = 0; i < N_KEYWORDS; i++) {
		if (keywords[i].type == t)
			return keywords[i].kw;
	}
	return "?";
}
