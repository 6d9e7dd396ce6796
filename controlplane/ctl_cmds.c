/*
 * The commands dpvpnctl sends (docs/dpvpnctl.md): each answers with a JSON
 * reply built from dpvpnd's records; the actions are admin.c's, shared with
 * the management interface.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "bans.h"
#include "sessions.h"
#include "ctl.h"
#include "log.h"
#include "server.h"
#include "sessstats.h"

static json_t *
ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static json_t *
fail(const char *text, bool not_found)
{
	json_t *r = json_pack("{s:b, s:s}", "ok", 0, "error", text);
	if (not_found)
		json_object_set_new(r, "not_found", json_true());
	return r;
}

static json_t *
with(json_t *reply, const char *key, json_t *value)
{
	json_object_set_new(reply, key, value);
	return reply;
}

/* The name a client goes by: its username, else its certificate's common name. */
static bool
name_matches(const struct cp_client *c, const char *name)
{
	return !strcmp(c->username[0] ? c->username : c->common_name, name)
		|| !strcmp(c->common_name, name);
}

static bool
parse_id(const char *arg, unsigned long *id)
{
	char *end;
	if (!arg[0])
		return false;
	*id = strtoul(arg, &end, 10);
	return *end == '\0';
}

/* Users, all or those matching a name / an id. */
static json_t *
users(struct cp_server *s, const char *name, const unsigned long *id)
{
	json_t *a = json_array();
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		const struct cp_client *c = s->by_slot[i];
		if (!c || c->closing || c->exit_at_ms || !c->authenticated || c->orphan)
			continue;	/* (exit_at_ms: it said EXIT or was refused: leaving) */
		if ((name && !name_matches(c, name)) || (id && c->cid != *id))
			continue;
		json_array_append_new(a, cp_ctl_user_record(s, c));
	}
	return a;
}

static json_t *
cmd_users(struct cp_server *s, const char *arg)
{
	(void)arg;
	return with(ok(), "users", users(s, NULL, NULL));
}

static json_t *
cmd_user(struct cp_server *s, const char *arg)
{
	json_t *u = users(s, arg, NULL);
	if (!arg[0] || !json_array_size(u)) {
		json_decref(u);
		return fail("user or ID not found", true);
	}
	return with(ok(), "users", u);
}

static json_t *
cmd_id(struct cp_server *s, const char *arg)
{
	unsigned long id;
	json_t *u = parse_id(arg, &id) ? users(s, NULL, &id) : NULL;
	if (!u || !json_array_size(u)) {
		json_decref(u);
		return fail("user or ID not found", true);
	}
	return with(ok(), "users", u);
}

static json_t *
cmd_status(struct cp_server *s, const char *arg)
{
	(void)arg;
	return with(ok(), "status", cp_ctl_status_record(s));
}

static json_t *
cmd_stats(struct cp_server *s, const char *arg)
{
	(void)arg;
	return with(ok(), "dataplanes", cp_ctl_stats_record(s));
}

static json_t *
cmd_dataplanes(struct cp_server *s, const char *arg)
{
	(void)arg;
	return with(ok(), "dataplanes", cp_ctl_dataplanes_record(s));
}

/* Runs act on every connected client with that name or id; how many there were. */
typedef void (*client_act)(struct cp_server *s, struct cp_client *c);

static int
for_matching(struct cp_server *s, const char *name, const unsigned long *id, client_act act)
{
	int n = 0;
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		struct cp_client *c = s->by_slot[i];
		if (!c || c->closing || !c->authenticated)
			continue;
		if ((name && !name_matches(c, name)) || (id && c->cid != *id))
			continue;
		act(s, c);
		n++;
	}
	return n;
}

static json_t *
on_user(struct cp_server *s, const char *arg, client_act act)
{
	if (!arg[0] || !for_matching(s, arg, NULL, act))
		return fail("user not found", true);
	return ok();
}

static json_t *
on_id(struct cp_server *s, const char *arg, client_act act)
{
	unsigned long id;
	if (!parse_id(arg, &id) || !for_matching(s, NULL, &id, act))
		return fail("ID not found", true);
	return ok();
}

