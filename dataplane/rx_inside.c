/*
 * Inside -> outside: the inner destination selects the session (rte_lpm),
 * the owner encrypts with the session's tx key in one AEAD burst, consuming
 * packet-ids that never repeat (lease-bounded), and adds outer headers.
 * Also forwards decrypted packets to LAN next hops.
 */
#include <rte_cycles.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dp.h"
#include "ipc.h"
#include "ovpn_wire.h"
#include "pkt.h"

#define PID_WRAP_TRIGGER 0xFF000000u	/* §7.5: renegotiate before the id wraps */

struct tx_item {
	struct rte_mbuf *m;
	struct dp_session *s;
	uint16_t ovpn_len;
};

void
dp_forward_lan(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t nh)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	if (!dp_ipv4_ttl_dec(ip)) {
		dp_drop(lc, DP_DROP_ttl_exceeded, m);
		return;
	}
	uint32_t gw = dp_route_lan_gw(nh);
	dp_tx_ip(lc, DP_PORT_INSIDE, gw ? gw : ip->dst_addr, m);
}

/* Takes the next tx packet-id of k, or returns 0 (drop reason in *why). */
static uint32_t
next_pid(struct dp_lcore *lc, struct dp_session *s, struct dp_key *k, enum dp_drop *why)
{
	uint32_t limit = __atomic_load_n(&k->tx_pid_limit, __ATOMIC_ACQUIRE);
	uint32_t seq = __atomic_load_n(&k->lease_seq, __ATOMIC_ACQUIRE);
	uint32_t pid = k->tx_pid + 1;
	if (pid >= k->lease_low_at && k->lease_seq_told != seq) {
		k->lease_seq_told = seq;
		struct dp_event ev = { .sess = s->sess, .gen = s->gen, .kind = IPC_EV_TX_LEASE_LOW,
			.key_id = k->key_id, .value = pid };
		dp_event_push(lc, &ev);
	}
	if (unlikely(pid > limit || pid == 0)) {
		*why = DP_DROP_tx_lease_exhausted;
		return 0;
	}
	if (unlikely(pid >= PID_WRAP_TRIGGER && !k->wrap_told)) {
		k->wrap_told = 1;
		struct dp_event ev = { .sess = s->sess, .gen = s->gen, .kind = IPC_EV_TX_PID_WRAP,
			.key_id = k->key_id, .value = pid };
		dp_event_push(lc, &ev);
	}
	k->tx_pid = pid;
	return pid;
}

/* The session's tx key, or NULL; its line is prefetched for prepare(). */
static struct dp_key *
tx_key(const struct dp_session *s)
{
	uint8_t kid = __atomic_load_n(&s->tx_key_id, __ATOMIC_ACQUIRE);
	struct dp_key *k = kid < 8 ? __atomic_load_n(&s->keys[kid], __ATOMIC_ACQUIRE) : NULL;
	if (k)
		rte_prefetch0(k);
	return k;
}

/* Prepends the OpenVPN header and sets up the AEAD op; false = dropped. */
static bool
prepare(struct dp_lcore *lc, struct rte_mbuf *m, struct dp_session *s, struct dp_key *k,
	struct tx_item *it, struct dp_aead_op *op)
{
	enum dp_drop why = DP_DROP_no_route;
	if (unlikely(!s))
		goto drop;
	why = DP_DROP_tx_no_key;
	if (unlikely(!k))
		goto drop;
	bool v1 = s->flags & IPC_SESS_F_DATA_V1;
	uint32_t hlen = v1 ? OVPN_DATA_V1_HDR_LEN : OVPN_DATA_V2_HDR_LEN;
	uint32_t len = rte_pktmbuf_data_len(m);
	why = DP_DROP_too_big;
	if (unlikely(len + hlen + OVPN_TAG_LEN + 28 > dp.conf.mtu))
		goto drop;
	uint32_t pid = next_pid(lc, s, k, &why);
	if (unlikely(!pid))
		goto drop;
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, hlen + OVPN_TAG_LEN);
	why = DP_DROP_no_mbuf;
	if (unlikely(!h))
		goto drop;
	ovpn_data_hdr_build(h, v1 ? OVPN_P_DATA_V1 : OVPN_P_DATA_V2, k->key_id, s->peer_id, pid);
	/* Field by field: run_burst() sets ok and the private nonce and tag. */
	op->key = k->tx;
	op->data = h + hlen + OVPN_TAG_LEN;
	op->len = len;
	op->aad = v1 ? h + 1 : h;
	op->aad_len = v1 ? 4 : 8;
	op->packet_id = pid;
	op->tag = h + hlen;
	*it = (struct tx_item){ .m = m, .s = s, .ovpn_len = (uint16_t)(len + hlen + OVPN_TAG_LEN) };
	return true;
drop:
	dp_drop(lc, why, m);
	return false;
}

