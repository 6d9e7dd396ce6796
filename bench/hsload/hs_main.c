/*
 * dpvpn-hsload: the control-plane load client of docs/benchmarks.md. It
 * speaks the OpenVPN 2.6 client side (tls-crypt, TLS with a client
 * certificate, key method 2 with EKM keys, PUSH_REPLY, EXIT) to measure the
 * handshakes per second a server completes, its CPU per handshake, the time
 * from PUSH_REPLY to the first packet through the tunnel, and what a
 * reconnect storm costs sessions that stay.
 *
 *   dpvpn-hsload --server IP [--port N] [--bind IP] --ca F --cert F --key F --tls-crypt F
 *                [--mode rate|storm] [--clients N] [--handshakes N] [--steady N]
 *                [--steady-pps N] [--ping IP] [--first-packet] [--timeout S]
 *                [--cpu-pid PID] [--json FILE]
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <jansson.h>

#include "hs_run.h"
#include "static_key.h"

/* What a 2.6.14 client announces (fact sheet §5.4), EKM and request-push included. */
static const char peer_info[] = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
	"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\nIV_LZO_STUB=1\n"
	"IV_COMP_STUB=1\nIV_COMP_STUBv2=1\n";
static const char occ_options[] = "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,"
	"auth [null-digest],keysize 256,key-method 2,tls-client";

struct files {
	const char *ca, *cert, *key, *tls_crypt;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: dpvpn-hsload --server IP [--port N] [--bind IP] --ca F --cert F --key F"
		" --tls-crypt F\n       [--mode rate|storm] [--clients N] [--handshakes N] [--steady N]"
		" [--steady-pps N]\n       [--ping IP] [--first-packet] [--timeout S] [--cpu-pid PID]"
		" [--json FILE]\n");
	exit(2);
}

static unsigned
number(const char *s, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		usage();
	return (unsigned)v;
}

