/*
 * The control channel of each client (fact sheet §2, §3): unwrap and parse
 * punted packets, the 2.6 stateless HMAC-cookie reset, the reliability
 * layer in both directions, and the TLS byte stream over P_CONTROL_V1.
 * Replies leave through the dataplane (IPC INJECT).
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "ctl_wire.h"
#include "ipc.h"
#include "log.h"
#include "ovpn_wire.h"
#include "bans.h"
#include "mgmt.h"
#include "server.h"

#define PKT_MAX 2048
#define TLS_CHUNK 1100		/* TLS bytes per P_CONTROL_V1: fits 1250 with any wrap */

/* The replay "time" of our wrapped packets: fixed per process, as 2.x does. */
static uint32_t
replay_epoch(void)
{
	static uint32_t t;
	if (!t)
		t = (uint32_t)time(NULL);
	return t;
}

static void
inject(struct cp_server *s, unsigned dp, uint32_t dst, uint16_t dport, uint32_t src,
	uint16_t sport, const uint8_t *pkt, size_t len)
{
	struct ipc_msg m = { .type = IPC_INJECT };
	ipc_addr_from_v4(&m.u.inject.dst_addr, dst);
	ipc_addr_from_v4(&m.u.inject.src_addr, src);
	m.u.inject.dst_port = dport;
	m.u.inject.src_port = sport;
	m.u.inject.payload.len = (uint16_t)len;
	memcpy(m.u.inject.payload.b, pkt, len);
	s->link_bytes_out += len;
	dplink_send(s->dl, dp, &m);
}

/* Builds, wraps and sends one control packet of client c. */
static void
send_pkt(struct cp_server *s, struct cp_client *c, const struct ctl_pkt *p)
{
	uint8_t plain[PKT_MAX], wire[PKT_MAX + 128];
	ssize_t n = ctl_pkt_build(p, plain, sizeof(plain));
	if (n < 0)
		return;
	/* dyn-tls-crypt packets (key_id > 0) count their own replay ids (§2.7). */
	uint32_t rid = cp_wrap_uses_dyn(&c->wrap, plain[0]) ? ++c->wrap.dyn_tx_id : ++c->tx_replay_id;
	n = cp_wrap_wrap(&c->wrap, plain, (size_t)n, rid, replay_epoch(), wire, sizeof(wire));
	if (n < 0)
		return;
	inject(s, c->dp, c->addr, c->port, c->local_addr, c->local_port, wire, (size_t)n);
}

static void
fill_acks(struct cp_keystate *ks, struct ctl_pkt *p, const uint8_t *peer_sid, bool piggyback)
{
	p->n_acks = (uint8_t)reliable_take_acks(&ks->rel, p->acks, CTL_ACK_MAX, piggyback);
	if (p->n_acks)
		memcpy(p->ack_sid, peer_sid, CTL_SID_LEN);
}

/* Moves TLS output into the send window, then sends what is due and ACKs. */
static void
flush_keystate(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks)
{
	uint8_t chunk[TLS_CHUNK];
	uint64_t now = ev_now_ms(s->loop);
	while (reliable_send_room(&ks->rel) && cp_tls_pending(ks->tls)) {
		size_t n = cp_tls_take(ks->tls, chunk, sizeof(chunk));
		uint32_t id;
		if (!n || !reliable_queue(&ks->rel, OVPN_P_CONTROL_V1, chunk, n, &id))
			break;
	}
	struct reliable_pkt rp;
	while (reliable_next_to_send(&ks->rel, now, &rp)) {
		struct ctl_pkt p = { .opcode = rp.opcode, .key_id = ks->key_id, .has_msg_id = true,
			.msg_id = rp.msg_id, .payload = rp.payload, .payload_len = rp.len };
		memcpy(p.sid, c->sid_local, CTL_SID_LEN);
		fill_acks(ks, &p, c->sid_remote, true);
		send_pkt(s, c, &p);
	}
	if (reliable_ack_due(&ks->rel)) {
		struct ctl_pkt p = { .opcode = OVPN_P_ACK_V1, .key_id = ks->key_id };
		memcpy(p.sid, c->sid_local, CTL_SID_LEN);
		fill_acks(ks, &p, c->sid_remote, false);
		send_pkt(s, c, &p);
	}
}

