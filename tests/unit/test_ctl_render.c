/* dpvpnctl's renderers: occtl's text layouts and -j JSON (mgmt-interfaces.md B4, B5). */
#include <limits.h>
#include <stdlib.h>

#include "harness.h"
#include "ctl_render.h"

#define NOW ((json_int_t)1714564800)	/* 2024-05-01 12:00:00 UTC */


struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *
mopen(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	return m->f;
}

/* Closes the stream; the text stays in m->buf until mfree. */
static const char *
mtext(struct mem *m)
{
	fclose(m->f);
	return m->buf;
}

static json_t *
user1(void)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:s, s:I, s:I,"
		" s:I, s:s, s:s, s:i, s:i, s:s, s:s, s:i, s:s, s:s, s:[s], s:[s,s], s:[s]}",
		"id", 836873, "username", "alice", "common_name", "alice-cert", "state", "connected",
		"vhost", "default", "device", "tun0", "mtu", 1500, "remote_ip", "203.0.113.100",
		"remote_port", 51234, "local_ip", "198.51.100.1", "vpn_ipv4", "10.8.0.6",
		"ptp_ipv4", "10.8.0.1", "rx_bytes", (json_int_t)13838, "tx_bytes", (json_int_t)33980,
		"connected_at", NOW - 11100, "user_agent", "OpenVPN 2.6.12 linux",
		"hostname", "laptop", "dpd", 10, "keepalive", 60,
		"tls_ciphersuite", "(TLS1.3)-(TLS_AES_256_GCM_SHA384)", "data_cipher", "AES-256-GCM",
		"peer_id", 3, "dataplane", "dp0", "session", "930gAhoVKQRcCIOf34rnpRj9Pyg=",
		"routes", "10.200.0.0/255.255.255.0", "dns", "10.8.0.1", "10.8.0.2",
		"iroutes", "10.250.0.0/24");
}

/* certificate-only, still authenticating, no address, no data cipher */
static json_t *
user2(void)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:s, s:s, s:I, s:I,"
		" s:I, s:s, s:s, s:i, s:i, s:s, s:s, s:i, s:s, s:s, s:[], s:[], s:[]}",
		"id", 5, "username", "", "common_name", "bob", "state", "authenticating",
		"vhost", "default", "device", "tun0", "mtu", 1500, "remote_ip", "192.0.2.7",
		"remote_port", 1194, "local_ip", "198.51.100.1", "vpn_ipv4", "",
		"ptp_ipv4", "10.8.0.1", "rx_bytes", (json_int_t)0, "tx_bytes", (json_int_t)0,
		"connected_at", NOW - 31, "user_agent", "", "hostname", "", "dpd", 10,
		"keepalive", 60, "tls_ciphersuite", "(TLS1.3)-(TLS_AES_128_GCM_SHA256)",
		"data_cipher", "", "peer_id", -1, "dataplane", "dp0", "session", "",
		"routes", "dns", "iroutes");
}

/* The period figures are those of occtl's own example (mgmt-interfaces.md B5.8). */
static json_t *
status_rec(void)
{
	json_t *st = json_pack("{s:i, s:I, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i,"
		" s:i, s:i, s:i, s:I, s:I, s:i}",
		"pid", 802, "start_time", NOW - 3501028, "now", NOW, "active_sessions", 2,
		"total_sessions", 124, "auth_failures", 10, "banned_ips", 0, "handshakes", 130,
		"tls_errors", 3, "hand_timeouts", 1, "control_packets", 5000, "bad_packets", 2,
		"replays", 0, "resets_sent", 4, "resets_limited", 0, "connections_limited", 3,
		"rx_bytes", (json_int_t)111335000, "tx_bytes", (json_int_t)1829593000,
		"dataplanes", 1);
	json_t *period = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
		"timed_out_sessions", 2, "idle_timed_out_sessions", 7, "error_sessions", 81,
		"avg_auth_time", 0, "max_auth_time", 6, "avg_session_time", 11100,
		"max_session_time", 5520);
	json_object_update(st, period);
	json_decref(period);
	return st;
}

static json_t *
sessions_rec(void)
{
	return json_pack("[{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:b},"
		" {s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:b, s:b, s:b}]",
		"session", "DN4npe", "full_session", "DN4npe0123456789abcdefghijk=",
		"created", NOW - 389, "expires", NOW + 3600, "state", "authenticated",
		"username", "alice", "remote_ip", "203.0.113.100",
		"user_agent", "OpenVPN 2.6.12 linux x86_64 build", "in_use", 1,
		"session_is_open", 1, "tls_auth_ok", 0,
		"session", "", "full_session", "abcdefghijklmnopqrstuvwxyz0=", "created", 0,
		"expires", 0, "state", "authenticating", "username", "", "remote_ip", "192.0.2.7",
		"user_agent", "", "in_use", 0, "session_is_open", 0, "tls_auth_ok", 1);
}

