/*
 * The management commands of OpenVPN 2.6 in server mode, with its exact
 * replies (mgmt-interfaces.md A3/A4). Client-mode commands answer as a
 * 2.6 server does (nothing needed, or not supported in this mode).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "mgmt_int.h"

#define ARGS struct mgmt_conn *c, const struct mgmt_argv *a

/* "ERROR: the 'CMD' command requires [at least ]N parameter[s]" when missing. */
static bool
need(struct mgmt_conn *c, const struct mgmt_argv *a, int n, bool at_least)
{
	if (a->argc > n)
		return true;
	mgmt_out(c, "ERROR: the '%s' command requires %s%d parameter%s", a->argv[0],
		at_least ? "at least " : "", n, n > 1 ? "s" : "");
	return false;
}

static void
unsupported(struct mgmt_conn *c, const char *name)
{
	mgmt_out(c, "ERROR: The '%s' command is not supported by the current daemon mode", name);
}

static bool
parse_cid(struct mgmt_conn *c, const char *s, unsigned long *cid)
{
	if (sscanf(s, "%lu", cid) == 1)
		return true;
	mgmt_out(c, "ERROR: cannot parse CID");
	return false;
}

static bool
parse_uint(struct mgmt_conn *c, const char *s, const char *what, unsigned *v)
{
	if (sscanf(s, "%u", v) == 1)
		return true;
	mgmt_out(c, "ERROR: cannot parse %s", what);
	return false;
}

static void
cmd_help(ARGS)
{
	static const char *const lines[] = {
		"Commands:",
		"auth-retry t           : Auth failure retry mode (none,interact,nointeract).",
		"bytecount n            : Show bytes in/out, update every n secs (0=off).",
		"echo [on|off] [N|all]  : Like log, but only show messages in echo buffer.",
		"cr-response response   : Send a challenge response answer via CR_RESPONSE to server",
		"exit|quit              : Close management session.",
		"forget-passwords       : Forget passwords entered so far.",
		"help                   : Print this message.",
		"hold [on|off|release]  : Set/show hold flag to on/off state, or",
		"                         release current hold and start tunnel.",
		"kill cn                : Kill the client instance(s) having common name cn.",
		"kill IP:port           : Kill the client instance connecting from IP:port.",
		"load-stats             : Show global server load stats.",
		"log [on|off] [N|all]   : Turn on/off realtime log display",
		"                         + show last N lines or 'all' for entire history.",
		"mute [n]               : Set log mute level to n, or show level if n is absent.",
		"needok type action     : Enter confirmation for NEED-OK request of 'type',",
		"                         where action = 'ok' or 'cancel'.",
		"needstr type action    : Enter confirmation for NEED-STR request of 'type',",
		"                         where action is reply string.",
		"net                    : (Windows only) Show network info and routing table.",
		"password type p        : Enter password p for a queried OpenVPN password.",
		"remote type [host port] : Override remote directive, type=ACCEPT|MOD|SKIP.",
		"remote-entry-count     : Get number of available remote entries.",
		"remote-entry-get  i|all [j]: Get remote entry at index = i to to j-1 or all.",
		"proxy type [host port flags] : Enter dynamic proxy server info.",
		"pid                    : Show process ID of the current OpenVPN process.",
		"client-auth CID KID    : Authenticate client-id/key-id CID/KID (MULTILINE)",
		"client-auth-nt CID KID : Authenticate client-id/key-id CID/KID",
		"client-deny CID KID R [CR] : Deny auth client-id/key-id CID/KID with log reason",
		"                             text R and optional client reason text CR",
		"client-pending-auth CID KID MSG timeout : Instruct OpenVPN to send AUTH_PENDING and INFO_PRE msg",
		"                                      to the client and wait for a final client-auth/client-deny",
		"client-kill CID [M]    : Kill client instance CID with message M (def=RESTART)",
		"env-filter [level]     : Set env-var filter level",
		"rsa-sig                : Enter a signature in response to >RSA_SIGN challenge",
		"                         Enter signature base64 on subsequent lines followed by END",
		"pk-sig                 : Enter a signature in response to >PK_SIGN challenge",
		"                         Enter signature base64 on subsequent lines followed by END",
		"certificate            : Enter a client certificate in response to >NEED-CERT challenge",
		"                         Enter certificate base64 on subsequent lines followed by END",
		"signal s               : Send signal s to daemon,",
		"                         s = SIGHUP|SIGTERM|SIGUSR1|SIGUSR2.",
		"state [on|off] [N|all] : Like log, but show state history.",
		"status [n]             : Show current daemon status info using format #n.",
		"test n                 : Produce n lines of output for testing/debugging.",
		"username type u        : Enter username u for a queried OpenVPN username.",
		"verb [n]               : Set log verbosity level to n, or show if n is absent.",
		"version [n]            : Set client's version to n or show current version of daemon.",
		"END",
	};
	(void)a;
	mgmt_out(c, "Management Interface for %s", c->m->title);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		mgmt_out(c, "%s", lines[i]);
}

