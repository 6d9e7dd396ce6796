/*
 * dpvpnd's records for dpvpnctl (and later the REST API), as JSON: one
 * client, the daemon's status, the dataplanes. dpvpnctl renders them in
 * occtl's layouts; the keys are documented in docs/dpvpnctl.md.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "ctl.h"
#include "server.h"
#include "sessions.h"

static const char *
ip4(uint32_t be, char *buf)
{
	inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
	return buf;
}

/* "OpenVPN 2.6.14 linux" (or the GUI's own version string). */
static void
user_agent(const struct cp_client *c, char *buf, size_t cap)
{
	const char *gui = NULL, *ver = NULL, *plat = NULL;
	buf[0] = '\0';
	for (unsigned i = 0; c->pi && i < c->pi->n_pairs; i++) {
		const char *k = peerinfo_key(c->pi, i);
		if (!strcmp(k, "IV_GUI_VER"))
			gui = peerinfo_value(c->pi, i);
		else if (!strcmp(k, "IV_VER"))
			ver = peerinfo_value(c->pi, i);
		else if (!strcmp(k, "IV_PLAT"))
			plat = peerinfo_value(c->pi, i);
	}
	if (gui)
		snprintf(buf, cap, "%s", gui);
	else if (ver)
		snprintf(buf, cap, "OpenVPN %s%s%s", ver, plat ? " " : "", plat ? plat : "");
}

/* push "route NET MASK" and push "dhcp-option DNS X" of the config, as occtl lists them. */
static void
pushed_lists(const struct cp_server *s, json_t *routes, json_t *dns)
{
	for (unsigned i = 0; i < s->cfg.n_push; i++) {
		char a[64], b[64];
		const char *p = s->cfg.push[i];
		if (sscanf(p, "route %63s %63s", a, b) == 2)
			json_array_append_new(routes, json_sprintf("%s/%s", a, b));
		else if (sscanf(p, "dhcp-option DNS %63s", a) == 1)
			json_array_append_new(dns, json_string(a));
	}
}

json_t *
cp_ctl_user_record(const struct cp_server *s, const struct cp_client *c)
{
	struct cp_client_record r;
	char a[INET_ADDRSTRLEN], ua[256] = "", suite[128] = "";
	cp_client_record_fill(s, c, &r);
	user_agent(c, ua, sizeof(ua));
	const struct cp_keystate *ks = c->primary >= 0 ? c->ks[c->primary] : NULL;
	if (ks && ks->tls)
		cp_tls_suite(ks->tls, suite, sizeof(suite));
	const struct dplink_dp *dp = dplink_get(s->dl, c->dp);
	json_t *routes = json_array(), *dns = json_array(), *iroutes = json_array();
	pushed_lists(s, routes, dns);
	for (unsigned i = 0; i < r.n_iroutes; i++)
		json_array_append_new(iroutes, json_string(r.iroutes[i]));
	json_t *u = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i}",
		"id", (json_int_t)c->cid, "username", c->username, "common_name", c->common_name,
		"state", c->authenticated ? "connected" : "authenticating", "vhost", "default",
		"device", s->cfg.dev[0] && strcmp(s->cfg.dev, "tun") ? s->cfg.dev : "tun0",
		"mtu", (int)s->cfg.tun_mtu);
	json_object_set_new(u, "remote_ip", json_string(ip4(c->addr, a)));
	json_object_set_new(u, "remote_port", json_integer(c->port));
	json_object_set_new(u, "local_ip", json_string(ip4(c->local_addr, a)));
	json_object_set_new(u, "vpn_ipv4", json_string(r.virtual_address));
	json_object_set_new(u, "ptp_ipv4", json_string(ip4(htonl(s->cfg.derived.server_ip), a)));
	json_object_set_new(u, "rx_bytes", json_integer((json_int_t)c->rx_bytes));
	json_object_set_new(u, "tx_bytes", json_integer((json_int_t)c->tx_bytes));
	json_object_set_new(u, "connected_at", json_integer((json_int_t)c->created_wall));
	json_object_set_new(u, "user_agent", json_string(ua));
	json_object_set_new(u, "hostname", json_string(""));
	json_object_set_new(u, "dpd", json_integer(s->cfg.derived.ping));
	json_object_set_new(u, "keepalive", json_integer(s->cfg.derived.ping_restart));
	json_object_set_new(u, "tls_ciphersuite", json_string(suite));
	json_object_set_new(u, "data_cipher", json_string(r.cipher));
	json_object_set_new(u, "peer_id", json_integer(c->peer_id == IPC_PEER_ID_NONE ? -1
		: (json_int_t)c->peer_id));
	json_object_set_new(u, "dataplane", json_string(dp ? dp->name : ""));
	const struct sess_entry *se = cp_session_of((struct cp_server *)s, c);
	json_object_set_new(u, "session", json_string(se ? se->safe_id : ""));
	json_object_set_new(u, "routes", routes);
	json_object_set_new(u, "dns", dns);
	json_object_set_new(u, "iroutes", iroutes);
	return u;
}