static json_t *
bans_rec(void)
{
	return json_pack("[{s:s, s:i, s:I}, {s:s, s:i, s:i}]",
		"ip", "198.51.100.9", "score", 80, "expires", NOW + 600,
		"ip", "192.0.2.1", "score", 10, "expires", 0);
}

/* The keys of o, in order, joined by '|'. */
static char *
keys(json_t *o)
{
	static char buf[2048];
	const char *k;
	json_t *v;
	size_t n = 0;
	buf[0] = '\0';
	json_object_foreach(o, k, v)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "|" : "", k);
	return buf;
}

/* dumps as occtl's -j would be printed, and json_loads accepts it */
static void
check_valid(json_t *v)
{
	char *s = json_dumps(v, JSON_PRESERVE_ORDER | JSON_INDENT(4));
	CHECK(s != NULL);
	json_error_t err;
	json_t *back = s ? json_loads(s, 0, &err) : NULL;
	CHECK(back != NULL);
	CHECK(json_equal(back, v));
	json_decref(back);
	free(s);
}

static void
test_helpers(void)
{
	static const struct { long long t; const char *want; } iv[] = {
		{ -1, "   ?   " }, { 0, "    0s" }, { 31, "   31s" }, { 60, "   60s" },
		{ 61, " 1m:01s" }, { 389, " 6m:29s" }, { 3600, " 1h:00m" }, { 11100, " 3h:05m" },
		{ 172799, "47h:59m" }, { 172800, " 2days" }, { 3501028, "40days" },
	};
	for (size_t i = 0; i < sizeof(iv) / sizeof(iv[0]); i++) {
		char out[16];
		ctl_ival7(out, iv[i].t);
		CHECK_STR(out, iv[i].want);
	}
	static const struct { uint64_t b; bool rate; const char *want; } hb[] = {
		{ 0, false, "0 bytes" }, { 999, false, "999 bytes" }, { 1000, false, "1000 bytes" },
		{ 1001, false, "1.0 kB" }, { 13838, false, "13.8 kB" }, { 2100000, false, "2.1 MB" },
		{ 1800000000, false, "1.8 GB" }, { 111335000, false, "111.3 MB" },
		{ 864, true, "864 bytes/s" }, { 2100, true, "2.1 kB/s" },
		{ 5000000000ULL, true, "5.0 GB/s" },
	};
	for (size_t i = 0; i < sizeof(hb) / sizeof(hb[0]); i++) {
		char out[32];
		ctl_human_bytes(out, sizeof(out), hb[i].b, hb[i].rate);
		CHECK_STR(out, hb[i].want);
	}
	char d[32];
	ctl_date(d, (time_t)NOW - 11100);
	CHECK_STR(d, "2024-05-01 08:55");
}

