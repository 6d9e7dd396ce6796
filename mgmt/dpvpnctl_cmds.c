/*
 * dpvpnctl's commands: occtl's names, help lines, messages and exit codes
 * (mgmt-interfaces.md B2/B3), each mapped to one dpvpnd request and a
 * renderer (ctl_render.c: occtl's text tables, or -j JSON).
 */
#include <ctype.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl_render.h"
#include "dpvpnctl.h"

typedef int (*cmd_fn)(FILE *out, const char *arg, json_t *reply);

struct command {
	const char *name;
	const char *arg;	/* "[NAME]", "[ID]", ... or NULL */
	const char *help;
	const char *request;	/* dpvpnd's command; NULL: local */
	cmd_fn show;
	bool needs_arg, interactive_only, hidden, no_pager;
};

static void
print_json(FILE *out, json_t *v)
{
	char *s = json_dumps(v, JSON_PRESERVE_ORDER | JSON_INDENT(4));
	fprintf(out, "%s\n", s ? s : "null");
	free(s);
	json_decref(v);
}

static json_t *
field(json_t *reply, const char *key)
{
	json_t *v = json_object_get(reply, key);
	return v ? v : json_null();
}

static void
remember_users(json_t *users)
{
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u) {
		const char *name = json_string_value(json_object_get(u, "username"));
		char id[32];
		if (!name || !name[0])
			name = json_string_value(json_object_get(u, "common_name"));
		if (name)
			ctl_cache_remember("NAME", name);
		snprintf(id, sizeof(id), "%lld", json_integer_value(json_object_get(u, "id")));
		ctl_cache_remember("ID", id);
	}
}

static int
show_status(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	if (opt.json)
		print_json(out, ctl_json_status(field(reply, "status"), time(NULL)));
	else
		ctl_text_status(out, field(reply, "status"), time(NULL));
	return 0;
}

/* A list reply: occtl's text renderer, or its -j form. */
static int
show_list(FILE *out, json_t *list, void (*text)(FILE *, json_t *, time_t),
	json_t *(*as_json)(json_t *, time_t))
{
	if (opt.json)
		print_json(out, as_json(list, time(NULL)));
	else
		text(out, list, time(NULL));
	return 0;
}

static int
show_users(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	remember_users(field(reply, "users"));
	return show_list(out, field(reply, "users"), ctl_text_users, ctl_json_users);
}

static int
show_user_info(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	remember_users(field(reply, "users"));
	return show_list(out, field(reply, "users"), ctl_text_user_info, ctl_json_users);
}

static int
show_iroutes(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	if (opt.json)
		print_json(out, ctl_json_iroutes(field(reply, "users")));
	else
		ctl_text_iroutes(out, field(reply, "users"));
	return 0;
}

static int
show_dataplanes(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	if (opt.json)
		print_json(out, json_incref(field(reply, "dataplanes")));
	else
		ctl_text_dataplanes(out, field(reply, "dataplanes"));
	return 0;
}

static int
show_stats(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	if (opt.json)
		print_json(out, json_pack("{s:O}", "dataplanes", field(reply, "dataplanes")));
	else
		ctl_text_stats(out, reply);
	return 0;
}

/* Commands that answer with one sentence, occtl's words. */
static int
said(FILE *out, const char *arg, json_t *reply, const char *yes, const char *no)
{
	bool ok = json_is_true(json_object_get(reply, "ok"));
	fprintf(ok ? out : stderr, ok ? yes : no, arg);
	fputc('\n', ok ? out : stderr);
	return ok ? 0 : 1;
}

static int
disconnect_user(FILE *out, const char *arg, json_t *reply)
{
	return said(out, arg, reply, "user '%s' was disconnected", "could not disconnect user '%s'");
}

static int
disconnect_id(FILE *out, const char *arg, json_t *reply)
{
	return said(out, arg, reply, "connection ID '%s' was disconnected",
		"could not disconnect ID '%s'");
}

static int
reload(FILE *out, const char *arg, json_t *reply)
{
	return said(out, arg, reply, "Server scheduled to reload", "Error scheduling reload");
}

static int
stop(FILE *out, const char *arg, json_t *reply)
{
	return said(out, arg, reply, "Server scheduled to stop", "Error scheduling server stop");
}