static void
cmd_version(ARGS)
{
	if (a->argc > 1) {	/* 2.6 sets the client's version silently */
		c->m->client_version = atoi(a->argv[1]);
		return;
	}
	mgmt_out(c, "OpenVPN Version: %s", c->m->title);
	mgmt_out(c, "Management Version: %d", MGMT_VERSION);
	mgmt_out(c, "END");
}

static void
cmd_pid(ARGS)
{
	(void)a;
	mgmt_out(c, "SUCCESS: pid=%ld", c->m->conf.pid);
}

static void
cmd_nclients(ARGS)
{
	unsigned n = 0;
	uint64_t in, out;
	(void)a;
	if (!c->m->ops.load_stats) {
		unsupported(c, "nclients");
		return;
	}
	c->m->ops.load_stats(c->m->ops.arg, &n, &in, &out);
	mgmt_out(c, "SUCCESS: nclients=%u", n);
}

static void
cmd_load_stats(ARGS)
{
	unsigned n = 0;
	uint64_t in = 0, out = 0;
	(void)a;
	if (c->m->ops.load_stats)
		c->m->ops.load_stats(c->m->ops.arg, &n, &in, &out);
	mgmt_out(c, "SUCCESS: nclients=%u,bytesin=%llu,bytesout=%llu", n, (unsigned long long)in,
		(unsigned long long)out);
}

static void
cmd_env_filter(ARGS)
{
	c->env_filter = a->argc > 1 ? atoi(a->argv[1]) : 0;
	mgmt_out(c, "SUCCESS: env_filter_level=%d", c->env_filter);
}

static void
cmd_signal(ARGS)
{
	static const struct { const char *name; int signo; } sigs[] = {
		{ "SIGHUP", SIGHUP }, { "SIGTERM", SIGTERM }, { "SIGUSR1", SIGUSR1 },
		{ "SIGUSR2", SIGUSR2 }, { "SIGINT", SIGINT },
	};
	if (!need(c, a, 1, false))
		return;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (strcmp(a->argv[1], sigs[i].name))
			continue;
		if (c->m->ops.signal && c->m->ops.signal(c->m->ops.arg, sigs[i].signo) == 0) {
			mgmt_out(c, "SUCCESS: signal %s thrown", sigs[i].name);
			return;
		}
		mgmt_out(c, "ERROR: signal '%s' is currently ignored", a->argv[1]);
		if (c->m->held)
			mgmt_out(c, ">HOLD:Waiting for hold release:0");
		return;
	}
	mgmt_out(c, "ERROR: signal '%s' is not a known signal type", a->argv[1]);
}

