/*
 * Outside -> inside: drop UDP from banned sources, classify UDP to the
 * service port by opcode, decrypt data packets in one AEAD burst, then
 * replay-check, anti-spoof and route. Everything that is not data goes to
 * the service loop (punt, ARP, ICMP).
 */
#include <rte_cycles.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dp.h"
#include "ipc.h"
#include "ovpn_wire.h"
#include "pkt.h"

/* A data packet waiting for the decrypt burst. */
struct rx_item {
	struct rte_mbuf *m;
	struct dp_session *s;
	struct dp_key *k;		/* set by take_key() */
	uint32_t src;
	uint16_t sport;
	uint16_t ovpn_len;
	uint16_t pt_off;		/* plaintext offset in the frame */
	uint8_t v2;
	uint8_t key_id;
};

enum verdict { V_DATA, V_SLOW, V_DROP };

/* Parses Ethernet/IPv4/UDP; returns the UDP header or NULL (verdict in *v). */
static struct rte_udp_hdr *
parse_outer(struct rte_mbuf *m, struct rte_ipv4_hdr **ipp, enum verdict *v,
	enum dp_drop *why)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	*v = V_DROP;
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh))) {
		*why = DP_DROP_eth_unknown_type;
		return NULL;
	}
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		*v = V_SLOW;
		return NULL;
	}
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		*why = DP_DROP_eth_unknown_type;
		return NULL;
	}
	struct rte_ipv4_hdr *ip = dp_ipv4_check(m, sizeof(*eh), why);
	if (!ip)
		return NULL;
	if (ip->dst_addr != dp.port[DP_PORT_OUTSIDE].addr) {
		*why = DP_DROP_ip_not_local;
		return NULL;
	}
	if (ip->next_proto_id == IPPROTO_ICMP) {
		*v = V_SLOW;
		return NULL;
	}
	if (ip->next_proto_id != IPPROTO_UDP) {
		*why = DP_DROP_ip_proto_unsupported;
		return NULL;
	}
	uint32_t hl = dp_ipv4_hlen(ip);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)((uint8_t *)ip + hl);
	uint32_t ulen = rte_be_to_cpu_16(ip->total_length) - hl;
	if (ulen < sizeof(*uh) || rte_be_to_cpu_16(uh->dgram_len) != ulen) {
		*why = DP_DROP_udp_bad;
		return NULL;
	}
	if (uh->dst_port != dp.udp_port_be) {
		*why = DP_DROP_udp_port_closed;
		return NULL;
	}
	*ipp = ip;
	*v = V_DATA;
	return uh;
}

static struct dp_session *
find_session(const struct ovpn_data_hdr *h, uint32_t src, uint16_t sport, enum dp_drop *why)
{
	struct dp_session *s = NULL;
	if (h->opcode == OVPN_P_DATA_V2 && h->peer_id != OVPN_PEER_ID_NONE) {
		if (h->peer_id < dp.conf.max_sessions)
			s = __atomic_load_n(&dp.by_peer[h->peer_id], __ATOMIC_ACQUIRE);
		*why = DP_DROP_unknown_peer_id;
	} else {
		s = dp_session_by_v1_addr(src, sport);
		*why = DP_DROP_unknown_address;
	}
	return s;
}

/*
 * Classifies one frame; fills it (V_DATA) or says where it goes. A banned
 * source is dropped first, before any parsing of the OpenVPN packet, punt
 * or crypto; frames handed over by another worker were checked there.
 * The session is only found here, not read: its lines are prefetched and
 * take_key() reads them once the whole burst has been classified.
 */
static enum verdict
classify(struct rte_mbuf *m, struct rx_item *it, enum dp_drop *why, bool handed)
{
	struct rte_ipv4_hdr *ip;
	enum verdict v;
	struct rte_udp_hdr *uh = parse_outer(m, &ip, &v, why);
	if (!uh)
		return v;
	if (!handed && unlikely(dp_ban_hit(ip->src_addr))) {
		*why = DP_DROP_banned;
		return V_DROP;
	}
	uint8_t *p = (uint8_t *)(uh + 1);
	uint16_t plen = rte_be_to_cpu_16(uh->dgram_len) - sizeof(*uh);
	unsigned op = plen ? ovpn_opcode(p[0]) : 0;
	if (op != OVPN_P_DATA_V2 && op != OVPN_P_DATA_V1)
		return V_SLOW;		/* control channel: punt */
	struct ovpn_data_hdr h;
	if (ovpn_data_parse(p, plen, &h)) {
		*why = DP_DROP_ovpn_short;
		return V_DROP;
	}
	struct dp_session *s = find_session(&h, ip->src_addr, uh->src_port, why);
	if (!s)
		return V_DROP;
	rte_prefetch0(s);
	rte_prefetch0(&s->keys[h.key_id]);
	rte_prefetch0(&s->dyn);
	/* Field by field: a compound literal would also zero what take_key() sets. */
	it->m = m;
	it->s = s;
	it->src = ip->src_addr;
	it->sport = uh->src_port;
	it->ovpn_len = plen;
	it->pt_off = (uint16_t)(p - rte_pktmbuf_mtod(m, uint8_t *) + h.hdr_len + OVPN_TAG_LEN);
	it->v2 = h.opcode == OVPN_P_DATA_V2;
	it->key_id = h.key_id;
	m->hash.usr = h.packet_id;
	return V_DATA;
}

