/*
 * What dpvpnd counts about sessions that ended, for occtl's "current stats
 * period" (ocserv main.c update_main_stats; mgmt-interfaces.md B5.3): how
 * they ended, how long authentication took, how long they lasted. dpvpnd
 * never resets it, so the period is the process lifetime.
 *
 * Pure: the caller passes reasons and durations, nothing here reads a clock.
 */
#ifndef CP_SESSSTATS_H
#define CP_SESSSTATS_H

#include <stdbool.h>
#include <stdint.h>

/* How a client record ended, from dpvpnd's own reason text. */
enum cp_close_kind {
	CP_CLOSE_OTHER,		/* nothing more specific */
	CP_CLOSE_USER,		/* the client said goodbye (exit notification) */
	CP_CLOSE_SERVER,	/* an administrator, a newer connection, a restart */
	CP_CLOSE_TIMEOUT,	/* hand-window expired: occtl's session timeout */
	CP_CLOSE_IDLE,		/* ping-restart expired: nothing heard from the client */
	CP_CLOSE_AUTH,		/* authentication failed (counted as such, not as an error) */
	CP_CLOSE_ERROR,		/* a failure: TLS, key method 2, a key not installed */
};

enum cp_close_kind cp_close_kind(const char *why);
/* occtl's disconnect reason (ocserv common.c discon_reason_to_str) for a kind. */
const char *cp_close_kind_occtl(enum cp_close_kind k);

struct cp_sess_stats {
	uint64_t timed_out, idle_timed_out, errors;	/* ended sessions by kind */
	uint64_t auths, auth_ms_total, auth_ms_max;	/* successful first authentications */
	uint64_t sessions, session_s_total, session_s_max;	/* ended authenticated sessions */
};

/* A client authenticated ms milliseconds after its first packet. */
void cp_sess_stats_auth(struct cp_sess_stats *st, uint64_t ms);
/* A client record ended; lasted: seconds since its first packet, counted
 * as a session time only when it had authenticated (established). */
void cp_sess_stats_closed(struct cp_sess_stats *st, enum cp_close_kind k, bool established,
	uint64_t lasted_s);

/* Whole seconds, rounded to the nearest; 0 before anything was counted. */
uint64_t cp_sess_stats_avg_auth_s(const struct cp_sess_stats *st);
uint64_t cp_sess_stats_max_auth_s(const struct cp_sess_stats *st);
uint64_t cp_sess_stats_avg_session_s(const struct cp_sess_stats *st);

#endif
