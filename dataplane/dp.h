/*
 * Dataplane state and the contracts between its modules.
 *
 * Ownership (docs/architecture.md):
 *  - The main lcore (service loop) is the only writer of the session table,
 *    keys, routes and the neighbour table. It publishes with release stores
 *    and frees only after an RCU (QSBR) grace period, so workers never wait.
 *  - Each worker owns the sessions with sess % n_workers == its index: only
 *    it touches their replay windows, tx packet-ids and counters.
 */
#ifndef DP_DP_H
#define DP_DP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_lpm.h>
#include <rte_mbuf.h>

#include "ban_table.h"
#include "conf.h"
#include "counters.h"
#include "crypto.h"
#include "replay.h"

#define DP_MAX_LCORES		RTE_MAX_LCORE
#define DP_MAX_KEYS		3	/* primary, lame duck, previous lame duck */
#define DP_BURST_MAX		64
#define DP_PORT_OUTSIDE		0
#define DP_PORT_INSIDE		1
#define DP_NUM_ROLES		2
#define DP_OVERHEAD_V2		(14 + 20 + 8 + 8 + 16)	/* eth+ip+udp+hdr+tag */

/* One installed key_id of a session. Immutable crypto, owner-written counters. */
struct dp_key {
	struct dp_aead_key *rx;
	struct dp_aead_key *tx;
	uint8_t key_id;
	uint8_t cipher;
	uint32_t tx_pid;		/* last tx packet-id used (owner) */
	uint32_t tx_pid_limit;		/* lease end (main writes, owner reads) */
	uint32_t lease_low_at;		/* tx_pid at which to ask for more */
	uint32_t lease_seq;		/* bumped by main on every lease */
	uint32_t lease_seq_told;	/* owner: lease_seq it reported low for */
	uint8_t wrap_told;		/* owner: tx_pid_wrap event sent */
	struct dp_replay *replay;	/* rx window (owner) */
};

/* Fields written by the owner worker only; read by main for stats. */
struct dp_session_dyn {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t last_rx_tsc, last_tx_tsc;
	uint32_t peer_addr;		/* current (float updates it) */
	uint16_t peer_port;
	uint8_t idle_told;
};

/*
 * Laid out by cache line, for the hot path (at 100k sessions every packet
 * misses on its session): line 0 holds what every packet and the timers read
 * (tx_key_id included, so encrypt touches lines 0, 1 and 3 only), line 1 the
 * keys, line 2 service-loop-only fields, line 3 the owner's counters.
 */
struct dp_session {
	uint32_t sess, gen, peer_id, flags;
	uint32_t local_addr, vaddr;	/* network byte order */
	uint16_t local_port;		/* network byte order */
	uint8_t tx_key_id;		/* 0xFF = none */
	uint64_t ping_tsc, idle_tsc;
	uint32_t ping_ms, idle_ms;
	uint32_t replay_window, replay_time_s;
	struct dp_key *keys[8] __rte_cache_aligned;	/* by key_id; at most DP_MAX_KEYS set */
	/* service loop only: where the P_DATA_V1 address index points */
	uint8_t v1_indexed __rte_cache_aligned;
	uint16_t v1_port;
	uint32_t v1_addr;
	int32_t v1_pos;
	struct dp_session_dyn dyn __rte_cache_aligned;
};
_Static_assert(offsetof(struct dp_session, replay_time_s) < RTE_CACHE_LINE_SIZE,
	"dp_session: the fields every packet reads must stay in line 0");
_Static_assert(sizeof(struct dp_session_dyn) <= RTE_CACHE_LINE_SIZE,
	"dp_session_dyn: one cache line");

/* Per-port TX buffer of one lcore, flushed after every burst. */
struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[2 * DP_BURST_MAX];
};

/* Event from a worker to the service loop (then to the control plane). */
struct dp_event {
	uint32_t sess, gen;
	uint8_t kind, key_id;
	uint16_t port;			/* network order, float */
	uint32_t addr;			/* network order, float */
	uint64_t value;
};

struct dp_lcore {
	unsigned lcore_id;
	int worker;			/* worker index, -1 for a pure service lcore */
	bool service;			/* runs the service loop */
	uint16_t rxq, txq;
	struct rte_ring *handoff[DP_NUM_ROLES];	/* packets for sessions we own */
	struct dp_txbuf tx[DP_NUM_ROLES];
	struct dp_crypto crypto;
	uint32_t timer_cursor;
	uint64_t next_timer_tsc;
	struct dp_counters cnt;
} __rte_cache_aligned;

