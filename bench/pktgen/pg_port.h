/*
 * dpvpn-pktgen's two ports: port 0 faces the dataplane's outside (it plays
 * every client and their next hop 198.18.0.2), port 1 its inside (the LAN
 * host 10.200.0.2). Any DPDK port works: memif or ring vdevs here, a NIC
 * on another host (docs/benchmarks.md). ARP: the generator answers every
 * request with its own MAC and learns the dataplane's.
 */
#ifndef PG_PORT_H
#define PG_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define PG_PORTS 2

struct pg_port {
	uint16_t id;
	uint32_t my_addr, dp_addr;		/* host order */
	struct rte_ether_addr mac, dp_mac;
	bool dp_mac_known;
	uint64_t arp_replies;
};

extern struct pg_port pg_ports[PG_PORTS];

int pg_ports_init(struct rte_mempool *mp, unsigned rx_desc, unsigned tx_desc);
int pg_ports_wait_link(int timeout_ms);
/* ARP until both dataplane MACs are known (answering its requests meanwhile). */
int pg_ports_resolve(struct rte_mempool *mp, int timeout_ms);
/* true when m was ARP (answered or learnt, and freed). */
bool pg_arp_input(struct pg_port *p, struct rte_mbuf *m, struct rte_mempool *mp);
void pg_ports_fini(void);

#endif
