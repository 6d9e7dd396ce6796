/*
 * Client records: a hash by outer address, a table by dataplane slot, the
 * per-client timer (retransmits, hand-window, delayed exit), and teardown
 * that removes the session everywhere before its slot can be reused.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ipc.h"
#include "ovpn_wire.h"
#include "log.h"
#include "ctl.h"
#include "server.h"
#include "sessions.h"

static uint32_t
hash_of(const struct cp_server *s, uint32_t addr, uint16_t port)
{
	uint32_t h = addr * 2654435761u ^ (uint32_t)port * 40503u;
	return (h ^ h >> 16) & (s->hash_size - 1);
}

int
cp_clients_init(struct cp_server *s)
{
	uint32_t n = s->cfg.max_clients;
	s->hash_size = 1024;
	while (s->hash_size < 2 * n)
		s->hash_size *= 2;
	s->hash = calloc(s->hash_size, sizeof(*s->hash));
	s->by_slot = calloc(n, sizeof(*s->by_slot));
	if (!s->hash || !s->by_slot || idpool_init(&s->slots, n))
		return -1;
	return 0;
}

struct cp_client *
cp_client_find(struct cp_server *s, uint32_t addr, uint16_t port)
{
	for (struct cp_client *c = s->hash[hash_of(s, addr, port)]; c; c = c->hash_next)
		if (c->addr == addr && c->port == port)
			return c;
	return NULL;
}

static void
hash_remove(struct cp_server *s, struct cp_client *c)
{
	struct cp_client **pp = &s->hash[hash_of(s, c->addr, c->port)];
	while (*pp && *pp != c)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = c->hash_next;
	c->hash_next = NULL;
}

static void
hash_insert(struct cp_server *s, struct cp_client *c)
{
	uint32_t h = hash_of(s, c->addr, c->port);
	c->hash_next = s->hash[h];
	s->hash[h] = c;
}

void
cp_client_rehash(struct cp_server *s, struct cp_client *c, uint32_t addr, uint16_t port)
{
	hash_remove(s, c);
	c->addr = addr;
	c->port = port;
	hash_insert(s, c);
}

/* Generations differ across restarts of dpvpnd too: they start from the clock. */
static uint32_t
next_gen(void)
{
	static uint32_t gen;
	if (!gen)
		gen = (uint32_t)time(NULL) << 8;
	if (++gen == 0)
		gen = 1;
	return gen;
}

static struct cp_client *
client_alloc(struct cp_server *s, unsigned dp, uint32_t slot, uint32_t gen, uint32_t addr,
	uint16_t port)
{
	struct cp_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->slot = slot;
	c->gen = gen;
	c->dp = dp;
	c->addr = addr;
	c->port = port;
	c->primary = -1;
	c->reauth_key = -1;
	c->peer_id = IPC_PEER_ID_NONE;
	c->cid = s->next_cid++;
	c->wrap.srv = &s->wrap;
	c->wrap.mode = s->wrap.mode;
	c->created_ms = c->last_rx_ms = ev_now_ms(s->loop);
	c->created_wall = time(NULL);
	ctl_replay_init(&c->rx_replay, s->cfg.replay_window, s->cfg.replay_time);
	ctl_replay_init(&c->dyn_rx_replay, s->cfg.replay_window, s->cfg.replay_time);
	s->by_slot[c->slot] = c;
	hash_insert(s, c);
	s->n_clients++;
	return c;
}

struct cp_client *
cp_client_new(struct cp_server *s, unsigned dp, uint32_t addr, uint16_t port,
	uint32_t local_addr, uint16_t local_port)
{
	int64_t slot = idpool_alloc(&s->slots);
	if (slot < 0)
		return NULL;
	struct cp_client *c = client_alloc(s, dp, (uint32_t)slot, next_gen(), addr, port);
	if (!c) {
		idpool_release(&s->slots, (uint32_t)slot);
		return NULL;
	}
	c->local_addr = local_addr;
	c->local_port = local_port;
	return c;
}