void
cp_ctl_flush(struct cp_server *s, struct cp_client *c)
{
	for (unsigned i = 0; i < 8; i++)
		if (c->ks[i])
			flush_keystate(s, c, c->ks[i]);
	cp_client_schedule(s, c);
}

int
cp_ctl_send_text(struct cp_server *s, struct cp_client *c, const char *msg)
{
	struct cp_keystate *ks = c->primary >= 0 ? c->ks[c->primary] : NULL;
	(void)s;
	if (!ks || !cp_tls_established(ks->tls))
		return -1;
	/* Control messages are NUL-terminated strings in the TLS stream (§9.1). */
	return cp_tls_write(ks->tls, (const uint8_t *)msg, strlen(msg) + 1);
}

/*
 * §3.6: answer a client's hard reset without keeping any state. Our session
 * id is the HMAC cookie; w is the wrap the reset came in (for tls-crypt-v2
 * it holds the client's own key, taken from the WKc).
 */
static void
stateless_reset(struct cp_server *s, const struct cp_wrap *w, unsigned dp, uint32_t src,
	uint16_t sport, uint32_t dst, uint16_t dport, const struct ctl_pkt *in, uint32_t replay_id)
{
	uint8_t tlv[16], plain[PKT_MAX], wire[PKT_MAX + 128];
	struct ctl_pkt p = { .opcode = OVPN_P_CONTROL_HARD_RESET_SERVER_V2, .key_id = 0,
		.n_acks = 1, .acks = { 0 }, .has_msg_id = true, .msg_id = 0 };
	cookie_make(&s->cookie, (const uint8_t *)&src, 4, sport, in->sid, ev_now_ms(s->loop) / 1000,
		p.sid);
	memcpy(p.ack_sid, in->sid, CTL_SID_LEN);
	if (in->opcode == OVPN_P_CONTROL_HARD_RESET_CLIENT_V3 && early_neg_signalled(replay_id)) {
		ssize_t t = early_neg_build(EARLY_NEG_FLAG_RESEND_WKC, tlv, sizeof(tlv));
		if (t > 0) {
			p.payload = tlv;
			p.payload_len = (size_t)t;
		}
	}
	ssize_t n = ctl_pkt_build(&p, plain, sizeof(plain));
	if (n < 0)
		return;
	/* The reset is the first packet the client gets from us: replay id 1. */
	n = cp_wrap_wrap(w, plain, (size_t)n, 1, replay_epoch(), wire, sizeof(wire));
	if (n > 0) {
		s->stats.resets++;
		inject(s, dp, src, sport, dst, dport, wire, (size_t)n);
	}
}

void
cp_server_limits_init(struct cp_server *s)
{
	freq_limit_init(&s->reset_limit, s->cfg.connect_freq_initial_n, s->cfg.connect_freq_initial_sec);
	freq_limit_init(&s->connect_limit, s->cfg.connect_freq_n, s->cfg.connect_freq_sec);
}

/*
 * Stateless resets answer unauthenticated packets: bound how many go out so
 * that spoofed resets cannot turn us into a reflector (connect-freq-initial).
 */
static bool
reset_allowed(struct cp_server *s)
{
	if (freq_limit_allow(&s->reset_limit, ev_now_ms(s->loop) / 1000))
		return true;
	s->stats.resets_limited++;
	return false;
}

/* 2.6.15+ rules for the packet that completes the cookie handshake. */
static bool
cookie_reply_ok(const struct ctl_pkt *p)
{
	if (p->n_acks < 1 || !p->has_msg_id || p->msg_id > 1)
		return false;
	for (unsigned i = 0; i < p->n_acks; i++)
		if (p->acks[i] > 1)
			return false;
	return true;
}

