/*
 * COUNTERS messages (ipc_msgs.def): a group of named 64-bit counters as a
 * comma-separated name list plus big-endian values. The dataplane packs its
 * groups with ipc_counters_pack; the control plane reads them back with
 * ipc_counters_each, which checks that names and values agree.
 */
#ifndef DPVPN_IPC_COUNTERS_H
#define DPVPN_IPC_COUNTERS_H

#include <stdint.h>

#include "ipc.h"

#define IPC_COUNTER_NAME_MAX 48

struct ipc_counter_group {
	const char *kind;		/* stats, drops, port, lcore */
	uint32_t index;
	const char *role;		/* "" when none */
	const char *name;		/* "" when none */
	unsigned n;
	const char *const *names;	/* [n], each [a-z0-9_]+, < IPC_COUNTER_NAME_MAX */
	const uint64_t *values;		/* [n] */
};

/*
 * Fills m with a COUNTERS message holding the group's counters from *next
 * on, as many as fit, and advances *next (the group is sent when
 * *next == g->n). last is left 0. Returns -1 for a name that cannot be
 * sent (empty, too long or not [a-z0-9_]), which is skipped.
 */
int ipc_counters_pack(const struct ipc_counter_group *g, uint32_t cookie, unsigned *next,
	struct ipc_msg *m);

/*
 * Calls fn(arg, name, value) for each counter of c, in order. Returns the
 * number of counters, or -1 (before any call) when the message does not
 * hold one well-formed name per 8-byte value.
 */
int ipc_counters_each(const struct ipc_counters *c,
	void (*fn)(void *arg, const char *name, uint64_t value), void *arg);

#endif
