/*
 * Internals shared by mgmt_conn.c (connections, output, notifications,
 * histories) and mgmt_cmd.c (the commands). Not for the daemon.
 */
#ifndef MGMT_INT_H
#define MGMT_INT_H

#include "mgmt.h"
#include "mgmt_lex.h"

/* A ring of history lines (log, state, echo), oldest dropped first. */
struct mgmt_hist {
	struct mgmt_hist_line {
		time_t t;
		char *text;		/* what follows "time," */
	} *line;
	unsigned cap, n, head;		/* head: index of the oldest */
};

struct mgmt_outbuf {
	char *buf;
	size_t off, len, cap;		/* bytes [off, len) wait to be written */
};

struct mgmt_conn {
	struct mgmt *m;
	void *user;
	bool in_use;
	bool verified;			/* password given (or none needed) */
	int pw_tries;
	char in[MGMT_INPUT_MAX];	/* received, not processed yet */
	size_t in_len;
	bool discarding;		/* inside an over-long line */
	bool deferred;			/* waiting for the daemon to finish a reply */
	/* per-connection settings (reset for each connection, as OpenVPN) */
	bool rt_log, rt_state, rt_echo;
	int env_filter;
	unsigned bytecount;
	uint64_t bytecount_last_ms;	/* 0: not started yet */
	/* client-auth CID KID: the config lines until END */
	bool in_block;
	unsigned long block_cid;
	unsigned block_kid;
	char *block;
	size_t block_len;
	bool block_too_long;
	const char *close_reason;	/* set: close after the output is written */
	struct mgmt_outbuf out;
};

struct mgmt {
	struct mgmt_conf conf;
	char *title, *password;
	struct mgmt_ops ops;
	struct mgmt_hist log, state, echo;
	struct mgmt_conn conn[MGMT_MAX_CONNS];
	bool hold_flag;			/* `hold on|off`, management-hold */
	bool held;			/* waiting for `hold release` now */
	int client_version;
	char auth_retry[16];
};

void mgmt_hist_add(struct mgmt_hist *h, time_t t, const char *text);
/* The i-th newest line (0 = newest), NULL past the end. */
const struct mgmt_hist_line *mgmt_hist_newest(const struct mgmt_hist *h, unsigned i);

/* A line to one connection ("\r\n" added), dropped for unverified ones when notify. */
void mgmt_out(struct mgmt_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mgmt_vout(struct mgmt_conn *c, const char *fmt, va_list ap);
void mgmt_greet(struct mgmt_conn *c);

/* mgmt_cmd.c: runs one lexed command line. */
void mgmt_cmd_run(struct mgmt_conn *c, const struct mgmt_argv *a);
/* The client-auth block ended (END): hand it to the daemon. */
void mgmt_cmd_block_done(struct mgmt_conn *c);

#endif
