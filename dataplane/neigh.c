/*
 * ARP neighbour cache and hold queue. The service loop is the only writer;
 * workers read entries lock-free: an entry's MAC and valid bit share one
 * 64-bit word, stored atomically, so a reader never sees half an address.
 */
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "dp.h"

#define NEIGH_SLOTS	4096		/* per role, power of two */
#define NEIGH_VALID	(1ull << 48)
#define HOLD_TIMEOUT_S	3
#define ARP_RETRY_MS	500

struct neigh_entry {
	uint32_t ip;			/* network order, 0 = empty */
	uint64_t macv;			/* mac in low 48 bits | NEIGH_VALID */
};

struct held {
	struct rte_mbuf *m;
	uint32_t ip;
	uint8_t role;
	uint64_t since;
};

static struct neigh_entry *table[DP_NUM_ROLES];
static struct held *hold;
static unsigned n_hold;
static uint64_t last_scan;
static uint64_t last_arp_tsc[DP_NUM_ROLES][64];
static uint32_t last_arp_ip[DP_NUM_ROLES][64];

int
dp_neigh_init(void)
{
	for (unsigned r = 0; r < DP_NUM_ROLES; r++) {
		table[r] = rte_zmalloc("neigh", NEIGH_SLOTS * sizeof(struct neigh_entry), 64);
		if (!table[r])
			return -ENOMEM;
	}
	hold = rte_zmalloc("neigh_hold", dp.conf.neigh_hold * sizeof(*hold), 64);
	return hold ? 0 : -ENOMEM;
}

static inline unsigned
slot_of(uint32_t ip)
{
	return (rte_be_to_cpu_32(ip) * 2654435761u) & (NEIGH_SLOTS - 1);
}

static uint64_t
mac_pack(const struct rte_ether_addr *mac)
{
	uint64_t v = 0;
	memcpy(&v, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return v | NEIGH_VALID;
}

bool
dp_neigh_lookup(unsigned role, uint32_t ip, struct rte_ether_addr *mac)
{
	const struct neigh_entry *t = table[role];
	for (unsigned i = 0, s = slot_of(ip); i < 16; i++, s = (s + 1) & (NEIGH_SLOTS - 1)) {
		uint32_t e = __atomic_load_n(&t[s].ip, __ATOMIC_ACQUIRE);
		if (e == 0)
			return false;
		if (e != ip)
			continue;
		uint64_t v = __atomic_load_n(&t[s].macv, __ATOMIC_RELAXED);
		if (!(v & NEIGH_VALID))
			return false;
		memcpy(mac->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
		return true;
	}
	return false;
}

void
dp_neigh_learn(unsigned role, uint32_t ip, const struct rte_ether_addr *mac)
{
	struct neigh_entry *t = table[role];
	if (ip == 0)
		return;
	for (unsigned i = 0, s = slot_of(ip); i < 16; i++, s = (s + 1) & (NEIGH_SLOTS - 1)) {
		if (t[s].ip == ip || t[s].ip == 0) {
			__atomic_store_n(&t[s].macv, mac_pack(mac), __ATOMIC_RELAXED);
			__atomic_store_n(&t[s].ip, ip, __ATOMIC_RELEASE);
			return;
		}
	}
	/* Probe chain full: overwrite the home slot (a cache, not a truth). */
	unsigned s = slot_of(ip);
	__atomic_store_n(&t[s].ip, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&t[s].macv, mac_pack(mac), __ATOMIC_RELAXED);
	__atomic_store_n(&t[s].ip, ip, __ATOMIC_RELEASE);
}

static void
send_arp_request(unsigned role, uint32_t ip)
{
	const struct dp_port *p = &dp.port[role];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	if (!m)
		return;
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eh) + sizeof(struct rte_arp_hdr));
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);
	memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&p->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&p->mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = p->addr;
	memset(&ah->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	ah->arp_data.arp_tip = ip;
	dp_stat_add(dp_service_lcore(), DP_STAT_arp_requests, 1);
	dp_tx_enqueue(dp_service_lcore(), role, m);
}

/* Sends an ARP request for ip unless one went out recently. */
static void
maybe_request(unsigned role, uint32_t ip, uint64_t now)
{
	unsigned s = slot_of(ip) & 63;
	uint64_t retry = dp.tsc_hz / 1000 * ARP_RETRY_MS;
	if (last_arp_ip[role][s] == ip && (int64_t)(now - last_arp_tsc[role][s]) < (int64_t)retry)
		return;
	last_arp_ip[role][s] = ip;
	last_arp_tsc[role][s] = now;
	send_arp_request(role, ip);
}

void
dp_neigh_hold(unsigned role, uint32_t ip, struct rte_mbuf *m)
{
	struct dp_lcore *lc = dp_service_lcore();
	if (n_hold == dp.conf.neigh_hold) {
		dp_drop(lc, DP_DROP_neigh_hold_full, m);
		return;
	}
	uint64_t now = rte_rdtsc();
	hold[n_hold++] = (struct held){ .m = m, .ip = ip, .role = (uint8_t)role, .since = now };
	maybe_request(role, ip, now);
}

/* Sends held packets whose next hop is now known; expires the others. */
void
dp_neigh_service(uint64_t now)
{
	struct dp_lcore *lc = dp_service_lcore();
	if (n_hold == 0 || now - last_scan < dp.tsc_hz / 10000)
		return;
	last_scan = now;
	unsigned kept = 0;
	for (unsigned i = 0; i < n_hold; i++) {
		struct held h = hold[i];
		struct rte_ether_addr mac;
		if (dp_neigh_lookup(h.role, h.ip, &mac)) {
			struct rte_ether_hdr *eh = rte_pktmbuf_mtod(h.m, struct rte_ether_hdr *);
			rte_ether_addr_copy(&mac, &eh->dst_addr);
			dp_tx_enqueue(lc, h.role, h.m);
		} else if ((int64_t)(now - h.since) > (int64_t)(dp.tsc_hz * HOLD_TIMEOUT_S)) {
			/* signed: a packet held later in this iteration is newer than now */
			dp_drop(lc, DP_DROP_neigh_unresolved, h.m);
		} else {
			maybe_request(h.role, h.ip, now);
			hold[kept++] = h;
		}
	}
	n_hold = kept;
}

void
dp_neigh_fini(void)
{
	for (unsigned i = 0; i < n_hold; i++)
		rte_pktmbuf_free(hold[i].m);
	n_hold = 0;
}