struct dp_port {
	uint16_t port_id;
	/* Set when the NIC has no TX queue to spare for the service loop: its
	 * frames then go out through worker 0's queue via this ring. */
	struct rte_ring *service_tx;
	struct rte_ether_addr mac;
	uint32_t addr, mask, gw;	/* network order */
};

struct dp_global {
	struct dp_conf conf;
	struct dp_port port[DP_NUM_ROLES];
	uint16_t udp_port_be;
	unsigned n_lcores;		/* entries in lcores[] */
	unsigned n_workers;
	struct dp_lcore *lcores;	/* [n_lcores] */
	struct dp_lcore *by_worker[DP_MAX_LCORES];
	struct dp_lcore *by_lcore_id[DP_MAX_LCORES];
	uint16_t service_txq;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *rcu;
	struct rte_lpm *lpm;
	struct rte_hash *v1_by_addr;
	struct dp_session **sessions;	/* [max_sessions], by sess */
	uint32_t n_sessions;		/* set in sessions[] (service loop writes) */
	struct dp_session **by_peer;	/* [max_sessions], by peer_id */
	struct rte_ring *slow_ring;	/* ARP/ICMP/punt packets to the service loop */
	struct rte_ring *hold_ring;	/* packets waiting for a next hop */
	struct rte_ring *event_ring;	/* struct dp_event to the service loop */
	struct dp_lcore *service_lc;	/* the lcore running the service loop */
	struct dp_ban_table *bans;	/* current ban table (ban.c publishes, RCU) */
	uint64_t ban_hash_mul;		/* random odd multiplier of the ban hash */
	pthread_mutex_t tel_lock;	/* telemetry reads vs. session frees */
	uint64_t tsc_hz;
	uint64_t boot_id;
	volatile bool quit;
	volatile bool cp_up;
};

extern struct dp_global dp;

/* route.c: inner destination -> session or LAN next hop (rte_lpm). */
#define DP_NH_SESSION	(1u << 23)
int dp_route_init(void);
int dp_route_add_session(uint32_t prefix, uint8_t plen, uint32_t sess);
int dp_route_del(uint32_t prefix, uint8_t plen);
int dp_route_add_lan(uint32_t prefix, uint8_t plen, uint32_t gw);
/* Returns true and the next-hop value for dst (network order). Inline: it
 * runs once or twice per packet and is one or two table reads. */
static inline bool
dp_route_lookup(uint32_t dst, uint32_t *nh)
{
	return rte_lpm_lookup(dp.lpm, rte_be_to_cpu_32(dst), nh) == 0;
}
/* LAN next-hop address for an lpm next-hop value (0 = destination itself). */
uint32_t dp_route_lan_gw(uint32_t nh);

/* neigh.c: ARP cache (service loop writes, workers read). */
int dp_neigh_init(void);
bool dp_neigh_lookup(unsigned role, uint32_t ip, struct rte_ether_addr *mac);
void dp_neigh_learn(unsigned role, uint32_t ip, const struct rte_ether_addr *mac);
/* The next hop towards dst on role: dst itself on the port's subnet (or with
 * no gateway), else the gateway. Inline: once per packet sent to a client. */
static inline uint32_t
dp_neigh_nexthop(unsigned role, uint32_t dst)
{
	const struct dp_port *p = &dp.port[role];
	if (((dst ^ p->addr) & p->mask) == 0 || p->gw == 0)
		return dst;
	return p->gw;
}
/* Service loop: queue m (fully built frame except L2 dst) for ip on role. */
void dp_neigh_hold(unsigned role, uint32_t ip, struct rte_mbuf *m);
void dp_neigh_service(uint64_t now);
void dp_neigh_fini(void);

/* txq.c */
void dp_tx_enqueue(struct dp_lcore *lc, unsigned role, struct rte_mbuf *m);
void dp_tx_flush(struct dp_lcore *lc);
/* Worker 0: sends frames the service loop queued for ports without a spare TX queue. */
unsigned dp_tx_relay_service(struct dp_lcore *lc);
/* Fills L2 header for a frame leaving role towards next hop nh_ip, then sends or holds it. */
void dp_tx_ip(struct dp_lcore *lc, unsigned role, uint32_t nh_ip, struct rte_mbuf *m);