static void
test_users_text(void)
{
	struct mem m;
	json_t *users = json_pack("[o, o]", user1(), user2());
	ctl_text_users(mopen(&m), users, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"      id     user    vhost             ip         vpn-ip device   since    dtls-cipher    status\n"
		"  836873    alice  default  203.0.113.100       10.8.0.6   tun0  3h:05m  (AES-256-GCM) connected\n"
		"       5      bob  default      192.0.2.7                  tun0    31s      (no-dtls) authenticating\n");
	free(m.buf);

	json_t *none = json_array();
	ctl_text_users(mopen(&m), none, (time_t)NOW);
	CHECK_STR(mtext(&m), "");
	free(m.buf);

	ctl_text_user_info(mopen(&m), users, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"\tID: 836873\n"
		"\tUsername: alice   Groupname: (none)\n"
		"\tState: connected\n"
		"\tvhost: default\n"
		"\tDevice: tun0   MTU: 1500\n"
		"\tRemote IP: 203.0.113.100   Location: unknown\n"
		"\tLocal Device IP: 198.51.100.1\n"
		"\tIPv4: 10.8.0.6   P-t-P IPv4: 10.8.0.1\n"
		"\tUser-Agent: OpenVPN 2.6.12 linux\n"
		"\tRX: 13838 (13.8 kB)   TX: 33980 (34.0 kB)\n"
		"\tAverage bandwidth RX: 1 bytes/s  TX: 3 bytes/s\n"
		"\tDPD: 10   KeepAlive: 60\n"
		"\tHostname: laptop\n"
		"\tConnected at: 2024-05-01 08:55 ( 3h:05m)\n"
		"\tSession: 930gAh\n"
		"\tTLS ciphersuite: (TLS1.3)-(TLS_AES_256_GCM_SHA384)\n"
		"\n"
		"\tDNS: 10.8.0.1\n"
		"\t\t10.8.0.2\n"
		"\tRoutes: 10.200.0.0/255.255.255.0\n"
		"\tiRoutes: 10.250.0.0/24\n"
		"\tRestricted to routes: False\n"
		"\tCommon name: alice-cert   Remote port: 51234\n"
		"\tData cipher: AES-256-GCM   Peer ID: 3\n"
		"\tDataplane: dp0\n"
		"\n"
		"\n"
		"\tID: 5\n"
		"\tUsername: bob   Groupname: (none)\n"
		"\tState: authenticating\n"
		"\tvhost: default\n"
		"\tDevice: tun0   MTU: 1500\n"
		"\tRemote IP: 192.0.2.7   Location: unknown\n"
		"\tLocal Device IP: 198.51.100.1\n"
		"\tRX: 0 (0 bytes)   TX: 0 (0 bytes)\n"
		"\tAverage bandwidth RX: 0 bytes/s  TX: 0 bytes/s\n"
		"\tDPD: 10   KeepAlive: 60\n"
		"\tConnected at: 2024-05-01 11:59 (   31s)\n"
		"\tTLS ciphersuite: (TLS1.3)-(TLS_AES_128_GCM_SHA256)\n"
		"\n"
		"\tRoutes: defaultroute\n"
		"\tRestricted to routes: False\n"
		"\tCommon name: bob   Remote port: 1194\n"
		"\tDataplane: dp0\n"
		"\n");
	free(m.buf);

	ctl_text_iroutes(mopen(&m), users);
	CHECK_STR(mtext(&m),
		"    id     user    vhost device           vpn-ip                       iroute\n"
		"836873    alice  default   tun0         10.8.0.6                10.250.0.0/24\n");
	free(m.buf);

	json_t *ev = json_pack("{s:s, s:O}", "event", "connect", "user", json_array_get(users, 0));
	ctl_text_event(mopen(&m), ev, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"default: connected user 'alice' (836873) from 203.0.113.100 with IP 10.8.0.6\n");
	free(m.buf);
	json_decref(ev);
	ev = json_pack("{s:s, s:s, s:O}", "event", "disconnect", "reason", "user disconnected",
		"user", json_array_get(users, 0));
	ctl_text_event(mopen(&m), ev, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"default: disconnect user 'alice' (836873) from 203.0.113.100 with IP 10.8.0.6"
		" (reason: user disconnected, time:  3h:05m)\n");
	free(m.buf);
	json_decref(ev);
	ev = json_pack("{s:s, s:O}", "event", "disconnect", "user", json_array_get(users, 1));
	ctl_text_event(mopen(&m), ev, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"default: disconnect user 'bob' (5) from 192.0.2.7 with IP  (reason: unknown, time:    31s)\n");
	free(m.buf);
	json_decref(ev);

	json_decref(none);
	json_decref(users);
}

