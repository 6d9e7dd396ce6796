/*
 * Server-wide records: `show status`, `show sessions`/`show session`,
 * `show ip bans`/`show ip ban points` (occtl unix.c handle_status_cmd,
 * session_list, session_info_cmd, handle_list_banned_cmd; mgmt-interfaces.md
 * B4, B5.3-B5.5) and dpvpn's own `show dataplanes` / `show stats`.
 *
 * Status mapping: Server PID and Sec-mod PID are both dpvpnd's pid (no
 * sec-mod; instance count 1); "Total sessions" = total_sessions,
 * "Total authentication failures" = auth_failures. dpvpnd never resets its
 * counters, so the "current stats period" is the process lifetime: no
 * "Last stats reset", "Sessions handled" = total_sessions and
 * "Authentication failures" = auth_failures. The timeout / error counts and
 * the auth and session times (seconds) are dpvpnd's (controlplane/sessstats.c);
 * occtl's MTU keys have no dpvpn source (one tun-mtu for all) and are left
 * out. RX/TX are bytes (raw_rx, raw_tx).
 * dpvpn's own counters follow as snake_case keys (text: "dpvpn counters").
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_render_int.h"

static const char *
yesno(bool b)
{
	return b ? "True" : "False";
}

/* ---- show status ---- */

static const struct {
	const char *key, *label;
} dpvpn_counters[] = {
	{ "handshakes", "Handshakes" },
	{ "tls_errors", "TLS errors" },
	{ "hand_timeouts", "Handshake timeouts" },
	{ "control_packets", "Control packets" },
	{ "bad_packets", "Bad packets" },
	{ "replays", "Replays" },
	{ "resets_sent", "Resets sent" },
	{ "resets_limited", "Resets rate-limited" },
	{ "connections_limited", "Connections over connect-freq" },
	{ "dataplanes", "Dataplanes connected" },
};
#define N_DPVPN_COUNTERS (sizeof(dpvpn_counters) / sizeof(dpvpn_counters[0]))

/* occtl's "Current stats period" lines, in its order; raw: a time in
 * seconds, shown as ival7 with the number under raw (JSON). */
static const struct {
	const char *key, *label, *raw;
} period_keys[] = {
	{ "total_sessions", "Sessions handled", NULL },
	{ "timed_out_sessions", "Timed out sessions", NULL },
	{ "idle_timed_out_sessions", "Timed out (idle) sessions", NULL },
	{ "error_sessions", "Closed due to error sessions", NULL },
	{ "auth_failures", "Authentication failures", NULL },
	{ "avg_auth_time", "Average auth time", "raw_avg_auth_time" },
	{ "max_auth_time", "Max auth time", "raw_max_auth_time" },
	{ "avg_session_time", "Average session time", "raw_avg_session_time" },
	{ "max_session_time", "Max session time", "raw_max_session_time" },
};
#define N_PERIOD_KEYS (sizeof(period_keys) / sizeof(period_keys[0]))

/* One period line: ival is the ival7 of v for a time, NULL for a count. */
typedef void (*period_fn)(void *arg, const char *label, const char *raw, long long v,
	const char *ival);

static void
period_each(json_t *st, period_fn fn, void *arg)
{
	for (size_t i = 0; i < N_PERIOD_KEYS; i++) {
		long long v = ctl_int(st, period_keys[i].key, 0);
		char ival[16];
		if (period_keys[i].raw)
			ctl_ival7(ival, v);
		fn(arg, period_keys[i].label, period_keys[i].raw, v,
			period_keys[i].raw ? ival : NULL);
	}
}

static void
period_text(void *arg, const char *label, const char *raw, long long v, const char *ival)
{
	(void)raw;
	if (ival)
		fprintf(arg, "\t%s: %s\n", label, ival);
	else
		fprintf(arg, "\t%s: %lld\n", label, v);
}

static void
period_json(void *arg, const char *label, const char *raw, long long v, const char *ival)
{
	if (!ival) {
		ctl_jint(arg, label, v);
		return;
	}
	ctl_jstr(arg, label, ival);
	ctl_jint(arg, raw, v);
}

static uint64_t
count(json_t *o, const char *key)
{
	long long v = ctl_int(o, key, 0);
	return v > 0 ? (uint64_t)v : 0;
}