static int
show_bans_as(FILE *out, json_t *reply, bool banned_only)
{
	json_t *bans = field(reply, "bans");
	size_t i;
	json_t *b;
	json_array_foreach(bans, i, b) {
		const char *ip = json_string_value(json_object_get(b, "ip"));
		if (ip)
			ctl_cache_remember("IP", ip);
	}
	if (opt.json)
		print_json(out, ctl_json_bans(bans, banned_only, time(NULL)));
	else
		ctl_text_bans(out, bans, banned_only, time(NULL));
	return 0;
}

static int
show_bans(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	return show_bans_as(out, reply, true);
}

static int
show_ban_points(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	return show_bans_as(out, reply, false);
}

static int
unban(FILE *out, const char *arg, json_t *reply)
{
	const char *err = json_string_value(json_object_get(reply, "error"));
	if (err && !strcmp(err, "cannot parse IP")) {
		fprintf(stderr, "Cannot parse IP: %s", arg);	/* (sic: occtl prints no newline) */
		return 1;
	}
	return said(out, arg, reply, "IP '%s' was unbanned", "could not unban IP '%s'");
}

static void
remember_sessions(json_t *sessions)
{
	size_t i;
	json_t *e;
	json_array_foreach(sessions, i, e) {
		const char *sid = json_string_value(json_object_get(e, "session"));
		if (sid)
			ctl_cache_remember("SID", sid);
	}
}

static int
show_sessions(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	remember_sessions(field(reply, "sessions"));
	return show_list(out, field(reply, "sessions"), ctl_text_sessions, ctl_json_sessions);
}

/* occtl: "Session ID not found or expired", and still exit 0. */
static int
show_session(FILE *out, const char *arg, json_t *reply)
{
	(void)arg;
	json_t *sessions = field(reply, "sessions");
	if (!json_array_size(sessions) && !opt.json)
		fprintf(out, "Session ID not found or expired\n");
	else if (opt.json)
		print_json(out, ctl_json_sessions(sessions, time(NULL)));
	else
		ctl_text_session_info(out, sessions, time(NULL));
	return 0;
}

static int
terminate_user(FILE *out, const char *arg, json_t *reply)
{
	return said(out, arg, reply, "user '%s' was terminated (session invalidated)",
		"could not terminate user '%s'");
}

static int
terminate_id(FILE *out, const char *arg, json_t *reply)
{
	return said(out, arg, reply, "connection ID '%s' was terminated (session invalidated)",
		"could not terminate ID '%s'");
}

static int
terminate_session(FILE *out, const char *arg, json_t *reply)
{
	const char *sid = json_string_value(json_object_get(reply, "session"));
	json_t *several = json_object_get(reply, "sessions");
	if (json_is_true(json_object_get(reply, "ok")) && sid) {
		fprintf(out, "session '%.6s' was terminated\n", sid);
		return 0;
	}
	if (json_array_size(several)) {
		fprintf(stderr, "more than one session matches '%s':\n", arg);
		ctl_text_sessions(stderr, several, time(NULL));
		return 1;
	}
	fprintf(stderr, "no session matching '%s' was found\n", arg);
	return 1;
}

static int show_events(FILE *out, const char *arg, json_t *reply);