static void
to_ring(struct dp_lcore *lc, struct rte_ring *r, struct rte_mbuf *m, enum dp_drop full)
{
	if (rte_ring_mp_enqueue(r, m) != 0)
		dp_drop(lc, full, m);
}

/*
 * Second pass over the classified burst: hands packets of sessions another
 * worker owns to it, and takes the rx key of the rest (dropping those with
 * none). True when it stays here; its key's line is prefetched for set_op().
 */
static bool
take_key(struct dp_lcore *lc, struct rx_item *it)
{
	struct dp_session *s = it->s;
	struct rte_mbuf *m = it->m;
	struct dp_lcore *owner = dp_owner(s->sess);
	if (owner != lc) {
		dp_stat_add(lc, DP_STAT_handoff_sent, 1);
		to_ring(lc, owner->handoff[DP_PORT_OUTSIDE], m, DP_DROP_handoff_full);
		return false;
	}
	it->k = __atomic_load_n(&s->keys[it->key_id], __ATOMIC_ACQUIRE);
	if (!it->k) {
		dp_drop(lc, DP_DROP_no_key, m);
		return false;
	}
	rte_prefetch0(it->k);
	return true;
}

static void
set_op(struct dp_aead_op *op, const struct rx_item *it)
{
	uint8_t *frame = rte_pktmbuf_mtod(it->m, uint8_t *);
	rte_prefetch0(it->k->replay);	/* read right after the burst's crypto */
	uint8_t *ovpn = frame + it->pt_off - OVPN_TAG_LEN - (it->v2 ? 8 : 5);
	op->key = it->k->rx;
	op->data = frame + it->pt_off;
	op->len = rte_pktmbuf_data_len(it->m) - it->pt_off;
	op->aad = it->v2 ? ovpn : ovpn + 1;
	op->aad_len = it->v2 ? 8 : 4;
	op->packet_id = it->m->hash.usr;
	op->tag = frame + it->pt_off - OVPN_TAG_LEN;
}

static void
note_rx(struct dp_lcore *lc, struct rx_item *it, uint64_t now)
{
	struct dp_session *s = it->s;
	s->dyn.rx_pkts++;
	s->dyn.rx_bytes += it->ovpn_len;
	s->dyn.last_rx_tsc = now;
	s->dyn.idle_told = 0;
	if (it->v2 && (it->src != s->dyn.peer_addr || it->sport != s->dyn.peer_port)) {
		/* Float (§13): authenticated packet from a new address. */
		s->dyn.peer_addr = it->src;
		s->dyn.peer_port = it->sport;
		struct dp_event ev = { .sess = s->sess, .gen = s->gen, .kind = IPC_EV_FLOAT,
			.key_id = it->k->key_id, .addr = it->src, .port = it->sport };
		dp_event_push(lc, &ev);
	}
}

static bool
inner_src_ok(const struct dp_session *s, uint32_t src)
{
	uint32_t nh;
	if (src == s->vaddr)
		return true;
	return dp_route_lookup(src, &nh) && nh == (DP_NH_SESSION | s->sess);
}

