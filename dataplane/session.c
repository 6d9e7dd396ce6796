/*
 * The session table, written only by the service loop from control-plane
 * messages. Objects are published with release stores and freed only after
 * an RCU grace period (rte_rcu_qsbr_synchronize), so workers read them
 * without locks and are never stalled by an update.
 */
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp.h"
#include "ipc.h"
#include "log.h"

struct v1_key {
	uint32_t addr;
	uint16_t port;
	uint16_t pad;
};

/* Service-loop-only bookkeeping: the iroutes of each session. */
struct iroute {
	uint32_t prefix;
	uint8_t plen;
};
#define MAX_IROUTES 64
struct sess_routes {
	uint16_t n;
	struct iroute r[MAX_IROUTES];
};
static struct sess_routes **routes;	/* [max_sessions], lazily allocated */

int
dp_session_init(void)
{
	size_t n = dp.conf.max_sessions;
	dp.sessions = rte_zmalloc("sessions", n * sizeof(*dp.sessions), 64);
	dp.by_peer = rte_zmalloc("by_peer", n * sizeof(*dp.by_peer), 64);
	routes = calloc(n, sizeof(*routes));
	struct rte_hash_parameters hp = {
		.name = "v1_by_addr", .entries = n < 1024 ? 1024 : n,
		.key_len = sizeof(struct v1_key), .hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	dp.v1_by_addr = rte_hash_create(&hp);
	if (!dp.sessions || !dp.by_peer || !routes || !dp.v1_by_addr)
		return -ENOMEM;
	return 0;
}

struct dp_session *
dp_session_by_v1_addr(uint32_t addr, uint16_t port)
{
	struct v1_key k = { .addr = addr, .port = port };
	void *data;
	if (rte_hash_lookup_data(dp.v1_by_addr, &k, &data) < 0)
		return NULL;
	return dp_session_get((uint32_t)(uintptr_t)data);
}

void
dp_event_push(struct dp_lcore *lc, const struct dp_event *ev)
{
	if (rte_ring_mp_enqueue_elem(dp.event_ring, (void *)(uintptr_t)ev, sizeof(*ev)) != 0)
		lc->cnt.stat[DP_STAT_events_lost]++;
}

/*
 * Waits until no worker can still hold a pointer unpublished before. The
 * service thread is offline in RCU while it runs table updates (loop.c).
 */
static void
grace_period(void)
{
	rte_rcu_qsbr_synchronize(dp.rcu, RTE_QSBR_THRID_INVALID);
}

static void
key_free(struct dp_key *k)
{
	if (!k)
		return;
	dp_aead_key_wipe(k->rx);
	dp_aead_key_wipe(k->tx);
	rte_free(k->rx);
	rte_free(k->tx);
	rte_free(k->replay);
	rte_free(k);
}

static int
lookup(uint32_t sess, uint32_t gen, struct dp_session **out)
{
	if (sess >= dp.conf.max_sessions)
		return IPC_E_NO_SESSION;
	struct dp_session *s = dp.sessions[sess];
	if (!s)
		return IPC_E_NO_SESSION;
	if (s->gen != gen)
		return IPC_E_STALE_GEN;
	*out = s;
	return 0;
}

static void
unpublish(struct dp_session *s)
{
	struct sess_routes *r = routes[s->sess];
	dp_route_del(s->vaddr, 32);
	for (unsigned i = 0; r && i < r->n; i++)
		dp_route_del(r->r[i].prefix, r->r[i].plen);
	free(r);
	routes[s->sess] = NULL;
	if (s->peer_id != IPC_PEER_ID_NONE && dp.by_peer[s->peer_id] == s)
		__atomic_store_n(&dp.by_peer[s->peer_id], NULL, __ATOMIC_RELEASE);
	if (s->v1_indexed) {
		struct v1_key vk = { .addr = s->v1_addr, .port = s->v1_port };
		s->v1_pos = rte_hash_del_key(dp.v1_by_addr, &vk);
	}
	__atomic_store_n(&dp.sessions[s->sess], NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&dp.n_sessions, dp.n_sessions - 1, __ATOMIC_RELAXED);
}

static void
session_destroy(struct dp_session *s)
{
	pthread_mutex_lock(&dp.tel_lock);
	unpublish(s);
	grace_period();
	/* Lock-free hash: a deleted key's slot is reusable only after the grace period. */
	if (s->v1_indexed && s->v1_pos >= 0)
		rte_hash_free_key_with_position(dp.v1_by_addr, s->v1_pos);
	for (unsigned i = 0; i < 8; i++)
		key_free(s->keys[i]);
	rte_free(s);
	pthread_mutex_unlock(&dp.tel_lock);
}

static int
check_add(const struct ipc_session_add *a)
{
	if (a->sess >= dp.conf.max_sessions)
		return IPC_E_NO_SESSION;
	if (a->gen == 0 || a->peer_addr.len != 4 || a->local_addr.len != 4 || a->vaddr.len != 4)
		return IPC_E_BAD_VALUE;
	if (a->peer_id != IPC_PEER_ID_NONE && a->peer_id >= dp.conf.max_sessions)
		return IPC_E_BAD_VALUE;
	if (a->replay_window < 1 || a->replay_window > 65536 || a->replay_time_s > 600)
		return IPC_E_BAD_VALUE;
	if (a->peer_id != IPC_PEER_ID_NONE && dp.by_peer[a->peer_id]
		&& dp.by_peer[a->peer_id]->sess != a->sess)
		return IPC_E_BAD_VALUE;
	uint32_t nh;
	if (rte_lpm_is_rule_present(dp.lpm, rte_be_to_cpu_32(ipc_addr_to_v4(&a->vaddr)), 32, &nh) == 1
		&& nh != (DP_NH_SESSION | a->sess))
		return IPC_E_BAD_VALUE;	/* another session owns this tunnel address */
	return 0;
}

static int
session_add(const struct ipc_session_add *a)
{
	int err = check_add(a);
	if (err)
		return err;
	if (dp.sessions[a->sess])
		session_destroy(dp.sessions[a->sess]);
	struct dp_session *s = rte_zmalloc("session", sizeof(*s), 64);
	if (!s)
		return IPC_E_NO_ROOM;
	uint64_t now = rte_rdtsc();
	*s = (struct dp_session){ .sess = a->sess, .gen = a->gen, .peer_id = a->peer_id,
		.flags = a->flags, .local_addr = ipc_addr_to_v4(&a->local_addr),
		.local_port = rte_cpu_to_be_16(a->local_port), .vaddr = ipc_addr_to_v4(&a->vaddr),
		.ping_ms = a->ping_ms, .idle_ms = a->idle_ms,
		.ping_tsc = dp.tsc_hz / 1000 * a->ping_ms, .idle_tsc = dp.tsc_hz / 1000 * a->idle_ms,
		.replay_window = a->replay_window, .replay_time_s = a->replay_time_s,
		.tx_key_id = IPC_KEY_NONE };
	s->dyn.peer_addr = ipc_addr_to_v4(&a->peer_addr);
	s->dyn.peer_port = rte_cpu_to_be_16(a->peer_port);
	s->dyn.last_rx_tsc = s->dyn.last_tx_tsc = now;
	if (dp_route_add_session(s->vaddr, 32, s->sess) != 0) {
		rte_free(s);
		return IPC_E_NO_ROOM;
	}
	if (a->peer_id == IPC_PEER_ID_NONE || (a->flags & IPC_SESS_F_DATA_V1)) {
		struct v1_key vk = { .addr = s->dyn.peer_addr, .port = s->dyn.peer_port };
		if (rte_hash_add_key_data(dp.v1_by_addr, &vk, (void *)(uintptr_t)s->sess) != 0) {
			dp_route_del(s->vaddr, 32);
			rte_free(s);
			return IPC_E_NO_ROOM;
		}
		s->v1_indexed = 1;
		s->v1_addr = vk.addr;
		s->v1_port = vk.port;
	}
	__atomic_store_n(&dp.sessions[s->sess], s, __ATOMIC_RELEASE);
	__atomic_store_n(&dp.n_sessions, dp.n_sessions + 1, __ATOMIC_RELAXED);
	if (a->peer_id != IPC_PEER_ID_NONE)
		__atomic_store_n(&dp.by_peer[a->peer_id], s, __ATOMIC_RELEASE);
	return 0;
}

static int
route_change(const struct ipc_route_add *r, bool add)
{
	struct dp_session *s;
	int err = lookup(r->sess, r->gen, &s);
	if (err)
		return err;
	if (r->prefix.len != 4 || r->plen > 32)
		return IPC_E_BAD_VALUE;
	uint32_t pfx = ipc_addr_to_v4(&r->prefix);
	struct sess_routes *sr = routes[s->sess];
	if (add) {
		if (!sr && !(sr = routes[s->sess] = calloc(1, sizeof(*sr))))
			return IPC_E_NO_ROOM;
		if (sr->n == MAX_IROUTES || dp_route_add_session(pfx, r->plen, s->sess) != 0)
			return IPC_E_NO_ROOM;
		sr->r[sr->n++] = (struct iroute){ pfx, r->plen };
		return 0;
	}
	for (unsigned i = 0; sr && i < sr->n; i++) {
		if (sr->r[i].prefix == pfx && sr->r[i].plen == r->plen) {
			dp_route_del(pfx, r->plen);
			sr->r[i] = sr->r[--sr->n];
			return 0;
		}
	}
	return IPC_E_BAD_VALUE;
}

static struct dp_aead_key *
aead_key(uint8_t cipher, const uint8_t *key, size_t len, const uint8_t *iv)
{
	struct dp_aead_key *k = rte_zmalloc("aead_key", dp_aead_key_size(), 64);
	if (k && dp_aead_key_init(k, &dp.service_lc->crypto, cipher, key, len, iv) != 0) {
		rte_free(k);
		return NULL;
	}
	return k;
}

static int
key_build(const struct ipc_key_install *ki, uint32_t window, uint32_t time_s, struct dp_key **out)
{
	size_t klen = ki->cipher == IPC_CIPHER_AES_128_GCM ? 16 : 32;
	if (ki->key_id > 7 || ki->cipher < 1 || ki->cipher > 3 || ki->rx_key.len != klen
		|| ki->tx_key.len != klen || ki->rx_iv.len != 8 || ki->tx_iv.len != 8
		|| ki->tx_pid_start == 0 || ki->tx_pid_limit < ki->tx_pid_start - 1)
		return IPC_E_BAD_VALUE;
	struct dp_key *k = rte_zmalloc("key", sizeof(*k), 64);
	if (!k)
		return IPC_E_NO_ROOM;
	k->key_id = ki->key_id;
	k->cipher = ki->cipher;
	k->rx = aead_key(ki->cipher, ki->rx_key.b, klen, ki->rx_iv.b);
	k->tx = aead_key(ki->cipher, ki->tx_key.b, klen, ki->tx_iv.b);
	k->replay = rte_zmalloc("replay", dp_replay_size(window), 64);
	if (!k->replay) {
		key_free(k);
		return IPC_E_NO_ROOM;
	}
	if (!k->rx || !k->tx) {
		key_free(k);
		return IPC_E_BAD_VALUE;	/* e.g. an all-zero key */
	}
	dp_replay_init(k->replay, window, time_s, ki->rx_pid_floor);
	k->tx_pid = ki->tx_pid_start - 1;
	k->tx_pid_limit = ki->tx_pid_limit;
	k->lease_low_at = ki->tx_pid_limit < ki->tx_pid_start ? ki->tx_pid_start
		: ki->tx_pid_start + (ki->tx_pid_limit - ki->tx_pid_start) / 2;
	k->lease_seq = 1;
	*out = k;
	return 0;
}

static int
key_install(const struct ipc_key_install *ki)
{
	struct dp_session *s;
	int err = lookup(ki->sess, ki->gen, &s);
	if (err)
		return err;
	unsigned n_keys = 0;
	for (unsigned i = 0; i < 8; i++)
		n_keys += s->keys[i] != NULL && i != ki->key_id;
	if (ki->key_id <= 7 && n_keys >= DP_MAX_KEYS)
		return IPC_E_NO_ROOM;
	struct dp_key *k;
	if ((err = key_build(ki, s->replay_window, s->replay_time_s, &k)))
		return err;
	struct dp_key *old = s->keys[ki->key_id];
	__atomic_store_n(&s->keys[ki->key_id], k, __ATOMIC_RELEASE);
	if (ki->tx_now)
		__atomic_store_n(&s->tx_key_id, ki->key_id, __ATOMIC_RELEASE);
	if (old) {
		pthread_mutex_lock(&dp.tel_lock);
		grace_period();
		key_free(old);
		pthread_mutex_unlock(&dp.tel_lock);
	}
	return 0;
}

static int
key_op(uint32_t type, uint32_t sess, uint32_t gen, uint8_t key_id, uint32_t limit)
{
	struct dp_session *s;
	int err = lookup(sess, gen, &s);
	if (err)
		return err;
	struct dp_key *k = key_id < 8 ? s->keys[key_id] : NULL;
	if (!k)
		return IPC_E_BAD_VALUE;
	switch (type) {
	case IPC_KEY_TX_SWITCH:
		__atomic_store_n(&s->tx_key_id, key_id, __ATOMIC_RELEASE);
		return 0;
	case IPC_KEY_LEASE:
		if (limit < k->tx_pid_limit)
			return IPC_E_BAD_VALUE;	/* a lease never shrinks */
		k->lease_low_at = limit < k->tx_pid ? k->tx_pid : k->tx_pid + (limit - k->tx_pid) / 2;
		__atomic_store_n(&k->tx_pid_limit, limit, __ATOMIC_RELEASE);
		__atomic_add_fetch(&k->lease_seq, 1, __ATOMIC_RELEASE);
		return 0;
	default:	/* IPC_KEY_DEL */
		if (s->tx_key_id == key_id)
			__atomic_store_n(&s->tx_key_id, IPC_KEY_NONE, __ATOMIC_RELEASE);
		__atomic_store_n(&s->keys[key_id], NULL, __ATOMIC_RELEASE);
		pthread_mutex_lock(&dp.tel_lock);
		grace_period();
		key_free(k);
		pthread_mutex_unlock(&dp.tel_lock);
		return 0;
	}
}

int
dp_session_apply(const struct ipc_msg *m, uint32_t *err_sess)
{
	const typeof(m->u) *u = &m->u;
	struct dp_session *s;
	int err;
	switch (m->type) {
	case IPC_SESSION_ADD:
		*err_sess = u->session_add.sess;
		return session_add(&u->session_add);
	case IPC_SESSION_DEL:
		*err_sess = u->session_del.sess;
		if ((err = lookup(u->session_del.sess, u->session_del.gen, &s)))
			return err;
		session_destroy(s);
		return 0;
	case IPC_ROUTE_ADD:
		*err_sess = u->route_add.sess;
		return route_change(&u->route_add, true);
	case IPC_ROUTE_DEL:
		*err_sess = u->route_del.sess;
		return route_change((const struct ipc_route_add *)&u->route_del, false);
	case IPC_KEY_INSTALL:
		*err_sess = u->key_install.sess;
		return key_install(&u->key_install);
	case IPC_KEY_TX_SWITCH:
		*err_sess = u->key_tx_switch.sess;
		return key_op(m->type, u->key_tx_switch.sess, u->key_tx_switch.gen,
			u->key_tx_switch.key_id, 0);
	case IPC_KEY_DEL:
		*err_sess = u->key_del.sess;
		return key_op(m->type, u->key_del.sess, u->key_del.gen, u->key_del.key_id, 0);
	case IPC_KEY_LEASE:
		*err_sess = u->key_lease.sess;
		return key_op(m->type, u->key_lease.sess, u->key_lease.gen, u->key_lease.key_id,
			u->key_lease.tx_pid_limit);
	}
	return IPC_E_DIRECTION;
}

void
dp_session_free_all(void)
{
	for (uint32_t i = 0; i < dp.conf.max_sessions; i++)
		if (dp.sessions[i])
			session_destroy(dp.sessions[i]);
}

void
dp_session_stats_fill(const struct dp_session *s, uint32_t cookie, struct ipc_msg *m)
{
	struct ipc_session_stats *st = &m->u.session_stats;
	memset(m, 0, sizeof(*m));
	m->type = IPC_SESSION_STATS;
	st->cookie = cookie;
	st->sess = s->sess;
	st->gen = s->gen;
	st->rx_pkts = s->dyn.rx_pkts;
	st->rx_bytes = s->dyn.rx_bytes;
	st->tx_pkts = s->dyn.tx_pkts;
	st->tx_bytes = s->dyn.tx_bytes;
	st->idle_ms = dp_tsc_since(rte_rdtsc(), s->dyn.last_rx_tsc) * 1000 / dp.tsc_hz;
	st->tx_key_id = s->tx_key_id;
	const struct dp_key *k = s->tx_key_id < 8 ? s->keys[s->tx_key_id] : NULL;
	if (k) {
		st->tx_pid = k->tx_pid;
		st->rx_pid = dp_replay_highest(k->replay);
	}
}

void
dp_session_info_fill(const struct dp_session *s, uint32_t cookie, struct ipc_msg *m)
{
	struct ipc_session_info *in = &m->u.session_info;
	memset(m, 0, sizeof(*m));
	m->type = IPC_SESSION_INFO;
	in->cookie = cookie;
	in->sess = s->sess;
	in->gen = s->gen;
	in->peer_id = s->peer_id;
	ipc_addr_from_v4(&in->peer_addr, s->dyn.peer_addr);
	in->peer_port = rte_be_to_cpu_16(s->dyn.peer_port);
	ipc_addr_from_v4(&in->vaddr, s->vaddr);
	in->flags = s->flags;
	for (unsigned i = 0; i < 8; i++)
		if (s->keys[i])
			in->key_mask |= (uint8_t)(1u << i);
	in->tx_key_id = s->tx_key_id;
	in->rx_pkts = s->dyn.rx_pkts;
	in->tx_pkts = s->dyn.tx_pkts;
}