/* Adds UDP/IPv4 headers towards the client and sends the frame. */
static void
send_outer(struct dp_lcore *lc, struct tx_item *it, uint64_t now)
{
	struct dp_session *s = it->s;
	struct rte_mbuf *m = it->m;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m,
		sizeof(*ip) + sizeof(struct rte_udp_hdr));
	if (unlikely(!ip)) {
		dp_drop(lc, DP_DROP_no_mbuf, m);
		return;
	}
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);
	uint32_t dst = s->dyn.peer_addr;
	*ip = (struct rte_ipv4_hdr){ .version_ihl = RTE_IPV4_VHL_DEF, .time_to_live = 64,
		.next_proto_id = IPPROTO_UDP, .src_addr = s->local_addr, .dst_addr = dst,
		.total_length = rte_cpu_to_be_16(it->ovpn_len + 28) };
	ip->hdr_checksum = dp_ipv4_hdr_cksum(ip, sizeof(*ip));
	/* UDP checksum 0 is legal over IPv4, and the AEAD tag already covers the payload. */
	*uh = (struct rte_udp_hdr){ .src_port = s->local_port, .dst_port = s->dyn.peer_port,
		.dgram_len = rte_cpu_to_be_16(it->ovpn_len + 8) };
	s->dyn.tx_pkts++;
	s->dyn.tx_bytes += it->ovpn_len;
	s->dyn.last_tx_tsc = now;
	dp_tx_ip(lc, DP_PORT_OUTSIDE, dp_neigh_nexthop(DP_PORT_OUTSIDE, dst), m);
}

/*
 * In passes over the burst, so that with many sessions the cache misses of
 * one packet overlap those of the others instead of following each other:
 * sessions (prefetching the lines prepare() and send_outer() read), then
 * their tx keys (prefetched), then headers and AEAD ops, one crypto burst,
 * and outer headers.
 */
void
dp_encrypt_burst(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_aead_op ops[DP_BURST_MAX];
	struct tx_item items[DP_BURST_MAX];
	struct dp_session *sess[DP_BURST_MAX];
	struct dp_key *keys[DP_BURST_MAX];
	uint16_t k = 0, encrypted = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct dp_session *s = dp_session_get(pkts[i]->hash.usr);
		if (s) {
			rte_prefetch0(s);
			rte_prefetch0(&s->keys[0]);
			rte_prefetch0(&s->dyn);
		}
		sess[i] = s;
	}
	for (uint16_t i = 0; i < n; i++)
		keys[i] = sess[i] ? tx_key(sess[i]) : NULL;
	for (uint16_t i = 0; i < n; i++)
		if (prepare(lc, pkts[i], sess[i], keys[i], &items[k], &ops[k]))
			k++;
	if (k == 0)
		return;
	dp_aead_encrypt_burst(&lc->crypto, ops, k);
	uint64_t now = rte_rdtsc();
	for (uint16_t i = 0; i < k; i++) {
		if (unlikely(!ops[i].ok)) {
			dp_drop(lc, DP_DROP_crypto_error, items[i].m);
			continue;
		}
		encrypted++;
		send_outer(lc, &items[i], now);
	}
	dp_stat_add(lc, DP_STAT_encrypted, encrypted);
}

/* Classifies one inside frame: to a session (true) or consumed. */
static bool
classify(struct dp_lcore *lc, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	enum dp_drop why = DP_DROP_eth_unknown_type;
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh)))
		goto drop;
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		goto slow;
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		goto drop;
	struct rte_ipv4_hdr *ip = dp_ipv4_check(m, sizeof(*eh), &why);
	if (!ip)
		goto drop;
	if (ip->dst_addr == dp.port[DP_PORT_INSIDE].addr) {
		if (ip->next_proto_id == IPPROTO_ICMP)
			goto slow;
		why = DP_DROP_ip_proto_unsupported;
		goto drop;
	}
	uint32_t nh;
	why = DP_DROP_no_route;
	if (!dp_route_lookup(ip->dst_addr, &nh) || !(nh & DP_NH_SESSION))
		goto drop;
	why = DP_DROP_ttl_exceeded;
	if (!dp_ipv4_ttl_dec(ip))
		goto drop;
	rte_pktmbuf_adj(m, sizeof(*eh));
	m->hash.usr = nh & ~DP_NH_SESSION;
	rte_prefetch0(&dp.sessions[m->hash.usr]);	/* dp_encrypt_burst() reads it */
	return true;
slow:
	m->port = DP_PORT_INSIDE;
	if (rte_ring_mp_enqueue(dp.slow_ring, m) != 0)
		dp_drop(lc, DP_DROP_slow_full, m);
	return false;
drop:
	dp_drop(lc, why, m);
	return false;
}

void
dp_rx_inside(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n, bool handed)
{
	struct rte_mbuf *mine[DP_BURST_MAX];
	uint16_t n_mine = 0;

	if (handed) {
		/* Handoffs are already classified inner packets of our sessions. */
		dp_stat_add(lc, DP_STAT_handoff_received, n);
		dp_encrypt_burst(lc, pkts, n);
		return;
	}
	dp_stat_add(lc, DP_STAT_rx_inside, n);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (!classify(lc, m))
			continue;
		struct dp_lcore *owner = dp_owner(m->hash.usr);
		if (owner == lc) {
			mine[n_mine++] = m;
		} else {
			dp_stat_add(lc, DP_STAT_handoff_sent, 1);
			if (rte_ring_mp_enqueue(owner->handoff[DP_PORT_INSIDE], m) != 0)
				dp_drop(lc, DP_DROP_handoff_full, m);
		}
	}
	if (n_mine)
		dp_encrypt_burst(lc, mine, n_mine);
}
