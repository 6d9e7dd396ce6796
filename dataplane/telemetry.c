/*
 * DPDK telemetry commands under /dpvpn/, shown as JSON by dpdk-telemetry.py
 * next to /ethdev/stats. Callbacks run on DPDK's telemetry thread: they read
 * per-lcore counters with relaxed loads and take tel_lock before touching a
 * session, so the service loop cannot free it meanwhile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "dp.h"
#include "ipc.h"
#include "stat_groups.h"

#define SESSIONS_PER_PAGE 500

static const char *const cipher_names[] = { "none", "AES-128-GCM", "AES-256-GCM",
	"CHACHA20-POLY1305" };

/* A counter group (stat_groups.c) as telemetry dict entries. */
static void
add_group(struct rte_tel_data *d, const struct dp_group *g)
{
	for (unsigned i = 0; i < g->n; i++)
		rte_tel_data_add_dict_u64(d, g->names[i], g->values[i]);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct dp_group g;
	dp_group_stats(&g);
	rte_tel_data_start_dict(d);
	add_group(d, &g);
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct dp_group g;
	dp_group_drops(&g);
	rte_tel_data_start_dict(d);
	add_group(d, &g);
	return 0;
}

/*
 * DPDK 22.11 telemetry cannot nest a dict inside an array, so lists of
 * objects are dicts keyed by their id ("0", "1", ...).
 */
static int
add_child(struct rte_tel_data *parent, const char *name, struct rte_tel_data *child)
{
	if (rte_tel_data_add_dict_container(parent, name, child, 0) != 0) {
		rte_tel_data_free(child);
		return -1;
	}
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct dp_group g;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < dp.n_lcores; i++) {
		struct rte_tel_data *x = rte_tel_data_alloc();
		char name[16];
		if (!x)
			return -ENOMEM;
		dp_group_lcore(&g, i);
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_string(x, "role", g.role);
		add_group(x, &g);
		snprintf(name, sizeof(name), "%u", g.index);
		add_child(d, name, x);
	}
	return 0;
}

static void
addr_str(char *buf, size_t n, uint32_t addr, uint16_t port_be)
{
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (port_be)
		snprintf(buf, n, "%s:%u", a, rte_be_to_cpu_16(port_be));
	else
		snprintf(buf, n, "%s", a);
}

/* Our addresses next to the NIC's counters, so one read shows where packets went. */
static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct dp_group g;
	rte_tel_data_start_dict(d);
	for (unsigned r = 0; r < DP_NUM_ROLES; r++) {
		struct rte_tel_data *x = rte_tel_data_alloc();
		char buf[64];
		if (!x)
			return -ENOMEM;
		dp_group_port(&g, r);
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_u64(x, "port_id", dp.port[r].port_id);
		rte_tel_data_add_dict_string(x, "name", g.name);
		addr_str(buf, sizeof(buf), dp.port[r].addr, 0);
		rte_tel_data_add_dict_string(x, "addr", buf);
		rte_ether_format_addr(buf, sizeof(buf), &dp.port[r].mac);
		rte_tel_data_add_dict_string(x, "mac", buf);
		add_group(x, &g);
		add_child(d, g.role, x);
	}
	return 0;
}

static int
tel_sessions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	uint32_t start = params ? (uint32_t)strtoul(params, NULL, 10) : 0;
	unsigned n = 0;
	rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	for (uint32_t i = start; i < dp.conf.max_sessions && n < SESSIONS_PER_PAGE; i++) {
		if (dp.sessions[i]) {
			rte_tel_data_add_array_u64(d, i);
			n++;
		}
	}
	return 0;
}

/* Keys by key_id; ids, cipher and counters only, never key bytes. */
static void
add_keys(struct rte_tel_data *d, const struct dp_session *s)
{
	struct rte_tel_data *keys = rte_tel_data_alloc();
	if (!keys)
		return;
	rte_tel_data_start_dict(keys);
	for (unsigned i = 0; i < 8; i++) {
		const struct dp_key *k = s->keys[i];
		char name[4];
		if (!k)
			continue;
		struct rte_tel_data *x = rte_tel_data_alloc();
		if (!x)
			break;
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_string(x, "cipher", cipher_names[k->cipher & 3]);
		rte_tel_data_add_dict_u64(x, "tx_pid", k->tx_pid);
		rte_tel_data_add_dict_u64(x, "tx_pid_limit", k->tx_pid_limit);
		rte_tel_data_add_dict_u64(x, "rx_pid_highest", dp_replay_highest(k->replay));
		snprintf(name, sizeof(name), "%u", k->key_id);
		add_child(keys, name, x);
	}
	add_child(d, "keys", keys);
}

static int
tel_session(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	char *end;
	if (!params || !*params)
		return -EINVAL;
	unsigned long idx = strtoul(params, &end, 10);
	if (*end || idx >= dp.conf.max_sessions)
		return -EINVAL;
	pthread_mutex_lock(&dp.tel_lock);
	const struct dp_session *s = dp.sessions[idx];
	if (!s) {
		pthread_mutex_unlock(&dp.tel_lock);
		return -ENOENT;
	}
	char buf[64];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "sess", s->sess);
	rte_tel_data_add_dict_u64(d, "gen", s->gen);
	rte_tel_data_add_dict_u64(d, "peer_id", s->peer_id);
	addr_str(buf, sizeof(buf), s->dyn.peer_addr, s->dyn.peer_port);
	rte_tel_data_add_dict_string(d, "peer", buf);
	addr_str(buf, sizeof(buf), s->vaddr, 0);
	rte_tel_data_add_dict_string(d, "vaddr", buf);
	rte_tel_data_add_dict_u64(d, "flags", s->flags);
	rte_tel_data_add_dict_u64(d, "tx_key_id", s->tx_key_id);
	rte_tel_data_add_dict_u64(d, "rx_pkts", s->dyn.rx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s->dyn.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_pkts", s->dyn.tx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s->dyn.tx_bytes);
	rte_tel_data_add_dict_u64(d, "idle_ms", dp_tsc_since(rte_rdtsc(), s->dyn.last_rx_tsc) * 1000 / dp.tsc_hz);
	add_keys(d, s);
	pthread_mutex_unlock(&dp.tel_lock);
	return 0;
}

int
dp_telemetry_init(void)
{
	int r = 0;
	r |= rte_telemetry_register_cmd("/dpvpn/stats", tel_stats,
		"dpvpn totals: packets per direction, decrypted, encrypted, punted, sessions");
	r |= rte_telemetry_register_cmd("/dpvpn/drops", tel_drops,
		"dpvpn drop counters by reason, summed over lcores");
	r |= rte_telemetry_register_cmd("/dpvpn/lcores", tel_lcores,
		"dpvpn per-lcore counters");
	r |= rte_telemetry_register_cmd("/dpvpn/ports", tel_ports, "dpvpn ports and addresses");
	r |= rte_telemetry_register_cmd("/dpvpn/sessions", tel_sessions,
		"dpvpn live session slots. Parameters: first slot (int), 500 per call");
	r |= rte_telemetry_register_cmd("/dpvpn/session", tel_session,
		"dpvpn one session. Parameters: slot (int)");
	return r;
}