static inline void
dp_drop(struct dp_lcore *lc, enum dp_drop why, struct rte_mbuf *m)
{
	lc->cnt.drop[why]++;
	rte_pktmbuf_free(m);
}

static inline void
dp_stat_add(struct dp_lcore *lc, enum dp_stat s, uint64_t n)
{
	lc->cnt.stat[s] += n;
}

/*
 * TSC cycles from then to now, 0 when then is later. Session times are
 * written by one lcore and read by another (and a loop pass reads the clock
 * once at its start), so then can be a little ahead of now: unsigned
 * wrap-around would make a brand-new session look idle for ages.
 */
static inline uint64_t
dp_tsc_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static inline struct dp_lcore *
dp_service_lcore(void)
{
	return dp.service_lc;
}

static inline struct dp_session *
dp_session_get(uint32_t sess)
{
	return __atomic_load_n(&dp.sessions[sess], __ATOMIC_ACQUIRE);
}

/* With one worker (the common small setup) no division: it owns everything. */
static inline struct dp_lcore *
dp_owner(uint32_t sess)
{
	return dp.n_workers == 1 ? dp.by_worker[0] : dp.by_worker[sess % dp.n_workers];
}

/* rx_outside.c / rx_inside.c: worker stages, burst in, counts out. */
void dp_rx_outside(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n, bool handed);
void dp_rx_inside(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n, bool handed);
/* Encrypts and sends packets whose session is owned by lc (sess in m->hash.usr). */
void dp_encrypt_burst(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
/* Forwards an inner IPv4 packet (data at offset 0) to the LAN next hop nh (lpm value). */
void dp_forward_lan(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t nh);

/* session.c: service-loop side of the session table (IPC handlers). */
struct ipc_msg;
int dp_session_init(void);
int dp_session_apply(const struct ipc_msg *m, uint32_t *err_sess);
void dp_session_timers(struct dp_lcore *lc, uint64_t now);
void dp_event_push(struct dp_lcore *lc, const struct dp_event *ev);
struct dp_session *dp_session_by_v1_addr(uint32_t addr, uint16_t port);
void dp_session_free_all(void);
void dp_session_stats_fill(const struct dp_session *s, uint32_t cookie, struct ipc_msg *m);
void dp_session_info_fill(const struct dp_session *s, uint32_t cookie, struct ipc_msg *m);

/* ban.c: banned source addresses (service loop writes, workers read). */
struct ipc_msg;
int dp_ban_init(void);
/* BAN_ADD, BAN_DEL, BAN_FLUSH: 0 or an ipc_err to answer with ERROR. */
int dp_ban_apply(const struct ipc_msg *m);
/* Service loop: removes expired bans, a slice of the table per call. */
void dp_ban_service(uint64_t now);
/* Addresses in the table (an expired ban leaves it within about 70 ms). */
uint32_t dp_ban_count(void);

/* Hot path: is the outer source address addr (network order) banned now?
 * One load when no address is banned, else one probe sequence. */
static inline bool
dp_ban_hit(uint32_t addr)
{
	const struct dp_ban_table *t = __atomic_load_n(&dp.bans, __ATOMIC_ACQUIRE);
	uint64_t expires = dp_ban_expiry(t, dp.ban_hash_mul, addr);
	return unlikely(expires != 0) && rte_rdtsc() < expires;
}

/* slowpath.c: ARP, ICMP echo, punt, inject, held packets (service loop). */
void dp_slow_service(struct dp_lcore *lc);
int dp_slow_inject(uint32_t dst, uint16_t dport, uint32_t src, uint16_t sport,
	const uint8_t *payload, uint16_t len);

/* cplink.c: the ZeroMQ link to the control plane (service loop). */
int dp_cplink_init(void);
void dp_cplink_service(uint64_t now);
int dp_cplink_send_punt(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
	const uint8_t *payload, uint16_t len);
void dp_cplink_send_event(const struct dp_event *ev);
void dp_cplink_fini(void);
uint64_t dp_cplink_rx_bad(void);
uint64_t dp_cplink_tx_fail(void);

/* loop.c */
int dp_lcore_main(void *arg);

/* telemetry.c */
int dp_telemetry_init(void);

/* port.c */
int dp_ports_init(void);
void dp_ports_fini(void);

#endif
