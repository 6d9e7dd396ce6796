/*
 * Port setup: any DPDK port (a PCI NIC bound to vfio-pci, or a vdev) by
 * number or device name. One RX queue per worker, spread by RSS when there
 * are several; one TX queue per worker plus one for the service loop.
 */
#include <stdio.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dp.h"
#include "log.h"

static int
find_port(const struct dp_port_conf *pc, uint16_t *id)
{
	if (pc->dev[0])
		return rte_eth_dev_get_port_by_name(pc->dev, id);
	if (pc->port_id < 0 || !rte_eth_dev_is_valid_port((uint16_t)pc->port_id))
		return -ENODEV;
	*id = (uint16_t)pc->port_id;
	return 0;
}

static void
rss_conf(struct rte_eth_conf *conf, const struct rte_eth_dev_info *info, uint16_t nq)
{
	uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP;
	if (nq < 2 || !(info->flow_type_rss_offloads & want))
		return;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = want & info->flow_type_rss_offloads;
}

static int
port_setup(unsigned role, uint16_t id)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf = { 0 };
	uint16_t nrx = (uint16_t)dp.n_workers;
	uint16_t ntx = (uint16_t)(dp.service_txq + 1);
	int ret = rte_eth_dev_info_get(id, &info);
	if (ret)
		return ret;
	if (ntx > info.max_tx_queues && dp.service_lc->worker < 0 && nrx <= info.max_tx_queues) {
		/* No spare TX queue: the service loop hands its frames to worker 0. */
		char name[32];
		ntx = nrx;
		snprintf(name, sizeof(name), "service_tx_%u", role);
		dp.port[role].service_tx = rte_ring_create(name, 1024, rte_socket_id(),
			RING_F_SC_DEQ);
		if (!dp.port[role].service_tx)
			return -ENOMEM;
	}
	if (nrx > info.max_rx_queues || ntx > info.max_tx_queues) {
		log_warnx("port %u (%s): needs %u rx / %u tx queues, has %u / %u", id,
			info.driver_name, nrx, ntx, info.max_rx_queues, info.max_tx_queues);
		return -ENOTSUP;
	}
	rss_conf(&conf, &info, nrx);
	if ((ret = rte_eth_dev_configure(id, nrx, ntx, &conf)))
		return ret;
	uint16_t nb_rxd = (uint16_t)dp.conf.rx_desc, nb_txd = (uint16_t)dp.conf.tx_desc;
	if ((ret = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nb_rxd, &nb_txd)))
		return ret;
	int socket = rte_eth_dev_socket_id(id);
	for (uint16_t q = 0; q < nrx; q++)
		if ((ret = rte_eth_rx_queue_setup(id, q, nb_rxd, socket, NULL, dp.pool)))
			return ret;
	for (uint16_t q = 0; q < ntx; q++)
		if ((ret = rte_eth_tx_queue_setup(id, q, nb_txd, socket, NULL)))
			return ret;
	if ((ret = rte_eth_dev_start(id)))
		return ret;
	rte_eth_macaddr_get(id, &dp.port[role].mac);
	log_info("port %u (%s) %s: %u rx / %u tx queues, rss %s%s", id, info.driver_name,
		role == DP_PORT_OUTSIDE ? "outside" : "inside", nrx, ntx,
		conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? "on" : "off",
		dp.port[role].service_tx ? ", service loop sends via worker 0" : "");
	return 0;
}

int
dp_ports_init(void)
{
	const struct dp_port_conf *pcs[DP_NUM_ROLES] = { &dp.conf.outside, &dp.conf.inside };
	for (unsigned r = 0; r < DP_NUM_ROLES; r++) {
		struct dp_port *p = &dp.port[r];
		int ret = find_port(pcs[r], &p->port_id);
		if (ret) {
			log_warnx("%s port '%s' (%d) not found", r ? "inside" : "outside",
				pcs[r]->dev, pcs[r]->port_id);
			return ret;
		}
		p->addr = pcs[r]->addr;
		p->mask = rte_cpu_to_be_32(~0u << (32 - pcs[r]->plen));
		p->gw = pcs[r]->gw;
	}
	if (dp.port[0].port_id == dp.port[1].port_id) {
		log_warnx("outside and inside must be different ports");
		return -EINVAL;
	}
	for (unsigned r = 0; r < DP_NUM_ROLES; r++) {
		int ret = port_setup(r, dp.port[r].port_id);
		if (ret) {
			log_warnx("port %u setup: %s", dp.port[r].port_id, rte_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void
dp_ports_fini(void)
{
	for (unsigned r = 0; r < DP_NUM_ROLES; r++) {
		rte_eth_dev_stop(dp.port[r].port_id);
		rte_eth_dev_close(dp.port[r].port_id);
	}
}
