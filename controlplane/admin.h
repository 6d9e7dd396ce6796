/*
 * The administrative core of dpvpnd: what the management interface (and
 * later dpvpnctl and the REST API) asks of the daemon. One function per
 * action; the interfaces only parse and render.
 */
#ifndef CP_ADMIN_H
#define CP_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cp_server;

/* "OpenVPN 2.6.14 x86_64-pc-linux-gnu [...]": what tools parse as the version. */
const char *cp_admin_title(void);

/*
 * stats_wait.c: cb runs once every dataplane sent fresh counters (at most
 * 500 ms): the sessions' (cp_stats_wait) or the dataplanes' own
 * (cp_counters_wait). Cancel forgets arg's waits of both kinds.
 */
typedef void (*cp_stats_cb)(struct cp_server *s, void *arg, int extra);
void cp_stats_wait(struct cp_server *s, cp_stats_cb cb, void *arg, int extra);
void cp_counters_wait(struct cp_server *s, cp_stats_cb cb, void *arg, int extra);
void cp_stats_wait_cancel(void *arg);
void cp_stats_wait_done(struct cp_server *s, unsigned dp);
void cp_counters_wait_done(struct cp_server *s, unsigned dp);

/* dp_counters.c: COUNTERS_REQ to every synced dataplane (returns how many),
 * what they answer, and the answers as dpvpnctl's show stats record. */
unsigned cp_dp_counters_request(struct cp_server *s);
struct ipc_counters;
void cp_dp_counters_on_msg(struct cp_server *s, unsigned dp, const struct ipc_counters *c);

/* STATS_REQ to every dataplane; returns how many were asked. */
unsigned cp_admin_request_stats(struct cp_server *s, uint32_t cookie);
/* The status report (1..3) of the clients, lines ending with eol. */
void cp_admin_status_report(struct cp_server *s, FILE *out, int version, const char *eol);

struct cp_admin_load {
	unsigned n_clients;
	uint64_t bytes_in, bytes_out;	/* control and data, every client since start */
};
void cp_admin_load_stats(struct cp_server *s, struct cp_admin_load *l);

/* Clients ended (0 = none matched). addr in network order. */
int cp_admin_kill_cn(struct cp_server *s, const char *cn);
int cp_admin_kill_addr(struct cp_server *s, uint32_t addr, uint16_t port);
/* Sends msg (default RESTART) to the client, then ends it. */
bool cp_admin_client_kill(struct cp_server *s, unsigned long cid, const char *msg);
/* AUTH_PENDING + INFO_PRE to a client waiting for the management's verdict. */
bool cp_admin_pending_auth(struct cp_server *s, unsigned long cid, unsigned kid,
	const char *extra, unsigned timeout);

/*
 * SIGHUP (reload), SIGUSR1 (restart sessions), SIGUSR2 (status to the log),
 * SIGTERM/SIGINT. -1: ignored (SIGHUP/SIGUSR1 while held, as OpenVPN).
 */
int cp_admin_signal(struct cp_server *s, int signo);
/* Re-reads the config file: applies what can change live, logs what cannot. 0 or -1. */
int cp_admin_reload(struct cp_server *s);
/* verb / mute: set >= 0 sets (returns it, or -1 out of range); set < 0 reads. */
int cp_admin_verb(struct cp_server *s, int set);
int cp_admin_mute(struct cp_server *s, int set);
/* The daemon is up: tell the management interface (or wait for `hold release`). */
void cp_admin_started(struct cp_server *s);
void cp_admin_hold_release(struct cp_server *s);

#endif
