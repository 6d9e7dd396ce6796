/*
 * dpvpnctl's renderers: dpvpnd's JSON records (snake_case, docs/dpvpnctl.md)
 * turned into occtl's plain-text layouts and into occtl-compatible `-j` JSON
 * (mgmt-interfaces.md Part B, B4/B5).
 *
 * Target: occtl 1.2.4 -- the 1.1.6 key set plus `raw_connected_at` (1.2.3)
 * and the 1.2.4 units (`kB`, `/s`); text tables use the 1.2.x widths. The
 * JSON is built with jansson, so it is always valid: none of occtl's
 * hand-written-JSON bugs (trailing commas, duplicate "Routes", single-object
 * iroutes) are reproduced. Dump with JSON_PRESERVE_ORDER | JSON_INDENT(4).
 *
 * Every input may be json_null(), the wrong type, or lack any field: missing
 * strings render as "" (and occtl omits empty values), missing numbers as 0.
 * "Not found" messages and exit codes are the caller's business: an empty
 * list renders as nothing (text) or [] (JSON).
 */
#ifndef DPVPN_CTL_RENDER_H
#define DPVPN_CTL_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

/* ---- text (B4); `now` is the current time for the "since" columns ---- */

/* `show users`: the table, header only with >= 1 user. */
void ctl_text_users(FILE *out, json_t *users, time_t now);
/* `show user NAME` / `show id ID`: one detail block per user. */
void ctl_text_user_info(FILE *out, json_t *users, time_t now);
/* `show status`: occtl's sections plus a "dpvpn counters" section. */
void ctl_text_status(FILE *out, json_t *status, time_t now);
/* `show iroutes`: one row per iroute per user, header with >= 1 user. */
void ctl_text_iroutes(FILE *out, json_t *users);
/* `show sessions all|valid`: the caller filters; header with >= 1 session. */
void ctl_text_sessions(FILE *out, json_t *sessions, time_t now);
/* `show session SID`: one block per (already matched) session. */
void ctl_text_session_info(FILE *out, json_t *sessions, time_t now);
/* `show ip bans` (banned_only: entries with "expires" != 0) / `show ip ban points`. */
void ctl_text_bans(FILE *out, json_t *bans, bool banned_only, time_t now);
/* `show events`: one connect / disconnect line. */
void ctl_text_event(FILE *out, json_t *event, time_t now);
/* dpvpn-only `show dataplanes` table and `show stats` sections. */
void ctl_text_dataplanes(FILE *out, json_t *dps);
void ctl_text_stats(FILE *out, json_t *stats);

/* ---- occtl -j equivalents: a new reference (caller json_decref) ---- */

json_t *ctl_json_users(json_t *users, time_t now);	/* array of B5.2 objects */
json_t *ctl_json_user(json_t *user, time_t now);	/* one B5.2 object */
json_t *ctl_json_status(json_t *status, time_t now);	/* B5.3 object */
json_t *ctl_json_sessions(json_t *sessions, time_t now); /* B5.4 array */
json_t *ctl_json_bans(json_t *bans, bool banned_only, time_t now); /* B5.5 array */
json_t *ctl_json_iroutes(json_t *users);		/* B5.6, 1.4.0+ array form */

/* ---- helpers (exposed for the tests) ---- */

/* occtl's print_time_ival7: "   ?   ", "   31s", " 6m:29s", " 3h:05m", " 2days". */
void ctl_ival7(char out[16], long long seconds);
/* occtl's bytes2human (1.2.4 units): "1000 bytes", "13.8 kB", "2.1 MB", "1.8 GB"; rate adds "/s". */
void ctl_human_bytes(char *out, size_t cap, uint64_t bytes, bool rate);
/* "%Y-%m-%d %H:%M", local time. */
void ctl_date(char out[32], time_t t);

#endif