struct cp_client *
cp_client_adopt(struct cp_server *s, unsigned dp, uint32_t slot, uint32_t gen, uint32_t addr,
	uint16_t port)
{
	struct cp_client *c = client_alloc(s, dp, slot, gen, addr, port);
	if (!c)
		idpool_release(&s->slots, slot);
	return c;
}

struct cp_keystate *
cp_keystate_new(struct cp_server *s, struct cp_client *c, uint8_t key_id, uint32_t first_send_id,
	uint32_t first_recv_id)
{
	struct cp_keystate *ks = calloc(1, sizeof(*ks));
	if (!ks)
		return NULL;
	ks->tls = cp_tls_new(s->tls);
	if (!ks->tls) {
		free(ks);
		return NULL;
	}
	ks->key_id = key_id;
	ks->mda_kid = ++c->kid_counter;
	ks->state = KS_HANDSHAKE;
	reliable_init(&ks->rel, s->cfg.tls_timeout * 1000, first_send_id, first_recv_id);
	ks->hand_deadline_ms = ev_now_ms(s->loop) + (uint64_t)s->cfg.hand_window * 1000;
	c->ks[key_id] = ks;
	c->latest = key_id;
	return ks;
}

static void
keystate_free(struct cp_keystate *ks)
{
	if (!ks)
		return;
	cp_tls_free(ks->tls);
	OPENSSL_cleanse(ks, sizeof(*ks));
	free(ks);
}

void
cp_keystate_retire(struct cp_server *s, struct cp_client *c, uint8_t key_id)
{
	struct cp_keystate *ks = c->ks[key_id];
	if (!ks)
		return;
	if (ks->installed)
		cp_dp_key_del(s, c, key_id);
	keystate_free(ks);
	c->ks[key_id] = NULL;
}

void
cp_client_destroy(struct cp_server *s, struct cp_client *c, const char *why)
{
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &c->addr, a, sizeof(a));
	log_info("%s/%s:%u session %u ended: %s", c->common_name[0] ? c->common_name : "?", a,
		c->port, c->slot, why);
	cp_dp_remove(s, c);
	cp_auth_forget(s, c);
	cp_mgmt_client_disconnect(s, c);
	cp_session_detach(s, c);
	if (c->authenticated)
		cp_ctl_client_event(s, c, false, why);
	ev_timer_cancel(s->loop, &c->timer);
	hash_remove(s, c);
	s->by_slot[c->slot] = NULL;
	idpool_release(&s->slots, c->slot);
	for (unsigned i = 0; i < 8; i++)
		keystate_free(c->ks[i]);
	cp_wrap_wipe(&c->wrap);
	free(c->pi);
	free(c->ccd);
	free(c->mgmt_config);
	s->n_clients--;
	s->stats.sessions_ended++;
	/* an adopted session's start is unknown: no session time for it */
	cp_sess_stats_closed(&s->sess_stats, cp_close_kind(why), c->authenticated && !c->orphan,
		(ev_now_ms(s->loop) - c->created_ms) / 1000);
	s->link_bytes_in += c->rx_bytes;	/* load-stats counts everything since start */
	s->link_bytes_out += c->tx_bytes;
	free(c);
}

static void
on_client_timer(void *arg);

void
cp_client_close(struct cp_server *s, struct cp_client *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", why);
	/* The management DISCONNECT reports the last counters: the dataplane
	 * sends them when it deletes the session (a moment, at most 500 ms). */
	c->final_stats_wait = c->mgmt_announced && c->in_dataplane;
	cp_dp_remove(s, c);
	c->exit_at_ms = ev_now_ms(s->loop) + (c->final_stats_wait ? 500 : 0);
	cp_client_schedule(s, c);
}

