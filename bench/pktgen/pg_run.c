#include "pg_run.h"

#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "pg_port.h"

#define BURST 32
#define DRAIN_IDLE_US 20000	/* a round ends after this long without a packet */

int
pg_pool_alloc(struct pg_pool *pool, uint32_t n, unsigned size, enum pg_mode mode)
{
	unsigned max_inner = size ? size : PG_INNER_MAX;
	unsigned frame = max_inner + (mode == PG_ENCRYPT ? PG_ETH_LEN : PG_OVPN_OVERHEAD);
	pool->slot = (frame + 63) & ~63u;
	pool->n = n;
	pool->buf = aligned_alloc(64, (size_t)n * pool->slot);
	pool->len = calloc(n, sizeof(*pool->len));
	pool->sent_tsc = calloc(n, sizeof(*pool->sent_tsc));
	return pool->buf && pool->len && pool->sent_tsc ? 0 : -1;
}

void
pg_pool_free(struct pg_pool *pool)
{
	free(pool->buf);
	free(pool->len);
	free(pool->sent_tsc);
}

static uint8_t *
slot_of(const struct pg_pool *pool, uint32_t j)
{
	return pool->buf + (size_t)j * pool->slot;
}

/* Client frames for round r: session j % n, packet-ids rising across rounds. */
static void
build_decrypt(const struct pg_cfg *cfg, struct pg_pool *pool, uint64_t r)
{
	static struct dp_aead_op ops[BURST];
	const uint8_t *dmac = pg_ports[0].dp_mac.addr_bytes, *smac = pg_ports[0].mac.addr_bytes;
	uint64_t per_flow = (pool->n + cfg->n_flows - 1) / cfg->n_flows;
	unsigned k = 0;
	for (uint32_t j = 0; j < pool->n; j++) {
		const struct pg_flow *f = &cfg->flows[j % cfg->n_flows];
		uint32_t pid = (uint32_t)(r * per_flow + j / cfg->n_flows + 1);
		pool->len[j] = (uint16_t)pg_data_frame_build(slot_of(pool, j), f, dmac, smac,
			pg_inner_len(cfg->size, j), pid, r * pool->n + j, &ops[k]);
		if (++k == BURST || j + 1 == pool->n) {
			dp_aead_encrypt_burst(cfg->crypto, ops, k);
			k = 0;
		}
	}
}

/* LAN frames to session j % n (encrypt), or plain frames of the outer size (raw). */
static void
build_plain(const struct pg_cfg *cfg, struct pg_pool *pool, uint64_t r)
{
	unsigned port = cfg->mode == PG_ENCRYPT ? 1 : 0;
	unsigned extra = cfg->mode == PG_RAW ? PG_OVPN_OVERHEAD - PG_ETH_LEN : 0;
	for (uint32_t j = 0; j < pool->n; j++) {
		const struct pg_flow *f = &cfg->flows[j % cfg->n_flows];
		uint8_t *p = slot_of(pool, j);
		unsigned inner = pg_inner_len(cfg->size, j) + extra;
		pg_eth_build(p, pg_ports[port].dp_mac.addr_bytes, pg_ports[port].mac.addr_bytes,
			0x0800);
		pg_inner_build(p + PG_ETH_LEN, inner, PG_LAN_ADDR, f->vaddr, f->sess,
			r * pool->n + j);
		pool->len[j] = (uint16_t)(PG_ETH_LEN + inner);
	}
}

static void
build_round(const struct pg_cfg *cfg, struct pg_pool *pool, uint64_t r)
{
	if (cfg->mode == PG_DECRYPT)
		build_decrypt(cfg, pool, r);
	else
		build_plain(cfg, pool, r);
	if (cfg->pcap && r == 0)
		for (uint32_t j = 0; j < pool->n; j++)
			pg_pcap_write(cfg->pcap, slot_of(pool, j), pool->len[j]);
}

/* ---- receive ---- */

struct round_ctx {
	const struct pg_cfg *cfg;
	struct pg_pool *pool;
	struct pg_result *res;
	uint64_t first_seq;		/* seq of slot 0 in this round */
	uint64_t last_rx_tsc;
	uint64_t rx_count;		/* for verify_every */
};

static void
latency_sample(struct round_ctx *x, uint64_t seq, uint64_t now)
{
	struct pg_result *res = x->res;
	if (seq < x->first_seq || seq - x->first_seq >= x->pool->n || res->n_lat >= res->cap_lat)
		return;
	uint64_t sent = x->pool->sent_tsc[seq - x->first_seq];
	if (sent && now > sent)
		res->lat_ns[res->n_lat++] = (uint32_t)RTE_MIN((now - sent) * 1000000000ull
			/ rte_get_tsc_hz(), UINT32_MAX);
}

/* Inner packet on the inside port (decrypt and raw modes). */
static void
rx_plain(struct round_ctx *x, const uint8_t *p, unsigned len, uint64_t now)
{
	uint32_t sess;
	uint64_t seq;
	if (len < PG_ETH_LEN || pg_inner_parse(p + PG_ETH_LEN, len - PG_ETH_LEN, &sess, &seq) != 0
		|| sess >= x->cfg->n_flows) {
		x->res->foreign++;
		return;
	}
	x->res->received++;
	x->res->inner_bytes += len - PG_ETH_LEN;
	latency_sample(x, seq, now);
}

