/*
 * Per-lcore TX buffering: packets are collected per port during a burst and
 * handed to the NIC once at the end of the loop iteration (one doorbell per
 * burst instead of one per packet).
 */
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dp.h"

void
dp_tx_enqueue(struct dp_lcore *lc, unsigned role, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &lc->tx[role];
	if (b->n == RTE_DIM(b->pkts))
		dp_tx_flush(lc);
	b->pkts[b->n++] = m;
}

void
dp_tx_flush(struct dp_lcore *lc)
{
	for (unsigned role = 0; role < DP_NUM_ROLES; role++) {
		struct dp_txbuf *b = &lc->tx[role];
		if (b->n == 0)
			continue;
		uint16_t sent;
		if (lc->worker < 0 && dp.port[role].service_tx)
			sent = (uint16_t)rte_ring_mp_enqueue_burst(dp.port[role].service_tx,
				(void **)b->pkts, b->n, NULL);
		else
			sent = rte_eth_tx_burst(dp.port[role].port_id, lc->txq, b->pkts, b->n);
		lc->cnt.stat[role == DP_PORT_OUTSIDE ? DP_STAT_tx_outside : DP_STAT_tx_inside] += sent;
		for (uint16_t i = sent; i < b->n; i++)
			dp_drop(lc, DP_DROP_tx_full, b->pkts[i]);
		b->n = 0;
	}
}

unsigned
dp_tx_relay_service(struct dp_lcore *lc)
{
	struct rte_mbuf *pkts[DP_BURST_MAX];
	unsigned total = 0;
	for (unsigned role = 0; role < DP_NUM_ROLES; role++) {
		if (!dp.port[role].service_tx)
			continue;
		unsigned n = rte_ring_sc_dequeue_burst(dp.port[role].service_tx, (void **)pkts,
			DP_BURST_MAX, NULL);
		for (unsigned i = 0; i < n; i++)
			dp_tx_enqueue(lc, role, pkts[i]);
		total += n;
	}
	return total;
}

void
dp_tx_ip(struct dp_lcore *lc, unsigned role, uint32_t nh_ip, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (!eh) {
		dp_drop(lc, DP_DROP_no_mbuf, m);
		return;
	}
	rte_ether_addr_copy(&dp.port[role].mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	if (likely(dp_neigh_lookup(role, nh_ip, &eh->dst_addr))) {
		dp_tx_enqueue(lc, role, m);
		return;
	}
	/* Unknown next hop: the service loop resolves it and holds the frame. */
	m->hash.usr = nh_ip;
	m->port = (uint16_t)role;
	if (rte_ring_mp_enqueue(dp.hold_ring, m) != 0)
		dp_drop(lc, DP_DROP_neigh_hold_full, m);
}