void
ctl_text_status(FILE *out, json_t *st, time_t now)
{
	char buf[64];
	fprintf(out, "Note: RX and TX are the dataplanes' counters when the command ran\n");
	if (!json_is_object(st)) {
		fprintf(out, "Status: offline\n");
		return;
	}
	fprintf(out, "\nGeneral info:\n");
	ctl_line(out, "Status", "online");
	fprintf(out, "\tServer PID: %lld\n", ctl_int(st, "pid", 0));
	fprintf(out, "\tSec-mod PID: %lld\n", ctl_int(st, "pid", 0));
	fprintf(out, "\tSec-mod instance count: 1\n");
	if (ctl_has_int(st, "start_time")) {
		char date[32], since[16];
		ctl_date(date, (time_t)ctl_int(st, "start_time", 0));
		ctl_since(since, st, "start_time", now);
		fprintf(out, "\tUp since: %s (%s)\n", date, since);
	}
	fprintf(out, "\tActive sessions: %lld\n", ctl_int(st, "active_sessions", 0));
	fprintf(out, "\tTotal sessions: %lld\n", ctl_int(st, "total_sessions", 0));
	fprintf(out, "\tTotal authentication failures: %lld\n", ctl_int(st, "auth_failures", 0));
	fprintf(out, "\tIPs in ban list: %lld\n", ctl_int(st, "banned_ips", 0));
	fprintf(out, "\nCurrent stats period:\n");
	period_each(st, period_text, out);
	ctl_human_bytes(buf, sizeof(buf), count(st, "rx_bytes"), false);
	ctl_line(out, "RX", buf);
	ctl_human_bytes(buf, sizeof(buf), count(st, "tx_bytes"), false);
	ctl_line(out, "TX", buf);
	fprintf(out, "\ndpvpn counters:\n");
	for (size_t i = 0; i < N_DPVPN_COUNTERS; i++)
		fprintf(out, "\t%s: %lld\n", dpvpn_counters[i].label,
			ctl_int(st, dpvpn_counters[i].key, 0));
}

json_t *
ctl_json_status(json_t *st, time_t now)
{
	json_t *o = json_object();
	char buf[64];
	if (!json_is_object(st)) {
		ctl_jstr(o, "Status", "offline");
		return o;
	}
	ctl_jstr(o, "Status", "online");
	ctl_jint(o, "Server PID", ctl_int(st, "pid", 0));
	ctl_jint(o, "Sec-mod PID", ctl_int(st, "pid", 0));
	ctl_jint(o, "Sec-mod instance count", 1);
	if (ctl_has_int(st, "start_time")) {
		char date[32], since[16];
		long long start = ctl_int(st, "start_time", 0);
		ctl_date(date, (time_t)start);
		ctl_since(since, st, "start_time", now);
		ctl_jstr(o, "Up since", date);
		ctl_jstr(o, "_Up since", since);
		ctl_jint(o, "raw_up_since", start);
		ctl_jint(o, "uptime", ctl_sub((long long)now, start));
	}
	ctl_jint(o, "Active sessions", ctl_int(st, "active_sessions", 0));
	ctl_jint(o, "Total sessions", ctl_int(st, "total_sessions", 0));
	ctl_jint(o, "Total authentication failures", ctl_int(st, "auth_failures", 0));
	ctl_jint(o, "IPs in ban list", ctl_int(st, "banned_ips", 0));
	period_each(st, period_json, o);
	ctl_human_bytes(buf, sizeof(buf), count(st, "rx_bytes"), false);
	ctl_jstr(o, "RX", buf);
	ctl_jint(o, "raw_rx", (long long)count(st, "rx_bytes"));
	ctl_human_bytes(buf, sizeof(buf), count(st, "tx_bytes"), false);
	ctl_jstr(o, "TX", buf);
	ctl_jint(o, "raw_tx", (long long)count(st, "tx_bytes"));
	for (size_t i = 0; i < N_DPVPN_COUNTERS; i++)
		ctl_jint(o, dpvpn_counters[i].key, ctl_int(st, dpvpn_counters[i].key, 0));
	return o;
}

/* ---- show sessions / show session ---- */

static void
short_sid(char out[8], json_t *s)
{
	const char *sid = ctl_str(s, "session");
	if (!sid[0])
		sid = ctl_str(s, "full_session");
	size_t n = strnlen(sid, 6);
	memcpy(out, sid, n);
	out[n] = '\0';
}

static const char *
session_user(json_t *s)
{
	const char *u = ctl_str(s, "username");
	return u[0] ? u : CTL_NONE;
}

static void
session_date(char out[32], json_t *s, const char *key)
{
	out[0] = '\0';
	if (ctl_int(s, key, 0) > 0)
		ctl_date(out, (time_t)ctl_int(s, key, 0));
}