static uint32_t
address(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		usage();
	return ntohl(a.s_addr);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = f ? calloc(1, 1 << 16) : NULL;
	if (!buf || fread(buf, 1, (1 << 16) - 1, f) == 0) {
		fprintf(stderr, "dpvpn-hsload: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return buf;
}

static void
parse(int argc, char **argv, struct hs_opts *o, struct files *f)
{
	static const struct option lo[] = { { "server", 1, NULL, 's' }, { "port", 1, NULL, 'p' },
		{ "bind", 1, NULL, 'b' }, { "ca", 1, NULL, 'A' }, { "cert", 1, NULL, 'C' }, { "key", 1, NULL, 'K' },
		{ "tls-crypt", 1, NULL, 'T' }, { "mode", 1, NULL, 'm' }, { "clients", 1, NULL, 'n' },
		{ "handshakes", 1, NULL, 'h' }, { "steady", 1, NULL, 'S' }, { "steady-pps", 1, NULL, 'r' },
		{ "ping", 1, NULL, 'P' }, { "first-packet", 0, NULL, 'F' }, { "timeout", 1, NULL, 't' },
		{ "cpu-pid", 1, NULL, 'c' }, { "json", 1, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	*o = (struct hs_opts){ .port = 1194, .clients = 32, .steady_pps = 100, .timeout_s = 30 };
	int opt;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 's': o->server = address(optarg); break;
		case 'p': o->port = (uint16_t)number(optarg, 1, 65535); break;
		case 'b': o->bind = address(optarg); break;
		case 'A': f->ca = optarg; break;
		case 'C': f->cert = optarg; break;
		case 'K': f->key = optarg; break;
		case 'T': f->tls_crypt = optarg; break;
		case 'm': o->mode = strcmp(optarg, "storm") == 0 ? HS_MODE_STORM
				: strcmp(optarg, "rate") == 0 ? HS_MODE_RATE : (usage(), HS_MODE_RATE); break;
		case 'n': o->clients = number(optarg, 1, 30000); break;
		case 'h': o->handshakes = number(optarg, 1, 100000000); break;
		case 'S': o->steady = number(optarg, 0, 1000); break;
		case 'r': o->steady_pps = number(optarg, 1, 10000); break;
		case 'P': o->ping = address(optarg); break;
		case 'F': o->first_packet = true; break;
		case 't': o->timeout_s = number(optarg, 1, 3600); break;
		case 'c': o->cpu_pid = (int)number(optarg, 1, 1u << 30); break;
		case 'j': o->json = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !o->server || !f->ca || !f->cert || !f->key || !f->tls_crypt
		|| (o->mode == HS_MODE_STORM && o->steady && !o->ping) || (o->first_packet && !o->ping))
		usage();
	if (!o->handshakes)
		o->handshakes = o->clients;
}

static int
load_conf(const struct files *f, struct hs_conf *conf)
{
	uint8_t key[STATIC_KEY_LEN];
	char *text = slurp(f->tls_crypt), err[256];
	struct cp_tls_conf tc = { .ca_pem = slurp(f->ca), .cert_pem = slurp(f->cert), .key_pem = slurp(f->key),
		.verify = CP_TLS_VERIFY_REQUIRE, .client = true };
	if (static_key_parse(text, strlen(text), key) != 0) {
		fprintf(stderr, "dpvpn-hsload: %s: not an OpenVPN static key\n", f->tls_crypt);
		return -1;
	}
	tls_crypt_init(&conf->wrap, key, false);
	static_key_wipe(key);
	if (cp_tls_ctx_new(&conf->tls, &tc, err, sizeof(err)) != 0) {
		fprintf(stderr, "dpvpn-hsload: TLS: %s\n", err);
		return -1;
	}
	conf->peer_info = peer_info;
	conf->options = occ_options;
	free(text);
	free((char *)tc.ca_pem);
	free((char *)tc.cert_pem);
	free((char *)tc.key_pem);
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Percentiles of n sorted samples in milliseconds. */
static json_t *
percentiles(uint32_t *v, unsigned n)
{
	if (!n)
		return json_null();
	qsort(v, n, sizeof(*v), cmp_u32);
	return json_pack("{s:f, s:f, s:f, s:f}", "p50", v[n / 2] / 1e3, "p90", v[(size_t)n * 9 / 10] / 1e3,
		"p99", v[(size_t)n * 99 / 100] / 1e3, "max", v[n - 1] / 1e3);
}

static json_t *
result_json(const struct hs_opts *o, const struct hs_result *r)
{
	double per_hs = r->completed && r->server_cpu_s > 0 ? r->server_cpu_s / r->completed : 0;
	json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:I, s:I, s:o, s:o, s:i, s:s}",
		"mode", o->mode == HS_MODE_RATE ? "rate" : "storm", "clients", (int)o->clients, "completed",
		(int)r->completed, "failed", (int)r->failed, "started", (int)r->started, "seconds", r->wall_s,
		"handshakes_per_s", r->wall_s > 0 ? r->completed / r->wall_s : 0, "server_cpu_s", r->server_cpu_s,
		"client_cpu_s", r->client_cpu_s, "tsc_hz", (json_int_t)r->tsc_hz, "bad_packets",
		(json_int_t)r->bad_packets, "handshake_ms", percentiles(r->lat_us, r->n_lat), "first_packet_ms",
		percentiles(r->first_us, r->n_first), "first_packet_unanswered", (int)r->first_retries,
		"first_failure", r->first_failure);
	if (per_hs > 0) {
		json_object_set_new(j, "server_cpu_ms_per_handshake", json_real(per_hs * 1e3));
		json_object_set_new(j, "server_cycles_per_handshake", json_real(per_hs * (double)r->tsc_hz));
		json_object_set_new(j, "handshakes_per_core_s", json_real(1 / per_hs));
	}
	if (o->mode == HS_MODE_STORM)
		json_object_set_new(j, "steady", json_pack("{s:i, s:i, s:I, s:I, s:I}", "sessions", (int)o->steady,
			"pps_each", (int)o->steady_pps, "sent", (json_int_t)r->steady_sent, "received",
			(json_int_t)r->steady_received, "lost", (json_int_t)(r->steady_sent - r->steady_received)));
	return j;
}

int
main(int argc, char **argv)
{
	struct hs_opts o;
	struct files f = { 0 };
	struct hs_conf conf;
	struct hs_result r = { 0 };
	struct rlimit rl;
	parse(argc, argv, &o, &f);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {	/* a socket per connection */
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (load_conf(&f, &conf) != 0)
		return 2;
	int rc = hs_run(&o, &conf, &r);
	if (rc < 0)
		return 2;
	json_t *j = result_json(&o, &r);
	char *text = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (o.json) {
		FILE *out = fopen(o.json, "w");
		if (!out || fputs(text, out) < 0 || fclose(out) != 0) {
			fprintf(stderr, "dpvpn-hsload: cannot write %s\n", o.json);
			rc = 2;
		}
	}
	printf("%s\n", text);
	free(text);
	json_decref(j);
	cp_tls_ctx_free(conf.tls);
	tls_crypt_wipe(&conf.wrap);
	return rc;
}
