/*
 * OpenVPN's management interface, protocol side (mgmt-interfaces.md Part A):
 * connections, the command set with OpenVPN 2.6's exact replies, real-time
 * notifications and the log/state/echo histories. Pure: bytes in, bytes
 * out. The daemon owns the sockets and answers through struct mgmt_ops; the
 * same daemon functions back dpvpnctl and the REST API.
 *
 * Where dpvpn differs from OpenVPN (docs/management.md): several management
 * connections may be open at once (each with its own realtime flags,
 * bytecount and env-filter; notifications go to all of them), and `kill`
 * takes IPv4 literals only (no name lookups in the event loop).
 */
#ifndef MGMT_H
#define MGMT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MGMT_VERSION		5		/* OpenVPN 2.6.2+ */
#define MGMT_LINE_MAX		1024		/* longer command lines are refused */
#define MGMT_INPUT_MAX		65536		/* unprocessed input a client may queue */
#define MGMT_OUTPUT_MAX		(4u << 20)	/* unread output before a client is dropped */
#define MGMT_BLOCK_MAX		65536		/* client-auth config block */
#define MGMT_MAX_CONNS		16
#define MGMT_PASSWORD_TRIES	3

struct mgmt;
struct mgmt_conn;

/* What the daemon does for the commands. Every callback is optional except status. */
struct mgmt_ops {
	/* authenticated clients, and bytes through the daemon's link (load-stats) */
	void (*load_stats)(void *arg, unsigned *nclients, uint64_t *bytes_in, uint64_t *bytes_out);
	/*
	 * `status N` (1..3): the report goes out with mgmt_conn_print. Returns
	 * true when written, false when the daemon will answer later (fresh
	 * counters) and call mgmt_conn_resume; the connection waits till then.
	 */
	bool (*status)(void *arg, struct mgmt_conn *c, int version);
	/* clients killed (0 = none matched) */
	int (*kill_cn)(void *arg, const char *cn);
	int (*kill_addr)(void *arg, uint32_t addr_host, uint16_t port);
	bool (*client_kill)(void *arg, unsigned long cid, const char *msg);
	/* ok: client-auth (config = its lines, '\n'-separated, or NULL); else client-deny */
	bool (*client_auth)(void *arg, unsigned long cid, unsigned kid, bool ok, const char *config,
		const char *reason, const char *client_reason);
	bool (*client_pending_auth)(void *arg, unsigned long cid, unsigned kid, const char *extra,
		unsigned timeout);
	/* 0: thrown; -1: ignored now */
	int (*signal)(void *arg, int signo);
	int (*verb)(void *arg, int set);	/* set < 0: read; returns the level, -1 out of range */
	int (*mute)(void *arg, int set);
	void (*hold_release)(void *arg);
	/* a connection has output waiting (arm EPOLLOUT), or must be closed */
	void (*wake)(void *arg, struct mgmt_conn *c);
	void *arg;
};

struct mgmt_conf {
	const char *title;		/* "OpenVPN 2.6.14 x86_64-pc-linux-gnu [...]" */
	const char *password;		/* NULL: none */
	unsigned log_cache;		/* history lines kept (management-log-cache) */
	int status_version;		/* `status` without a number */
	bool hold;			/* management-hold */
	long pid;
};

struct mgmt *mgmt_new(const struct mgmt_conf *conf, const struct mgmt_ops *ops);
void mgmt_free(struct mgmt *m);

/* ---- connections ---- */
/* A newly accepted client: greets it (or asks for the password). NULL when too many. */
struct mgmt_conn *mgmt_conn_open(struct mgmt *m, void *user);
void *mgmt_conn_user(const struct mgmt_conn *c);
/* Bytes read from the client. */
void mgmt_conn_input(struct mgmt_conn *c, const char *buf, size_t len);
/* Output to write: a pointer and length; then mgmt_conn_consume(written). */
const char *mgmt_conn_output(const struct mgmt_conn *c, size_t *len);
void mgmt_conn_consume(struct mgmt_conn *c, size_t n);
/* exit/quit, too many bad passwords, an over-long input backlog, or output not read */
bool mgmt_conn_should_close(const struct mgmt_conn *c);
const char *mgmt_conn_close_reason(const struct mgmt_conn *c);
void mgmt_conn_close(struct mgmt_conn *c);
/* One line of a (deferred) reply; "\r\n" is added. */
void mgmt_conn_print(struct mgmt_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Raw bytes (a rendered report that already has its line ends). */
void mgmt_conn_write(struct mgmt_conn *c, const char *buf, size_t len);
/* A deferred reply is complete: go on with the client's next commands. */
void mgmt_conn_resume(struct mgmt_conn *c);
unsigned mgmt_conn_count(const struct mgmt *m);

/* ---- what the daemon tells ---- */
/* A log line: history plus >LOG for connections with `log on`. flags: "I", "W", "N", "F", "D" or "". */
void mgmt_log(struct mgmt *m, time_t t, const char *flags, const char *text);
/* A state change (>STATE): name CONNECTING, CONNECTED, RECONNECTING, EXITING... */
void mgmt_state(struct mgmt *m, time_t t, const char *name, const char *desc,
	const char *local_ip);
/* >HOLD:Waiting for hold release:0 to everyone, and again to each new connection until released. */
void mgmt_hold_begin(struct mgmt *m);
bool mgmt_is_held(const struct mgmt *m);
bool mgmt_hold_flag(const struct mgmt *m);	/* `hold on|off` */
/* A one-line notification to every connection (">CLIENT:ADDRESS,..."). */
void mgmt_notify(struct mgmt *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A >CLIENT: block: the header ("CONNECT,0,1") and the environment as
 * "name=value" strings in OpenVPN's order (n_clients first where OpenVPN
 * has it); each connection gets it through its env-filter level. With a
 * filter, the client's raw peer-info lines (peer_info, CONNECT / REAUTH /
 * CR_RESPONSE only) follow the first line unfiltered, as in OpenVPN.
 * Written atomically.
 */
void mgmt_notify_client(struct mgmt *m, const char *header, const char *const *env, size_t n,
	const char *const *peer_info, size_t n_peer_info);
/* Whether a "name=value" line passes env-filter level (A6.4). */
bool mgmt_env_filter_match(const char *line, int level);

/*
 * bytecount: the smallest interval any connection asked for (0 = none), and
 * the per-connection reports. A connection whose interval has passed since
 * its last report gets >BYTECOUNT_CLI for every client whose counters moved
 * after that report (changed_at is when the client's counters last moved).
 */
unsigned mgmt_bytecount_interval(const struct mgmt *m);
struct mgmt_bytecount {
	unsigned long cid;
	uint64_t bytes_in, bytes_out;
	uint64_t changed_at_ms;
};
void mgmt_bytecount_report(struct mgmt *m, uint64_t now_ms, const struct mgmt_bytecount *b,
	size_t n);

#endif
