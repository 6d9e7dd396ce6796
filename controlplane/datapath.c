/*
 * Sessions and keys in the dataplanes (docs/ipc.md): install before the
 * PUSH_REPLY, leases of tx packet-ids (a restarted dataplane gets keys
 * that start past every id it may have used), events from the dataplane,
 * and re-pushing everything when a dataplane restarts.
 */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ipc.h"
#include "log.h"
#include "prf.h"
#include "admin.h"
#include "bans.h"
#include "server.h"

#define DP_PID_LIMIT_MAX 0xFEFFFFFFu	/* stay below the wrap trigger */

static int
send_session_add(struct cp_server *s, struct cp_client *c)
{
	struct ipc_msg m = { .type = IPC_SESSION_ADD };
	struct ipc_session_add *a = &m.u.session_add;
	a->sess = c->slot;
	a->gen = c->gen;
	a->peer_id = c->peer_id;
	ipc_addr_from_v4(&a->peer_addr, c->addr);
	a->peer_port = c->port;
	ipc_addr_from_v4(&a->local_addr, c->local_addr);
	a->local_port = c->local_port;
	ipc_addr_from_v4(&a->vaddr, htonl(c->vaddr));
	a->flags = (s->cfg.client_to_client ? IPC_SESS_F_C2C : 0)
		| (c->peer_id == IPC_PEER_ID_NONE ? IPC_SESS_F_DATA_V1 : 0);
	a->ping_ms = s->cfg.derived.ping * 1000;
	a->idle_ms = s->cfg.derived.ping_restart * 1000;
	a->replay_window = s->cfg.replay_window;
	a->replay_time_s = s->cfg.replay_time;
	if (dplink_send(s->dl, c->dp, &m) != 0)
		return -1;
	/* iroutes: networks behind this client (its ccd file). */
	for (unsigned i = 0; c->ccd && i < c->ccd->n_iroute; i++) {
		struct ipc_msg r = { .type = IPC_ROUTE_ADD };
		r.u.route_add.sess = c->slot;
		r.u.route_add.gen = c->gen;
		ipc_addr_from_v4(&r.u.route_add.prefix, htonl(c->ccd->iroute[i].net));
		r.u.route_add.plen = (uint8_t)__builtin_popcount(c->ccd->iroute[i].mask);
		dplink_send(s->dl, c->dp, &r);
	}
	return 0;
}

static unsigned
key_len(enum ncp_cipher c)
{
	return c == NCP_AES_128_GCM ? 16 : 32;
}

static int
send_key(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks, bool tx_now)
{
	struct prf_server_keys k;
	struct ipc_msg m = { .type = IPC_KEY_INSTALL };
	struct ipc_key_install *ki = &m.u.key_install;
	unsigned kl = key_len(c->cipher);
	if (prf_split_server_keys(ks->key_block, kl, &k) != 0)
		return -1;
	ki->sess = c->slot;
	ki->gen = c->gen;
	ki->key_id = ks->key_id;
	ki->cipher = (uint8_t)c->cipher;
	ki->rx_key.len = ki->tx_key.len = (uint16_t)kl;
	memcpy(ki->rx_key.b, k.rx.key, kl);
	memcpy(ki->tx_key.b, k.tx.key, kl);
	ki->rx_iv.len = ki->tx_iv.len = 8;
	memcpy(ki->rx_iv.b, k.rx.implicit_iv, 8);
	memcpy(ki->tx_iv.b, k.tx.implicit_iv, 8);
	/* A (re)install starts past everything granted before: never a reused nonce. */
	ki->tx_pid_start = ks->tx_lease + 1;
	ks->tx_lease = ks->tx_lease + CP_TX_LEASE;
	ki->tx_pid_limit = ks->tx_lease;
	ki->tx_now = tx_now;
	int r = dplink_send(s->dl, c->dp, &m);
	prf_server_keys_wipe(&k);
	OPENSSL_cleanse(&m, sizeof(m));
	return r;
}

