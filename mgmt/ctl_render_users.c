/*
 * Users: `show users`, `show user`/`show id`, `show iroutes`, `show events`
 * (occtl unix.c common_user_list / common_info_cmd / handle_list_iroutes_cmd
 * / handle_events_cmd; mgmt-interfaces.md B4, B5.2, B5.6).
 *
 * dpvpnd's user record -> occtl's fields: Username is "username", else the
 * certificate's "common_name" (dpvpn clients often have only a certificate),
 * else "(none)"; Groupname is always "(none)"; Location is always "unknown"
 * (no GeoIP); "Local Device IP" = local_ip; IPv4 / P-t-P IPv4 = vpn_ipv4 /
 * ptp_ipv4 (only when both are set); RX/TX come from the record, not from
 * netlink; the table's dtls-cipher column shows the data-channel cipher in
 * parentheses ("(AES-256-GCM)"), "(no-dtls)" when there is none.
 *
 * JSON "Routes": occtl 1.x prints `"Routes": []` followed by a duplicate
 * `"Routes": "defaultroute"` for a user without routes. We emit one key, an
 * array, always: the routes, or ["defaultroute"] when there are none (the
 * text block says "Routes: defaultroute" likewise).
 */
#include <string.h>

#include "ctl_render_int.h"

/* occtl's user column (and dpvpn's certificate-only fallback). */
static const char *
user_name(json_t *u)
{
	const char *s = ctl_str(u, "username");
	if (!s[0])
		s = ctl_str(u, "common_name");
	return s[0] ? s : CTL_NONE;
}

static const char *
user_state(json_t *u)
{
	const char *s = ctl_str(u, "state");
	return s[0] ? s : "unknown";
}

static const char *
user_vhost(json_t *u)
{
	json_t *v = json_object_get(u, "vhost");
	return json_is_string(v) ? json_string_value(v) : "default";
}

static uint64_t
ucount(json_t *u, const char *key)
{
	long long v = ctl_int(u, key, 0);
	return v > 0 ? (uint64_t)v : 0;
}

/* bytes / seconds since connected_at, occtl's value2speed. */
static void
average(char *out, size_t cap, json_t *u, const char *key, time_t now)
{
	long long secs = ctl_sub((long long)now, ctl_int(u, "connected_at", (long long)now));
	ctl_human_bytes(out, cap, secs > 0 ? ucount(u, key) / (uint64_t)secs : 0, true);
}

static bool
has_traffic(json_t *u)
{
	return ctl_has_int(u, "rx_bytes") || ctl_has_int(u, "tx_bytes");
}

/* The first n characters of s (never splitting a UTF-8 sequence). */
static void
prefix(char *out, size_t cap, const char *s, size_t n)
{
	size_t len = strlen(s);
	if (len > n)
		len = n;
	if (len >= cap)
		len = cap - 1;
	while (len && len < strlen(s) && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	memcpy(out, s, len);
	out[len] = '\0';
}

void
ctl_text_users(FILE *out, json_t *users, time_t now)
{
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u) {
		char since[16], dtls[160];
		if (i == 0)
			fprintf(out, "%8s %8s %8s %14s %14s %6s %7s %14s %9s\n", "id", "user",
				"vhost", "ip", "vpn-ip", "device", "since", "dtls-cipher", "status");
		const char *cipher = ctl_str(u, "data_cipher");
		if (cipher[0])
			snprintf(dtls, sizeof(dtls), "(%.150s)", cipher);
		else
			snprintf(dtls, sizeof(dtls), "(no-dtls)");
		ctl_since(since, u, "connected_at", now);
		fprintf(out, "%8lld %8s %8s %14s %14s %6s %s %14s %9s\n", ctl_int(u, "id", 0),
			user_name(u), user_vhost(u), ctl_str(u, "remote_ip"), ctl_str(u, "vpn_ipv4"),
			ctl_str(u, "device"), since, dtls, user_state(u));
	}
}

