/*
 * dpvpnd: the control daemon. Reads an OpenVPN server.conf, speaks the
 * OpenVPN control channel with clients through the dataplanes (PUNT /
 * INJECT), and installs sessions and keys in them. One event loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "admin.h"
#include "bans.h"
#include "sessions.h"
#include "ctl.h"
#include "log.h"
#include "mgmt.h"
#include "server.h"
#include "static_key.h"

static struct cp_server srv;

static void
usage(void)
{
	fprintf(stderr, "usage: dpvpnd --config FILE\n");
	exit(2);
}

/* A file argument of the config: inline text, or the file's contents. */
static char *
load_src(const struct cp_cfg_src *src, const char *what)
{
	if (!src->value)
		return NULL;
	if (src->is_inline)
		return strdup(src->value);
	FILE *f = fopen(src->value, "r");
	if (!f)
		fatal("%s %s", what, src->value);
	char *buf = calloc(1, 1 << 20);
	size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!buf || n == 0)
		fatalx("%s %s: empty or unreadable", what, src->value);
	return buf;
}

static void
init_tls(struct cp_server *s)
{
	static const enum cp_tls_verify verify[] = {
		[CP_VERIFY_REQUIRE] = CP_TLS_VERIFY_REQUIRE,
		[CP_VERIFY_OPTIONAL] = CP_TLS_VERIFY_OPTIONAL,
		[CP_VERIFY_NONE] = CP_TLS_VERIFY_NONE,
	};
	char err[256];
	struct cp_tls_conf tc = {
		.ca_pem = load_src(&s->cfg.ca, "ca"),
		.cert_pem = load_src(&s->cfg.cert, "cert"),
		.key_pem = load_src(&s->cfg.key, "key"),
		.crl_pem = load_src(&s->cfg.crl_verify, "crl-verify"),
		.tls_version_min = s->cfg.tls_version_min >= 0x0304 ? "1.3" : "1.2",
		.cipher_list = s->cfg.tls_cipher[0] ? s->cfg.tls_cipher : NULL,
		.ciphersuites = s->cfg.tls_ciphersuites[0] ? s->cfg.tls_ciphersuites : NULL,
		.verify = verify[s->cfg.verify_client_cert],
	};
	if (cp_tls_ctx_new(&s->tls, &tc, err, sizeof(err)) != 0)
		fatalx("%s", err);
	free((char *)tc.ca_pem);
	free((char *)tc.cert_pem);
	free((char *)tc.key_pem);
	free((char *)tc.crl_pem);
}

static void
init_wrap(struct cp_server *s)
{
	uint8_t key[STATIC_KEY_LEN];
	char *text;
	if ((text = load_src(&s->cfg.tls_crypt_v2, "tls-crypt-v2"))) {
		if (tls_crypt_v2_server_key_parse(text, strlen(text), s->wrap.v2_key) != 0)
			fatalx("tls-crypt-v2: not an OpenVPN tls-crypt-v2 server key");
		s->wrap.mode = CP_WRAP_TLS_CRYPT_V2;
	} else if ((text = load_src(&s->cfg.tls_crypt, "tls-crypt"))) {
		if (static_key_parse(text, strlen(text), key) != 0
			|| tls_crypt_init(&s->wrap.crypt, key, true) != 0)
			fatalx("tls-crypt: not an OpenVPN static key");
		s->wrap.mode = CP_WRAP_TLS_CRYPT;
		memcpy(s->wrap.orig, key, sizeof(key));
	} else if ((text = load_src(&s->cfg.tls_auth, "tls-auth"))) {
		if (static_key_parse(text, strlen(text), key) != 0
			|| tls_auth_init(&s->wrap.auth, key, s->cfg.key_direction, true,
				s->cfg.auth) != 0)
			fatalx("tls-auth: not an OpenVPN static key (or bad auth digest)");
		s->wrap.mode = CP_WRAP_TLS_AUTH;
		memcpy(s->wrap.orig, key, sizeof(key));
	}
	static_key_wipe(key);
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
}

static void
init_push(struct cp_server *s)
{
	struct push_global *g = &s->push;
	for (unsigned i = 0; i < s->cfg.n_push; i++)
		s->push_opts[i] = s->cfg.push[i];
	g->push = s->push_opts;
	g->n_push = s->cfg.n_push;
	g->topology = s->cfg.topology == CP_TOPO_SUBNET ? PUSH_TOPO_SUBNET : PUSH_TOPO_NET30;
	g->server_network = s->cfg.server_net;
	g->server_netmask = s->cfg.server_mask;
	g->client_to_client = s->cfg.client_to_client;
	g->keepalive_ping = s->cfg.keepalive_ping;
	g->keepalive_restart = s->cfg.keepalive_timeout;
}

static void
init_pools(struct cp_server *s)
{
	const struct cp_cfg_derived *d = &s->cfg.derived;
	uint32_t n = 0;
	if (d->has_pool)
		n = s->cfg.topology == CP_TOPO_NET30 ? (d->pool_end - d->pool_start) / 4 + 1
			: d->pool_end - d->pool_start + 1;
	if (idpool_init(&s->addrs, n ? n : 1) != 0 || cp_clients_init(s) != 0)
		fatalx("out of memory");
	/* net30 pool entries are /30 blocks starting at pool_start. */
}

/*
 * explicit-exit-notify 1|2 on the server: clients are told RESTART
 * (",N": try the next server) and their sessions leave the dataplanes.
 * Without it the sessions stay and a restarted dpvpnd adopts them.
 */
