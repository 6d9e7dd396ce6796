/*
 * Every drop reason and every statistic, listed once (X-macros): the enum,
 * the names shown by telemetry and docs/dataplane.md all come from here.
 * Counters live per lcore (no sharing on the hot path) and are summed on read.
 */
#ifndef DP_COUNTERS_H
#define DP_COUNTERS_H

#include <stdint.h>

#define DP_FOREACH_DROP(_) \
	_(eth_unknown_type) _(ip_bad_header) _(ip_fragment) _(ip_not_local) \
	_(ip_proto_unsupported) _(ttl_exceeded) _(udp_bad) _(udp_port_closed) \
	_(banned) _(ovpn_short) _(unknown_peer_id) _(unknown_address) _(no_key) _(auth_fail) \
	_(replay) _(compressed) _(inner_bad) _(inner_spoof) _(no_route) _(c2c_denied) \
	_(tx_no_key) _(tx_lease_exhausted) _(too_big) _(neigh_unresolved) \
	_(neigh_hold_full) _(punt_full) _(handoff_full) _(slow_full) _(tx_full) \
	_(no_mbuf) _(crypto_error) _(arp_bad) _(icmp_bad) _(cp_down)

#define DP_FOREACH_STAT(_) \
	_(rx_outside) _(rx_inside) _(tx_outside) _(tx_inside) _(decrypted) _(encrypted) \
	_(pings_rx) _(pings_tx) _(occ_rx) _(punted) _(injected) _(handoff_sent) \
	_(handoff_received) _(client_to_client) _(arp_replies) _(arp_requests) \
	_(icmp_replies) _(events_lost) _(busy_polls) _(busy_tsc)

#define DP_ENUM_DROP(n) DP_DROP_##n,
#define DP_ENUM_STAT(n) DP_STAT_##n,
enum dp_drop { DP_FOREACH_DROP(DP_ENUM_DROP) DP_DROP__COUNT };
enum dp_stat { DP_FOREACH_STAT(DP_ENUM_STAT) DP_STAT__COUNT };
#undef DP_ENUM_DROP
#undef DP_ENUM_STAT

struct dp_counters {
	uint64_t drop[DP_DROP__COUNT];
	uint64_t stat[DP_STAT__COUNT];
};

extern const char *const dp_drop_names[DP_DROP__COUNT];
extern const char *const dp_stat_names[DP_STAT__COUNT];

/* Sums every lcore's counters into out. */
void dp_counters_sum(struct dp_counters *out);

#endif
