/*
 * Dataplane configuration: parsed from text into an immutable struct before
 * EAL ports are touched (pure, fuzzed). docs/dataplane.md is the reference.
 */
#ifndef DP_CONF_H
#define DP_CONF_H

#include <stddef.h>
#include <stdint.h>

#define DP_CONF_MAX_ROUTES 256
#define DP_CONF_DEV_LEN 64

/* One port role (outside or inside). Addresses are in network byte order. */
struct dp_port_conf {
	int set;
	int port_id;			/* -1: find by dev name */
	char dev[DP_CONF_DEV_LEN];
	uint32_t addr;
	uint8_t plen;
	uint32_t gw;			/* 0 = none */
};

struct dp_route_conf {
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;
};

struct dp_conf {
	char name[65];
	struct dp_port_conf outside;
	struct dp_port_conf inside;
	struct dp_route_conf routes[DP_CONF_MAX_ROUTES];
	unsigned n_routes;
	uint16_t udp_port;
	char control[256];
	uint32_t max_sessions;
	uint32_t mbufs;
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t burst;
	uint32_t neigh_hold;
	uint32_t mtu;
};

void dp_conf_defaults(struct dp_conf *c);

/*
 * Parses configuration text. Returns 0, or -1 with "FNAME:LINE: message"
 * in err. Directives not given keep their current values.
 */
int dp_conf_parse(struct dp_conf *c, const char *text, size_t len, const char *fname,
	char *err, size_t errlen);

/* Reads and parses a file; same contract as dp_conf_parse. */
int dp_conf_load(struct dp_conf *c, const char *path, char *err, size_t errlen);

/* Parses "a.b.c.d/len" (len optional when plen is NULL). 0 or -1. */
int dp_conf_parse_prefix(const char *s, uint32_t *addr, uint8_t *plen);

#endif
