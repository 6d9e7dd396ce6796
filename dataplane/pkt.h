/* Header validation shared by the RX stages and the service loop. */
#ifndef DP_PKT_H
#define DP_PKT_H

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "counters.h"
#include "ipv4_sum.h"

/*
 * Validates the IPv4 header at byte off of a single-segment mbuf and trims
 * link-layer padding after the IP packet. Returns the header, or NULL with
 * *why set to the drop reason.
 */
static __rte_always_inline struct rte_ipv4_hdr *
dp_ipv4_check(struct rte_mbuf *m, uint32_t off, enum dp_drop *why)
{
	uint32_t dlen = rte_pktmbuf_data_len(m);
	*why = DP_DROP_ip_bad_header;
	if (unlikely(m->nb_segs != 1 || dlen < off + sizeof(struct rte_ipv4_hdr)))
		return NULL;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, off);
	uint32_t hl = (ip->version_ihl & 0x0f) * 4u;
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely((ip->version_ihl >> 4) != 4 || hl < 20 || tot < hl || off + tot > dlen))
		return NULL;
	if (!(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) && unlikely(dp_ipv4_hdr_sum(ip, hl) != 0xffff))
		return NULL;
	if (unlikely(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG
		| RTE_IPV4_HDR_OFFSET_MASK))) {
		*why = DP_DROP_ip_fragment;
		return NULL;
	}
	if (off + tot < dlen)
		rte_pktmbuf_trim(m, dlen - off - tot);
	return ip;
}

static inline uint32_t
dp_ipv4_hlen(const struct rte_ipv4_hdr *ip)
{
	return (ip->version_ihl & 0x0f) * 4u;
}

/* Decrements the TTL with an incremental checksum update (RFC 1624). */
static inline bool
dp_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	if (ip->time_to_live <= 1)
		return false;
	ip->time_to_live--;
	uint32_t sum = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
	return true;
}

#endif