static void
text_user(FILE *out, json_t *u, time_t now)
{
	char a[64], b[64];
	fprintf(out, "\tID: %lld\n", ctl_int(u, "id", 0));
	ctl_pair(out, "Username", user_name(u), "Groupname", CTL_NONE);
	ctl_line(out, "State", user_state(u));
	ctl_line(out, "vhost", user_vhost(u));
	snprintf(a, sizeof(a), "%lld", ctl_int(u, "mtu", 0));
	ctl_pair(out, "Device", ctl_str(u, "device"), "MTU", ctl_has_int(u, "mtu") ? a : "");
	ctl_pair(out, "Remote IP", ctl_str(u, "remote_ip"), "Location", "unknown");
	ctl_line(out, "Local Device IP", ctl_str(u, "local_ip"));
	if (ctl_str(u, "vpn_ipv4")[0] && ctl_str(u, "ptp_ipv4")[0])
		ctl_pair(out, "IPv4", ctl_str(u, "vpn_ipv4"), "P-t-P IPv4", ctl_str(u, "ptp_ipv4"));
	ctl_line(out, "User-Agent", ctl_str(u, "user_agent"));
	if (has_traffic(u)) {
		ctl_human_bytes(a, sizeof(a), ucount(u, "rx_bytes"), false);
		ctl_human_bytes(b, sizeof(b), ucount(u, "tx_bytes"), false);
		fprintf(out, "\tRX: %llu (%s)   TX: %llu (%s)\n",
			(unsigned long long)ucount(u, "rx_bytes"), a,
			(unsigned long long)ucount(u, "tx_bytes"), b);
		average(a, sizeof(a), u, "rx_bytes", now);
		average(b, sizeof(b), u, "tx_bytes", now);
		fprintf(out, "\tAverage bandwidth RX: %s  TX: %s\n", a, b);
	}
	fprintf(out, "\tDPD: %lld   KeepAlive: %lld\n", ctl_int(u, "dpd", 0),
		ctl_int(u, "keepalive", 0));
	ctl_line(out, "Hostname", ctl_str(u, "hostname"));
	if (ctl_has_int(u, "connected_at")) {
		char date[32], since[16];
		ctl_date(date, (time_t)ctl_int(u, "connected_at", 0));
		ctl_since(since, u, "connected_at", now);
		fprintf(out, "\tConnected at: %s (%s)\n", date, since);
	}
	prefix(a, sizeof(a), ctl_str(u, "session"), 6);
	ctl_line(out, "Session", a);
	ctl_line(out, "TLS ciphersuite", ctl_str(u, "tls_ciphersuite"));
	fputc('\n', out);
	ctl_list(out, "DNS", json_object_get(u, "dns"));
	if (ctl_list(out, "Routes", json_object_get(u, "routes")) == 0)
		ctl_line(out, "Routes", "defaultroute");
	ctl_list(out, "iRoutes", json_object_get(u, "iroutes"));
	ctl_line(out, "Restricted to routes", "False");
	/* dpvpn's own lines, after occtl's */
	snprintf(a, sizeof(a), "%lld", ctl_int(u, "remote_port", 0));
	ctl_pair(out, "Common name", ctl_str(u, "common_name"), "Remote port",
		ctl_has_int(u, "remote_port") ? a : "");
	snprintf(b, sizeof(b), "%lld", ctl_int(u, "peer_id", -1));
	ctl_pair(out, "Data cipher", ctl_str(u, "data_cipher"), "Peer ID",
		ctl_int(u, "peer_id", -1) >= 0 ? b : "");
	ctl_line(out, "Dataplane", ctl_str(u, "dataplane"));
	fputc('\n', out);	/* "Restricted to ports:" with no ports */
}

void
ctl_text_user_info(FILE *out, json_t *users, time_t now)
{
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u) {
		if (i)
			fputc('\n', out);
		text_user(out, u, now);
	}
}

void
ctl_text_iroutes(FILE *out, json_t *users)
{
	size_t i, j;
	json_t *u, *r;
	json_array_foreach(users, i, u) {
		if (i == 0)
			fprintf(out, "%6s %8s %8s %6s %16s %28s\n", "id", "user", "vhost",
				"device", "vpn-ip", "iroute");
		json_array_foreach(json_object_get(u, "iroutes"), j, r) {
			if (!json_is_string(r))
				continue;
			fprintf(out, "%6lld %8s %8s %6s %16s %28s\n", ctl_int(u, "id", 0),
				user_name(u), user_vhost(u), ctl_str(u, "device"),
				ctl_str(u, "vpn_ipv4"), json_string_value(r));
		}
	}
}

void
ctl_text_event(FILE *out, json_t *event, time_t now)
{
	const char *what = ctl_str(event, "event");
	json_t *u = json_object_get(event, "user");
	bool connect = !strcmp(what, "connect");
	if (!connect && strcmp(what, "disconnect"))
		return;
	fprintf(out, "%s: %s user '%s' (%lld) from %s with IP %s", user_vhost(u),
		connect ? "connected" : "disconnect", user_name(u), ctl_int(u, "id", 0),
		ctl_str(u, "remote_ip"), ctl_str(u, "vpn_ipv4"));
	if (!connect) {
		char since[16];
		const char *reason = ctl_str(event, "reason");
		ctl_since(since, u, "connected_at", now);
		fprintf(out, " (reason: %s, time: %s)", reason[0] ? reason : "unknown", since);
	}
	fputc('\n', out);
}

/* ---- JSON (B5.2 key order and types) ---- */