static void
test_users_json(void)
{
	json_t *users = json_pack("[o, o]", user1(), user2());
	json_t *j = ctl_json_users(users, (time_t)NOW);
	CHECK(json_is_array(j));
	CHECK_EQ(json_array_size(j), 2);
	check_valid(j);
	json_t *a = json_array_get(j, 0), *b = json_array_get(j, 1);
	CHECK_STR(keys(a),
		"ID|Username|Groupname|State|vhost|Device|MTU|Remote IP|Location|Local Device IP|"
		"IPv4|P-t-P IPv4|User-Agent|RX|TX|_RX|_TX|Average RX|Average TX|DPD|KeepAlive|"
		"Hostname|Connected at|_Connected at|raw_connected_at|Full session|Session|"
		"TLS ciphersuite|DNS|NBNS|Split-DNS-Domains|Routes|No-routes|iRoutes|"
		"Restricted to routes|Restricted to ports|"
		"common_name|peer_id|data_cipher|dataplane|remote_port");
	/* empty values are omitted, as occtl does */
	CHECK_STR(keys(b),
		"ID|Username|Groupname|State|vhost|Device|MTU|Remote IP|Location|Local Device IP|"
		"RX|TX|_RX|_TX|Average RX|Average TX|DPD|KeepAlive|"
		"Connected at|_Connected at|raw_connected_at|"
		"TLS ciphersuite|DNS|NBNS|Split-DNS-Domains|Routes|No-routes|iRoutes|"
		"Restricted to routes|Restricted to ports|"
		"common_name|peer_id|data_cipher|dataplane|remote_port");
	CHECK(json_is_integer(json_object_get(a, "ID")));
	CHECK_EQ(json_integer_value(json_object_get(a, "ID")), 836873);
	CHECK(json_is_integer(json_object_get(a, "raw_connected_at")));
	CHECK_EQ(json_integer_value(json_object_get(a, "raw_connected_at")), NOW - 11100);
	static const char *const strs[][2] = {
		{ "Username", "alice" }, { "Groupname", "(none)" }, { "State", "connected" },
		{ "vhost", "default" }, { "Device", "tun0" }, { "MTU", "1500" },
		{ "Remote IP", "203.0.113.100" }, { "Location", "unknown" },
		{ "Local Device IP", "198.51.100.1" }, { "IPv4", "10.8.0.6" },
		{ "P-t-P IPv4", "10.8.0.1" }, { "RX", "13838" }, { "TX", "33980" },
		{ "_RX", "13.8 kB" }, { "_TX", "34.0 kB" }, { "Average RX", "1 bytes/s" },
		{ "Average TX", "3 bytes/s" }, { "DPD", "10" }, { "KeepAlive", "60" },
		{ "Hostname", "laptop" }, { "Connected at", "2024-05-01 08:55" },
		{ "_Connected at", " 3h:05m" }, { "Full session", "930gAhoVKQRcCIOf34rnpRj9Pyg=" },
		{ "Session", "930gAh" }, { "TLS ciphersuite", "(TLS1.3)-(TLS_AES_256_GCM_SHA384)" },
		{ "Restricted to routes", "False" }, { "common_name", "alice-cert" },
		{ "data_cipher", "AES-256-GCM" }, { "dataplane", "dp0" },
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		json_t *v = json_object_get(a, strs[i][0]);
		CHECK(json_is_string(v));
		CHECK_STR(json_string_value(v), strs[i][1]);
	}
	CHECK_EQ(json_integer_value(json_object_get(a, "peer_id")), 3);
	CHECK_EQ(json_integer_value(json_object_get(a, "remote_port")), 51234);
	CHECK_EQ(json_array_size(json_object_get(a, "DNS")), 2);
	CHECK_STR(json_string_value(json_array_get(json_object_get(a, "Routes"), 0)),
		"10.200.0.0/255.255.255.0");
	CHECK_STR(json_string_value(json_array_get(json_object_get(a, "iRoutes"), 0)),
		"10.250.0.0/24");
	CHECK(json_is_array(json_object_get(a, "Restricted to ports")));
	CHECK_EQ(json_array_size(json_object_get(a, "NBNS")), 0);
	/* no routes: one "Routes" key, an array holding "defaultroute" */
	json_t *r = json_object_get(b, "Routes");
	CHECK(json_is_array(r));
	CHECK_EQ(json_array_size(r), 1);
	CHECK_STR(json_string_value(json_array_get(r, 0)), "defaultroute");
	CHECK_STR(json_string_value(json_object_get(b, "Username")), "bob");
	CHECK_STR(json_string_value(json_object_get(b, "_Connected at")), "   31s");
	CHECK_EQ(json_integer_value(json_object_get(b, "peer_id")), -1);

	/* exact dump of a small user, as dpvpnctl prints it */
	json_t *eve = json_pack("{s:i, s:s, s:I}", "id", 7, "username", "eve",
		"connected_at", NOW - 100);
	json_t *one = ctl_json_user(eve, (time_t)NOW);
	json_decref(eve);
	char *s = json_dumps(one, JSON_PRESERVE_ORDER | JSON_INDENT(4));
	CHECK_STR(s,
		"{\n"
		"    \"ID\": 7,\n"
		"    \"Username\": \"eve\",\n"
		"    \"Groupname\": \"(none)\",\n"
		"    \"State\": \"unknown\",\n"
		"    \"vhost\": \"default\",\n"
		"    \"Location\": \"unknown\",\n"
		"    \"DPD\": \"0\",\n"
		"    \"KeepAlive\": \"0\",\n"
		"    \"Connected at\": \"2024-05-01 11:58\",\n"
		"    \"_Connected at\": \" 1m:40s\",\n"
		"    \"raw_connected_at\": 1714564700,\n"
		"    \"DNS\": [],\n"
		"    \"NBNS\": [],\n"
		"    \"Split-DNS-Domains\": [],\n"
		"    \"Routes\": [\n"
		"        \"defaultroute\"\n"
		"    ],\n"
		"    \"No-routes\": [],\n"
		"    \"iRoutes\": [],\n"
		"    \"Restricted to routes\": \"False\",\n"
		"    \"Restricted to ports\": []\n"
		"}");
	free(s);
	json_decref(one);

	json_t *ir = ctl_json_iroutes(users);
	check_valid(ir);
	CHECK_EQ(json_array_size(ir), 2);
	CHECK_STR(keys(json_array_get(ir, 0)), "ID|Username|vhost|Device|IP|iRoutes");
	CHECK_STR(keys(json_array_get(ir, 1)), "ID|Username|vhost|Device|iRoutes");
	CHECK_STR(json_string_value(json_array_get(json_object_get(json_array_get(ir, 0),
		"iRoutes"), 0)), "10.250.0.0/24");
	json_decref(ir);

	json_t *empty = json_array();
	json_t *je = ctl_json_users(empty, (time_t)NOW);
	s = json_dumps(je, JSON_PRESERVE_ORDER | JSON_INDENT(4));
	CHECK_STR(s, "[]");
	free(s);
	json_decref(je);
	json_decref(empty);
	json_decref(j);
	json_decref(users);
}