/* A packet from an address we hold no state for. */
static void
input_new(struct cp_server *s, unsigned dp, uint32_t src, uint16_t sport, uint32_t dst,
	uint16_t dport, const uint8_t *pkt, size_t len)
{
	uint8_t plain[PKT_MAX];
	uint32_t rid, rtime;
	struct cp_wrap w = { .mode = s->wrap.mode, .srv = &s->wrap };
	struct ctl_pkt p;
	if (s->mgmt && mgmt_is_held(s->mgmt)) {	/* management-hold: nobody new yet */
		s->stats.held++;
		return;
	}
	ssize_t n = cp_wrap_unwrap(&s->wrap, &w, pkt, len, plain, sizeof(plain), &rid, &rtime);
	if (n < 0 || ctl_pkt_parse(plain, (size_t)n, &p) != 0) {
		s->stats.bad_packets++;
		cp_wrap_wipe(&w);
		return;
	}
	if ((p.opcode == OVPN_P_CONTROL_HARD_RESET_CLIENT_V2
		|| p.opcode == OVPN_P_CONTROL_HARD_RESET_CLIENT_V3)
		&& p.has_msg_id && p.msg_id == 0 && p.n_acks == 0 && p.key_id == 0) {
		if (reset_allowed(s))
			stateless_reset(s, &w, dp, src, sport, dst, dport, &p, rid);
		cp_wrap_wipe(&w);
		return;
	}
	bool second = (p.opcode == OVPN_P_CONTROL_V1 || p.opcode == OVPN_P_CONTROL_WKC_V1)
		&& p.key_id == 0 && cookie_reply_ok(&p)
		&& cookie_check(&s->cookie, (const uint8_t *)&src, 4, sport, p.sid,
			ev_now_ms(s->loop) / 1000, p.ack_sid);
	if (!second) {
		s->stats.bad_packets++;
		cp_wrap_wipe(&w);
		return;
	}
	if (!freq_limit_allow(&s->connect_limit, ev_now_ms(s->loop) / 1000)) {
		s->stats.connections_limited++;	/* its retransmission may get in later */
		cp_wrap_wipe(&w);
		return;
	}
	struct cp_client *c = cp_client_new(s, dp, src, sport, dst, dport);
	if (!c) {
		log_warnx("max-clients (%u) reached: refusing a new client", s->cfg.max_clients);
		cp_wrap_wipe(&w);
		return;
	}
	cp_ban_event(s, src, s->cfg.ban_points_connection, "connection");
	c->wrap = w;
	memcpy(c->sid_local, p.ack_sid, CTL_SID_LEN);
	memcpy(c->sid_remote, p.sid, CTL_SID_LEN);
	c->tx_replay_id = 1;	/* the stateless reset used 1 */
	/* Our reset (msg 0) is acked by this packet; its msg 0 was the client reset. */
	struct cp_keystate *ks = cp_keystate_new(s, c, 0, 1, 1);
	if (!ks) {
		cp_client_destroy(s, c, "out of memory");
		return;
	}
	ctl_replay_update(&c->rx_replay, rid, rtime, ev_now_ms(s->loop) / 1000);
	s->stats.handshakes++;
	if (p.has_msg_id && p.msg_id == 1)
		reliable_recv(&ks->rel, p.msg_id, p.payload, p.payload_len);
	cp_handshake_progress(s, c, ks);
	cp_ctl_flush(s, c);
}

/* A soft reset from the client starts a renegotiation with the next key_id. */
static struct cp_keystate *
keystate_for(struct cp_server *s, struct cp_client *c, const struct ctl_pkt *p)
{
	struct cp_keystate *ks = c->ks[p->key_id];
	if (p->opcode != OVPN_P_CONTROL_SOFT_RESET_V1)
		return ks;
	if (ks && p->key_id == c->latest)
		return ks;	/* a retransmitted soft reset of the current renegotiation */
	if (c->primary < 0 || p->key_id == c->primary || c->ks[c->primary]->state != KS_ACTIVE)
		return NULL;
	if (ks)		/* key_ids cycle 1..7: an old key of this id retires now */
		cp_keystate_retire(s, c, p->key_id);
	/* §11.2: our own soft reset (msg 0) answers; both sides start at msg id 0. */
	ks = cp_keystate_new(s, c, p->key_id, 0, 0);
	if (ks) {
		uint32_t id;
		reliable_queue(&ks->rel, OVPN_P_CONTROL_SOFT_RESET_V1, NULL, 0, &id);
	}
	return ks;
}

