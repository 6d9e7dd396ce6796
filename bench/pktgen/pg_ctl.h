/*
 * dpvpn-pktgen as the dataplane's control plane: it binds the ZeroMQ
 * endpoint dpvpnd would, accepts the dataplane's HELLO, installs the
 * synthetic sessions and their keys with the same IPC messages dpvpnd
 * sends (shared/ipc_msgs.def), and reads the dataplane's counters
 * (COUNTERS_REQ) before and after a run.
 */
#ifndef PG_CTL_H
#define PG_CTL_H

#include <stdint.h>

#include "ipc.h"
#include "pg_frames.h"

#define PG_MAX_LCORES 128

struct pg_ctl {
	void *ctx, *sock;
	uint8_t ident[256];
	size_t ident_len;
	char dp_name[65];
	uint32_t max_sessions, n_workers;
	uint64_t errors;		/* ERROR messages received */
	char last_error[160];
};

/* The dataplane's cost counters at one moment. */
struct pg_dp_counters {
	unsigned n_lcores;
	struct {
		uint32_t lcore_id;
		uint64_t busy_tsc, busy_polls, packets;	/* packets: rx + handoff_received */
	} lc[PG_MAX_LCORES];
	uint64_t busy_tsc, packets;	/* totals: packets = rx_outside + rx_inside */
	uint64_t decrypted, encrypted, drops, tsc_hz, sessions;
};

int pg_ctl_open(struct pg_ctl *c, const char *endpoint);
void pg_ctl_close(struct pg_ctl *c);
/* Waits for a dataplane's HELLO and accepts it. 0, or -1 after timeout_ms. */
int pg_ctl_accept(struct pg_ctl *c, int timeout_ms);
/* SESSION_ADD + KEY_INSTALL for flows[0..n); then the dataplane must count n sessions. */
int pg_ctl_install(struct pg_ctl *c, const struct pg_flow *flows, uint32_t n, uint8_t cipher);
/* SESSION_DEL of every flow (the dataplane forgets them). */
void pg_ctl_remove(struct pg_ctl *c, uint32_t n);
int pg_ctl_counters(struct pg_ctl *c, struct pg_dp_counters *out);

#endif
