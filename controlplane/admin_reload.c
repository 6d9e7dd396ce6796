/*
 * SIGHUP / `reload`: re-read server.conf. What only shapes new decisions
 * changes at once (pushes, verbosity, client-config rules, timers of new
 * keys); what the running sockets, pools, keys and dataplane sessions are
 * built on is reported as needing a restart, by directive name.
 */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "log.h"
#include "server.h"

static bool
str_differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

static bool
src_differs(const struct cp_cfg_src *a, const struct cp_cfg_src *b)
{
	return a->is_inline != b->is_inline || str_differs(a->value, b->value);
}

/* Settings that cannot change under running sessions: logged, not applied. */
static unsigned
report_fixed(const struct cp_config *o, const struct cp_config *n)
{
	const struct {
		bool changed;
		const char *name;
	} fixed[] = {
		{ o->port != n->port || o->proto != n->proto, "port/proto" },
		{ strcmp(o->local, n->local) != 0, "local" },
		{ strcmp(o->dev, n->dev) != 0, "dev" },
		{ o->server_net != n->server_net || o->server_mask != n->server_mask
			|| o->topology != n->topology || o->pool_start != n->pool_start
			|| o->pool_end != n->pool_end, "server/topology/ifconfig-pool" },
		{ src_differs(&o->ca, &n->ca) || src_differs(&o->cert, &n->cert)
			|| src_differs(&o->key, &n->key) || src_differs(&o->crl_verify, &n->crl_verify),
			"ca/cert/key/crl-verify" },
		{ src_differs(&o->tls_auth, &n->tls_auth) || src_differs(&o->tls_crypt, &n->tls_crypt)
			|| src_differs(&o->tls_crypt_v2, &n->tls_crypt_v2), "tls-auth/tls-crypt" },
		{ strcmp(o->data_ciphers, n->data_ciphers) != 0, "data-ciphers" },
		{ o->max_clients != n->max_clients, "max-clients" },
		{ o->client_to_client != n->client_to_client, "client-to-client" },
		{ o->keepalive_ping != n->keepalive_ping
			|| o->keepalive_timeout != n->keepalive_timeout, "keepalive" },
		{ str_differs(o->user_pass_db, n->user_pass_db)
			|| str_differs(o->auth_verify_cmd, n->auth_verify_cmd), "user-pass-db/auth-user-pass-verify" },
		{ o->auth_gen_token != n->auth_gen_token, "auth-gen-token" },
		{ strcmp(o->dataplane, n->dataplane) != 0, "dataplane" },
		{ o->mgmt.set != n->mgmt.set || strcmp(o->mgmt.addr, n->mgmt.addr) != 0
			|| o->mgmt.port != n->mgmt.port || str_differs(o->mgmt.pwfile, n->mgmt.pwfile),
			"management" },
		{ o->mgmt.client_auth != n->mgmt.client_auth, "management-client-auth" },
		{ o->mgmt.log_cache != n->mgmt.log_cache, "management-log-cache" },
		{ strcmp(o->mgmt.client_user, n->mgmt.client_user) != 0
			|| strcmp(o->mgmt.client_group, n->mgmt.client_group) != 0,
			"management-client-user/group" },
		{ o->tun_mtu != n->tun_mtu || o->mssfix != n->mssfix, "tun-mtu/mssfix" },
		{ o->compress != n->compress, "compress/comp-lzo" },
		{ o->replay_window != n->replay_window || o->replay_time != n->replay_time,
			"replay-window" },
		{ o->verify_client_cert != n->verify_client_cert, "verify-client-cert" },
		{ o->username_as_cn != n->username_as_cn
			|| o->auth_user_pass_optional != n->auth_user_pass_optional,
			"username-as-common-name/auth-user-pass-optional" },
		{ str_differs(o->status_file, n->status_file), "status" },
		{ strcmp(o->ctl_socket, n->ctl_socket) != 0
			|| strcmp(o->ctl_socket_group, n->ctl_socket_group) != 0,
			"dpvpnctl-socket/dpvpnctl-socket-group" },
		{ o->max_ban_score != n->max_ban_score || o->ban_reset_time != n->ban_reset_time
			|| o->ban_time != n->ban_time, "max-ban-score/ban-reset-time/ban-time" },
		{ str_differs(o->log_file, n->log_file), "log/log-append" },
	};
	unsigned count = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!fixed[i].changed)
			continue;
		log_warnx("reload: '%s' changed: not applied, needs a restart of dpvpnd",
			fixed[i].name);
		count++;
	}
	return count;
}

/* What new decisions read: takes effect for the next client or key. */
static void
apply_live(struct cp_server *s, const struct cp_config *n)
{
	struct cp_config *o = &s->cfg;
	memcpy(o->push, n->push, sizeof(o->push));
	o->n_push = n->n_push;
	for (unsigned i = 0; i < o->n_push; i++)
		s->push_opts[i] = o->push[i];
	s->push.n_push = o->n_push;
	o->duplicate_cn = n->duplicate_cn;
	o->ccd_exclusive = n->ccd_exclusive;
	if (str_differs(o->client_config_dir, n->client_config_dir)) {
		free(o->client_config_dir);
		o->client_config_dir = n->client_config_dir ? strdup(n->client_config_dir) : NULL;
	}
	o->reneg_sec = n->reneg_sec;
	o->hand_window = n->hand_window;
	o->status_version = n->status_version;
	o->status_sec = n->status_sec;
	o->ban_points_wrong_password = n->ban_points_wrong_password;
	o->ban_points_bad_certificate = n->ban_points_bad_certificate;
	o->ban_points_bad_packet = n->ban_points_bad_packet;
	o->ban_points_connection = n->ban_points_connection;
	/* verb/mute set at run time (management) stay unless the file changes them */
	if (n->verb != s->file_verb)
		cp_admin_verb(s, (int)n->verb);
	if (n->mute != s->file_mute)
		cp_admin_mute(s, (int)n->mute);
	s->file_verb = n->verb;
	s->file_mute = n->mute;
	o->explicit_exit_notify = n->explicit_exit_notify;
	o->connect_freq_n = n->connect_freq_n;
	o->connect_freq_sec = n->connect_freq_sec;
	o->connect_freq_initial_n = n->connect_freq_initial_n;
	o->connect_freq_initial_sec = n->connect_freq_initial_sec;
	cp_server_limits_init(s);
}

int
cp_admin_reload(struct cp_server *s)
{
	char err[512];
	struct cp_config *n = calloc(1, sizeof(*n));
	if (!s->config_path || !n) {
		free(n);
		return -1;
	}
	cp_config_defaults(n);
	if (cp_config_load(n, s->config_path, err, sizeof(err)) != 0
		|| cp_config_finish(n, err, sizeof(err)) != 0) {
		log_warnx("reload: %s: nothing changed", err);
		cp_config_free(n);
		free(n);
		return -1;
	}
	unsigned fixed = report_fixed(&s->cfg, n);
	apply_live(s, n);
	log_info("reload: %s re-read; push, verb, mute, client-config-dir, ccd-exclusive, "
		"duplicate-cn, reneg-sec, hand-window, status (version, interval), "
		"explicit-exit-notify, ban-points-* applied%s", s->config_path,
		fixed ? "; see above for what needs a restart" : "");
	cp_config_free(n);
	free(n);
	return 0;
}