int
cp_dp_install(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks)
{
	bool first = !c->in_dataplane;
	if (first && send_session_add(s, c) != 0)
		return -1;
	c->in_dataplane = true;
	/*
	 * §11.3: the first key encrypts at once. A renegotiated key is installed
	 * for receiving only; we switch to it once the client has acknowledged
	 * everything we sent on it (our key-method-2 reply included), so the
	 * client holds the key before the first packet encrypted with it arrives.
	 */
	if (send_key(s, c, ks, first) != 0)
		return -1;
	ks->installed = true;
	ks->switch_pending = !first;
	/* Keep the previous key (lame duck); delete anything older (3 slots). */
	for (unsigned i = 0; i < 8; i++) {
		struct cp_keystate *o = c->ks[i];
		if (!o || o == ks || i == (unsigned)c->primary || !o->installed)
			continue;
		cp_dp_key_del(s, c, (uint8_t)i);
		o->installed = false;
	}
	return 0;
}

void
cp_dp_key_del(struct cp_server *s, struct cp_client *c, uint8_t key_id)
{
	struct ipc_msg del = { .type = IPC_KEY_DEL };
	if (!c->in_dataplane)
		return;
	del.u.key_del.sess = c->slot;
	del.u.key_del.gen = c->gen;
	del.u.key_del.key_id = key_id;
	dplink_send(s->dl, c->dp, &del);
}

void
cp_dp_maybe_switch(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks)
{
	if (!ks->switch_pending || reliable_send_pending(&ks->rel) != 0)
		return;
	struct ipc_msg m = { .type = IPC_KEY_TX_SWITCH };
	m.u.key_tx_switch.sess = c->slot;
	m.u.key_tx_switch.gen = c->gen;
	m.u.key_tx_switch.key_id = ks->key_id;
	if (dplink_send(s->dl, c->dp, &m) == 0) {
		ks->switch_pending = false;
		c->primary = ks->key_id;
	}
}

void
cp_dp_remove(struct cp_server *s, struct cp_client *c)
{
	if (c->in_dataplane) {
		struct ipc_msg m = { .type = IPC_SESSION_DEL };
		m.u.session_del.sess = c->slot;
		m.u.session_del.gen = c->gen;
		dplink_send(s->dl, c->dp, &m);
		c->in_dataplane = false;
	}
	/* The address is free from now on (explicit-exit-notify frees it at once). */
	int64_t idx = c->vaddr ? cp_pool_index(s, c->vaddr) : -1;
	if (idx >= 0)
		idpool_release(&s->addrs, (uint32_t)idx);
	if (c->vaddr)
		c->vaddr_was = c->vaddr;
	c->vaddr = 0;
}

/* A restarted dataplane holds nothing: give it every session it carried. */
static void
repush(struct cp_server *s, unsigned dp)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		struct cp_client *c = s->by_slot[i];
		if (!c || c->dp != dp || !c->in_dataplane)
			continue;
		if (c->orphan) {	/* no keys to give: that session is over */
			c->in_dataplane = false;
			cp_client_close(s, c, "dataplane restarted (no control state)");
			continue;
		}
		send_session_add(s, c);
		for (unsigned k = 0; k < 8; k++)
			if (c->ks[k] && c->ks[k]->installed)
				send_key(s, c, c->ks[k], (int)k == c->primary);
		n++;
	}
	if (n)
		log_info("dataplane %u restarted: %u sessions re-pushed", dp, n);
}

/*
 * First contact with a dataplane in this process: it may hold sessions of a
 * previous dpvpnd. Ask for them (RESYNC_REQ) so that no slot, peer-id or
 * address is handed out twice; a dataplane that restarted gets ours back.
 */
void
cp_dp_on_hello(void *arg, unsigned dp, bool restarted)
{
	struct cp_server *s = arg;
	if (!s->dp_known[dp]) {
		struct ipc_msg m = { .type = IPC_RESYNC_REQ };
		m.u.resync_req.cookie = CP_RESYNC_COOKIE;
		s->dp_known[dp] = true;
		dplink_send(s->dl, dp, &m);
		cp_bans_repush(s, dp);	/* it may hold a previous dpvpnd's bans */
		return;
	}
	if (restarted) {
		repush(s, dp);
		cp_bans_repush(s, dp);
	}
}