void
ctl_text_sessions(FILE *out, json_t *sessions, time_t now)
{
	size_t i;
	json_t *s;
	json_array_foreach(sessions, i, s) {
		char sid[8], since[16] = "";
		if (i == 0)
			fprintf(out, "%6s %8s %8s %14s %24s %8s %8s\n", "session", "user", "vhost",
				"ip", "user agent", "created", "status");
		short_sid(sid, s);
		if (ctl_int(s, "created", 0) > 0)
			ctl_since(since, s, "created", now);
		fprintf(out, "%.6s %8s %8s %14s %.24s %8s %8s\n", sid, session_user(s),
			"default", ctl_str(s, "remote_ip"), ctl_str(s, "user_agent"), since,
			ctl_str(s, "state"));
	}
}

void
ctl_text_session_info(FILE *out, json_t *sessions, time_t now)
{
	size_t i;
	json_t *s;
	(void)now;
	json_array_foreach(sessions, i, s) {
		char sid[8], created[32], expires[32];
		if (i)
			fputc('\n', out);
		short_sid(sid, s);
		ctl_line(out, "Session", sid);
		ctl_line(out, "Full session ID", ctl_str(s, "full_session"));
		session_date(created, s, "created");
		session_date(expires, s, "expires");
		ctl_pair(out, "Created", created, "Expires", expires);
		ctl_line(out, "State", ctl_str(s, "state"));
		ctl_pair(out, "Username", session_user(s), "Groupname", CTL_NONE);
		ctl_pair(out, "vhost", "default", "User-Agent", ctl_str(s, "user_agent"));
		ctl_pair(out, "Remote IP", ctl_str(s, "remote_ip"), "Location", "unknown");
		ctl_pair(out, "In use", yesno(ctl_bool(s, "in_use")), "Activated",
			yesno(ctl_bool(s, "session_is_open")));
		ctl_line(out, "Certificate auth", yesno(ctl_bool(s, "tls_auth_ok")));
	}
}

json_t *
ctl_json_sessions(json_t *sessions, time_t now)
{
	json_t *a = json_array(), *s;
	size_t i;
	(void)now;
	json_array_foreach(sessions, i, s) {
		json_t *o = json_object();
		char sid[8], created[32], expires[32];
		short_sid(sid, s);
		session_date(created, s, "created");
		session_date(expires, s, "expires");
		ctl_jstr(o, "Session", sid);
		ctl_jstr(o, "Full session", ctl_str(s, "full_session"));
		ctl_jstr(o, "Created", created);
		ctl_jstr(o, "Expires", expires);
		ctl_jstr(o, "State", ctl_str(s, "state"));
		ctl_jstr(o, "Username", session_user(s));
		ctl_jstr(o, "Groupname", CTL_NONE);
		ctl_jstr(o, "vhost", "default");
		ctl_jstr(o, "User-Agent", ctl_str(s, "user_agent"));
		ctl_jstr(o, "Remote IP", ctl_str(s, "remote_ip"));
		ctl_jstr(o, "Location", "unknown");
		ctl_jint(o, "session_is_open", ctl_bool(s, "session_is_open"));
		ctl_jint(o, "tls_auth_ok", ctl_bool(s, "tls_auth_ok"));
		ctl_jint(o, "in_use", ctl_bool(s, "in_use"));
		json_array_append_new(a, o);
	}
	return a;
}

/* ---- show ip bans / show ip ban points (1.2.x widths; the header is
 * printed before the first listed entry, not only when entry 0 qualifies) ---- */

void
ctl_text_bans(FILE *out, json_t *bans, bool banned_only, time_t now)
{
	size_t i, n = 0;
	json_t *b;
	json_array_foreach(bans, i, b) {
		long long exp = ctl_int(b, "expires", 0);
		if (banned_only && exp == 0)
			continue;
		if (n++ == 0) {
			if (banned_only)
				fprintf(out, "%14s %14s %30s\n", "IP", "score", "expires");
			else
				fprintf(out, "%14s %14s\n", "IP", "score");
		}
		if (banned_only) {
			char date[32], left[16];
			ctl_date(date, (time_t)exp);
			ctl_ival7(left, ctl_sub(exp, (long long)now));
			fprintf(out, "%14s %14lld %30s (%s)\n", ctl_str(b, "ip"),
				ctl_int(b, "score", 0), date, left);
		} else {
			fprintf(out, "%14s %14lld\n", ctl_str(b, "ip"), ctl_int(b, "score", 0));
		}
	}
}

json_t *
ctl_json_bans(json_t *bans, bool banned_only, time_t now)
{
	json_t *a = json_array(), *b;
	size_t i;
	json_array_foreach(bans, i, b) {
		long long exp = ctl_int(b, "expires", 0);
		if (banned_only && exp == 0)
			continue;
		json_t *o = json_object();
		ctl_jstr(o, "IP", ctl_str(b, "ip"));
		if (banned_only) {
			char date[32], left[16];
			ctl_date(date, (time_t)exp);
			ctl_ival7(left, ctl_sub(exp, (long long)now));
			ctl_jstr(o, "Since", date);
			ctl_jstr(o, "_Since", left);
		}
		ctl_jint(o, "Score", ctl_int(b, "score", 0));
		json_array_append_new(a, o);
	}
	return a;
}