/* Handles one decrypted plaintext: consume, forward to LAN, or to a client. */
static void
deliver(struct dp_lcore *lc, struct rx_item *it, struct rte_mbuf **c2c, uint16_t *n_c2c)
{
	struct rte_mbuf *m = it->m;
	uint8_t *pt = rte_pktmbuf_mtod_offset(m, uint8_t *, it->pt_off);
	uint32_t len = rte_pktmbuf_data_len(m) - it->pt_off;
	switch (ovpn_payload_classify(pt, len)) {
	case OVPN_PL_PING:
		dp_stat_add(lc, DP_STAT_pings_rx, 1);
		rte_pktmbuf_free(m);
		return;
	case OVPN_PL_OCC: {
		struct dp_event ev = { .sess = it->s->sess, .gen = it->s->gen,
			.kind = pt[OVPN_MAGIC_LEN] == OVPN_OCC_EXIT ? IPC_EV_EXIT_NOTIFY : IPC_EV_OCC,
			.key_id = it->k->key_id, .value = pt[OVPN_MAGIC_LEN] };
		dp_stat_add(lc, DP_STAT_occ_rx, 1);
		dp_event_push(lc, &ev);
		rte_pktmbuf_free(m);
		return;
	}
	case OVPN_PL_COMPRESSED:
		dp_drop(lc, DP_DROP_compressed, m);
		return;
	case OVPN_PL_IPV4:
		break;
	default:
		dp_drop(lc, DP_DROP_inner_bad, m);
		return;
	}
	rte_pktmbuf_adj(m, it->pt_off);
	enum dp_drop why;
	struct rte_ipv4_hdr *ip = dp_ipv4_check(m, 0, &why);
	if (!ip) {
		dp_drop(lc, DP_DROP_inner_bad, m);
		return;
	}
	if (!inner_src_ok(it->s, ip->src_addr)) {
		dp_drop(lc, DP_DROP_inner_spoof, m);
		return;
	}
	uint32_t nh;
	if (!dp_route_lookup(ip->dst_addr, &nh)) {
		dp_drop(lc, DP_DROP_no_route, m);
		return;
	}
	if (!(nh & DP_NH_SESSION)) {
		dp_forward_lan(lc, m, nh);
		return;
	}
	if (!(it->s->flags & IPC_SESS_F_C2C)) {
		dp_drop(lc, DP_DROP_c2c_denied, m);
		return;
	}
	if (!dp_ipv4_ttl_dec(ip)) {
		dp_drop(lc, DP_DROP_ttl_exceeded, m);
		return;
	}
	dp_stat_add(lc, DP_STAT_client_to_client, 1);
	m->hash.usr = nh & ~DP_NH_SESSION;
	struct dp_lcore *owner = dp_owner(m->hash.usr);
	if (owner == lc) {
		c2c[(*n_c2c)++] = m;
	} else {
		dp_stat_add(lc, DP_STAT_handoff_sent, 1);
		to_ring(lc, owner->handoff[DP_PORT_INSIDE], m, DP_DROP_handoff_full);
	}
}

static void
decrypt_and_deliver(struct dp_lcore *lc, struct rx_item *items, uint16_t n)
{
	struct dp_aead_op ops[DP_BURST_MAX];
	struct rte_mbuf *c2c[DP_BURST_MAX];
	uint16_t n_c2c = 0;
	uint16_t decrypted = 0;	/* counted once per burst */
	uint64_t now = rte_rdtsc();
	uint64_t now_s = now / dp.tsc_hz;

	for (uint16_t i = 0; i < n; i++)
		set_op(&ops[i], &items[i]);
	dp_aead_decrypt_burst(&lc->crypto, ops, n);
	for (uint16_t i = 0; i < n; i++) {
		struct rx_item *it = &items[i];
		uint32_t pid = ops[i].packet_id;
		if (!ops[i].ok) {
			dp_drop(lc, DP_DROP_auth_fail, it->m);
			continue;
		}
		/* §7.1: the tag is verified first, then the replay window. */
		if (!dp_replay_check(it->k->replay, pid, now_s)) {
			dp_drop(lc, DP_DROP_replay, it->m);
			continue;
		}
		dp_replay_update(it->k->replay, pid, now_s);
		decrypted++;
		note_rx(lc, it, now);
		deliver(lc, it, c2c, &n_c2c);
	}
	dp_stat_add(lc, DP_STAT_decrypted, decrypted);
	if (n_c2c)
		dp_encrypt_burst(lc, c2c, n_c2c);
}

void
dp_rx_outside(struct dp_lcore *lc, struct rte_mbuf **pkts, uint16_t n, bool handed)
{
	struct rx_item items[DP_BURST_MAX];
	uint16_t n_items = 0;

	dp_stat_add(lc, handed ? DP_STAT_handoff_received : DP_STAT_rx_outside, n);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum dp_drop why = DP_DROP_eth_unknown_type;
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		switch (classify(m, &items[n_items], &why, handed)) {
		case V_DATA:
			n_items++;
			break;
		case V_SLOW:
			m->port = DP_PORT_OUTSIDE;
			to_ring(lc, dp.slow_ring, m, DP_DROP_slow_full);
			break;
		case V_DROP:
			dp_drop(lc, why, m);
			break;
		}
	}
	uint16_t n_mine = 0;
	for (uint16_t i = 0; i < n_items; i++) {
		if (!take_key(lc, &items[i]))
			continue;
		if (n_mine != i)
			items[n_mine] = items[i];
		n_mine++;
	}
	if (n_mine)
		decrypt_and_deliver(lc, items, n_mine);
}