/* A session a previous dpvpnd left in the dataplane: keep its resources. */
static void
adopt(struct cp_server *s, unsigned dp, const struct ipc_session_info *in)
{
	uint32_t vaddr = ntohl(ipc_addr_to_v4(&in->vaddr));
	int64_t idx = cp_pool_index(s, vaddr);
	if (in->sess < s->cfg.max_clients && s->by_slot[in->sess])
		return;	/* ours already (pushed before this answer was written) */
	if (in->sess >= s->cfg.max_clients || !idpool_take(&s->slots, in->sess)
		|| (idx >= 0 && !idpool_take(&s->addrs, (uint32_t)idx))) {
		struct ipc_msg m = { .type = IPC_SESSION_DEL };	/* cannot keep it: end it */
		m.u.session_del.sess = in->sess;
		m.u.session_del.gen = in->gen;
		dplink_send(s->dl, dp, &m);
		return;
	}
	struct cp_client *c = cp_client_adopt(s, dp, in->sess, in->gen,
		ipc_addr_to_v4(&in->peer_addr), in->peer_port);
	if (!c)
		return;
	c->peer_id = in->peer_id;
	c->vaddr = vaddr;
	c->in_dataplane = true;
	c->orphan = true;
	c->last_rx_ms = ev_now_ms(s->loop);
	snprintf(c->common_name, sizeof(c->common_name), "(adopted)");
}

static struct cp_client *
client_of(struct cp_server *s, uint32_t sess, uint32_t gen);

/*
 * Periodic counters: the backstop for ping-restart (an IDLE event may have
 * gone to a previous dpvpnd, or been lost), and what status reports read.
 */
void
cp_stats_update(struct cp_server *s, unsigned dp, const struct ipc_session_stats *st)
{
	(void)dp;
	struct cp_client *c = client_of(s, st->sess, st->gen);
	uint32_t limit = s->cfg.derived.ping_restart;
	bool final = st->cookie == IPC_COOKIE_FINAL;
	if (!c || (c->closing && !final))
		return;
	if (st->rx_bytes != c->rx_bytes || st->tx_bytes != c->tx_bytes)
		c->bytes_changed_ms = ev_now_ms(s->loop);
	c->rx_bytes = st->rx_bytes;
	c->tx_bytes = st->tx_bytes;
	if (final) {	/* the session is gone from the dataplane: DISCONNECT may go now */
		if (c->final_stats_wait) {
			c->final_stats_wait = false;
			c->exit_at_ms = ev_now_ms(s->loop);
			cp_client_schedule(s, c);
		}
		return;
	}
	if (limit && st->idle_ms > (uint64_t)limit * 1000)
		cp_client_close(s, c, "ping-restart timeout");
}

static struct cp_client *
client_of(struct cp_server *s, uint32_t sess, uint32_t gen)
{
	struct cp_client *c = sess < s->cfg.max_clients ? s->by_slot[sess] : NULL;
	return c && c->gen == gen ? c : NULL;
}

static void
on_event(struct cp_server *s, const struct ipc_event *e)
{
	struct cp_client *c = client_of(s, e->sess, e->gen);
	if (!c || c->closing)
		return;
	switch (e->kind) {
	case IPC_EV_EXIT_NOTIFY:
		cp_client_close(s, c, "explicit-exit-notify");
		break;
	case IPC_EV_IDLE:
		cp_client_close(s, c, "ping-restart timeout");
		break;
	case IPC_EV_TX_PID_WRAP:
		/* §7.5: packet-ids near the end: renegotiate now. */
		c->reneg_at_ms = ev_now_ms(s->loop);
		cp_client_schedule(s, c);
		break;
	case IPC_EV_FLOAT:
		cp_client_rehash(s, c, ipc_addr_to_v4(&e->addr), e->port);
		break;
	case IPC_EV_TX_LEASE_LOW: {
		struct cp_keystate *ks = e->key_id < 8 ? c->ks[e->key_id] : NULL;
		if (!ks || !ks->installed || ks->tx_lease >= DP_PID_LIMIT_MAX)
			break;
		ks->tx_lease = ks->tx_lease + CP_TX_LEASE > DP_PID_LIMIT_MAX ? DP_PID_LIMIT_MAX
			: ks->tx_lease + CP_TX_LEASE;
		struct ipc_msg m = { .type = IPC_KEY_LEASE };
		m.u.key_lease.sess = c->slot;
		m.u.key_lease.gen = c->gen;
		m.u.key_lease.key_id = e->key_id;
		m.u.key_lease.tx_pid_limit = ks->tx_lease;
		dplink_send(s->dl, c->dp, &m);
		break;
	}
	default:
		break;
	}
}