static const struct command commands[] = {
	{ "disconnect user", "[NAME]", "Disconnect the specified user", "disconnect user",
		disconnect_user, .needs_arg = true, .no_pager = true },
	{ "disconnect id", "[ID]", "Disconnect the specified ID", "disconnect id", disconnect_id,
		.needs_arg = true, .no_pager = true },
	{ "terminate user", "[NAME]", "Disconnect user and invalidate session cookies",
		"terminate user", terminate_user, .needs_arg = true, .no_pager = true },
	{ "terminate id", "[ID]", "Disconnect ID and invalidate session cookies", "terminate id",
		terminate_id, .needs_arg = true, .no_pager = true },
	{ "terminate session", "[SID]", "Invalidate the specified session of a disconnected user",
		"terminate session", terminate_session, .needs_arg = true, .no_pager = true },
	{ "unban ip", "[IP]", "Unban the specified IP", "unban ip", unban, .needs_arg = true,
		.no_pager = true },
	{ "reload", NULL, "Reloads the server configuration", "reload", reload, .no_pager = true },
	{ "show status", NULL, "Prints the status and statistics of the server", "show status",
		show_status, .no_pager = true },
	{ "show users", NULL, "Prints the connected users", "show users", show_users,
		.needs_arg = false },
	{ "show ip bans", NULL, "Prints the banned IP addresses", "show ip bans", show_bans,
		.needs_arg = false },
	{ "show ip ban points", NULL, "Prints all the known IP addresses which have points",
		"show ip ban points", show_ban_points, .needs_arg = false },
	{ "show iroutes", NULL, "Prints the routes provided by users of the server",
		"show iroutes", show_iroutes, .needs_arg = false },
	{ "show sessions all", NULL, "Prints all the session IDs", "show sessions all",
		show_sessions, .needs_arg = false },
	{ "show sessions valid", NULL, "Prints all the valid for reconnection sessions",
		"show sessions valid", show_sessions, .needs_arg = false },
	{ "show session", "[SID]", "Prints information on the specified session", "show session",
		show_session, .needs_arg = true },
	{ "show user", "[NAME]", "Prints information on the specified user", "show user",
		show_user_info, .needs_arg = true },
	{ "show id", "[ID]", "Prints information on the specified ID", "show id", show_user_info,
		.needs_arg = true },
	{ "show events", NULL, "Provides information about connecting users", "show events",
		show_events, .no_pager = true },
	{ "show dataplanes", NULL, "Prints the connected dataplanes (dpvpn)", "show dataplanes",
		show_dataplanes, .needs_arg = false },
	{ "show stats", NULL, "Prints the dataplanes' counters per port, lcore and drop reason (dpvpn)",
		"show stats", show_stats, .needs_arg = false },
	{ "stop", "now", "Terminates the server", "stop now", stop, .no_pager = true },
	{ "reset", NULL, "Resets the screen and terminal", NULL, NULL, .interactive_only = true },
	{ "help", "or ?", "Prints this help", NULL, NULL, .interactive_only = true },
	{ "exit", NULL, "Exits this application", NULL, NULL, .interactive_only = true },
	{ "?", NULL, NULL, NULL, NULL, .hidden = true },
	{ "quit", NULL, NULL, NULL, NULL, .hidden = true },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
help_line(FILE *out, const struct command *c)
{
	if (c->arg)
		fprintf(out, " %12s %s\t%16s\n", c->name, c->arg, c->help);
	else
		fprintf(out, " %16s\t%16s\n", c->name, c->help);
}

void
ctl_print_commands(FILE *out, bool interactive)
{
	fprintf(out, "Available Commands\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!commands[i].hidden && (interactive || !commands[i].interactive_only))
			help_line(out, &commands[i]);
}

const char *
ctl_command_name(size_t i)
{
	while (i < N_COMMANDS && commands[i].hidden)
		i++;
	return i < N_COMMANDS ? commands[i].name : NULL;
}

const char *
ctl_command_arg_kind(const char *command)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcasecmp(commands[i].name, command))
			return commands[i].arg;
	return NULL;
}

/* "  SHOW   users " -> "show users": trimmed, single spaces, command words lower case. */
static void
normalize(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	bool space = false;
	while (isspace((unsigned char)*in))
		in++;
	for (; *in && n + 1 < cap; in++) {
		if (isspace((unsigned char)*in)) {
			space = true;
			continue;
		}
		if (space && n)
			out[n++] = ' ';
		space = false;
		out[n++] = *in;
	}
	out[n] = '\0';
}

/* The command whose whole name starts the line (case-insensitive); *arg = the rest. */
static const struct command *
match(const char *line, const char **arg)
{
	const struct command *best = NULL;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		size_t n = strlen(commands[i].name);
		if (strncasecmp(line, commands[i].name, n) || (line[n] && line[n] != ' '))
			continue;
		if (!best || n > strlen(best->name)) {
			best = &commands[i];
			*arg = line[n] ? line + n + 1 : "";
		}
	}
	return best;
}

/* The help lines of every command that starts with what was typed. */
static bool
print_prefix_matches(const char *line)
{
	bool any = false;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (commands[i].hidden || strncasecmp(commands[i].name, line, strlen(line)))
			continue;
		help_line(stdout, &commands[i]);
		any = true;
	}
	return any;
}

