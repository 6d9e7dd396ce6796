#include "pg_port.h"

#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "pg_frames.h"

struct pg_port pg_ports[PG_PORTS] = {
	{ .id = 0, .my_addr = PG_GW_ADDR, .dp_addr = PG_DP_OUT_ADDR },
	{ .id = 1, .my_addr = PG_LAN_ADDR, .dp_addr = PG_DP_IN_ADDR },
};

static int
port_init(struct pg_port *p, struct rte_mempool *mp, unsigned rx_desc, unsigned tx_desc)
{
	struct rte_eth_conf conf = { 0 };
	int r = rte_eth_dev_configure(p->id, 1, 1, &conf);
	if (!r)
		r = rte_eth_rx_queue_setup(p->id, 0, (uint16_t)rx_desc, rte_eth_dev_socket_id(p->id),
			NULL, mp);
	if (!r)
		r = rte_eth_tx_queue_setup(p->id, 0, (uint16_t)tx_desc, rte_eth_dev_socket_id(p->id),
			NULL);
	if (!r)
		r = rte_eth_dev_start(p->id);
	if (!r)
		r = rte_eth_macaddr_get(p->id, &p->mac);
	if (r)
		fprintf(stderr, "pktgen: port %u: %s\n", p->id, strerror(-r));
	rte_eth_promiscuous_enable(p->id);
	return r;
}

int
pg_ports_init(struct rte_mempool *mp, unsigned rx_desc, unsigned tx_desc)
{
	if (rte_eth_dev_count_avail() < PG_PORTS) {
		fprintf(stderr, "pktgen: needs 2 ports (outside side, inside side), has %u\n",
			rte_eth_dev_count_avail());
		return -1;
	}
	for (unsigned i = 0; i < PG_PORTS; i++)
		if (port_init(&pg_ports[i], mp, rx_desc, tx_desc) != 0)
			return -1;
	return 0;
}

int
pg_ports_wait_link(int timeout_ms)
{
	for (int t = 0; t < timeout_ms; t += 50) {
		unsigned up = 0;
		for (unsigned i = 0; i < PG_PORTS; i++) {
			struct rte_eth_link l;
			up += rte_eth_link_get_nowait(pg_ports[i].id, &l) == 0 && l.link_status;
		}
		if (up == PG_PORTS)
			return 0;
		rte_delay_ms(50);
	}
	fprintf(stderr, "pktgen: link down (is the dataplane running on the other side?)\n");
	return -1;
}

/* An ARP op from our address on p (dst NULL: broadcast). */
static void
send_arp(struct pg_port *p, struct rte_mempool *mp, uint16_t op, const struct rte_ether_addr *dst,
	uint32_t target_ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	if (!m)
		return;
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	e->dst_addr = dst ? *dst : bcast;
	e->src_addr = p->mac;
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = p->mac;
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	if (dst)
		a->arp_data.arp_tha = *dst;
	a->arp_data.arp_sip = rte_cpu_to_be_32(p->my_addr);
	a->arp_data.arp_tip = rte_cpu_to_be_32(target_ip);
	m->data_len = m->pkt_len = sizeof(*e) + sizeof(*a);
	if (rte_eth_tx_burst(p->id, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
}

/* A request for any address gets our MAC: we stand in for every client and the LAN. */
bool
pg_arp_input(struct pg_port *p, struct rte_mbuf *m, struct rte_mempool *mp)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (e->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)
		|| m->data_len < sizeof(*e) + sizeof(struct rte_arp_hdr))
		return false;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	uint16_t op = rte_be_to_cpu_16(a->arp_opcode);
	uint32_t sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	if (sip == p->dp_addr) {
		p->dp_mac = a->arp_data.arp_sha;
		p->dp_mac_known = true;
	}
	if (op == RTE_ARP_OP_REQUEST) {
		struct rte_mbuf *r = rte_pktmbuf_alloc(mp);
		if (r) {
			struct rte_ether_hdr *re = rte_pktmbuf_mtod(r, struct rte_ether_hdr *);
			struct rte_arp_hdr *ra = (struct rte_arp_hdr *)(re + 1);
			re->dst_addr = a->arp_data.arp_sha;
			re->src_addr = p->mac;
			re->ether_type = e->ether_type;
			*ra = *a;
			ra->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
			ra->arp_data.arp_sha = p->mac;
			ra->arp_data.arp_sip = a->arp_data.arp_tip;
			ra->arp_data.arp_tha = a->arp_data.arp_sha;
			ra->arp_data.arp_tip = a->arp_data.arp_sip;
			r->data_len = r->pkt_len = sizeof(*re) + sizeof(*ra);
			if (rte_eth_tx_burst(p->id, 0, &r, 1) == 1)
				p->arp_replies++;
			else
				rte_pktmbuf_free(r);
		}
	}
	rte_pktmbuf_free(m);
	return true;
}

static void
ask_dp_mac(struct pg_port *p, struct rte_mempool *mp)
{
	send_arp(p, mp, RTE_ARP_OP_REQUEST, NULL, p->dp_addr);
}

int
pg_ports_resolve(struct rte_mempool *mp, int timeout_ms)
{
	struct rte_mbuf *pkts[32];
	for (int t = 0; t < timeout_ms; t += 10) {
		unsigned known = 0;
		for (unsigned i = 0; i < PG_PORTS; i++) {
			struct pg_port *p = &pg_ports[i];
			if (!p->dp_mac_known && t % 200 == 0)
				ask_dp_mac(p, mp);
			uint16_t n = rte_eth_rx_burst(p->id, 0, pkts, 32);
			for (uint16_t k = 0; k < n; k++)
				if (!pg_arp_input(p, pkts[k], mp))
					rte_pktmbuf_free(pkts[k]);
			known += p->dp_mac_known;
		}
		if (known == PG_PORTS)
			return 0;
		rte_delay_ms(10);
	}
	fprintf(stderr, "pktgen: the dataplane does not answer ARP on %s\n",
		pg_ports[0].dp_mac_known ? "port 1 (inside)" : "port 0 (outside)");
	return -1;
}

void
pg_ports_fini(void)
{
	for (unsigned i = 0; i < PG_PORTS; i++) {
		rte_eth_dev_stop(pg_ports[i].id);
		rte_eth_dev_close(pg_ports[i].id);
	}
}