/*
 * disconnect: the client is told RESTART,[P] (keep your credentials and
 * token) and may come back at once; the session leaves the dataplanes.
 */
static void
disconnect(struct cp_server *s, struct cp_client *c)
{
	char msg[CTLMSG_MAX];
	if (ctlmsg_restart(msg, sizeof(msg), false, CTL_RESTART_KEEP_CREDS, NULL) >= 0)
		cp_admin_client_kill(s, c->cid, msg);
}

static json_t *
cmd_disconnect_user(struct cp_server *s, const char *arg)
{
	return on_user(s, arg, disconnect);
}

static json_t *
cmd_disconnect_id(struct cp_server *s, const char *arg)
{
	return on_id(s, arg, disconnect);
}

static json_t *
cmd_iroutes(struct cp_server *s, const char *arg)
{
	return cmd_users(s, arg);
}

static json_t *
cmd_reload(struct cp_server *s, const char *arg)
{
	(void)arg;
	log_info("dpvpnctl: reload");
	return cp_admin_reload(s) == 0 ? ok() : fail("the configuration does not load (see the log)",
		false);
}

static json_t *
cmd_stop(struct cp_server *s, const char *arg)
{
	(void)arg;
	log_info("dpvpnctl: stop now");
	cp_admin_signal(s, SIGTERM);
	return ok();
}

static json_t *
bans(struct cp_server *s, bool banned_only)
{
	struct ban_entry *e;
	size_t n = cp_bans_list(s, banned_only, &e);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &e[i].addr, ip, sizeof(ip));
		json_array_append_new(a, json_pack("{s:s, s:i, s:I}", "ip", ip, "score",
			(int)e[i].score, "expires", (json_int_t)e[i].expires));
	}
	free(e);
	return with(ok(), "bans", a);
}

static json_t *
cmd_bans(struct cp_server *s, const char *arg)
{
	(void)arg;
	return bans(s, true);
}

static json_t *
cmd_ban_points(struct cp_server *s, const char *arg)
{
	(void)arg;
	return bans(s, false);
}

static json_t *
cmd_unban(struct cp_server *s, const char *arg)
{
	struct in_addr a;
	if (inet_pton(AF_INET, arg, &a) != 1)
		return fail("cannot parse IP", false);
	if (!cp_ban_remove(s, a.s_addr))
		return fail("IP not found", true);
	log_info("dpvpnctl: unbanned %s", arg);
	return ok();
}

/* ---- sessions (auth-gen-token): show, terminate ---- */

static json_t *
session_record(const struct sess_entry *e)
{
	char short_id[7];
	snprintf(short_id, sizeof(short_id), "%.6s", e->safe_id);
	return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:b, s:b}",
		"session", short_id, "full_session", e->safe_id, "created", (json_int_t)e->created,
		"expires", (json_int_t)e->expires, "state", "authenticated", "username", e->username,
		"remote_ip", e->remote_ip, "user_agent", e->user_agent, "in_use", e->in_use > 0,
		"session_is_open", e->in_use > 0, "tls_auth_ok", 1);
}

/* all: every session not terminated; valid: those a client may still reconnect with. */
static json_t *
sessions(struct cp_server *s, bool valid_only, const char *prefix)
{
	json_t *a = json_array();
	uint64_t now = (uint64_t)time(NULL);
	if (s->sessions)
		sesstab_expire(s->sessions, now);
	for (size_t i = 0; s->sessions && i < sesstab_count(s->sessions); i++) {
		const struct sess_entry *e = sesstab_at(s->sessions, i);
		if (e->revoked || (valid_only && e->expires && e->expires <= now))
			continue;
		if (prefix && strncmp(e->safe_id, prefix, strlen(prefix)))
			continue;
		json_array_append_new(a, session_record(e));
	}
	return a;
}

static json_t *
cmd_sessions_all(struct cp_server *s, const char *arg)
{
	(void)arg;
	return with(ok(), "sessions", sessions(s, false, NULL));
}