/* Long output goes through $DPVPNCTL_PAGER, $PAGER or less, on a terminal. */
static FILE *
pager_open(const struct command *c)
{
	if (opt.no_pager || c->no_pager || opt.json || !isatty(STDOUT_FILENO))
		return stdout;
	const char *p = getenv("DPVPNCTL_PAGER");
	if (!p)
		p = getenv("PAGER");
	if (!p)
		p = "less";
	setenv("LESS", getenv("LESS") ? getenv("LESS") : "FRSX", 1);
	FILE *f = popen(p, "w");
	return f ? f : stdout;
}

static int
run_local(const struct command *c, bool interactive)
{
	if (!strcmp(c->name, "help") || !strcmp(c->name, "?")) {
		ctl_print_commands(stdout, interactive);
		return 0;
	}
	if (!strcmp(c->name, "reset")) {
		printf("\033c");
		return 0;
	}
	return 0;	/* exit / quit: nothing to do (the interactive loop leaves) */
}

int
ctl_run_line(const char *text, bool interactive)
{
	char line[4096];
	const char *arg = "";
	normalize(text, line, sizeof(line));
	if (!line[0])
		return 1;
	const struct command *c = match(line, &arg);
	if (!c || (c->interactive_only && !interactive && strcmp(c->name, "help"))) {
		if (!print_prefix_matches(line)) {
			fprintf(stderr, "unknown command: %s\n", line);
			fprintf(stderr, "use help or '?' to get a list of the available commands\n");
		}
		return 1;
	}
	if (!c->request)
		return run_local(c, interactive);
	if (c->needs_arg && !arg[0]) {
		help_line(stdout, c);
		return 1;
	}
	if (c->show == show_events)
		return show_events(stdout, arg, NULL);
	json_t *reply = ctl_request(c->request, arg);
	if (!reply) {
		if (!strcmp(c->name, "show status")) {
			if (opt.json)
				printf("{\n    \"Status\": \"offline\"\n}\n");
			else
				printf("Status: offline\n");
		}
		return 1;
	}
	int rc;
	if (json_is_true(json_object_get(reply, "not_found")) && c->show == show_user_info) {
		if (opt.json)
			printf("[]\n");
		else
			printf("user or ID not found\n");
		rc = 2;
	} else {
		FILE *out = pager_open(c);
		rc = c->show(out, arg, reply);
		if (out != stdout)
			pclose(out);
	}
	json_decref(reply);
	return rc;
}

/* ---- show events: the list, then one line per connect / disconnect ---- */

static void
print_event(json_t *e)
{
	if (opt.json)
		print_json(stdout, ctl_json_user(json_object_get(e, "user"), time(NULL)));
	else
		ctl_text_event(stdout, e, time(NULL));
	fflush(stdout);
}

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* 'q' or Ctrl-C ends it; the terminal goes back as it was. */
static int
show_events(FILE *out, const char *arg, json_t *reply)
{
	static char buf[1 << 22];
	size_t len = 0;
	(void)reply;
	int fd = ctl_connect();
	if (fd < 0 || ctl_send(fd, "show events", arg) != 0)
		return 1;
	json_t *first = ctl_read(fd, buf, sizeof(buf), &len);
	if (!first) {
		close(fd);
		return 1;
	}
	show_users(out, arg, first);
	json_decref(first);
	fprintf(out, "\nPress 'q' or CTRL+C to quit\n\n");
	fflush(out);
	struct termios old, raw;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	struct timeval none = { 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	struct sigaction sa = { .sa_handler = on_sigint }, old_sa;
	sigaction(SIGINT, &sa, &old_sa);	/* no SA_RESTART: poll returns */
	interrupted = 0;
	int rc = 0;
	while (!interrupted) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
		if (poll(p, tty ? 2 : 1, -1) < 0)
			break;
		if (p[1].revents) {
			char ch;
			if (read(STDIN_FILENO, &ch, 1) != 1 || ch == 'q' || ch == 'Q')
				break;
		}
		if (!p[0].revents)
			continue;
		json_t *e = ctl_read(fd, buf, sizeof(buf), &len);
		if (!e) {
			fprintf(stderr, "events: server closed the connection\n");
			rc = 1;
			break;
		}
		print_event(e);
		json_decref(e);
		/* further complete lines already read */
		while (memchr(buf, '\n', len) && (e = ctl_read(fd, buf, sizeof(buf), &len))) {
			print_event(e);
			json_decref(e);
		}
	}
	sigaction(SIGINT, &old_sa, NULL);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
	close(fd);
	return rc;
}
