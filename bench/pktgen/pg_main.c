/*
 * dpvpn-pktgen: a DPDK traffic generator for the dataplane (docs/benchmarks.md).
 *
 *   dpvpn-pktgen [EAL options] -- --mode decrypt|encrypt|raw [options]
 *
 * decrypt: client frames (P_DATA_V2) into the dataplane's outside, inner
 * packets checked on the inside; encrypt: LAN packets into the inside,
 * encrypted frames checked (1 in --verify-every decrypted) on the outside;
 * raw: plain frames of the same outer size from port 0 to port 1, for a
 * forwarder such as dpdk-testpmd (the I/O floor). In decrypt and encrypt
 * modes the generator is the dataplane's control plane: it binds --control,
 * installs --sessions sessions with keys it knows, and reads the dataplane's
 * busy cycles before and after (COUNTERS).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "pg_ctl.h"
#include "pg_port.h"
#include "pg_run.h"

struct opts {
	enum pg_mode mode;
	const char *control, *pcap, *json;
	uint8_t cipher;
	uint32_t sessions, pool;
	unsigned size, verify_every;
	uint64_t packets, rate;
	bool keep_sessions;
};

static void
usage(void)
{
	fprintf(stderr,
		"usage: dpvpn-pktgen [EAL options] -- --mode decrypt|encrypt|raw\n"
		"  [--control ENDPOINT] [--cipher AES-128-GCM|AES-256-GCM|CHACHA20-POLY1305]\n"
		"  [--sessions N] [--size 64..1420|imix] [--packets N] [--pool N] [--rate PPS]\n"
		"  [--verify-every N] [--pcap FILE] [--json FILE|-] [--keep-sessions]\n");
}

static int
parse_size(const char *s, unsigned *out)
{
	if (!strcmp(s, "imix")) {
		*out = 0;
		return 0;
	}
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v < PG_INNER_MIN || v > PG_INNER_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "mode", 1, NULL, 'm' }, { "control", 1, NULL, 'c' }, { "cipher", 1, NULL, 'C' },
		{ "sessions", 1, NULL, 'n' }, { "size", 1, NULL, 's' }, { "packets", 1, NULL, 'p' },
		{ "pool", 1, NULL, 'P' }, { "rate", 1, NULL, 'r' }, { "verify-every", 1, NULL, 'v' },
		{ "pcap", 1, NULL, 'w' }, { "json", 1, NULL, 'j' }, { "keep-sessions", 0, NULL, 'k' },
		{ NULL, 0, NULL, 0 } };
	int c;
	*o = (struct opts){ .mode = PG_DECRYPT, .control = "ipc:///run/dpvpn-bench/control.sock",
		.cipher = 2, .sessions = 1, .pool = 262144, .size = 1420, .verify_every = 16,
		.packets = 1000000 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->mode = !strcmp(optarg, "decrypt") ? PG_DECRYPT : !strcmp(optarg, "encrypt")
				? PG_ENCRYPT : !strcmp(optarg, "raw") ? PG_RAW : (enum pg_mode)-1;
			if ((int)o->mode < 0)
				return -1;
			break;
		case 'c': o->control = optarg; break;
		case 'C':
			if (!(o->cipher = pg_cipher_by_name(optarg)))
				return -1;
			break;
		case 'n': o->sessions = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's':
			if (parse_size(optarg, &o->size) != 0)
				return -1;
			break;
		case 'p': o->packets = strtoull(optarg, NULL, 10); break;
		case 'P': o->pool = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': o->rate = strtoull(optarg, NULL, 10); break;
		case 'v': o->verify_every = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': o->pcap = optarg; break;
		case 'j': o->json = optarg; break;
		case 'k': o->keep_sessions = true; break;
		default: return -1;
		}
	}
	if (!o->sessions || o->sessions > (1u << 22) || !o->pool || !o->packets || !o->verify_every)
		return -1;
	if (o->pool > o->packets)
		o->pool = (uint32_t)o->packets;
	return 0;
}

/* Session i's flow with its two keys expanded for our own crypto. */
static struct pg_flow *
make_flows(uint32_t n, uint8_t cipher, struct dp_crypto *cr)
{
	struct pg_flow *flows = calloc(n, sizeof(*flows));
	size_t ksz = (dp_aead_key_size() + 63) & ~(size_t)63;
	uint8_t *keys = aligned_alloc(64, ksz * 2 * n);
	if (!flows || !keys)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t key[32], iv[DP_AEAD_IV_LEN];
		pg_flow_addrs(&flows[i], i);
		flows[i].c2s = (struct dp_aead_key *)(keys + ksz * 2 * i);
		flows[i].s2c = (struct dp_aead_key *)(keys + ksz * (2 * i + 1));
		for (int dir = 0; dir < 2; dir++) {
			pg_key_material(i, dir, key, iv);
			if (dp_aead_key_init(dir ? flows[i].s2c : flows[i].c2s, cr, cipher, key,
				pg_cipher_key_len(cipher), iv) != 0)
				return NULL;
		}
	}
	return flows;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static json_t *