static void
test_status(void)
{
	struct mem m;
	json_t *st = status_rec();
	ctl_text_status(mopen(&m), st, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"Note: RX and TX are the dataplanes' counters when the command ran\n"
		"\n"
		"General info:\n"
		"\tStatus: online\n"
		"\tServer PID: 802\n"
		"\tSec-mod PID: 802\n"
		"\tSec-mod instance count: 1\n"
		"\tUp since: 2024-03-21 23:29 (40days)\n"
		"\tActive sessions: 2\n"
		"\tTotal sessions: 124\n"
		"\tTotal authentication failures: 10\n"
		"\tIPs in ban list: 0\n"
		"\n"
		"Current stats period:\n"
		"\tSessions handled: 124\n"
		"\tTimed out sessions: 2\n"
		"\tTimed out (idle) sessions: 7\n"
		"\tClosed due to error sessions: 81\n"
		"\tAuthentication failures: 10\n"
		"\tAverage auth time:     0s\n"
		"\tMax auth time:     6s\n"
		"\tAverage session time:  3h:05m\n"
		"\tMax session time:  1h:32m\n"
		"\tRX: 111.3 MB\n"
		"\tTX: 1.8 GB\n"
		"\n"
		"dpvpn counters:\n"
		"\tHandshakes: 130\n"
		"\tTLS errors: 3\n"
		"\tHandshake timeouts: 1\n"
		"\tControl packets: 5000\n"
		"\tBad packets: 2\n"
		"\tReplays: 0\n"
		"\tResets sent: 4\n"
		"\tResets rate-limited: 0\n"
		"\tConnections over connect-freq: 3\n"
		"\tDataplanes connected: 1\n");
	free(m.buf);

	json_t *j = ctl_json_status(st, (time_t)NOW);
	check_valid(j);
	CHECK(json_is_object(j));
	CHECK_STR(keys(j),
		"Status|Server PID|Sec-mod PID|Sec-mod instance count|Up since|_Up since|"
		"raw_up_since|uptime|Active sessions|Total sessions|Total authentication failures|"
		"IPs in ban list|Sessions handled|Timed out sessions|Timed out (idle) sessions|"
		"Closed due to error sessions|Authentication failures|Average auth time|"
		"raw_avg_auth_time|Max auth time|raw_max_auth_time|Average session time|"
		"raw_avg_session_time|Max session time|raw_max_session_time|RX|raw_rx|TX|raw_tx|"
		"handshakes|tls_errors|hand_timeouts|control_packets|bad_packets|replays|"
		"resets_sent|resets_limited|connections_limited|dataplanes");
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		bool is_str = !strcmp(k, "Status") || !strcmp(k, "Up since") ||
			!strcmp(k, "_Up since") || !strcmp(k, "RX") || !strcmp(k, "TX") ||
			strstr(k, " time");	/* "Average auth time" ...: ival7 strings */
		CHECK(is_str ? json_is_string(v) : json_is_integer(v));
		if (is_str ? !json_is_string(v) : !json_is_integer(v))
			fprintf(stderr, "  status key '%s' has the wrong type\n", k);
	}
	CHECK_STR(json_string_value(json_object_get(j, "Status")), "online");
	CHECK_STR(json_string_value(json_object_get(j, "_Up since")), "40days");
	CHECK_STR(json_string_value(json_object_get(j, "TX")), "1.8 GB");
	CHECK_EQ(json_integer_value(json_object_get(j, "raw_up_since")), NOW - 3501028);
	CHECK_EQ(json_integer_value(json_object_get(j, "uptime")), 3501028);
	CHECK_EQ(json_integer_value(json_object_get(j, "Sec-mod PID")), 802);
	CHECK_EQ(json_integer_value(json_object_get(j, "raw_rx")), 111335000);
	CHECK_EQ(json_integer_value(json_object_get(j, "raw_tx")), 1829593000);
	CHECK_EQ(json_integer_value(json_object_get(j, "control_packets")), 5000);
	/* occtl's B5.8 values, byte for byte */
	CHECK_EQ(json_integer_value(json_object_get(j, "Closed due to error sessions")), 81);
	CHECK_EQ(json_integer_value(json_object_get(j, "Timed out (idle) sessions")), 7);
	CHECK_STR(json_string_value(json_object_get(j, "Average auth time")), "    0s");
	CHECK_EQ(json_integer_value(json_object_get(j, "raw_avg_auth_time")), 0);
	CHECK_STR(json_string_value(json_object_get(j, "Max auth time")), "    6s");
	CHECK_EQ(json_integer_value(json_object_get(j, "raw_max_auth_time")), 6);
	CHECK_STR(json_string_value(json_object_get(j, "Average session time")), " 3h:05m");
	CHECK_EQ(json_integer_value(json_object_get(j, "raw_avg_session_time")), 11100);
	CHECK_STR(json_string_value(json_object_get(j, "Max session time")), " 1h:32m");
	CHECK_EQ(json_integer_value(json_object_get(j, "raw_max_session_time")), 5520);
	json_decref(j);
	json_decref(st);

	/* a record without the period figures (an older dpvpnd): zeros, same keys */
	st = json_pack("{s:i}", "pid", 1);
	j = ctl_json_status(st, (time_t)NOW);
	CHECK_EQ(json_integer_value(json_object_get(j, "Timed out sessions")), 0);
	CHECK_STR(json_string_value(json_object_get(j, "Max session time")), "    0s");
	CHECK_EQ(json_integer_value(json_object_get(j, "raw_max_session_time")), 0);
	json_decref(j);
	json_decref(st);

	/* no record at all: occtl's offline answer */
	j = ctl_json_status(json_null(), (time_t)NOW);
	CHECK_STR(keys(j), "Status");
	CHECK_STR(json_string_value(json_object_get(j, "Status")), "offline");
	json_decref(j);
}

