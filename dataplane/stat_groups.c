#include "stat_groups.h"

#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp.h"
#include "ipc_counters.h"

_Static_assert(DP_DROP__COUNT <= DP_GROUP_MAX && DP_STAT__COUNT + 8 <= DP_GROUP_MAX,
	"a counter group holds DP_GROUP_MAX counters");

static const char *const role_names[DP_NUM_ROLES] = { "outside", "inside" };

static void
group_start(struct dp_group *g, const char *kind, uint32_t index)
{
	g->kind = kind;
	g->index = index;
	g->role[0] = g->name[0] = '\0';
	g->n = 0;
}

static void
add(struct dp_group *g, const char *name, uint64_t v)
{
	if (g->n < DP_GROUP_MAX) {
		g->names[g->n] = name;
		g->values[g->n++] = v;
	}
}

uint64_t
dp_cycles_per_packet(uint64_t busy_tsc, uint64_t packets)
{
	return packets ? (busy_tsc + packets / 2) / packets : 0;
}

static uint64_t
drops_of(const struct dp_counters *c)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < DP_DROP__COUNT; i++)
		sum += c->drop[i];
	return sum;
}

void
dp_group_stats(struct dp_group *g)
{
	struct dp_counters c;
	dp_counters_sum(&c);
	group_start(g, "stats", 0);
	for (unsigned i = 0; i < DP_STAT__COUNT; i++)
		add(g, dp_stat_names[i], c.stat[i]);
	add(g, "drops", drops_of(&c));
	add(g, "sessions", __atomic_load_n(&dp.n_sessions, __ATOMIC_RELAXED));
	add(g, "bans", dp_ban_count());
	add(g, "control_plane_up", dp.cp_up);
	add(g, "control_rx_bad", dp_cplink_rx_bad());
	add(g, "control_tx_fail", dp_cplink_tx_fail());
	add(g, "tsc_hz", dp.tsc_hz);
	/* every packet is counted once in rx_*; handed-off ones cost twice */
	add(g, "cycles_per_packet", dp_cycles_per_packet(c.stat[DP_STAT_busy_tsc],
		c.stat[DP_STAT_rx_outside] + c.stat[DP_STAT_rx_inside]));
}

void
dp_group_drops(struct dp_group *g)
{
	struct dp_counters c;
	dp_counters_sum(&c);
	group_start(g, "drops", 0);
	for (unsigned i = 0; i < DP_DROP__COUNT; i++)
		add(g, dp_drop_names[i], c.drop[i]);
}

void
dp_group_lcore(struct dp_group *g, unsigned i)
{
	const struct dp_lcore *lc = &dp.lcores[i];
	uint64_t st[DP_STAT__COUNT], drops = 0;
	group_start(g, "lcore", lc->lcore_id);
	snprintf(g->role, sizeof(g->role), "%s", lc->worker < 0 ? "service"
		: lc->service ? "worker+service" : "worker");
	for (unsigned s = 0; s < DP_STAT__COUNT; s++) {
		st[s] = __atomic_load_n(&lc->cnt.stat[s], __ATOMIC_RELAXED);
		add(g, dp_stat_names[s], st[s]);
	}
	for (unsigned k = 0; k < DP_DROP__COUNT; k++)
		drops += __atomic_load_n(&lc->cnt.drop[k], __ATOMIC_RELAXED);
	add(g, "drops", drops);
	/* what this lcore handled: from its queues and handed over by others */
	add(g, "cycles_per_packet", dp_cycles_per_packet(st[DP_STAT_busy_tsc],
		st[DP_STAT_rx_outside] + st[DP_STAT_rx_inside] + st[DP_STAT_handoff_received]));
}

/* The port's link as its driver last saw it (no wait: this runs on the
 * service loop); the speed only when the driver knows it. */
static void
port_link(struct dp_group *g, uint16_t port_id)
{
	struct rte_eth_link link;
	if (rte_eth_link_get_nowait(port_id, &link) != 0)
		return;
	add(g, "link_up", link.link_status == RTE_ETH_LINK_UP);
	if (link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN
		&& link.link_speed != RTE_ETH_SPEED_NUM_NONE)
		add(g, "link_speed_mbps", link.link_speed);
	add(g, "link_full_duplex", link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX);
}

void
dp_group_port(struct dp_group *g, unsigned role)
{
	uint16_t port_id = dp.port[role].port_id;
	struct rte_eth_stats st;
	group_start(g, "port", port_id);
	snprintf(g->role, sizeof(g->role), "%s", role_names[role]);
	if (rte_eth_dev_get_name_by_port(port_id, g->name) != 0)
		g->name[0] = '\0';
	if (rte_eth_stats_get(port_id, &st) != 0)
		return;
	add(g, "ipackets", st.ipackets);
	add(g, "opackets", st.opackets);
	add(g, "ibytes", st.ibytes);
	add(g, "obytes", st.obytes);
	add(g, "imissed", st.imissed);
	add(g, "ierrors", st.ierrors);
	add(g, "oerrors", st.oerrors);
	add(g, "rx_nombuf", st.rx_nombuf);
	port_link(g, port_id);
}

static void
send_group(const struct dp_group *g, uint32_t cookie, bool last,
	int (*send)(const struct ipc_msg *m))
{
	const struct ipc_counter_group ig = { g->kind, g->index, g->role, g->name, g->n,
		g->names, g->values };
	static struct ipc_msg m;	/* ~2.3 KB: off the service loop's stack */
	unsigned next = 0;
	do {
		ipc_counters_pack(&ig, cookie, &next, &m);
		m.u.counters.last = last && next >= g->n;
		send(&m);
	} while (next < g->n);
}

void
dp_groups_send(uint32_t cookie, int (*send)(const struct ipc_msg *m))
{
	static struct dp_group g;
	dp_group_stats(&g);
	send_group(&g, cookie, false, send);
	dp_group_drops(&g);
	send_group(&g, cookie, false, send);
	for (unsigned r = 0; r < DP_NUM_ROLES; r++) {
		dp_group_port(&g, r);
		send_group(&g, cookie, false, send);
	}
	for (unsigned i = 0; i < dp.n_lcores; i++) {
		dp_group_lcore(&g, i);
		send_group(&g, cookie, i + 1 == dp.n_lcores, send);
	}
}