latency_json(struct pg_result *r)
{
	if (!r->n_lat)
		return json_null();
	qsort(r->lat_ns, r->n_lat, sizeof(*r->lat_ns), cmp_u32);
	double q[] = { 0.5, 0.9, 0.99, 0.999 };
	const char *k[] = { "p50", "p90", "p99", "p999" };
	json_t *o = json_pack("{s:I, s:f}", "samples", (json_int_t)r->n_lat, "max",
		r->lat_ns[r->n_lat - 1] / 1000.0);
	for (unsigned i = 0; i < 4; i++)
		json_object_set_new(o, k[i], json_real(r->lat_ns[(uint64_t)(q[i] * (double)(r->n_lat - 1))]
			/ 1000.0));
	return o;
}

static double
per(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

/* The dataplane's cost between two COUNTERS snapshots. */
static json_t *
cost_json(const struct pg_dp_counters *a, const struct pg_dp_counters *b)
{
	json_t *lcores = json_array();
	for (unsigned i = 0; i < b->n_lcores; i++) {
		uint64_t tsc = b->lc[i].busy_tsc - (i < a->n_lcores ? a->lc[i].busy_tsc : 0);
		uint64_t pk = b->lc[i].packets - (i < a->n_lcores ? a->lc[i].packets : 0);
		uint64_t polls = b->lc[i].busy_polls - (i < a->n_lcores ? a->lc[i].busy_polls : 0);
		json_array_append_new(lcores, json_pack("{s:i, s:I, s:I, s:I, s:f, s:f}",
			"lcore", (int)b->lc[i].lcore_id, "busy_tsc", (json_int_t)tsc,
			"packets", (json_int_t)pk, "busy_polls", (json_int_t)polls,
			"cycles_per_packet", per(tsc, pk), "packets_per_busy_poll", per(pk, polls)));
	}
	uint64_t tsc = b->busy_tsc - a->busy_tsc, pk = b->packets - a->packets;
	return json_pack("{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:o}",
		"busy_tsc", (json_int_t)tsc, "packets", (json_int_t)pk,
		"cycles_per_packet", per(tsc, pk), "decrypted", (json_int_t)(b->decrypted - a->decrypted),
		"encrypted", (json_int_t)(b->encrypted - a->encrypted),
		"drops", (json_int_t)(b->drops - a->drops), "tsc_hz", (json_int_t)b->tsc_hz,
		"lcores", lcores);
}

static json_t *
report(const struct opts *o, struct pg_result *r, json_t *dataplane)
{
	static const char *const modes[] = { "decrypt", "encrypt", "raw" };
	double secs = per(r->active_tsc, rte_get_tsc_hz());
	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:o}",
		"mode", modes[o->mode], "cipher", o->mode == PG_RAW ? "none" : pg_cipher_name(o->cipher),
		"sessions", (json_int_t)o->sessions, "sent", (json_int_t)r->sent,
		"received", (json_int_t)r->received, "lost", (json_int_t)(r->sent - RTE_MIN(r->sent, r->received)),
		"bad", (json_int_t)r->bad, "foreign", (json_int_t)r->foreign,
		"verified", (json_int_t)r->verified, "verify_failed", (json_int_t)r->verify_failed,
		"seconds", secs, "pps", secs > 0 ? (double)r->received / secs : 0.0,
		"inner_mbps", secs > 0 ? (double)r->inner_bytes * 8 / secs / 1e6 : 0.0,
		"latency_us", latency_json(r));
	json_object_set_new(j, "size", o->size ? json_integer(o->size) : json_string("imix"));
	json_object_set_new(j, "dataplane", dataplane ? dataplane : json_null());
	return j;
}