static void
cmd_status(ARGS)
{
	int v = a->argc > 1 ? atoi(a->argv[1]) : 0;
	if (v == 0)
		v = c->m->conf.status_version ? c->m->conf.status_version : 1;
	if (v < 1 || v > 3) {
		mgmt_out(c, "ERROR: bad status format version number");
		return;
	}
	if (!c->m->ops.status(c->m->ops.arg, c, v))
		c->deferred = true;
}

/*
 * `kill IP:port` (2.6) or `kill udp|tcp:IP:port` (2.7's form, with its
 * texts: the protocol shows as "udp" or "tcp-server"). dpvpnd serves UDP
 * only, so a tcp address never matches.
 */
static void
kill_addr(struct mgmt_conn *c, const char *proto, const char *ip, const char *port_s)
{
	struct in_addr in;
	int port = atoi(port_s);
	const char *shown_proto = !proto ? NULL : !strcmp(proto, "udp") ? "udp" : "tcp-server";
	char shown[96];
	if (inet_pton(AF_INET, ip, &in) != 1) {
		mgmt_out(c, "ERROR: error parsing IP address: %s", ip);
		return;
	}
	if (port <= 0 || port >= 65536) {
		if (proto)
			mgmt_out(c, "ERROR: port number or protocol out of range: %s %s", port_s, proto);
		else
			mgmt_out(c, "ERROR: port number is out of range: %s", port_s);
		return;
	}
	snprintf(shown, sizeof(shown), "%s%s%s:%d", shown_proto ? shown_proto : "",
		shown_proto ? ":" : "", ip, port);
	bool udp = !proto || !strcmp(proto, "udp");
	int n = udp && c->m->ops.kill_addr ? c->m->ops.kill_addr(c->m->ops.arg, ntohl(in.s_addr),
		(uint16_t)port) : 0;
	if (n > 0)
		mgmt_out(c, "SUCCESS: %d client(s) at address %s killed", n, shown);
	else
		mgmt_out(c, "ERROR: client at address %s not found", shown);
}

static void
cmd_kill(ARGS)
{
	char parts[3][128] = { "", "", "" };
	int n = 0;
	if (!need(c, a, 1, false))
		return;
	const char *p = a->argv[1];
	for (const char *colon; n < 3; n++) {
		colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(parts[n], sizeof(parts[n]), "%.*s", (int)len, p);
		if (!colon) {
			n++;
			break;
		}
		p = colon + 1;
	}
	if (n == 3 && (!strcmp(parts[0], "udp") || !strcmp(parts[0], "tcp")) && parts[1][0]
		&& parts[2][0]) {
		kill_addr(c, parts[0], parts[1], parts[2]);
	} else if (parts[0][0] && parts[1][0]) {
		kill_addr(c, NULL, parts[0], parts[1]);
	} else if (parts[0][0]) {
		int k = c->m->ops.kill_cn ? c->m->ops.kill_cn(c->m->ops.arg, parts[0]) : 0;
		if (k > 0)
			mgmt_out(c, "SUCCESS: common name '%s' found, %d client(s) killed", parts[0], k);
		else
			mgmt_out(c, "ERROR: common name '%s' not found", parts[0]);
	} else {
		mgmt_out(c, "ERROR: kill parse");
	}
}

/* verb / mute: read, or set within range. */
static void
level_cmd(struct mgmt_conn *c, const struct mgmt_argv *a, int (*op)(void *, int),
	const char *name)
{
	if (!op) {
		unsupported(c, name);
		return;
	}
	if (a->argc < 2) {
		mgmt_out(c, "SUCCESS: %s=%d", name, op(c->m->ops.arg, -1));
		return;
	}
	int level = atoi(a->argv[1]);
	if (level >= 0 && op(c->m->ops.arg, level) >= 0)
		mgmt_out(c, "SUCCESS: %s level changed", name);
	else
		mgmt_out(c, "ERROR: %s level is out of range", name);
}

