/*
 * The control plane's side of the control link: a ZeroMQ ROUTER socket that
 * dataplanes connect to (shared/ipc.h messages), driven by the event loop.
 * Dataplanes are known by name; a HELLO with a new boot_id means that
 * dataplane restarted and holds no session any more.
 */
#ifndef CP_DPLINK_H
#define CP_DPLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "ipc.h"

#define DPLINK_MAX_DP 16
#define DPLINK_ID_MAX 256

struct dplink_dp {
	uint8_t ident[DPLINK_ID_MAX];	/* ZeroMQ routing id of its connection */
	size_t ident_len;
	char name[65];
	uint64_t boot_id;
	uint32_t n_workers;
	uint32_t max_sessions;
	uint32_t schema;		/* the IPC_SCHEMA_VERSION its HELLO announced */
	char version[33], dpdk[65], crypto[65];	/* its DP_INFO; "" until it came */
	bool up;
};

struct dplink_ops {
	/* HELLO accepted; restarted: first HELLO of this boot_id (state must be re-pushed). */
	void (*on_hello)(void *arg, unsigned dp, bool restarted);
	/* Any other well-formed dataplane -> control plane message. */
	void (*on_msg)(void *arg, unsigned dp, const struct ipc_msg *m);
};

struct dplink;

int dplink_open(struct dplink **out, struct ev_loop *loop, const char *endpoint,
	const struct dplink_ops *ops, void *arg, char *err, size_t errlen);
void dplink_close(struct dplink *dl);

/* 0, or -1 when the dataplane is unknown/down or ZeroMQ cannot queue it. */
int dplink_send(struct dplink *dl, unsigned dp, const struct ipc_msg *m);
unsigned dplink_count(const struct dplink *dl);
const struct dplink_dp *dplink_get(const struct dplink *dl, unsigned dp);
/* Malformed or unexpected messages received (each is also logged). */
uint64_t dplink_rx_bad(const struct dplink *dl);
/* Reads everything pending now (also called by the loop on readiness). */
void dplink_poll(struct dplink *dl);

#endif
