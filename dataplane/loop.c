/*
 * The lcore loop: poll RX queues and handoff rings in bursts, flush TX,
 * run per-session timers for owned sessions, and (on the service lcore) the
 * service loop. Reports an RCU quiescent state once per iteration.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp.h"
#include "ipc.h"
#include "ovpn_wire.h"

#define TIMER_PERIOD_US 1000
#define TIMER_PASSES_PER_S 10		/* each owned session checked every 100 ms */

static void
send_ping(struct dp_lcore *lc, struct dp_session *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	if (!m) {
		lc->cnt.drop[DP_DROP_no_mbuf]++;
		return;
	}
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, OVPN_MAGIC_LEN);
	memcpy(p, ovpn_ping_magic, OVPN_MAGIC_LEN);
	m->hash.usr = s->sess;
	dp_stat_add(lc, DP_STAT_pings_tx, 1);
	dp_encrypt_burst(lc, &m, 1);
}

static void
session_timer(struct dp_lcore *lc, struct dp_session *s, uint64_t now)
{
	if (s->ping_tsc && dp_tsc_since(now, s->dyn.last_tx_tsc) >= s->ping_tsc
		&& __atomic_load_n(&s->tx_key_id, __ATOMIC_RELAXED) != IPC_KEY_NONE)
		send_ping(lc, s);
	uint64_t idle = dp_tsc_since(now, s->dyn.last_rx_tsc);
	if (s->idle_tsc && !s->dyn.idle_told && idle >= s->idle_tsc) {
		s->dyn.idle_told = 1;
		struct dp_event ev = { .sess = s->sess, .gen = s->gen, .kind = IPC_EV_IDLE,
			.value = idle * 1000 / dp.tsc_hz };
		dp_event_push(lc, &ev);
	}
}

/*
 * Visits a slice of this worker's sessions (sess % n_workers == worker). With
 * many sessions each visit misses twice (line 0 and the counters' line) and
 * the slice is ~1,300 sessions per millisecond at 131072 slots, so sessions
 * are looked up TIMER_CHUNK at a time and prefetched before any is checked:
 * the misses overlap instead of following each other.
 */
#define TIMER_CHUNK 16

void
dp_session_timers(struct dp_lcore *lc, uint64_t now)
{
	uint32_t max = dp.conf.max_sessions;
	uint32_t per_pass = (max + dp.n_workers - 1) / dp.n_workers;
	uint32_t budget = per_pass / (1000000 / TIMER_PERIOD_US / TIMER_PASSES_PER_S) + 1;
	uint32_t sess = lc->timer_cursor;

	for (uint32_t i = 0; i < budget;) {
		struct dp_session *chunk[TIMER_CHUNK];
		unsigned n = 0;
		for (; i < budget && n < TIMER_CHUNK; i++) {
			if (sess >= max)
				sess = (uint32_t)lc->worker;
			struct dp_session *s = dp_session_get(sess);
			if (s) {
				rte_prefetch0(s);
				rte_prefetch0(&s->dyn);
				chunk[n++] = s;
			}
			sess += dp.n_workers;
		}
		for (unsigned j = 0; j < n; j++)
			session_timer(lc, chunk[j], now);
	}
	lc->timer_cursor = sess;
	dp_tx_flush(lc);
}

static unsigned
poll_worker(struct dp_lcore *lc, struct rte_mbuf **pkts)
{
	unsigned work = 0;
	uint16_t burst = (uint16_t)dp.conf.burst;
	for (unsigned role = 0; role < DP_NUM_ROLES; role++) {
		uint16_t n = rte_eth_rx_burst(dp.port[role].port_id, lc->rxq, pkts, burst);
		if (n) {
			work += n;
			if (role == DP_PORT_OUTSIDE)
				dp_rx_outside(lc, pkts, n, false);
			else
				dp_rx_inside(lc, pkts, n, false);
		}
		n = (uint16_t)rte_ring_sc_dequeue_burst(lc->handoff[role], (void **)pkts, burst, NULL);
		if (n) {
			work += n;
			if (role == DP_PORT_OUTSIDE)
				dp_rx_outside(lc, pkts, n, true);
			else
				dp_rx_inside(lc, pkts, n, true);
		}
	}
	if (lc->worker == 0)
		work += dp_tx_relay_service(lc);
	dp_tx_flush(lc);
	return work;
}

int
dp_lcore_main(void *arg)
{
	struct dp_lcore *lc = arg;
	struct rte_mbuf *pkts[DP_BURST_MAX];
	unsigned tid = (unsigned)(lc - dp.lcores);
	uint64_t timer_period = dp.tsc_hz / 1000000 * TIMER_PERIOD_US;

	rte_rcu_qsbr_thread_register(dp.rcu, tid);
	rte_rcu_qsbr_thread_online(dp.rcu, tid);
	lc->timer_cursor = lc->worker >= 0 ? (uint32_t)lc->worker : 0;
	while (!dp.quit) {
		uint64_t t0 = rte_rdtsc();
		unsigned work = 0;
		if (lc->worker >= 0) {
			work = poll_worker(lc, pkts);
			if (t0 >= lc->next_timer_tsc) {
				lc->next_timer_tsc = t0 + timer_period;
				dp_session_timers(lc, t0);
			}
		}
		if (lc->service) {
			/*
			 * Offline while writing tables: the service loop waits for
			 * grace periods (its own and rte_lpm's) and holds no reference
			 * into the tables here, so it must not be waited for itself.
			 */
			rte_rcu_qsbr_thread_offline(dp.rcu, tid);
			dp_slow_service(lc);
			dp_cplink_service(t0);
			dp_neigh_service(t0);
			dp_ban_service(t0);
			dp_tx_flush(lc);
			rte_rcu_qsbr_thread_online(dp.rcu, tid);
		}
		rte_rcu_qsbr_quiescent(dp.rcu, tid);
		if (work) {
			/* Busy cycles per packet = busy_tsc / packets (bench/). */
			lc->cnt.stat[DP_STAT_busy_polls]++;
			lc->cnt.stat[DP_STAT_busy_tsc] += rte_rdtsc() - t0;
		}
	}
	rte_rcu_qsbr_thread_offline(dp.rcu, tid);
	rte_rcu_qsbr_thread_unregister(dp.rcu, tid);
	return 0;
}