/* Encrypted frame on the outside port (encrypt mode): 1 in verify_every is opened. */
static void
rx_encrypted(struct round_ctx *x, uint8_t *p, unsigned len, uint64_t now)
{
	struct dp_aead_op op;
	uint8_t *inner;
	unsigned inner_len;
	const struct pg_flow *f = pg_data_frame_open(p, len, x->cfg->flows, x->cfg->n_flows, &op,
		&inner, &inner_len);
	if (!f) {
		x->res->foreign++;
		return;
	}
	x->res->received++;
	x->res->inner_bytes += inner_len;
	if (x->rx_count++ % x->cfg->verify_every)
		return;
	uint32_t sess;
	uint64_t seq;
	if (dp_aead_decrypt_burst(x->cfg->crypto, &op, 1) == 1
		&& pg_inner_parse(inner, inner_len, &sess, &seq) == 0 && sess == f->sess) {
		x->res->verified++;
		latency_sample(x, seq, now);
	} else {
		x->res->verify_failed++;
	}
}

static unsigned
poll_port(struct round_ctx *x, unsigned port)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = rte_eth_rx_burst(pg_ports[port].id, 0, pkts, BURST);
	if (!n)
		return 0;
	uint64_t now = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (pg_arp_input(&pg_ports[port], m, x->cfg->mp))
			continue;
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		bool want_outside = x->cfg->mode == PG_ENCRYPT;
		if (m->nb_segs != 1 || (port == 0) != want_outside)
			x->res->foreign++;
		else if (want_outside)
			rx_encrypted(x, p, m->data_len, now);
		else
			rx_plain(x, p, m->data_len, now);
		rte_pktmbuf_free(m);
	}
	x->last_rx_tsc = now;
	return n;
}

static unsigned
poll_all(struct round_ctx *x)
{
	return poll_port(x, 0) + poll_port(x, 1);
}

/* ---- send ---- */

static unsigned
send_burst(struct round_ctx *x, uint16_t port, uint32_t from, unsigned want)
{
	struct rte_mbuf *m[BURST];
	struct pg_pool *pool = x->pool;
	if (rte_pktmbuf_alloc_bulk(x->cfg->mp, m, want) != 0)
		return 0;
	uint64_t now = rte_rdtsc();
	for (unsigned i = 0; i < want; i++) {
		uint16_t len = pool->len[from + i];
		memcpy(rte_pktmbuf_mtod(m[i], void *), slot_of(pool, from + i), len);
		m[i]->data_len = m[i]->pkt_len = len;
		pool->sent_tsc[from + i] = now;
	}
	uint16_t sent = rte_eth_tx_burst(port, 0, m, (uint16_t)want);
	if (sent < want)
		rte_pktmbuf_free_bulk(m + sent, want - sent);
	return sent;
}

/* How many the rate allows now (everything when there is no rate). */
static unsigned
allowed(const struct pg_cfg *cfg, uint64_t start, uint64_t done, uint32_t left)
{
	unsigned n = left < BURST ? left : BURST;
	if (!cfg->rate)
		return n;
	uint64_t due = (rte_rdtsc() - start) * cfg->rate / rte_get_tsc_hz();
	return due > done ? (unsigned)RTE_MIN(due - done, (uint64_t)n) : 0;
}

static void
run_round(struct round_ctx *x, uint32_t count)
{
	uint16_t port = pg_ports[x->cfg->mode == PG_ENCRYPT ? 1 : 0].id;
	uint64_t start = rte_rdtsc(), hz = rte_get_tsc_hz();
	uint32_t done = 0;
	uint64_t progress = start;
	memset(x->pool->sent_tsc, 0, sizeof(*x->pool->sent_tsc) * x->pool->n);
	while (done < count) {
		unsigned n = allowed(x->cfg, start, done, count - done);
		unsigned sent = n ? send_burst(x, port, done, n) : 0;
		uint64_t now = rte_rdtsc();
		if (sent || !n)
			progress = now;
		else if (now - progress > 2 * hz)
			break;	/* the port takes nothing: link gone */
		done += sent;
		poll_all(x);
	}
	x->res->sent += done;
	x->last_rx_tsc = rte_rdtsc();
	while (rte_rdtsc() - x->last_rx_tsc < hz / 1000000 * DRAIN_IDLE_US)
		poll_all(x);
	x->res->active_tsc += x->last_rx_tsc - start;
}

int
pg_run(const struct pg_cfg *cfg, struct pg_pool *pool, struct pg_result *res)
{
	struct round_ctx x = { .cfg = cfg, .pool = pool, .res = res };
	for (uint64_t r = 0; res->sent < cfg->packets; r++) {
		build_round(cfg, pool, r);
		x.first_seq = r * pool->n;
		uint64_t left = cfg->packets - res->sent;
		run_round(&x, left < pool->n ? (uint32_t)left : pool->n);
	}
	return res->received ? 0 : -1;
}