static void
notify_exit(struct cp_server *s)
{
	char msg[CTLMSG_MAX];
	unsigned flags = s->cfg.explicit_exit_notify >= 2 ? CTL_RESTART_NEXT_SERVER : 0;
	if (!s->cfg.explicit_exit_notify || ctlmsg_restart(msg, sizeof(msg), false, flags, NULL) < 0)
		return;
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		struct cp_client *c = s->by_slot[i];
		if (!c || !c->authenticated || c->closing)
			continue;
		cp_ctl_send_text(s, c, msg);
		cp_ctl_flush(s, c);
		cp_dp_remove(s, c);
	}
	/* Give the messages a moment to leave (and their ACKs to come back). */
	for (int i = 0; i < 10; i++)
		ev_run_once(s->loop, 100);
}

/* Signals behave as OpenVPN's (admin.c): HUP reloads, USR1 restarts sessions, USR2 logs status. */
static void
on_signal(void *arg, uint32_t events)
{
	struct signalfd_siginfo si;
	(void)events;
	if (read(*(int *)arg, &si, sizeof(si)) == sizeof(si))
		cp_admin_signal(&srv, (int)si.ssi_signo);
}

/* Log lines for the management interface's history and >LOG. */
static void
log_to_mgmt(void *arg, enum log_level lvl, const char *line)
{
	static const char *const flags[] = {
		[LOG_LVL_ERR] = "F", [LOG_LVL_WARN] = "W", [LOG_LVL_INFO] = "I",
		[LOG_LVL_DEBUG] = "D",
	};
	struct cp_server *s = arg;
	if (s->mgmt)
		mgmt_log(s->mgmt, time(NULL), flags[lvl], line);
}

static void
load_config(struct cp_server *s, const char *path)
{
	char err[512];
	cp_config_defaults(&s->cfg);
	if (cp_config_load(&s->cfg, path, err, sizeof(err)) != 0
		|| cp_config_finish(&s->cfg, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (ncp_list_parse(s->cfg.data_ciphers, &s->ciphers, err, sizeof(err)) != 0)
		fatalx("data-ciphers: %s", err);
	if (s->cfg.local[0] && inet_pton(AF_INET, s->cfg.local, &s->local_addr) != 1)
		fatalx("local %s: not an IPv4 address", s->cfg.local);
}

/* log / log-append, daemon, writepid: the process hygiene admins expect. */
static void
init_process(const struct cp_config *cfg)
{
	if (cfg->log_file && !freopen(cfg->log_file, cfg->log_append ? "a" : "w", stderr))
		fatal("log %s", cfg->log_file);
	if (cfg->log_file)
		setvbuf(stderr, NULL, _IOLBF, 0);
	if (cfg->daemon && daemon(0, cfg->log_file != NULL) != 0)
		fatal("daemon");
	if (cfg->writepid) {
		FILE *f = fopen(cfg->writepid, "w");
		if (!f)
			fatal("writepid %s", cfg->writepid);
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			config = optarg;
		else
			usage();
	}
	if (!config || optind != argc)
		usage();
	log_init("dpvpnd", LOG_LVL_INFO);
	load_config(&srv, config);
	log_init("dpvpnd", srv.cfg.verb >= 5 ? LOG_LVL_DEBUG : srv.cfg.verb == 0 ? LOG_LVL_ERR
		: LOG_LVL_INFO);
	init_process(&srv.cfg);
	srv.config_path = config;
	srv.file_verb = srv.cfg.verb;
	srv.file_mute = srv.cfg.mute;
	srv.start_time = time(NULL);
	log_set_mute(srv.cfg.mute);
	srv.loop = ev_new();
	init_tls(&srv);
	init_wrap(&srv);
	init_push(&srv);
	init_pools(&srv);
	cp_clients_bind_server(&srv);
	char aerr[512];
	if (cp_auth_init(&srv, aerr, sizeof(aerr)) != 0)
		fatalx("%s", aerr);
	if (cp_bans_init(&srv) != 0 || cp_sessions_init(&srv) != 0)
		fatalx("ban or session table: out of memory");
	uint8_t secret[COOKIE_SECRET_LEN];
	if (RAND_bytes(secret, sizeof(secret)) != 1)
		fatalx("no randomness");
	cookie_key_init(&srv.cookie, secret);
	cookie_key_set_hand_window(&srv.cookie, srv.cfg.hand_window);
	explicit_bzero(secret, sizeof(secret));

	char err[256];
	struct dplink_ops ops = { cp_dp_on_hello, cp_dp_on_msg };
	if (dplink_open(&srv.dl, srv.loop, srv.cfg.dataplane, &ops, &srv, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (cp_mgmt_open(&srv, err, sizeof(err)) != 0 || cp_ctl_open(&srv, err, sizeof(err)) != 0)
		fatalx("%s", err);
	log_set_hook(log_to_mgmt, &srv);
	cp_server_limits_init(&srv);
	cp_dp_start_stats(&srv);
	cp_status_start(&srv);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	static int sfd;
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	ev_add_fd(srv.loop, sfd, EPOLLIN, on_signal, &sfd);
	log_info("listening for dataplanes on %s; %u clients max", srv.cfg.dataplane,
		srv.cfg.max_clients);
	cp_admin_started(&srv);
	ev_run(srv.loop);
	notify_exit(&srv);
	log_set_hook(NULL, NULL);
	cp_mgmt_close(&srv);
	cp_ctl_close(&srv);
	dplink_close(srv.dl);
	return 0;
}
