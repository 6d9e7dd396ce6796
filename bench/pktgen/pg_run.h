/*
 * The measured part of dpvpn-pktgen: pre-built frames (a pool, rebuilt
 * between rounds so packet-ids keep rising) sent as fast as the port takes
 * them or at a fixed rate, and everything that comes back classified,
 * checked and timed. One lcore does both: send a burst, poll both ports.
 */
#ifndef PG_RUN_H
#define PG_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "crypto.h"
#include "pg_frames.h"

enum pg_mode { PG_DECRYPT, PG_ENCRYPT, PG_RAW };

struct pg_pool {
	uint8_t *buf;			/* n slots of slot bytes */
	uint16_t *len;			/* frame length of each slot */
	uint64_t *sent_tsc;		/* when each slot went out (this round) */
	uint32_t n, slot;
};

struct pg_cfg {
	enum pg_mode mode;
	unsigned size;			/* inner bytes, 0 = IMIX */
	uint32_t n_flows;
	struct pg_flow *flows;
	uint64_t rate;			/* packets per second, 0 = as fast as possible */
	uint64_t packets;		/* to send in all */
	unsigned verify_every;		/* encrypt mode: decrypt 1 in N received */
	struct dp_crypto *crypto;
	struct rte_mempool *mp;
	FILE *pcap;			/* the first round's frames, or NULL */
};

struct pg_result {
	uint64_t sent, received, bad, foreign, verified, verify_failed;
	uint64_t inner_bytes;		/* of the packets received */
	uint64_t active_tsc;		/* first send to last receive, summed over rounds */
	uint32_t *lat_ns;		/* samples */
	uint64_t n_lat, cap_lat;
};

int pg_pool_alloc(struct pg_pool *pool, uint32_t n, unsigned size, enum pg_mode mode);
void pg_pool_free(struct pg_pool *pool);
/* Runs every round; 0, or -1 when nothing came back at all. */
int pg_run(const struct pg_cfg *cfg, struct pg_pool *pool, struct pg_result *res);

#endif