static void
test_sessions(void)
{
	struct mem m;
	json_t *ss = sessions_rec();
	ctl_text_sessions(mopen(&m), ss, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"session     user    vhost             ip               user agent  created   status\n"
		"DN4npe    alice  default  203.0.113.100 OpenVPN 2.6.12 linux x86   6m:29s authenticated\n"
		"abcdef   (none)  default      192.0.2.7           authenticating\n");
	free(m.buf);

	ctl_text_session_info(mopen(&m), ss, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"\tSession: DN4npe\n"
		"\tFull session ID: DN4npe0123456789abcdefghijk=\n"
		"\tCreated: 2024-05-01 11:53   Expires: 2024-05-01 13:00\n"
		"\tState: authenticated\n"
		"\tUsername: alice   Groupname: (none)\n"
		"\tvhost: default   User-Agent: OpenVPN 2.6.12 linux x86_64 build\n"
		"\tRemote IP: 203.0.113.100   Location: unknown\n"
		"\tIn use: True   Activated: True\n"
		"\tCertificate auth: False\n"
		"\n"
		"\tSession: abcdef\n"
		"\tFull session ID: abcdefghijklmnopqrstuvwxyz0=\n"
		"\tState: authenticating\n"
		"\tUsername: (none)   Groupname: (none)\n"
		"\tvhost: default\n"
		"\tRemote IP: 192.0.2.7   Location: unknown\n"
		"\tIn use: False   Activated: False\n"
		"\tCertificate auth: True\n");
	free(m.buf);

	json_t *j = ctl_json_sessions(ss, (time_t)NOW);
	check_valid(j);
	CHECK_EQ(json_array_size(j), 2);
	json_t *a = json_array_get(j, 0), *b = json_array_get(j, 1);
	CHECK_STR(keys(a), "Session|Full session|Created|Expires|State|Username|Groupname|vhost|"
		"User-Agent|Remote IP|Location|session_is_open|tls_auth_ok|in_use");
	CHECK_STR(keys(b), "Session|Full session|State|Username|Groupname|vhost|"
		"Remote IP|Location|session_is_open|tls_auth_ok|in_use");
	CHECK_STR(json_string_value(json_object_get(a, "Created")), "2024-05-01 11:53");
	CHECK_STR(json_string_value(json_object_get(a, "Expires")), "2024-05-01 13:00");
	CHECK(json_is_integer(json_object_get(a, "session_is_open")));
	CHECK(json_is_integer(json_object_get(a, "tls_auth_ok")));
	CHECK(json_is_integer(json_object_get(a, "in_use")));
	CHECK_EQ(json_integer_value(json_object_get(a, "session_is_open")), 1);
	CHECK_EQ(json_integer_value(json_object_get(a, "tls_auth_ok")), 0);
	CHECK_EQ(json_integer_value(json_object_get(a, "in_use")), 1);
	CHECK_EQ(json_integer_value(json_object_get(b, "tls_auth_ok")), 1);
	CHECK_STR(json_string_value(json_object_get(b, "Session")), "abcdef");
	CHECK_STR(json_string_value(json_object_get(b, "Username")), "(none)");
	json_decref(j);
	json_decref(ss);
}

