/*
 * dpvpnctl's side of dpvpnd: the control socket (ctl_server.c) and the
 * commands, which answer with JSON records built from the same client
 * records the management interface renders (ctl_cmds.c, ctl_records.c).
 */
#ifndef CP_CTL_H
#define CP_CTL_H

#include <stdbool.h>

#include <jansson.h>

struct cp_server;
struct cp_client;

int cp_ctl_open(struct cp_server *s, char *err, size_t errlen);
void cp_ctl_close(struct cp_server *s);

/*
 * Runs one command; returns the reply ({"ok": true, ...} or {"ok": false,
 * "error": ..., "not_found": true}). *stream: the connection stays open
 * for events (show events).
 */
json_t *cp_ctl_command(struct cp_server *s, const char *cmd, const char *arg, bool *stream);
/* What a command shows that is fetched fresh from the dataplanes first. */
enum cp_ctl_fresh { CP_CTL_FRESH_NONE, CP_CTL_FRESH_SESSIONS, CP_CTL_FRESH_DATAPLANES };
enum cp_ctl_fresh cp_ctl_wants_counters(const char *cmd);

/* show events: to every connection that asked. */
void cp_ctl_broadcast_event(struct cp_server *s, json_t *event);
bool cp_ctl_has_listeners(const struct cp_server *s);
void cp_ctl_client_event(struct cp_server *s, const struct cp_client *c, bool connected,
	const char *reason);

/* ctl_records.c: one client as a JSON record (docs/dpvpnctl.md, "records"). */
json_t *cp_ctl_user_record(const struct cp_server *s, const struct cp_client *c);
json_t *cp_ctl_status_record(const struct cp_server *s);
json_t *cp_ctl_dataplanes_record(const struct cp_server *s);
/* dp_counters.c: every dataplane's counters from the last COUNTERS_REQ. */
json_t *cp_ctl_stats_record(const struct cp_server *s);
/* dp_counters.c: the link of each port of dataplane dp, from the same reply. */
json_t *cp_ctl_links_record(const struct cp_server *s, unsigned dp);
size_t cp_ctl_banned_count(const struct cp_server *s);

#endif