/* ---- dpvpn-only: show dataplanes, show stats ---- */

/* "outside:up,inside:down": each port's link, "-" when none was reported. */
static void
links(char *out, size_t cap, json_t *ports)
{
	size_t i, n = 0;
	json_t *p;
	snprintf(out, cap, "-");
	json_array_foreach(ports, i, p) {
		const char *role = ctl_str(p, "role");
		int w = snprintf(out + n, cap - n, "%s%s:%s", n ? "," : "",
			role[0] ? role : "?", ctl_bool(p, "link_up") ? "up" : "down");
		if (w < 0 || (size_t)w >= cap - n)
			break;	/* cut short rather than overflow */
		n += (size_t)w;
	}
}

void
ctl_text_dataplanes(FILE *out, json_t *dps)
{
	size_t i;
	json_t *d;
	json_array_foreach(dps, i, d) {
		char link[128];
		if (i == 0)
			fprintf(out, "%5s %12s %8s %9s %16s %7s %12s %8s %6s %6s %s\n", "index", "name",
				"version", "connected", "boot-id", "workers", "max-sessions", "sessions",
				"synced", "schema", "links");
		links(link, sizeof(link), json_object_get(d, "ports"));
		const char *version = ctl_str(d, "version");
		fprintf(out, "%5lld %12s %8s %9s %16s %7lld %12lld %8lld %6s %6lld %s\n",
			ctl_int(d, "index", 0), ctl_str(d, "name"), version[0] ? version : "-",
			ctl_bool(d, "connected") ? "yes" : "no", ctl_str(d, "boot_id"),
			ctl_int(d, "workers", 0), ctl_int(d, "max_sessions", 0),
			ctl_int(d, "sessions", 0), ctl_bool(d, "synced") ? "yes" : "no",
			ctl_int(d, "ipc_schema", 0), link);
	}
}

/* "name: value" for a scalar; nested values are shown as compact JSON. */
static void
stat_line(FILE *out, const char *indent, const char *name, json_t *v)
{
	if (json_is_integer(v)) {
		fprintf(out, "%s%s: %" JSON_INTEGER_FORMAT "\n", indent, name, json_integer_value(v));
	} else if (json_is_string(v)) {
		fprintf(out, "%s%s: %s\n", indent, name, json_string_value(v));
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		fprintf(out, "%s%s: %s\n", indent, name, s ? s : "?");
		free(s);
	}
}

static void
stat_section(FILE *out, const char *title, json_t *obj, bool nonzero_only)
{
	const char *k;
	json_t *v;
	size_t shown = 0;
	fprintf(out, "\t%s:\n", title);
	json_object_foreach(obj, k, v) {
		if (nonzero_only && json_is_integer(v) && json_integer_value(v) == 0)
			continue;
		stat_line(out, "\t\t", k, v);
		shown++;
	}
	if (!shown)
		fprintf(out, "\t\t(none)\n");
}

void
ctl_text_stats(FILE *out, json_t *stats)
{
	size_t i, j;
	json_t *dp, *port, *v;
	const char *k;
	json_array_foreach(json_object_get(stats, "dataplanes"), i, dp) {
		char title[96];
		if (i)
			fputc('\n', out);
		fprintf(out, "Dataplane %s:\n", ctl_str(dp, "name"));
		if (json_is_false(json_object_get(dp, "connected")))
			fprintf(out, "\t(not connected)\n");
		else if (json_is_false(json_object_get(dp, "complete")))
			fprintf(out, "\t(did not answer in time: what arrived)\n");
		stat_section(out, "Stats", json_object_get(dp, "stats"), false);
		stat_section(out, "Drops", json_object_get(dp, "drops"), true);
		json_array_foreach(json_object_get(dp, "ports"), j, port) {
			snprintf(title, sizeof(title), "Port %lld (%.60s)", ctl_int(port, "port", 0),
				ctl_str(port, "name"));
			fprintf(out, "\t%s:\n", title);
			json_object_foreach(port, k, v)
				if (strcmp(k, "port") && strcmp(k, "name"))
					stat_line(out, "\t\t", k, v);
		}
		json_object_foreach(json_object_get(dp, "lcores"), k, v) {
			snprintf(title, sizeof(title), "Lcore %.60s", k);
			stat_section(out, title, v, false);
		}
	}
}
