/*
 * The dataplane's counters as named groups: one record per group, rendered
 * by telemetry.c (dpdk-telemetry.py) and sent to the control plane as
 * COUNTERS messages (dpvpnctl show stats). Read on any thread: per-lcore
 * counters are summed with relaxed loads.
 */
#ifndef DP_STAT_GROUPS_H
#define DP_STAT_GROUPS_H

#include <stdint.h>

#include "ipc.h"

#define DP_GROUP_MAX 64

struct dp_group {
	const char *kind;		/* stats, drops, port, lcore */
	uint32_t index;			/* port id, lcore id */
	char role[16];
	char name[64];
	unsigned n;
	const char *names[DP_GROUP_MAX];
	uint64_t values[DP_GROUP_MAX];
};

/* Totals: every DP_STAT summed, drops, sessions, bans, control link, cost. */
void dp_group_stats(struct dp_group *g);
/* Drops by reason, summed over lcores. */
void dp_group_drops(struct dp_group *g);
/* lcores[i]: its own counters, drops summed, busy cycles per packet. */
void dp_group_lcore(struct dp_group *g, unsigned i);
/* The port of role (DP_PORT_OUTSIDE/INSIDE): the NIC's counters. */
void dp_group_port(struct dp_group *g, unsigned role);

/* Busy cycles per packet: busy_tsc over the packets this work handled. */
uint64_t dp_cycles_per_packet(uint64_t busy_tsc, uint64_t packets);

/* Every group, as COUNTERS messages with cookie (the last has last = 1). */
void dp_groups_send(uint32_t cookie, int (*send)(const struct ipc_msg *m));

#endif