static void
set_count(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v));
}

/* occtl's current-period figures (docs/dpvpnctl.md, status record); times in seconds. */
static void
sess_stats_record(json_t *st, const struct cp_sess_stats *ss)
{
	set_count(st, "timed_out_sessions", ss->timed_out);
	set_count(st, "idle_timed_out_sessions", ss->idle_timed_out);
	set_count(st, "error_sessions", ss->errors);
	set_count(st, "avg_auth_time", cp_sess_stats_avg_auth_s(ss));
	set_count(st, "max_auth_time", cp_sess_stats_max_auth_s(ss));
	set_count(st, "avg_session_time", cp_sess_stats_avg_session_s(ss));
	set_count(st, "max_session_time", ss->session_s_max);
}

json_t *
cp_ctl_status_record(const struct cp_server *s)
{
	struct cp_admin_load l;
	unsigned dps = 0;
	cp_admin_load_stats((struct cp_server *)s, &l);
	for (unsigned i = 0; i < dplink_count(s->dl); i++) {
		const struct dplink_dp *dp = dplink_get(s->dl, i);
		dps += dp && dp->up;
	}
	json_t *st = json_object();
	set_count(st, "pid", (uint64_t)getpid());
	set_count(st, "start_time", (uint64_t)s->start_time);
	set_count(st, "now", (uint64_t)time(NULL));
	set_count(st, "active_sessions", l.n_clients);
	set_count(st, "total_sessions", s->stats.sessions_ended);
	set_count(st, "auth_failures", s->stats.auth_failed);
	set_count(st, "banned_ips", cp_ctl_banned_count(s));
	sess_stats_record(st, &s->sess_stats);
	set_count(st, "handshakes", s->stats.handshakes);
	set_count(st, "tls_errors", s->stats.tls_errors);
	set_count(st, "hand_timeouts", s->stats.hand_timeouts);
	set_count(st, "control_packets", s->stats.punts);
	set_count(st, "bad_packets", s->stats.bad_packets);
	set_count(st, "replays", s->stats.replays);
	set_count(st, "resets_sent", s->stats.resets);
	set_count(st, "resets_limited", s->stats.resets_limited);
	set_count(st, "connections_limited", s->stats.connections_limited);
	set_count(st, "rx_bytes", l.bytes_in);
	set_count(st, "tx_bytes", l.bytes_out);
	set_count(st, "dataplanes", dps);
	return st;
}

json_t *
cp_ctl_dataplanes_record(const struct cp_server *s)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < dplink_count(s->dl); i++) {
		const struct dplink_dp *dp = dplink_get(s->dl, i);
		unsigned held = 0;
		for (uint32_t k = 0; k < s->cfg.max_clients; k++) {
			const struct cp_client *c = s->by_slot[k];
			held += c && c->dp == i && c->in_dataplane;
		}
		char boot[24];
		snprintf(boot, sizeof(boot), "%016llx", (unsigned long long)dp->boot_id);
		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:i, s:i, s:b,"
			" s:i, s:o}",
			"index", (int)i, "name", dp->name, "version", dp->version, "dpdk_version", dp->dpdk,
			"crypto", dp->crypto, "connected", dp->up, "boot_id", boot,
			"workers", (int)dp->n_workers, "max_sessions", (int)dp->max_sessions,
			"sessions", (int)held, "synced", s->dp_synced[i],
			"ipc_schema", (int)dp->schema, "ports", cp_ctl_links_record(s, i)));
	}
	return a;
}
