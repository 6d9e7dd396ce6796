/*
 * Inner IPv4 routing with rte_lpm: one table maps a destination to either a
 * session (client address, iroute) or a LAN next hop. Written by the service
 * loop only; workers read it lock-free, tbl8 reclaim is RCU-protected.
 */
#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "log.h"

#define LAN_GW_MAX 256

/* LAN next hops: lpm value = index here (0 = connected, no gateway). */
static uint32_t lan_gw[LAN_GW_MAX];
static unsigned n_lan_gw = 1;

int
dp_route_init(void)
{
	struct rte_lpm_config cfg = {
		.max_rules = dp.conf.max_sessions * 2 + 1024,
		.number_tbl8s = 1 << 12,
	};
	struct rte_lpm_rcu_config rcu = {
		.v = dp.rcu,
		.mode = RTE_LPM_QSBR_MODE_SYNC,
	};

	dp.lpm = rte_lpm_create("dp_routes", rte_socket_id(), &cfg);
	if (!dp.lpm)
		return -rte_errno;
	if (rte_lpm_rcu_qsbr_add(dp.lpm, &rcu))
		return -rte_errno;
	return 0;
}

static int
lpm_add(uint32_t prefix, uint8_t plen, uint32_t nh)
{
	return rte_lpm_add(dp.lpm, rte_be_to_cpu_32(prefix), plen, nh);
}

int
dp_route_add_session(uint32_t prefix, uint8_t plen, uint32_t sess)
{
	return lpm_add(prefix, plen, DP_NH_SESSION | sess);
}

int
dp_route_del(uint32_t prefix, uint8_t plen)
{
	return rte_lpm_delete(dp.lpm, rte_be_to_cpu_32(prefix), plen);
}

int
dp_route_add_lan(uint32_t prefix, uint8_t plen, uint32_t gw)
{
	uint32_t idx = 0;
	if (gw) {
		if (n_lan_gw == LAN_GW_MAX)
			return -ENOSPC;
		idx = n_lan_gw;
		lan_gw[n_lan_gw++] = gw;
	}
	return lpm_add(prefix, plen, idx);
}

uint32_t
dp_route_lan_gw(uint32_t nh)
{
	return nh < LAN_GW_MAX ? lan_gw[nh] : 0;
}
