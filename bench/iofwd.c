/*
 * dpvpn-iofwd: the I/O floor F of docs/benchmarks.md. Forwards every packet
 * from port 0 to port 1 and back, in bursts, doing nothing else, and counts
 * its busy cycles exactly as the dataplane does (TSC of the poll iterations
 * that found packets, over the packets), so D - F is what the dataplane adds
 * to moving packets. dpdk-testpmd's io mode does the same forwarding, but
 * with net_memif in DPDK 22.11 its port counters read 0 and it prints no
 * cycles per packet.
 *
 *   dpvpn-iofwd [EAL options] -- [--idle-exit-ms N] [--json FILE|-]
 *
 * Runs until SIGINT/SIGTERM, or until N ms pass without a packet once
 * packets have flowed.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define BURST 32

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
port_init(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	int r = rte_eth_dev_configure(port, 1, 1, &conf);
	if (!r)
		r = rte_eth_rx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), NULL, mp);
	if (!r)
		r = rte_eth_tx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), NULL);
	if (!r)
		r = rte_eth_dev_start(port);
	return r;
}

struct fwd_stats {
	uint64_t busy_tsc, busy_polls, packets, tx_dropped;
};

static void
forward(uint64_t idle_exit_ms, struct fwd_stats *st)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t hz = rte_get_tsc_hz(), last_work = 0;
	while (!stop) {
		uint64_t t0 = rte_rdtsc();
		unsigned work = 0;
		for (uint16_t p = 0; p < 2; p++) {
			uint16_t n = rte_eth_rx_burst(p, 0, pkts, BURST);
			if (!n)
				continue;
			uint16_t sent = rte_eth_tx_burst(1 - p, 0, pkts, n);
			if (sent < n) {
				rte_pktmbuf_free_bulk(pkts + sent, n - sent);
				st->tx_dropped += n - sent;
			}
			work += n;
		}
		if (work) {
			st->busy_polls++;
			st->busy_tsc += rte_rdtsc() - t0;
			st->packets += work;
			last_work = t0;
		} else if (idle_exit_ms && last_work && t0 - last_work > hz / 1000 * idle_exit_ms) {
			break;
		}
	}
}

static void
report(const struct fwd_stats *st, const char *json_path)
{
	double cpp = st->packets ? (double)st->busy_tsc / (double)st->packets : 0.0;
	printf("iofwd: %llu packets, %.1f busy cycles/packet, %.1f packets/busy poll, %llu tx drops\n",
		(unsigned long long)st->packets, cpp,
		st->busy_polls ? (double)st->packets / (double)st->busy_polls : 0.0,
		(unsigned long long)st->tx_dropped);
	if (!json_path)
		return;
	json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:f, s:I}", "packets", (json_int_t)st->packets,
		"busy_tsc", (json_int_t)st->busy_tsc, "busy_polls", (json_int_t)st->busy_polls,
		"tx_dropped", (json_int_t)st->tx_dropped, "cycles_per_packet", cpp,
		"tsc_hz", (json_int_t)rte_get_tsc_hz());
	FILE *f = strcmp(json_path, "-") ? fopen(json_path, "w") : stdout;
	if (f) {
		json_dumpf(j, f, JSON_INDENT(2));
		fputc('\n', f);
		if (f != stdout)
			fclose(f);
	}
	json_decref(j);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = { { "idle-exit-ms", 1, NULL, 'i' },
		{ "json", 1, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	uint64_t idle_exit_ms = 0;
	const char *json_path = NULL;
	struct fwd_stats st = { 0 };
	int n = rte_eal_init(argc, argv), c;
	if (n < 0)
		return 1;
	argc -= n;
	argv += n;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'i')
			idle_exit_ms = strtoull(optarg, NULL, 10);
		else if (c == 'j')
			json_path = optarg;
		else
			return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	struct rte_mempool *mp = rte_pktmbuf_pool_create("fwd", 16383, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!mp || rte_eth_dev_count_avail() < 2 || port_init(0, mp) || port_init(1, mp)) {
		fprintf(stderr, "iofwd: needs two ports that start\n");
		return 1;
	}
	forward(idle_exit_ms, &st);
	report(&st, json_path);
	for (uint16_t p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