/* Arms the client's one timer at its earliest deadline. */
void
cp_client_schedule(struct cp_server *s, struct cp_client *c)
{
	uint64_t next = UINT64_MAX;
	for (unsigned i = 0; i < 8; i++) {
		struct cp_keystate *ks = c->ks[i];
		if (!ks)
			continue;
		uint64_t d = reliable_next_deadline(&ks->rel);
		if (d != RELIABLE_NO_DEADLINE && d < next)
			next = d;
		if (ks->state < KS_ACTIVE && ks->hand_deadline_ms < next)
			next = ks->hand_deadline_ms;
	}
	if (c->exit_at_ms && c->exit_at_ms < next)
		next = c->exit_at_ms;
	if (c->reneg_at_ms && c->reneg_at_ms < next)
		next = c->reneg_at_ms;
	if ((c->auth_wait & CP_WAIT_MGMT) && c->mgmt_deadline_ms < next)
		next = c->mgmt_deadline_ms;
	if (next == UINT64_MAX)
		ev_timer_cancel(s->loop, &c->timer);
	else
		ev_timer_set(s->loop, &c->timer, next, on_client_timer, c);
}

/* The server pointer for timer callbacks (one server per process). */
static struct cp_server *the_server;

void
cp_clients_bind_server(struct cp_server *s)
{
	the_server = s;
}

/* reneg-sec: the server subtracts up to 10 % so that it usually starts first (§11.1). */
void
cp_client_plan_reneg(struct cp_server *s, struct cp_client *c)
{
	uint64_t ms = (uint64_t)s->cfg.reneg_sec * 1000;
	c->reneg_at_ms = ms ? ev_now_ms(s->loop) + ms - (ms / 10) * (uint64_t)(rand() % 101) / 100 : 0;
}

/* §11.2: a soft reset with the next key_id (1..7, never 0) starts a new TLS session. */
static void
start_reneg(struct cp_server *s, struct cp_client *c)
{
	c->reneg_at_ms = 0;
	if (c->primary < 0 || c->closing || !c->authenticated || c->orphan)
		return;
	if (c->ks[c->latest] && c->ks[c->latest]->state < KS_ACTIVE)
		return;	/* one already running */
	uint8_t kid = (uint8_t)(c->latest % 7 + 1);
	cp_keystate_retire(s, c, kid);
	struct cp_keystate *ks = cp_keystate_new(s, c, kid, 0, 0);
	uint32_t id;
	if (ks)
		reliable_queue(&ks->rel, OVPN_P_CONTROL_SOFT_RESET_V1, NULL, 0, &id);
}

/* Without duplicate-cn the newest connection of a common name wins (2.x). */
void
cp_clients_drop_duplicates(struct cp_server *s, struct cp_client *keep)
{
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		struct cp_client *c = s->by_slot[i];
		if (c && c != keep && !c->closing && c->authenticated
			&& !strcmp(c->common_name, keep->common_name))
			cp_client_close(s, c, "same common name connected again (no duplicate-cn)");
	}
}

static void
on_client_timer(void *arg)
{
	struct cp_client *c = arg;
	struct cp_server *s = the_server;
	uint64_t now = ev_now_ms(s->loop);
	if (c->exit_at_ms && now >= c->exit_at_ms) {
		cp_client_destroy(s, c, c->close_reason[0] ? c->close_reason : "exit");
		return;
	}
	if (c->reneg_at_ms && now >= c->reneg_at_ms)
		start_reneg(s, c);
	if ((c->auth_wait & CP_WAIT_MGMT) && now >= c->mgmt_deadline_ms) {
		log_info("session %u: no client-auth/client-deny from the management interface "
			"in time", c->slot);
		cp_auth_answer(s, c, CP_WAIT_MGMT, false);
	}
	for (unsigned i = 0; i < 8; i++) {
		struct cp_keystate *ks = c->ks[i];
		if (!ks || ks->state >= KS_ACTIVE || now < ks->hand_deadline_ms)
			continue;
		s->stats.hand_timeouts++;
		if ((int)i == c->primary || c->primary < 0) {
			cp_client_destroy(s, c, "TLS handshake did not finish within hand-window");
			return;
		}
		cp_keystate_retire(s, c, (uint8_t)i);	/* failed renegotiation: the old key lives on */
	}
	cp_ctl_flush(s, c);
}
