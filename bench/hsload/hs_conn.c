#include "hs_conn.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ctl_wire.h"
#include "kmethod2.h"
#include "ovpn_wire.h"

#define TLS_CHUNK 1100		/* TLS bytes per P_CONTROL_V1, as dpvpnd and 2.6 (tls-mtu 1250) */
#define PKT_MAX 2048

static void
fail(struct hs_conn *c, const char *what, const char *detail)
{
	if (c->state == HS_FAILED)
		return;
	c->state = HS_FAILED;
	snprintf(c->fail, sizeof(c->fail), "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

int
hs_conn_start(struct hs_conn *c, const struct hs_conf *conf, uint64_t now_ms)
{
	memset(c, 0, offsetof(struct hs_conn, rel));
	c->conf = conf;
	c->state = HS_RESET;
	c->replay_time = (uint32_t)(now_ms / 1000);
	c->pushed.peer_id = 0xFFFFFF;
	if (RAND_bytes(c->sid, sizeof(c->sid)) != 1 || !(c->tls = cp_tls_new(conf->tls)))
		return -1;
	c->sid[0] |= 1;	/* never all zero */
	/* msg id 0 each way: our reset and the server's */
	reliable_init(&c->rel, 0, 0, 0);
	reliable_queue(&c->rel, OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, NULL, 0, NULL);
	return 0;
}

void
hs_conn_free(struct hs_conn *c)
{
	cp_tls_free(c->tls);
	c->tls = NULL;
}

/* One control packet: ACKs for the server once we know its session id. */
static void
send_ctl(struct hs_conn *c, uint8_t opcode, const struct reliable_pkt *rp, hs_emit_fn emit, void *arg)
{
	struct ctl_pkt p = { .opcode = opcode, .has_msg_id = rp != NULL };
	uint8_t plain[PKT_MAX], wire[PKT_MAX + TLS_CRYPT_OVERHEAD];
	memcpy(p.sid, c->sid, sizeof(p.sid));
	if (rp) {
		p.msg_id = rp->msg_id;
		p.payload = rp->len ? rp->payload : NULL;
		p.payload_len = rp->len;
	}
	if (c->have_peer) {
		p.n_acks = (uint8_t)reliable_take_acks(&c->rel, p.acks, rp ? RELIABLE_ACK_PIGGYBACK_MAX
			: RELIABLE_ACK_MAX, rp != NULL);
		memcpy(p.ack_sid, c->peer_sid, sizeof(p.ack_sid));
	}
	ssize_t n = ctl_pkt_build(&p, plain, sizeof(plain));
	if (n > 0)
		n = tls_crypt_wrap(&c->conf->wrap, plain, (size_t)n, ++c->tx_replay_id, c->replay_time, wire,
			sizeof(wire));
	if (n > 0)
		emit(arg, wire, (size_t)n);
}

/* TLS output into the send window, in chunks. */
static void
queue_tls_output(struct hs_conn *c)
{
	uint8_t chunk[TLS_CHUNK];
	while (c->tls && cp_tls_pending(c->tls) && reliable_send_room(&c->rel)) {
		size_t n = cp_tls_take(c->tls, chunk, sizeof(chunk));
		if (!n || !reliable_queue(&c->rel, OVPN_P_CONTROL_V1, chunk, n, NULL))
			break;
	}
}

void
hs_conn_poll(struct hs_conn *c, uint64_t now_ms, hs_emit_fn emit, void *arg)
{
	struct reliable_pkt rp;
	if (c->state == HS_FAILED)
		return;
	queue_tls_output(c);
	while (reliable_next_to_send(&c->rel, now_ms, &rp))
		send_ctl(c, rp.opcode, &rp, emit, arg);
	if (c->have_peer && reliable_ack_due(&c->rel))
		send_ctl(c, OVPN_P_ACK_V1, NULL, emit, arg);
	if (c->state == HS_EXITING && reliable_send_pending(&c->rel) == 0)
		c->state = HS_DONE;
}

uint64_t
hs_conn_deadline(const struct hs_conn *c)
{
	if (c->state == HS_FAILED || c->state == HS_DONE)
		return RELIABLE_NO_DEADLINE;
	return reliable_next_deadline(&c->rel);
}

static bool
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* One pushed option (a comma-separated item). */
static void
push_option(const char *o, struct hs_pushed *out, bool *more)
{
	unsigned a, b, c, d, id;
	char word[32];
	if (sscanf(o, "peer-id %u", &id) == 1)
		out->peer_id = id;
	else if (sscanf(o, "ifconfig %u.%u.%u.%u", &a, &b, &c, &d) == 4 && (a | b | c | d) < 256)
		out->ifconfig = a << 24 | b << 16 | c << 8 | d;
	else if (sscanf(o, "cipher %31s", word) == 1)
		snprintf(out->cipher, sizeof(out->cipher), "%s", word);
	else if (strcmp(o, "key-derivation tls-ekm") == 0
		|| (strncmp(o, "protocol-flags ", 15) == 0 && has_word(o + 15, "tls-ekm")))
		out->ekm = true;
	else if (strcmp(o, "push-continuation 1") == 0)
		*more = true;
}

bool
hs_push_parse(const char *opts, struct hs_pushed *out)
{
	char item[512];
	bool more = false;
	while (*opts) {
		size_t n = strcspn(opts, ",");
		snprintf(item, sizeof(item), "%.*s", (int)(n < sizeof(item) ? n : sizeof(item) - 1), opts);
		push_option(item, out, &more);
		opts += n + (opts[n] == ',');
	}
	return more;
}

static void
send_km2(struct hs_conn *c)
{
	static struct km2_client_msg m;	/* 12 KB: not on the stack */
	uint8_t buf[KM2_CLIENT_MSG_MAX];
	memset(&m, 0, sizeof(m));
	if (RAND_bytes(m.pre_master, sizeof(m.pre_master)) != 1 || RAND_bytes(m.random1, sizeof(m.random1)) != 1
		|| RAND_bytes(m.random2, sizeof(m.random2)) != 1) {
		fail(c, "RAND_bytes", NULL);
		return;
	}
	snprintf(m.options, sizeof(m.options), "%s", c->conf->options);
	snprintf(m.peer_info, sizeof(m.peer_info), "%s", c->conf->peer_info);
	int n = km2_client_build(buf, sizeof(buf), &m);
	if (n < 0 || cp_tls_write(c->tls, buf, (size_t)n) != 0) {
		fail(c, "key method 2", "cannot send");
		return;
	}
	c->km2_sent = true;
}

ssize_t
hs_km2_server_len(const uint8_t *p, size_t len)
{
	const size_t opt_at = KM2_HDR_LEN + 2 * KM2_RANDOM_LEN;
	if (len >= KM2_HDR_LEN && (memcmp(p, "\0\0\0\0", 4) != 0 || (p[4] & KM2_METHOD_MASK) != KM2_METHOD))
		return -1;
	if (len < opt_at + 2)
		return 0;
	size_t need = opt_at + 2 + ctl_get_u16(p + opt_at);
	for (int field = 0; field < 3; field++) {	/* username, password, peer-info */
		if (len < need + 2)
			return 0;
		need += 2 + ctl_get_u16(p + need);
	}
	return len < need ? 0 : (ssize_t)need;
}

static void
on_text(struct hs_conn *c, const char *msg)
{
	if (strncmp(msg, "PUSH_REPLY,", 11) == 0) {
		if (!hs_push_parse(msg + 11, &c->pushed) && c->state == HS_PUSH) {
			if (!c->pushed.ekm) {
				fail(c, "PUSH_REPLY", "no tls-ekm (the legacy PRF is not implemented here)");
				return;
			}
			if (cp_tls_export_key_block(c->tls, c->key_block) != 0) {
				fail(c, "TLS exporter", NULL);
				return;
			}
			c->state = HS_UP;
		}
	} else if (strncmp(msg, "AUTH_FAILED", 11) == 0 || strncmp(msg, "RESTART", 7) == 0
		|| strncmp(msg, "HALT", 4) == 0) {
		fail(c, "server said", msg);
	}
}

/* Key method 2 of the server, then NUL-terminated text messages. */
static void
parse_app(struct hs_conn *c)
{
	size_t off = 0;
	if (!c->km2_got) {
		ssize_t n = hs_km2_server_len(c->app, c->app_len);
		if (n < 0) {
			fail(c, "key method 2", "bad server message");
			return;
		}
		if (n == 0)
			return;
		c->km2_got = true;
		c->state = HS_PUSH;
		off = (size_t)n;
	}
	for (;;) {
		const uint8_t *nul = memchr(c->app + off, 0, c->app_len - off);
		if (!nul)
			break;
		on_text(c, (const char *)c->app + off);
		off = (size_t)(nul - c->app) + 1;
	}
	memmove(c->app, c->app + off, c->app_len - off);
	c->app_len -= off;
	if (c->app_len == sizeof(c->app))
		fail(c, "control channel", "text message too long");
}

/* Runs TLS on what arrived; key method 2 once the handshake is done. */
static void
advance_tls(struct hs_conn *c)
{
	ssize_t got;
	do {
		got = cp_tls_process(c->tls, c->app + c->app_len, sizeof(c->app) - c->app_len);
		if (got < 0) {
			fail(c, "TLS", cp_tls_error(c->tls));
			return;
		}
		c->app_len += (size_t)got;
	} while (got > 0 && c->app_len < sizeof(c->app));
	if (cp_tls_established(c->tls) && !c->km2_sent)
		send_km2(c);
	if (c->state != HS_FAILED)
		parse_app(c);
}

/* Packets that do not belong to this session are counted and ignored. */
static bool
accept_pkt(struct hs_conn *c, const struct ctl_pkt *p)
{
	if (p->key_id != 0)
		return false;	/* no renegotiation in a load test */
	if (!c->have_peer) {
		if (p->opcode != OVPN_P_CONTROL_HARD_RESET_SERVER_V2)
			return false;
		memcpy(c->peer_sid, p->sid, sizeof(c->peer_sid));
		c->have_peer = true;
	} else if (memcmp(p->sid, c->peer_sid, sizeof(c->peer_sid)) != 0) {
		return false;
	}
	return !p->n_acks || memcmp(p->ack_sid, c->sid, sizeof(c->sid)) == 0;
}

void
hs_conn_input(struct hs_conn *c, const uint8_t *pkt, size_t len)
{
	uint8_t plain[PKT_MAX];
	uint32_t rid, rtime;
	struct ctl_pkt p;
	if (c->state == HS_FAILED || c->state == HS_DONE)
		return;
	ssize_t n = tls_crypt_unwrap(&c->conf->wrap, pkt, len, plain, sizeof(plain), &rid, &rtime);
	if (n < 0 || ctl_pkt_parse(plain, (size_t)n, &p) != 0 || !accept_pkt(c, &p)) {
		c->bad_packets++;
		return;
	}
	reliable_on_ack(&c->rel, p.acks, p.n_acks);
	if (p.has_msg_id)
		reliable_recv(&c->rel, p.msg_id, p.payload, p.payload_len);
	const uint8_t *b;
	size_t l;
	uint32_t id;
	while ((b = reliable_peek(&c->rel, &id, &l)) != NULL) {
		if (l && cp_tls_feed(c->tls, b, l) != 0) {
			fail(c, "out of memory", NULL);
			return;
		}
		reliable_consume(&c->rel, l);
	}
	if (c->state == HS_RESET)
		c->state = HS_TLS;	/* the ClientHello goes out with the ACK of the server's reset */
	if (c->state >= HS_TLS && c->state <= HS_EXITING)
		advance_tls(c);
}

void
hs_conn_exit(struct hs_conn *c)
{
	static const uint8_t exit_msg[] = "EXIT";
	if (c->state != HS_UP)
		return;
	if (cp_tls_write(c->tls, exit_msg, sizeof(exit_msg)) != 0) {
		fail(c, "EXIT", "cannot send");
		return;
	}
	c->state = HS_EXITING;
}