static void
test_bans(void)
{
	struct mem m;
	json_t *bans = bans_rec();
	ctl_text_bans(mopen(&m), bans, true, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"            IP          score                        expires\n"
		"  198.51.100.9             80               2024-05-01 12:10 (10m:00s)\n");
	free(m.buf);
	ctl_text_bans(mopen(&m), bans, false, (time_t)NOW);
	CHECK_STR(mtext(&m),
		"            IP          score\n"
		"  198.51.100.9             80\n"
		"     192.0.2.1             10\n");
	free(m.buf);

	json_t *j = ctl_json_bans(bans, true, (time_t)NOW);
	check_valid(j);
	CHECK_EQ(json_array_size(j), 1);
	json_t *a = json_array_get(j, 0);
	CHECK_STR(keys(a), "IP|Since|_Since|Score");
	CHECK_STR(json_string_value(json_object_get(a, "IP")), "198.51.100.9");
	CHECK_STR(json_string_value(json_object_get(a, "Since")), "2024-05-01 12:10");
	CHECK_STR(json_string_value(json_object_get(a, "_Since")), "10m:00s");
	CHECK(json_is_integer(json_object_get(a, "Score")));
	CHECK_EQ(json_integer_value(json_object_get(a, "Score")), 80);
	json_decref(j);

	j = ctl_json_bans(bans, false, (time_t)NOW);
	check_valid(j);
	CHECK_EQ(json_array_size(j), 2);
	CHECK_STR(keys(json_array_get(j, 1)), "IP|Score");
	CHECK_EQ(json_integer_value(json_object_get(json_array_get(j, 1), "Score")), 10);
	json_decref(j);

	/* nothing banned: no header */
	json_t *pts = json_pack("[{s:s, s:i, s:i}]", "ip", "192.0.2.1", "score", 10, "expires", 0);
	ctl_text_bans(mopen(&m), pts, true, (time_t)NOW);
	CHECK_STR(mtext(&m), "");
	free(m.buf);
	json_decref(pts);
	json_decref(bans);
}

static void
test_dpvpn_only(void)
{
	struct mem m;
	json_t *dps = json_pack("[{s:i, s:s, s:s, s:b, s:s, s:i, s:i, s:i, s:b, s:i,"
		" s:[{s:i, s:s, s:b, s:i}, {s:i, s:s, s:b}]},"
		" {s:i, s:s, s:b, s:s, s:i, s:i, s:i, s:b, s:i, s:[]}]",
		"index", 0, "name", "dp0", "version", "0.1.0", "connected", 1, "boot_id", "00000000deadbeef",
		"workers", 4, "max_sessions", 1024, "sessions", 2, "synced", 0, "ipc_schema", 1,
		"ports",
		"port", 0, "role", "outside", "link_up", 1, "link_speed_mbps", 25000,
		"port", 1, "role", "inside", "link_up", 0,
		"index", 1, "name", "dp1", "connected", 0, "boot_id", "0000000000000001",
		"workers", 1, "max_sessions", 64, "sessions", 0, "synced", 0, "ipc_schema", 1,
		"ports");
	ctl_text_dataplanes(mopen(&m), dps);
	CHECK_STR(mtext(&m),
		"index         name  version connected          boot-id workers max-sessions sessions"
		" synced schema links\n"
		"    0          dp0    0.1.0       yes 00000000deadbeef       4         1024        2"
		"     no      1 outside:up,inside:down\n"
		"    1          dp1        -        no 0000000000000001       1           64        0"
		"     no      1 -\n");
	free(m.buf);
	json_decref(dps);

	json_t *stats = json_loads("{\"dataplanes\": [{\"name\": \"dp0\","
		" \"stats\": {\"rx_packets\": 10, \"tx_packets\": 0},"
		" \"drops\": {\"no_session\": 0, \"bad_hmac\": 3, \"replay\": 0},"
		" \"ports\": [{\"port\": 0, \"name\": \"0000:3b:00.0\", \"rx_packets\": 7,"
		" \"tx_packets\": 1}],"
		" \"lcores\": {\"2\": {\"bursts\": 5}, \"3\": {\"bursts\": 0}}},"
		" {\"name\": \"dp1\", \"stats\": {}, \"drops\": {\"x\": 0}},"
		" {\"name\": \"dp2\", \"connected\": false, \"complete\": false},"
		" {\"name\": \"dp3\", \"connected\": true, \"complete\": false}]}", 0, NULL);
	CHECK(stats != NULL);
	ctl_text_stats(mopen(&m), stats);
	CHECK_STR(mtext(&m),
		"Dataplane dp0:\n"
		"\tStats:\n"
		"\t\trx_packets: 10\n"
		"\t\ttx_packets: 0\n"
		"\tDrops:\n"
		"\t\tbad_hmac: 3\n"
		"\tPort 0 (0000:3b:00.0):\n"
		"\t\trx_packets: 7\n"
		"\t\ttx_packets: 1\n"
		"\tLcore 2:\n"
		"\t\tbursts: 5\n"
		"\tLcore 3:\n"
		"\t\tbursts: 0\n"
		"\n"
		"Dataplane dp1:\n"
		"\tStats:\n"
		"\t\t(none)\n"
		"\tDrops:\n"
		"\t\t(none)\n"
		"\n"
		"Dataplane dp2:\n"
		"\t(not connected)\n"
		"\tStats:\n"
		"\t\t(none)\n"
		"\tDrops:\n"
		"\t\t(none)\n"
		"\n"
		"Dataplane dp3:\n"
		"\t(did not answer in time: what arrived)\n"
		"\tStats:\n"
		"\t\t(none)\n"
		"\tDrops:\n"
		"\t\t(none)\n");
	free(m.buf);
	json_decref(stats);
}

