/*
 * dpvpn-hsload's run: many client connections over UDP sockets, one epoll
 * loop. Two shapes (docs/benchmarks.md, "Control-plane figures"):
 *
 *  rate   closed loop: --clients connections in flight; each one that is up
 *         (PUSH_REPLY received) optionally pings once through its tunnel,
 *         sends EXIT and is replaced, until --handshakes have completed.
 *  storm  --steady sessions come up and ping the LAN host at --steady-pps
 *         each; --clients more come up and stay; then all of those
 *         reconnect at once (EXIT on the old connection, a new handshake
 *         from a new socket), while the steady sessions' echo replies are
 *         counted: an established session must lose nothing.
 */
#ifndef HS_RUN_H
#define HS_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "hs_conn.h"

enum hs_mode { HS_MODE_RATE, HS_MODE_STORM };

struct hs_opts {
	enum hs_mode mode;
	uint32_t server, bind;		/* host order; bind 0: any */
	uint16_t port;
	unsigned clients;		/* rate: in flight; storm: sessions that reconnect */
	unsigned handshakes;		/* rate: total to complete */
	unsigned steady, steady_pps;	/* storm */
	uint32_t ping;			/* LAN host for echo requests; 0: no data traffic */
	bool first_packet;		/* rate: ping once after each handshake */
	unsigned timeout_s;		/* a handshake that takes longer fails */
	int cpu_pid;			/* dpvpnd: its CPU time over the measurement */
	const char *json;
};

/* What a run measured. Latencies in microseconds, sorted. */
struct hs_result {
	unsigned completed, failed, started;
	double wall_s;			/* first start to last completion */
	double server_cpu_s, client_cpu_s;
	uint64_t tsc_hz;
	unsigned n_lat, n_first;
	uint32_t *lat_us;		/* handshake: reset sent -> PUSH_REPLY */
	uint32_t *first_us;		/* PUSH_REPLY -> first echo reply */
	unsigned first_retries;		/* echo requests that went unanswered before the first reply */
	uint64_t steady_sent, steady_received;	/* during the storm window */
	double storm_s;			/* storm: first reconnect to the last one up */
	uint64_t bad_packets;
	char first_failure[160];
};

/* Runs; 0 when every handshake completed, 1 otherwise, -1 on a setup error. */
int hs_run(const struct hs_opts *o, const struct hs_conf *conf, struct hs_result *r);

#endif