static void
cmd_verb(ARGS)
{
	level_cmd(c, a, c->m->ops.verb, "verb");
}

static void
cmd_mute(ARGS)
{
	level_cmd(c, a, c->m->ops.mute, "mute");
}

static void
cmd_auth_retry(ARGS)
{
	static const char *const modes[] = { "none", "interact", "nointeract" };
	if (a->argc < 2) {
		mgmt_out(c, "SUCCESS: auth-retry=%s", c->m->auth_retry);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		if (!strcmp(a->argv[1], modes[i])) {
			snprintf(c->m->auth_retry, sizeof(c->m->auth_retry), "%s", modes[i]);
			mgmt_out(c, "SUCCESS: auth-retry parameter changed");
			return;
		}
	}
	mgmt_out(c, "ERROR: bad auth-retry parameter");
}

/* log / state / echo: realtime on|off, or the last N (or all) history lines. */
static void
history_cmd(struct mgmt_conn *c, const char *arg, const char *type, const struct mgmt_hist *h,
	bool *realtime)
{
	int n = 0;
	if (!strcmp(arg, "on") || !strcmp(arg, "off")) {
		*realtime = arg[1] == 'n';
		mgmt_out(c, "SUCCESS: real-time %s notification set to %s", type,
			*realtime ? "ON" : "OFF");
	} else if (!strcmp(arg, "all") || (n = atoi(arg)) > 0) {
		unsigned count = n > 0 && (unsigned)n < h->n ? (unsigned)n : h->n;
		for (unsigned i = count; i-- > 0;) {
			const struct mgmt_hist_line *l = mgmt_hist_newest(h, i);
			mgmt_out(c, "%u,%s", (unsigned)l->t, l->text);
		}
		mgmt_out(c, "END");
	} else {
		mgmt_out(c, "ERROR: %s parameter must be 'on' or 'off' or some number n or 'all'",
			type);
	}
}

static void
cmd_state(ARGS)
{
	if (a->argc < 2)
		history_cmd(c, "1", "state", &c->m->state, &c->rt_state);
	for (int i = 1; i < a->argc && i < 3; i++)
		history_cmd(c, a->argv[i], "state", &c->m->state, &c->rt_state);
}

static void
cmd_log(ARGS)
{
	if (need(c, a, 1, true))
		for (int i = 1; i < a->argc && i < 3; i++)
			history_cmd(c, a->argv[i], "log", &c->m->log, &c->rt_log);
}

static void
cmd_echo(ARGS)
{
	if (need(c, a, 1, true))
		for (int i = 1; i < a->argc && i < 3; i++)
			history_cmd(c, a->argv[i], "echo", &c->m->echo, &c->rt_echo);
}

/* username / password / needok / needstr: a server never asks for them. */
static void
query_cmd(struct mgmt_conn *c, const struct mgmt_argv *a, const char *what)
{
	if (need(c, a, 2, false))
		mgmt_out(c, "ERROR: no %s is currently needed at this time", what);
}

static void
cmd_username(ARGS)
{
	query_cmd(c, a, "username");
}

static void
cmd_password(ARGS)
{
	query_cmd(c, a, "password");
}

static void
cmd_needok(ARGS)
{
	query_cmd(c, a, "needok-confirmation");
}

static void
cmd_needstr(ARGS)
{
	query_cmd(c, a, "needstr-string");
}

static void
cmd_forget(ARGS)
{
	(void)a;
	mgmt_out(c, "SUCCESS: Passwords were forgotten");
}

static void
cmd_cr_response(ARGS)
{
	if (need(c, a, 1, false))
		unsupported(c, "cr-repsonse");	/* sic: OpenVPN 2.6's spelling */
}

static void
cmd_net(ARGS)
{
	(void)a;
	mgmt_out(c, "ERROR: Sorry, this command is currently only implemented on Windows");
}

