/*
 * dpvpn-dataplane: EAL, configuration, tables, ports, then one loop per
 * lcore (docs/architecture.md). The main lcore runs the service loop.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp.h"
#include "log.h"

#define RING_SIZE 4096

struct dp_global dp = { .tel_lock = PTHREAD_MUTEX_INITIALIZER };

static void
on_signal(int sig)
{
	(void)sig;
	dp.quit = true;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dpvpn-dataplane [EAL options] -- --config FILE "
		"[--control ENDPOINT] [--name NAME]\n");
	exit(2);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "control", required_argument, NULL, 'z' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *control = NULL, *name = NULL;
	char err[512];
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'z': control = optarg; break;
		case 'n': name = optarg; break;
		default: usage();
		}
	}
	if (!config || optind != argc)
		usage();
	dp_conf_defaults(&dp.conf);
	if (dp_conf_load(&dp.conf, config, err, sizeof(err)))
		fatalx("%s", err);
	if (control)
		snprintf(dp.conf.control, sizeof(dp.conf.control), "%s", control);
	if (name)
		snprintf(dp.conf.name, sizeof(dp.conf.name), "%s", name);
}

/* Main lcore = service; other lcores = workers; alone, main does both. */
static int
lcores_init(void)
{
	unsigned n = rte_lcore_count(), i = 0, lcore;
	dp.lcores = rte_zmalloc("lcores", n * sizeof(*dp.lcores), RTE_CACHE_LINE_SIZE);
	if (!dp.lcores)
		return -ENOMEM;
	dp.n_lcores = n;
	dp.n_workers = n > 1 ? n - 1 : 1;
	dp.service_txq = (uint16_t)(n > 1 ? n - 1 : 0);
	struct dp_lcore *main_lc = &dp.lcores[i++];
	*main_lc = (struct dp_lcore){ .lcore_id = rte_get_main_lcore(), .service = true,
		.worker = n > 1 ? -1 : 0, .txq = dp.service_txq };
	dp.service_lc = main_lc;
	if (n == 1)
		dp.by_worker[0] = main_lc;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct dp_lcore *lc = &dp.lcores[i++];
		int w = (int)(lc - dp.lcores) - 1;
		*lc = (struct dp_lcore){ .lcore_id = lcore, .worker = w,
			.rxq = (uint16_t)w, .txq = (uint16_t)w };
		dp.by_worker[w] = lc;
	}
	for (i = 0; i < n; i++) {
		struct dp_lcore *lc = &dp.lcores[i];
		char name[32];
		dp.by_lcore_id[lc->lcore_id] = lc;
		if (dp_crypto_init(&lc->crypto))
			return -ENOTSUP;
		for (unsigned r = 0; r < DP_NUM_ROLES && lc->worker >= 0; r++) {
			snprintf(name, sizeof(name), "handoff_%u_%u", i, r);
			lc->handoff[r] = rte_ring_create(name, RING_SIZE, rte_socket_id(),
				RING_F_SC_DEQ);
			if (!lc->handoff[r])
				return -ENOMEM;
		}
	}
	log_info("%u lcore(s): %u worker(s), crypto %s", n, dp.n_workers,
		dp_crypto_arch(&dp.lcores[0].crypto));
	return 0;
}

static int
tables_init(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(dp.n_lcores);
	dp.rcu = rte_zmalloc("rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!dp.rcu || rte_rcu_qsbr_init(dp.rcu, dp.n_lcores))
		return -ENOMEM;
	dp.pool = rte_pktmbuf_pool_create("mbufs", dp.conf.mbufs, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	dp.slow_ring = rte_ring_create("slow", RING_SIZE, rte_socket_id(), RING_F_SC_DEQ);
	dp.hold_ring = rte_ring_create("hold", RING_SIZE, rte_socket_id(), RING_F_SC_DEQ);
	dp.event_ring = rte_ring_create_elem("events", sizeof(struct dp_event), RING_SIZE,
		rte_socket_id(), RING_F_SC_DEQ);
	if (!dp.pool || !dp.slow_ring || !dp.hold_ring || !dp.event_ring)
		return -ENOMEM;
	int ret = dp_session_init();
	if (!ret)
		ret = dp_route_init();
	if (!ret)
		ret = dp_neigh_init();
	if (!ret)
		ret = dp_ban_init();
	return ret;
}

/* LAN routes: the inside prefix is connected; configured routes via gateways. */
static int
lan_routes_init(void)
{
	const struct dp_port_conf *in = &dp.conf.inside;
	uint32_t mask = rte_cpu_to_be_32(~0u << (32 - in->plen));
	int ret = dp_route_add_lan(in->addr & mask, in->plen, 0);
	for (unsigned i = 0; !ret && i < dp.conf.n_routes; i++)
		ret = dp_route_add_lan(dp.conf.routes[i].prefix, dp.conf.routes[i].plen,
			dp.conf.routes[i].via);
	if (!ret && in->gw)
		ret = dp_route_add_lan(0, 0, in->gw);
	return ret;
}

static void
run(void)
{
	for (unsigned i = 1; i < dp.n_lcores; i++)
		rte_eal_remote_launch(dp_lcore_main, &dp.lcores[i], dp.lcores[i].lcore_id);
	dp_lcore_main(dp.service_lc);
	rte_eal_mp_wait_lcore();
}

int
main(int argc, char **argv)
{
	log_init("dpvpn-dataplane", LOG_LVL_INFO);
	int n = rte_eal_init(argc, argv);
	if (n < 0)
		fatalx("EAL init failed: %s", rte_strerror(rte_errno));
	argv[n] = argv[0];
	parse_args(argc - n, argv + n);
	dp.tsc_hz = rte_get_tsc_hz();
	dp.udp_port_be = rte_cpu_to_be_16(dp.conf.udp_port);
	if (getrandom(&dp.boot_id, sizeof(dp.boot_id), 0) != sizeof(dp.boot_id))
		fatal("getrandom");
	int ret = lcores_init();
	if (!ret)
		ret = tables_init();
	if (!ret)
		ret = lan_routes_init();
	if (ret)
		fatalx("init: %s", rte_strerror(-ret));
	if (dp_ports_init())
		fatalx("port init failed");
	if (dp_cplink_init())
		fatalx("control link init failed");
	if (dp_telemetry_init())
		log_warnx("telemetry commands not registered");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	log_info("running: outside port %u, inside port %u, udp %u, boot_id %016llx",
		dp.port[0].port_id, dp.port[1].port_id, dp.conf.udp_port,
		(unsigned long long)dp.boot_id);
	run();
	log_info("stopping");
	dp_cplink_fini();
	dp_neigh_fini();
	dp_ports_fini();
	rte_eal_cleanup();
	return 0;
}
