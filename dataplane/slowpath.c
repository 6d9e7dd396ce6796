/*
 * The service loop's packet work: ARP and ICMP echo for our own addresses,
 * control packets punted to the control plane, packets injected by it,
 * frames waiting for ARP, and worker events. Never on a worker's hot path.
 */
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ring.h>

#include "dp.h"
#include "ipc.h"
#include "pkt.h"

#define SLOW_BURST 32

static void
handle_arp(struct dp_lcore *lc, unsigned role, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);
	const struct dp_port *p = &dp.port[role];

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*ah)
		|| ah->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER)
		|| ah->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)
		|| ah->arp_hlen != RTE_ETHER_ADDR_LEN || ah->arp_plen != 4) {
		dp_drop(lc, DP_DROP_arp_bad, m);
		return;
	}
	if (ah->arp_data.arp_tip != p->addr) {
		/* Someone else's ARP (or a gratuitous one): normal on a LAN. */
		rte_pktmbuf_free(m);
		return;
	}
	dp_neigh_learn(role, ah->arp_data.arp_sip, &ah->arp_data.arp_sha);
	if (ah->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		rte_pktmbuf_free(m);	/* a reply: learned above */
		return;
	}
	/* Turn the request into the reply in place. */
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&ah->arp_data.arp_sha, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = ah->arp_data.arp_sip;
	rte_ether_addr_copy(&p->mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = p->addr;
	rte_ether_addr_copy(&eh->src_addr, &eh->dst_addr);
	rte_ether_addr_copy(&p->mac, &eh->src_addr);
	dp_stat_add(lc, DP_STAT_arp_replies, 1);
	dp_tx_enqueue(lc, role, m);
}

static void
handle_icmp(struct dp_lcore *lc, unsigned role, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint32_t hl = dp_ipv4_hlen(ip);
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - hl;
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip + hl);
	if (len < sizeof(*ic) || ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST
		|| rte_raw_cksum(ic, len) != 0xffff) {
		dp_drop(lc, DP_DROP_icmp_bad, m);
		return;
	}
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
	uint32_t peer = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = peer;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	dp_stat_add(lc, DP_STAT_icmp_replies, 1);
	dp_tx_ip(lc, role, dp_neigh_nexthop(role, peer), m);
}

static void
handle_punt(struct dp_lcore *lc, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)((uint8_t *)ip + dp_ipv4_hlen(ip));
	uint16_t len = rte_be_to_cpu_16(uh->dgram_len) - sizeof(*uh);
	if (!dp.cp_up) {
		dp_drop(lc, DP_DROP_cp_down, m);
		return;
	}
	if (dp_cplink_send_punt(ip->src_addr, uh->src_port, ip->dst_addr, uh->dst_port,
		(const uint8_t *)(uh + 1), len) != 0) {
		dp_drop(lc, DP_DROP_punt_full, m);
		return;
	}
	dp_stat_add(lc, DP_STAT_punted, 1);
	rte_pktmbuf_free(m);
}

/* Frames the workers sent us; their role is in m->port, headers validated. */
static void
handle_slow(struct dp_lcore *lc, struct rte_mbuf *m)
{
	unsigned role = m->port;
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		handle_arp(lc, role, m);
		return;
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	if (ip->next_proto_id == IPPROTO_ICMP)
		handle_icmp(lc, role, m, ip);
	else
		handle_punt(lc, m, ip);
}

int
dp_slow_inject(uint32_t dst, uint16_t dport, uint32_t src, uint16_t sport,
	const uint8_t *payload, uint16_t len)
{
	struct dp_lcore *lc = dp.service_lc;
	if (src != dp.port[DP_PORT_OUTSIDE].addr || len + 28u > dp.conf.mtu)
		return IPC_E_BAD_VALUE;
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *p = m ? (uint8_t *)rte_pktmbuf_append(m, 28 + len) : NULL;
	if (!p) {
		rte_pktmbuf_free(m);
		lc->cnt.drop[DP_DROP_no_mbuf]++;
		return IPC_E_NO_ROOM;
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);
	*ip = (struct rte_ipv4_hdr){ .version_ihl = RTE_IPV4_VHL_DEF, .time_to_live = 64,
		.next_proto_id = IPPROTO_UDP, .src_addr = src, .dst_addr = dst,
		.total_length = rte_cpu_to_be_16(len + 28) };
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	*uh = (struct rte_udp_hdr){ .src_port = sport, .dst_port = dport,
		.dgram_len = rte_cpu_to_be_16(len + 8) };
	memcpy(uh + 1, payload, len);
	dp_stat_add(lc, DP_STAT_injected, 1);
	dp_tx_ip(lc, DP_PORT_OUTSIDE, dp_neigh_nexthop(DP_PORT_OUTSIDE, dst), m);
	return 0;
}

void
dp_slow_service(struct dp_lcore *lc)
{
	struct rte_mbuf *pkts[SLOW_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(dp.slow_ring, (void **)pkts, SLOW_BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		handle_slow(lc, pkts[i]);
	n = rte_ring_sc_dequeue_burst(dp.hold_ring, (void **)pkts, SLOW_BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		dp_neigh_hold(pkts[i]->port, pkts[i]->hash.usr, pkts[i]);
	struct dp_event ev[SLOW_BURST];
	n = rte_ring_sc_dequeue_burst_elem(dp.event_ring, ev, sizeof(ev[0]), SLOW_BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		dp_cplink_send_event(&ev[i]);
}