static json_t *
cmd_sessions_valid(struct cp_server *s, const char *arg)
{
	(void)arg;
	return with(ok(), "sessions", sessions(s, true, NULL));
}

static json_t *
cmd_session(struct cp_server *s, const char *arg)
{
	return with(ok(), "sessions", sessions(s, false, arg[0] ? arg : "\x01"));
}

/* terminate: the token session is revoked too (the client must log in again). */
static json_t *
cmd_terminate_user(struct cp_server *s, const char *arg)
{
	return on_user(s, arg, cp_session_terminate_client);
}

static json_t *
cmd_terminate_id(struct cp_server *s, const char *arg)
{
	return on_id(s, arg, cp_session_terminate_client);
}

/* A session by (a prefix of) its id, connected or only held as a token. */
static json_t *
cmd_terminate_session(struct cp_server *s, const char *arg)
{
	struct sess_entry *m[8];
	size_t n = s->sessions && arg[0] ? sesstab_match(s->sessions, arg, (uint64_t)time(NULL), m,
		8) : 0;
	if (n == 0)
		return fail("no session matching", true);
	if (n > 1) {
		json_t *r = fail("more than one session matches", false);
		json_t *a = json_array();
		for (size_t i = 0; i < n && i < 8; i++)
			json_array_append_new(a, session_record(m[i]));
		return with(r, "sessions", a);
	}
	json_t *r = with(ok(), "session", json_string(m[0]->safe_id));
	cp_session_revoke(s, m[0]);
	return r;
}

static const struct {
	const char *name;
	json_t *(*run)(struct cp_server *s, const char *arg);
} commands[] = {
	{ "show sessions all", cmd_sessions_all },
	{ "show sessions valid", cmd_sessions_valid },
	{ "show session", cmd_session },
	{ "terminate user", cmd_terminate_user },
	{ "terminate id", cmd_terminate_id },
	{ "terminate session", cmd_terminate_session },
	{ "show ip bans", cmd_bans },
	{ "show ip ban points", cmd_ban_points },
	{ "unban ip", cmd_unban },
	{ "show status", cmd_status },
	{ "show users", cmd_users },
	{ "show user", cmd_user },
	{ "show id", cmd_id },
	{ "show iroutes", cmd_iroutes },
	{ "show dataplanes", cmd_dataplanes },
	{ "show stats", cmd_stats },
	{ "disconnect user", cmd_disconnect_user },
	{ "disconnect id", cmd_disconnect_id },
	{ "reload", cmd_reload },
	{ "stop now", cmd_stop },
};

json_t *
cp_ctl_command(struct cp_server *s, const char *cmd, const char *arg, bool *stream)
{
	*stream = false;
	if (!strcmp(cmd, "show events")) {
		*stream = true;
		return with(ok(), "users", users(s, NULL, NULL));
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(s, arg);
	return fail("unknown command", false);
}

enum cp_ctl_fresh
cp_ctl_wants_counters(const char *cmd)
{
	if (!strcmp(cmd, "show stats") || !strcmp(cmd, "show dataplanes"))
		return CP_CTL_FRESH_DATAPLANES;	/* (show dataplanes: the ports' links) */
	if (!strncmp(cmd, "show user", 9) || !strcmp(cmd, "show id")
		|| !strcmp(cmd, "show status") || !strcmp(cmd, "show events"))
		return CP_CTL_FRESH_SESSIONS;
	return CP_CTL_FRESH_NONE;
}

/* show events: a client became ESTABLISHED, or went away. */
void
cp_ctl_client_event(struct cp_server *s, const struct cp_client *c, bool connected,
	const char *reason)
{
	if (!cp_ctl_has_listeners(s))
		return;
	json_t *e = json_pack("{s:s, s:o}", "event", connected ? "connect" : "disconnect",
		"user", cp_ctl_user_record(s, c));
	if (!connected)
		json_object_set_new(e, "reason",
			json_string(cp_close_kind_occtl(cp_close_kind(reason))));
	cp_ctl_broadcast_event(s, e);
	json_decref(e);
}

size_t
cp_ctl_banned_count(const struct cp_server *s)
{
	return cp_bans_count(s);
}