/* Every renderer on every kind of wrong input: no crash, valid JSON. */
static void
render_all(json_t *in)
{
	struct mem m;
	FILE *f = mopen(&m);
	ctl_text_users(f, in, (time_t)NOW);
	ctl_text_user_info(f, in, (time_t)NOW);
	ctl_text_status(f, in, (time_t)NOW);
	ctl_text_iroutes(f, in);
	ctl_text_sessions(f, in, (time_t)NOW);
	ctl_text_session_info(f, in, (time_t)NOW);
	ctl_text_bans(f, in, true, (time_t)NOW);
	ctl_text_bans(f, in, false, (time_t)NOW);
	ctl_text_event(f, in, (time_t)NOW);
	ctl_text_dataplanes(f, in);
	ctl_text_stats(f, in);
	mtext(&m);
	free(m.buf);
	json_t *outs[] = {
		ctl_json_users(in, (time_t)NOW), ctl_json_user(in, (time_t)NOW),
		ctl_json_status(in, (time_t)NOW), ctl_json_sessions(in, (time_t)NOW),
		ctl_json_bans(in, true, (time_t)NOW), ctl_json_bans(in, false, (time_t)NOW),
		ctl_json_iroutes(in),
	};
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		CHECK(outs[i] != NULL);
		check_valid(outs[i]);
		json_decref(outs[i]);
	}
}

static void
test_robust(void)
{
	/* all the wrong types dpvpnd could (but should not) send */
	json_t *bad_user = json_loads("{\"id\": \"x\", \"username\": 5, \"common_name\": null,"
		" \"state\": [], \"vhost\": 1, \"device\": {}, \"mtu\": \"1500\", \"remote_ip\": 1.5,"
		" \"rx_bytes\": -5, \"tx_bytes\": \"9\", \"connected_at\": \"y\", \"dpd\": true,"
		" \"routes\": \"10.0.0.0/8\", \"dns\": [1, null, \"10.8.0.1\"], \"iroutes\": {},"
		" \"session\": \"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\", \"peer_id\": \"3\","
		" \"expires\": \"z\", \"score\": [], \"ip\": 4, \"stats\": 3, \"dataplanes\": {},"
		" \"event\": \"disconnect\", \"user\": 7, \"in_use\": \"yes\"}", 0, NULL);
	CHECK(bad_user != NULL);
	json_t *inputs[] = {
		NULL, json_null(), json_object(), json_array(), json_string("x"), json_integer(3),
		json_true(), json_pack("[n, i, s, {}, []]", 1, "x"), bad_user,
		json_pack("[O]", bad_user), json_pack("{s:s}", "event", "connect"),
		json_pack("{s:[O]}", "dataplanes", bad_user),
		json_pack("{s:[{s:[i], s:s, s:[n]}]}", "dataplanes", "stats", 1, "ports", "x", "drops"),
		/* extreme integers: no overflow in the "since" arithmetic (UBSan) */
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "connected_at", (json_int_t)LLONG_MIN,
			"start_time", (json_int_t)LLONG_MIN, "expires", (json_int_t)LLONG_MAX,
			"created", (json_int_t)LLONG_MAX, "rx_bytes", (json_int_t)LLONG_MAX,
			"id", (json_int_t)LLONG_MIN, "mtu", (json_int_t)LLONG_MAX),
		json_pack("[{s:I, s:I, s:I}]", "connected_at", (json_int_t)LLONG_MAX,
			"expires", (json_int_t)LLONG_MIN, "created", (json_int_t)LLONG_MIN),
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		render_all(inputs[i]);

	/* a few defensive choices, pinned */
	json_t *u = ctl_json_user(bad_user, (time_t)NOW);
	CHECK_EQ(json_integer_value(json_object_get(u, "ID")), 0);
	CHECK_STR(json_string_value(json_object_get(u, "Username")), "(none)");
	CHECK_STR(json_string_value(json_object_get(u, "State")), "unknown");
	CHECK(json_object_get(u, "MTU") == NULL);
	CHECK(json_object_get(u, "raw_connected_at") == NULL);
	CHECK_STR(json_string_value(json_object_get(u, "RX")), "0");
	CHECK_STR(json_string_value(json_object_get(u, "Session")), "\xc3\xa9\xc3\xa9\xc3\xa9");
	CHECK_EQ(json_array_size(json_object_get(u, "DNS")), 1);
	CHECK_STR(json_string_value(json_array_get(json_object_get(u, "Routes"), 0)),
		"defaultroute");
	CHECK(json_object_get(u, "peer_id") == NULL);
	json_decref(u);

	struct mem m;
	ctl_text_event(mopen(&m), inputs[10], (time_t)NOW);
	CHECK_STR(mtext(&m), "default: connected user '(none)' (0) from  with IP \n");
	free(m.buf);

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		json_decref(inputs[i]);
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_helpers();
	test_users_text();
	test_users_json();
	test_status();
	test_sessions();
	test_bans();
	test_dpvpn_only();
	test_robust();
	return harness_done("ctl_render");
}