void
cp_dp_on_msg(void *arg, unsigned dp, const struct ipc_msg *m)
{
	struct cp_server *s = arg;
	switch (m->type) {
	case IPC_PUNT: {
		const struct ipc_punt *p = &m->u.punt;
		cp_ctl_input(s, dp, ipc_addr_to_v4(&p->src_addr), p->src_port,
			ipc_addr_to_v4(&p->dst_addr), p->dst_port, p->payload.b, p->payload.len);
		break;
	}
	case IPC_EVENT:
		on_event(s, &m->u.event);
		break;
	case IPC_SESSION_INFO:
		if (m->u.session_info.cookie == CP_RESYNC_COOKIE)
			adopt(s, dp, &m->u.session_info);
		break;
	case IPC_SESSION_STATS:
		cp_stats_update(s, dp, &m->u.session_stats);
		break;
	case IPC_STATS_DONE:
		if (m->u.stats_done.cookie == CP_STATUS_COOKIE)
			cp_stats_wait_done(s, dp);
		if (m->u.stats_done.cookie != CP_RESYNC_COOKIE)
			break;
		s->dp_synced[dp] = true;
		if (m->u.stats_done.n_sessions)
			log_info("dataplane %u: %u sessions of a previous dpvpnd adopted until they end",
				dp, m->u.stats_done.n_sessions);
		break;
	case IPC_COUNTERS:
		cp_dp_counters_on_msg(s, dp, &m->u.counters);
		break;
	case IPC_ERROR:
		log_warnx("dataplane %u refused %s for session %u: %s", dp,
			ipc_type_name(m->u.error.ref_type) ? ipc_type_name(m->u.error.ref_type) : "?",
			m->u.error.sess, m->u.error.text);
		break;
	default:
		break;
	}
}

/* Control-channel counters in the log, once a minute when they moved
 * (until the management interface shows them). */
static void
log_counters(struct cp_server *s)
{
	static uint64_t last_ms, last_sum;
	uint64_t now = ev_now_ms(s->loop);
	uint64_t sum = s->stats.punts + s->stats.bad_packets + s->stats.replays + s->stats.resets
		+ s->stats.resets_limited + s->stats.connections_limited + s->stats.tls_errors
		+ s->stats.auth_failed;
	if (sum == last_sum || now - last_ms < 60000)
		return;
	last_sum = sum;
	last_ms = now;
	log_info("control channel: %llu packets, %llu bad, %llu replays, %llu resets sent "
		"(%llu over connect-freq-initial), %llu handshakes (%llu refused by connect-freq), "
		"%llu TLS errors, %llu auth failures, %u clients", (unsigned long long)s->stats.punts,
		(unsigned long long)s->stats.bad_packets, (unsigned long long)s->stats.replays,
		(unsigned long long)s->stats.resets, (unsigned long long)s->stats.resets_limited,
		(unsigned long long)s->stats.handshakes, (unsigned long long)s->stats.connections_limited,
		(unsigned long long)s->stats.tls_errors,
		(unsigned long long)s->stats.auth_failed, s->n_clients);
}

static void
on_stats_timer(void *arg)
{
	struct cp_server *s = arg;
	log_counters(s);
	struct ipc_msg m = { .type = IPC_STATS_REQ };
	m.u.stats_req.cookie = CP_STATS_COOKIE;
	for (unsigned dp = 0; dp < dplink_count(s->dl); dp++)
		dplink_send(s->dl, dp, &m);
	cp_dp_start_stats(s);
}

/* Asks every dataplane for session counters, every ping-restart / 2 (at least 1 s). */
void
cp_dp_start_stats(struct cp_server *s)
{
	uint32_t period = s->cfg.derived.ping_restart / 2;
	if (period < 1)
		period = s->cfg.derived.ping_restart ? 1 : 10;
	ev_timer_set(s->loop, &s->stats_timer, ev_now_ms(s->loop) + period * 1000ull,
		on_stats_timer, s);
}