json_t *
ctl_json_user(json_t *u, time_t now)
{
	json_t *o = json_object();
	char a[64];
	ctl_jint(o, "ID", ctl_int(u, "id", 0));
	ctl_jstr(o, "Username", user_name(u));
	ctl_jstr(o, "Groupname", CTL_NONE);
	ctl_jstr(o, "State", user_state(u));
	ctl_jstr(o, "vhost", user_vhost(u));
	ctl_jstr(o, "Device", ctl_str(u, "device"));
	if (ctl_has_int(u, "mtu")) {
		snprintf(a, sizeof(a), "%lld", ctl_int(u, "mtu", 0));
		ctl_jstr(o, "MTU", a);
	}
	ctl_jstr(o, "Remote IP", ctl_str(u, "remote_ip"));
	ctl_jstr(o, "Location", "unknown");
	ctl_jstr(o, "Local Device IP", ctl_str(u, "local_ip"));
	if (ctl_str(u, "vpn_ipv4")[0] && ctl_str(u, "ptp_ipv4")[0]) {
		ctl_jstr(o, "IPv4", ctl_str(u, "vpn_ipv4"));
		ctl_jstr(o, "P-t-P IPv4", ctl_str(u, "ptp_ipv4"));
	}
	ctl_jstr(o, "User-Agent", ctl_str(u, "user_agent"));
	if (has_traffic(u)) {
		snprintf(a, sizeof(a), "%llu", (unsigned long long)ucount(u, "rx_bytes"));
		ctl_jstr(o, "RX", a);
		snprintf(a, sizeof(a), "%llu", (unsigned long long)ucount(u, "tx_bytes"));
		ctl_jstr(o, "TX", a);
		ctl_human_bytes(a, sizeof(a), ucount(u, "rx_bytes"), false);
		ctl_jstr(o, "_RX", a);
		ctl_human_bytes(a, sizeof(a), ucount(u, "tx_bytes"), false);
		ctl_jstr(o, "_TX", a);
		average(a, sizeof(a), u, "rx_bytes", now);
		ctl_jstr(o, "Average RX", a);
		average(a, sizeof(a), u, "tx_bytes", now);
		ctl_jstr(o, "Average TX", a);
	}
	snprintf(a, sizeof(a), "%lld", ctl_int(u, "dpd", 0));
	ctl_jstr(o, "DPD", a);
	snprintf(a, sizeof(a), "%lld", ctl_int(u, "keepalive", 0));
	ctl_jstr(o, "KeepAlive", a);
	ctl_jstr(o, "Hostname", ctl_str(u, "hostname"));
	if (ctl_has_int(u, "connected_at")) {
		char date[32], since[16];
		ctl_date(date, (time_t)ctl_int(u, "connected_at", 0));
		ctl_since(since, u, "connected_at", now);
		ctl_jstr(o, "Connected at", date);
		ctl_jstr(o, "_Connected at", since);
		ctl_jint(o, "raw_connected_at", ctl_int(u, "connected_at", 0));
	}
	ctl_jstr(o, "Full session", ctl_str(u, "session"));
	prefix(a, sizeof(a), ctl_str(u, "session"), 6);
	ctl_jstr(o, "Session", a);
	ctl_jstr(o, "TLS ciphersuite", ctl_str(u, "tls_ciphersuite"));
	json_object_set_new(o, "DNS", ctl_jstrings(json_object_get(u, "dns")));
	json_object_set_new(o, "NBNS", json_array());
	json_object_set_new(o, "Split-DNS-Domains", json_array());
	json_t *routes = ctl_jstrings(json_object_get(u, "routes"));
	if (json_array_size(routes) == 0)
		json_array_append_new(routes, json_string("defaultroute"));
	json_object_set_new(o, "Routes", routes);
	json_object_set_new(o, "No-routes", json_array());
	json_object_set_new(o, "iRoutes", ctl_jstrings(json_object_get(u, "iroutes")));
	ctl_jstr(o, "Restricted to routes", "False");
	json_object_set_new(o, "Restricted to ports", json_array());
	/* dpvpn-only keys, snake_case, copied when dpvpnd sent them */
	ctl_jcopy(o, u, "common_name", JSON_STRING);
	ctl_jcopy(o, u, "peer_id", JSON_INTEGER);
	ctl_jcopy(o, u, "data_cipher", JSON_STRING);
	ctl_jcopy(o, u, "dataplane", JSON_STRING);
	ctl_jcopy(o, u, "remote_port", JSON_INTEGER);
	return o;
}

json_t *
ctl_json_users(json_t *users, time_t now)
{
	json_t *a = json_array(), *u;
	size_t i;
	json_array_foreach(users, i, u)
		json_array_append_new(a, ctl_json_user(u, now));
	return a;
}

json_t *
ctl_json_iroutes(json_t *users)
{
	json_t *a = json_array(), *u;
	size_t i;
	json_array_foreach(users, i, u) {
		json_t *o = json_object();
		ctl_jint(o, "ID", ctl_int(u, "id", 0));
		ctl_jstr(o, "Username", user_name(u));
		ctl_jstr(o, "vhost", user_vhost(u));
		ctl_jstr(o, "Device", ctl_str(u, "device"));
		ctl_jstr(o, "IP", ctl_str(u, "vpn_ipv4"));
		json_object_set_new(o, "iRoutes", ctl_jstrings(json_object_get(u, "iroutes")));
		json_array_append_new(a, o);
	}
	return a;
}