static void
input_known(struct cp_server *s, struct cp_client *c, const uint8_t *pkt, size_t len)
{
	uint8_t plain[PKT_MAX];
	uint32_t rid, rtime;
	struct ctl_pkt p;
	uint64_t now_s = ev_now_ms(s->loop) / 1000;
	ssize_t n = cp_wrap_unwrap(&s->wrap, &c->wrap, pkt, len, plain, sizeof(plain), &rid, &rtime);
	if (n < 0 || ctl_pkt_parse(plain, (size_t)n, &p) != 0
		|| memcmp(p.sid, c->sid_remote, CTL_SID_LEN) != 0) {
		s->stats.bad_packets++;
		return;
	}
	struct ctl_replay *rp = cp_wrap_uses_dyn(&c->wrap, pkt[0]) ? &c->dyn_rx_replay
		: &c->rx_replay;
	if (s->wrap.mode != CP_WRAP_NONE || rp == &c->dyn_rx_replay) {
		if (!ctl_replay_check(rp, rid, rtime, now_s)) {
			s->stats.replays++;
			return;
		}
		ctl_replay_update(rp, rid, rtime, now_s);
	}
	if (p.n_acks && memcmp(p.ack_sid, c->sid_local, CTL_SID_LEN) != 0) {
		s->stats.bad_packets++;
		return;
	}
	c->last_rx_ms = ev_now_ms(s->loop);
	struct cp_keystate *ks = keystate_for(s, c, &p);
	if (!ks) {
		s->stats.bad_packets++;
		return;
	}
	if (p.n_acks) {
		reliable_on_ack(&ks->rel, p.acks, p.n_acks);
		cp_dp_maybe_switch(s, c, ks);
	}
	if (p.has_msg_id)
		reliable_recv(&ks->rel, p.msg_id, p.payload, p.payload_len);
	cp_handshake_progress(s, c, ks);
	cp_ctl_flush(s, c);
}

static void
ctl_input(struct cp_server *s, unsigned dp, uint32_t src, uint16_t sport, uint32_t dst,
	uint16_t dport, const uint8_t *pkt, size_t len);

/* Every control packet; a bad one may count against its source (ban-points-bad-packet). */
void
cp_ctl_input(struct cp_server *s, unsigned dp, uint32_t src, uint16_t sport, uint32_t dst,
	uint16_t dport, const uint8_t *pkt, size_t len)
{
	uint64_t bad = s->stats.bad_packets;
	ctl_input(s, dp, src, sport, dst, dport, pkt, len);
	if (s->stats.bad_packets != bad)
		cp_ban_event(s, src, s->cfg.ban_points_bad_packet, "bad control packet");
}

static void
ctl_input(struct cp_server *s, unsigned dp, uint32_t src, uint16_t sport, uint32_t dst,
	uint16_t dport, const uint8_t *pkt, size_t len)
{
	s->stats.punts++;
	s->link_bytes_in += len;
	/* `port` and `local`: the dataplane serves them; anything else is not ours. */
	if (dport != s->cfg.port || (s->local_addr && dst != s->local_addr)) {
		s->stats.bad_packets++;
		return;
	}
	if (len < 1 + CTL_SID_LEN || !ctl_opcode_valid(ovpn_opcode(pkt[0]))) {
		s->stats.bad_packets++;
		return;
	}
	struct cp_client *c = cp_client_find(s, src, sport);
	unsigned op = ovpn_opcode(pkt[0]);
	if (c && (op == OVPN_P_CONTROL_HARD_RESET_CLIENT_V2
		|| op == OVPN_P_CONTROL_HARD_RESET_CLIENT_V3)) {
		/* The client restarted: its new reset decides; the old session goes. */
		if (memcmp(pkt + 1, c->sid_remote, CTL_SID_LEN) != 0) {
			cp_client_destroy(s, c, "client restarted");
			c = NULL;
		}
	}
	if (c && c->closing)
		return;
	if (c && c->orphan) {
		/* Its control state died with a previous dpvpnd: the client must start over. */
		cp_client_destroy(s, c, "control packet for a session without control state");
		c = NULL;
	}
	if (c)
		input_known(s, c, pkt, len);
	else if (dp < DPLINK_MAX_DP && s->dp_synced[dp])
		input_new(s, dp, src, sport, dst, dport, pkt, len);
	/* else: until the dataplane told us what it holds, no slot or address is
	 * known to be free; the client retransmits its reset. */
}