static void
cmd_hold(ARGS)
{
	struct mgmt *m = c->m;
	if (a->argc < 2) {
		mgmt_out(c, "SUCCESS: hold=%d", m->hold_flag);
	} else if (!strcmp(a->argv[1], "on") || !strcmp(a->argv[1], "off")) {
		m->hold_flag = a->argv[1][1] == 'n';
		mgmt_out(c, "SUCCESS: hold flag set to %s", m->hold_flag ? "ON" : "OFF");
	} else if (!strcmp(a->argv[1], "release")) {
		bool was_held = m->held;
		m->held = false;
		mgmt_out(c, "SUCCESS: hold release succeeded");
		if (was_held && m->ops.hold_release)
			m->ops.hold_release(m->ops.arg);
	} else {
		mgmt_out(c, "ERROR: bad hold command parameter");
	}
}

static void
cmd_bytecount(ARGS)
{
	if (!need(c, a, 1, false))
		return;
	int n = atoi(a->argv[1]);
	c->bytecount = n > 0 ? (unsigned)n : 0;
	c->bytecount_last_ms = 0;
	mgmt_out(c, "SUCCESS: bytecount interval changed");
}

static void
cmd_client_kill(ARGS)
{
	unsigned long cid;
	if (!need(c, a, 1, true) || !parse_cid(c, a->argv[1], &cid))
		return;
	if (!c->m->ops.client_kill) {
		unsupported(c, "client-kill");
		return;
	}
	bool ok = c->m->ops.client_kill(c->m->ops.arg, cid, a->argc > 2 ? a->argv[2] : NULL);
	mgmt_out(c, ok ? "SUCCESS: client-kill command succeeded"
		: "ERROR: client-kill command failed");
}

static void
cmd_client_deny(ARGS)
{
	unsigned long cid;
	unsigned kid;
	if (!need(c, a, 3, true) || !parse_cid(c, a->argv[1], &cid)
		|| !parse_uint(c, a->argv[2], "KID", &kid))
		return;
	if (!c->m->ops.client_auth) {
		unsupported(c, "client-deny");
		return;
	}
	bool ok = c->m->ops.client_auth(c->m->ops.arg, cid, kid, false, NULL, a->argv[3],
		a->argc > 4 ? a->argv[4] : NULL);
	mgmt_out(c, ok ? "SUCCESS: client-deny command succeeded"
		: "ERROR: client-deny command failed");
}

static void
client_auth_reply(struct mgmt_conn *c, unsigned long cid, unsigned kid, const char *config)
{
	if (!c->m->ops.client_auth) {
		unsupported(c, "client-auth");
		return;
	}
	bool ok = c->m->ops.client_auth(c->m->ops.arg, cid, kid, true, config, NULL, NULL);
	mgmt_out(c, ok ? "SUCCESS: client-auth command succeeded"
		: "ERROR: client-auth command failed");
}

static void
cmd_client_auth_nt(ARGS)
{
	unsigned long cid;
	unsigned kid;
	if (need(c, a, 2, false) && parse_cid(c, a->argv[1], &cid)
		&& parse_uint(c, a->argv[2], "KID", &kid))
		client_auth_reply(c, cid, kid, NULL);
}

/* client-auth: the config lines follow, up to a line "END"; the answer comes then. */
static void
cmd_client_auth(ARGS)
{
	if (!need(c, a, 2, false) || !parse_cid(c, a->argv[1], &c->block_cid)
		|| !parse_uint(c, a->argv[2], "KID", &c->block_kid))
		return;
	c->in_block = true;
	c->block_len = 0;
	c->block_too_long = false;
}

void
mgmt_cmd_block_done(struct mgmt_conn *c)
{
	c->in_block = false;
	if (c->block_too_long)
		mgmt_out(c, "ERROR: client-auth command failed");	/* config block too large */
	else
		client_auth_reply(c, c->block_cid, c->block_kid, c->block_len ? c->block : NULL);
	c->block_len = 0;
}