static void
print_report(const struct opts *o, json_t *j)
{
	json_t *dp = json_object_get(j, "dataplane");
	char size[16];
	snprintf(size, sizeof(size), o->size ? "%u" : "imix", o->size);
	printf("%s %s size %s sessions %u: sent %lld received %lld lost %lld, %.3f Mpps",
		json_string_value(json_object_get(j, "mode")),
		json_string_value(json_object_get(j, "cipher")), size, o->sessions,
		json_integer_value(json_object_get(j, "sent")),
		json_integer_value(json_object_get(j, "received")),
		json_integer_value(json_object_get(j, "lost")),
		json_real_value(json_object_get(j, "pps")) / 1e6);
	if (json_is_object(dp))
		printf(", dataplane %.1f cycles/packet", json_real_value(json_object_get(dp,
			"cycles_per_packet")));
	printf("\n");
	if (o->json) {
		FILE *f = strcmp(o->json, "-") ? fopen(o->json, "w") : stdout;
		if (f) {
			json_dumpf(j, f, JSON_INDENT(2));
			fputc('\n', f);
			if (f != stdout)
				fclose(f);
		}
	}
}

/* Sessions into the dataplane over ZeroMQ, as the control plane would. */
static int
attach_dataplane(struct pg_ctl *ctl, const struct opts *o, const struct pg_flow *flows)
{
	if (pg_ctl_open(ctl, o->control) != 0 || pg_ctl_accept(ctl, 30000) != 0) {
		fprintf(stderr, "pktgen: no dataplane said HELLO on %s within 30 s\n", o->control);
		return -1;
	}
	return pg_ctl_install(ctl, flows, o->sessions, o->cipher);
}

static int
run(const struct opts *o, struct rte_mempool *mp)
{
	static struct dp_crypto cr;
	struct pg_ctl ctl = { 0 };
	struct pg_dp_counters before, after;
	struct pg_pool pool;
	struct pg_result res = { .cap_lat = 1u << 20 };
	if (dp_crypto_init(&cr) != 0 || pg_pool_alloc(&pool, o->pool, o->size, o->mode) != 0
		|| !(res.lat_ns = calloc(res.cap_lat, sizeof(uint32_t))))
		return -1;
	struct pg_flow *flows = make_flows(o->sessions, o->cipher, &cr);
	bool dp = o->mode != PG_RAW;
	if (!flows || pg_ports_wait_link(20000) != 0 || (dp && attach_dataplane(&ctl, o, flows) != 0)
		|| (dp && pg_ports_resolve(mp, 5000) != 0) || (dp && pg_ctl_counters(&ctl, &before) != 0))
		return -1;
	struct pg_cfg cfg = { .mode = o->mode, .size = o->size, .n_flows = o->sessions,
		.flows = flows, .rate = o->rate, .packets = o->packets, .verify_every = o->verify_every,
		.crypto = &cr, .mp = mp, .pcap = o->pcap ? pg_pcap_open(o->pcap) : NULL };
	int rc = pg_run(&cfg, &pool, &res);
	json_t *cost = NULL;
	if (dp && pg_ctl_counters(&ctl, &after) == 0)
		cost = cost_json(&before, &after);
	json_t *j = report(o, &res, cost);
	print_report(o, j);
	json_decref(j);
	if (cfg.pcap)
		fclose(cfg.pcap);
	if (dp && !o->keep_sessions)
		pg_ctl_remove(&ctl, o->sessions);
	pg_ctl_close(&ctl);
	pg_pool_free(&pool);
	return rc == 0 && res.verify_failed == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "pktgen: EAL init failed\n");
		return 1;
	}
	if (parse_opts(argc - n, argv + n, &o) != 0) {
		usage();
		rte_eal_cleanup();
		return 1;
	}
	struct rte_mempool *mp = rte_pktmbuf_pool_create("pg_mbufs", 16383, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	int rc = !mp || pg_ports_init(mp, 1024, 1024) != 0 || run(&o, mp) != 0;
	pg_ports_fini();
	rte_eal_cleanup();
	return rc;
}