static void
cmd_client_pending_auth(ARGS)
{
	unsigned long cid;
	unsigned kid, timeout;
	if (!need(c, a, 4, false) || !parse_cid(c, a->argv[1], &cid)
		|| !parse_uint(c, a->argv[2], "KID", &kid)
		|| !parse_uint(c, a->argv[4], "TIMEOUT", &timeout))
		return;
	if (!c->m->ops.client_pending_auth) {
		unsupported(c, "client-pending-auth");
		return;
	}
	if (c->m->ops.client_pending_auth(c->m->ops.arg, cid, kid, a->argv[3], timeout))
		mgmt_out(c, "SUCCESS: client-pending-auth command succeeded");
	else
		mgmt_out(c, "ERROR: client-pending-auth command failed."
			" Extra parameter might be too long");
}

static void
cmd_sig(ARGS)
{
	mgmt_out(c, "ERROR: The %s command is not currently available", a->argv[0]);
}

static void
cmd_certificate(ARGS)
{
	(void)a;
	mgmt_out(c, "ERROR: The certificate command is not currently available");
}

/* Client-mode commands a 2.6 server has no handler for. */
static void
cmd_client_only(ARGS)
{
	bool variadic = !strcmp(a->argv[0], "remote-entry-get") || !strcmp(a->argv[0], "proxy")
		|| !strcmp(a->argv[0], "remote");
	if (!variadic || need(c, a, 1, true))
		unsupported(c, a->argv[0]);
}

static void
cmd_test(ARGS)
{
	if (!need(c, a, 1, false))
		return;
	int n = atoi(a->argv[1]);
	for (int i = 0; i < n && !c->close_reason; i++)
		mgmt_out(c, "[%d] The purpose of this command is to generate large amounts of output.",
			i);
}

static void
cmd_exit(ARGS)
{
	(void)a;
	c->close_reason = "management client said exit";
	if (c->m->ops.wake)
		c->m->ops.wake(c->m->ops.arg, c);
}

static const struct {
	const char *name;
	void (*run)(ARGS);
} commands[] = {
	{ "exit", cmd_exit }, { "quit", cmd_exit }, { "help", cmd_help },
	{ "version", cmd_version }, { "pid", cmd_pid }, { "nclients", cmd_nclients },
	{ "env-filter", cmd_env_filter }, { "signal", cmd_signal },
	{ "load-stats", cmd_load_stats }, { "status", cmd_status }, { "kill", cmd_kill },
	{ "verb", cmd_verb }, { "mute", cmd_mute }, { "auth-retry", cmd_auth_retry },
	{ "state", cmd_state }, { "log", cmd_log }, { "echo", cmd_echo },
	{ "username", cmd_username }, { "password", cmd_password },
	{ "forget-passwords", cmd_forget }, { "needok", cmd_needok }, { "needstr", cmd_needstr },
	{ "cr-response", cmd_cr_response }, { "net", cmd_net }, { "hold", cmd_hold },
	{ "bytecount", cmd_bytecount }, { "client-kill", cmd_client_kill },
	{ "client-deny", cmd_client_deny }, { "client-auth-nt", cmd_client_auth_nt },
	{ "client-auth", cmd_client_auth }, { "client-pending-auth", cmd_client_pending_auth },
	{ "rsa-sig", cmd_sig }, { "pk-sig", cmd_sig }, { "certificate", cmd_certificate },
	{ "remote-entry-count", cmd_client_only }, { "remote-entry-get", cmd_client_only },
	{ "proxy", cmd_client_only }, { "remote", cmd_client_only }, { "test", cmd_test },
};

void
mgmt_cmd_run(struct mgmt_conn *c, const struct mgmt_argv *a)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(a->argv[0], commands[i].name)) {
			commands[i].run(c, a);
			return;
		}
	}
	mgmt_out(c, "ERROR: unknown command, enter 'help' for more options");
}
