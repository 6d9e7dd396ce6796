/*
 * dpvpnd's state: the server (configuration, keys, pools, the link to the
 * dataplanes) and one record per client connection. Everything here is
 * owned by the single event-loop thread.
 *
 * Control packets never touch a socket of ours: the dataplane punts them
 * (IPC PUNT) and sends our replies (IPC INJECT) from the service address.
 */
#ifndef CP_SERVER_H
#define CP_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "auth_worker.h"
#include "authtoken.h"
#include "config.h"
#include "cookie.h"
#include "ctl_replay.h"
#include "dplink.h"
#include "evloop.h"
#include "freqlimit.h"
#include "idpool.h"
#include "kmethod2.h"
#include "ncp.h"
#include "peerinfo.h"
#include "push.h"
#include "reliable.h"
#include "sessstats.h"
#include "status.h"
#include "tls.h"
#include "wrap.h"

struct mgmt;
struct cp_mgmt_sock;
struct cp_ctl;
struct ban_table;
struct sesstab;

#define CP_TX_LEASE		(1u << 20)	/* tx packet-ids granted to a dataplane at a time */
#define CP_APP_BUF		8192		/* TLS plaintext waiting to be parsed */
#define CP_RESYNC_COOKIE	0x5e5c		/* RESYNC_REQ cookie; STATS_REQ uses others */
#define CP_STATS_COOKIE		0x57a7
#define CP_STATUS_COOKIE	0x57a8	/* a management `status` waits for it */

enum ks_state {
	KS_HANDSHAKE,		/* TLS running */
	KS_KM2,			/* TLS done, waiting for the client's key-method-2 message */
	KS_ACTIVE,		/* keys derived and installed */
	KS_FAILED,
};

/* One TLS session of a client: key_id 0, then one per renegotiation. */
struct cp_keystate {
	uint8_t key_id;
	enum ks_state state;
	struct reliable rel;
	struct cp_tls *tls;
	uint64_t hand_deadline_ms;
	uint8_t app[CP_APP_BUF];	/* plaintext from TLS not consumed yet */
	size_t app_len;
	uint8_t key_block[256];		/* derived data keys (wiped after install) */
	uint32_t tx_lease;		/* highest tx packet-id granted to the dataplane */
	bool installed;
	bool switch_pending;		/* installed for rx; tx switches when all is acked */
	unsigned mda_kid;		/* management KID (>CLIENT:CONNECT,CID,KID) */
};

/* What a client's authentication still waits for (all must say yes). */
enum cp_auth_wait {
	CP_WAIT_WORKER = 1u << 0,	/* password store / auth-user-pass-verify script */
	CP_WAIT_MGMT = 1u << 1,		/* management-client-auth: client-auth / client-deny */
};

struct cp_client {
	uint32_t slot, gen;		/* dataplane session (sess, gen) */
	unsigned dp;			/* which dataplane carries it */
	uint32_t addr;			/* client address, network order */
	uint16_t port;			/* client port, host order */
	uint32_t local_addr;		/* our service address it talks to, network order */
	uint16_t local_port;
	uint8_t sid_local[8], sid_remote[8];
	struct cp_wrap wrap;
	struct ctl_replay rx_replay;
	struct ctl_replay dyn_rx_replay;	/* dyn-tls-crypt packets */
	uint32_t tx_replay_id;
	struct cp_keystate *ks[8];
	int primary;			/* key_id that encrypts, -1 before the first key */
	int latest;			/* key_id of the newest key state */

	/* who it is */
	char common_name[256];
	char username[256];
	struct peerinfo *pi;
	struct cp_ccd *ccd;		/* its client-config-dir file, if any */
	bool authenticated;
	bool auth_pending;		/* a verdict is awaited (auth_wait) */
	unsigned auth_wait;		/* enum cp_auth_wait */
	bool auth_failed;		/* a source said no: the verdict is in */
	bool push_requested;		/* PUSH_REQUEST came while auth was pending */
	bool token_expired;		/* refused auth-token: AUTH_FAILED,SESSION */
	int reauth_key;			/* renegotiated key_id waiting for its verdict, -1 none */
	struct authtoken_session token;
	bool sess_attached;		/* counted as using its session (sessions.c) */
	bool push_sent;
	bool occ_comp;			/* the client frames packets for compression */
	enum ncp_cipher cipher;
	uint32_t peer_id;		/* IPC_PEER_ID_NONE for old clients */
	uint32_t vaddr;			/* tunnel address, host order */
	uint32_t vaddr_was;		/* the address it had, for reports after it left */
	bool in_dataplane;
	bool orphan;			/* adopted from a previous dpvpnd: no control state */
	uint64_t rx_bytes, tx_bytes;	/* from the dataplane's last SESSION_STATS */
	uint64_t bytes_changed_ms;	/* when they last moved (bytecount) */

	/* management interface */
	unsigned long cid;		/* >CLIENT CID, status Client ID: never reused */
	unsigned kid_counter;		/* KIDs handed out to its key states */
	bool mgmt_announced;		/* CONNECT sent: ADDRESS and DISCONNECT follow */
	bool mgmt_established;		/* ESTABLISHED sent: renegotiations say REAUTH */
	bool mgmt_rekeyed;		/* renegotiated since: handshake ENV leads (mgmt_events.c) */
	unsigned mgmt_kid;		/* KID the management decision is awaited for */
	uint64_t mgmt_deadline_ms;	/* hand-window (or pending-auth timeout) for it */
	char *mgmt_config;		/* client-auth lines, applied at setup */
	char deny_reason[256];		/* client-deny's client reason, for AUTH_FAILED */
	bool final_stats_wait;		/* closing: DISCONNECT waits for the last counters */

	uint64_t created_ms, last_rx_ms;
	time_t created_wall;		/* Connected Since, time_unix */
	uint64_t exit_at_ms;		/* EXIT received / AUTH_FAILED sent: close then */
	uint64_t reneg_at_ms;		/* reneg-sec: when we start the next key, 0 = not planned */
	bool closing;			/* ignore its packets; record freed by the timer */
	char close_reason[96];
	struct ev_timer timer;
	struct cp_client *hash_next;
};

struct cp_server {
	struct cp_config cfg;
	struct ev_loop *loop;
	struct dplink *dl;
	struct cp_tls_ctx *tls;
	struct cp_wrap_server wrap;
	struct cookie_key cookie;
	struct ncp_list ciphers;
	struct passdb *passdb;		/* user-pass-db, NULL if none */
	struct auth_script *script;	/* auth-user-pass-verify, NULL if none */
	struct auth_worker *auth;
	struct authtoken_key token_key;
	struct push_global push;
	const char *push_opts[CP_CFG_MAX_PUSH];
	struct idpool slots;		/* dataplane session slots == peer-ids */
	struct idpool addrs;		/* pool offsets */
	struct cp_client **by_slot;	/* [max_clients] */
	struct cp_client **hash;	/* by (addr, port) */
	uint32_t hash_size;
	uint32_t n_clients;
	uint64_t boot_ms;
	bool dp_known[DPLINK_MAX_DP];	/* RESYNC_REQ sent to this dataplane */
	bool dp_synced[DPLINK_MAX_DP];	/* ... and answered: new clients welcome */
	struct ev_timer stats_timer;
	struct ev_timer status_timer;
	uint32_t local_addr;		/* `local` (network order), 0 = any */
	struct freq_limit reset_limit;	/* connect-freq-initial: stateless reset replies */
	struct freq_limit connect_limit;	/* connect-freq: new clients past the cookie */
	struct mgmt *mgmt;		/* management interface, NULL if not configured */
	struct cp_mgmt_sock *mgmt_sock;
	struct cp_ctl *ctl;		/* dpvpnctl's socket, NULL if off */
	struct ban_table *bans;		/* IP ban scores, NULL with max-ban-score 0 */
	struct sesstab *sessions;	/* auth-gen-token sessions, NULL without it */
	struct ev_timer ban_timer;
	unsigned long next_cid;
	const char *config_path;
	uint32_t file_verb, file_mute;	/* as the config file says (reload compares) */
	time_t start_time;
	uint64_t link_bytes_in, link_bytes_out;	/* control packets (load-stats adds data) */
	struct ev_timer bytecount_timer;
	struct {
		uint64_t punts, bad_packets, replays, resets, resets_limited, handshakes, auth_failed;
		uint64_t connections_limited;	/* refused by connect-freq */
		uint64_t tls_errors, hand_timeouts, sessions_ended;
		uint64_t held;		/* new clients turned away during management-hold */
	} stats;
	struct cp_sess_stats sess_stats;	/* how sessions ended, auth and session times */
};

/* The tunnel address to report: the current one, or the one it had before leaving. */
static inline uint32_t
cp_client_vaddr(const struct cp_client *c)
{
	return c->vaddr ? c->vaddr : c->vaddr_was;
}

/* clients.c: registry and lifecycle */
int cp_clients_init(struct cp_server *s);
struct cp_client *cp_client_find(struct cp_server *s, uint32_t addr, uint16_t port);
struct cp_client *cp_client_new(struct cp_server *s, unsigned dp, uint32_t addr, uint16_t port,
	uint32_t local_addr, uint16_t local_port);
/* A record for a session found in a dataplane (slot already taken). */
struct cp_client *cp_client_adopt(struct cp_server *s, unsigned dp, uint32_t slot, uint32_t gen,
	uint32_t addr, uint16_t port);
void cp_client_rehash(struct cp_server *s, struct cp_client *c, uint32_t addr, uint16_t port);
void cp_client_destroy(struct cp_server *s, struct cp_client *c, const char *why);
/* Ends a client from within its own processing: freed on the next loop turn. */
void cp_client_close(struct cp_server *s, struct cp_client *c, const char *why);
void cp_clients_bind_server(struct cp_server *s);
void cp_client_plan_reneg(struct cp_server *s, struct cp_client *c);
void cp_clients_drop_duplicates(struct cp_server *s, struct cp_client *keep);
void cp_client_schedule(struct cp_server *s, struct cp_client *c);
/* Drops a key state (and its key in the dataplane). */
void cp_keystate_retire(struct cp_server *s, struct cp_client *c, uint8_t key_id);
struct cp_keystate *cp_keystate_new(struct cp_server *s, struct cp_client *c, uint8_t key_id,
	uint32_t first_send_id, uint32_t first_recv_id);

/* ctlchan.c: packets from and to the client */
void cp_ctl_input(struct cp_server *s, unsigned dp, uint32_t src, uint16_t sport, uint32_t dst,
	uint16_t dport, const uint8_t *pkt, size_t len);
void cp_ctl_flush(struct cp_server *s, struct cp_client *c);
int cp_ctl_send_text(struct cp_server *s, struct cp_client *c, const char *msg);
/* (Re)starts connect-freq and connect-freq-initial from s->cfg. */
void cp_server_limits_init(struct cp_server *s);

/* statusfile.c: --status FILE */
void cp_client_record_fill(const struct cp_server *s, const struct cp_client *c,
	struct cp_client_record *r);
void cp_status_start(struct cp_server *s);

/* auth.c: username/password (worker threads) and auth-gen-token */
enum cp_auth { CP_AUTH_OK, CP_AUTH_PENDING, CP_AUTH_FAIL };
int cp_auth_init(struct cp_server *s, char *err, size_t errlen);
enum cp_auth cp_auth_start(struct cp_server *s, struct cp_client *c,
	const struct km2_client_msg *m);
bool cp_auth_token(struct cp_server *s, struct cp_client *c, char out[AUTHTOKEN_SIZE]);
void cp_auth_forget(struct cp_server *s, struct cp_client *c);
/* One source's answer; the verdict goes out when all have answered (or one said no). */
void cp_auth_answer(struct cp_server *s, struct cp_client *c, unsigned source, bool ok);

/* mgmt_events.c: what the management interface hears about clients */
void cp_mgmt_client_connect(struct cp_server *s, struct cp_client *c, const char *password);
void cp_mgmt_client_address(struct cp_server *s, struct cp_client *c);
void cp_mgmt_client_established(struct cp_server *s, struct cp_client *c);
void cp_mgmt_client_disconnect(struct cp_server *s, struct cp_client *c);
void cp_mgmt_cr_response(struct cp_server *s, struct cp_client *c, const char *response,
	size_t len);
void cp_mgmt_bytecount_start(struct cp_server *s);

/* mgmt_server.c: the management sockets and the commands' daemon side */
int cp_mgmt_open(struct cp_server *s, char *err, size_t errlen);
void cp_mgmt_close(struct cp_server *s);
struct cp_client *cp_client_by_cid(struct cp_server *s, unsigned long cid);
/* A management verdict (client-auth / client-deny / timeout) on a waiting key. */
bool cp_auth_mgmt_verdict(struct cp_server *s, struct cp_client *c, unsigned kid, bool ok,
	const char *config, const char *client_reason);

/* handshake.c: TLS application data (key method 2, auth, push) */
/* The verdict on a new client: set it up (or refuse it) and push. */
void cp_auth_done(struct cp_server *s, struct cp_client *c, bool ok);
/* The verdict on a renegotiation's credentials: install its key, or end the client. */
void cp_reauth_done(struct cp_server *s, struct cp_client *c, bool ok);
int64_t cp_pool_index(const struct cp_server *s, uint32_t vaddr);
void cp_handshake_progress(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks);

/* datapath.c: sessions and keys in the dataplanes, their events */
int cp_dp_install(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks);
void cp_dp_remove(struct cp_server *s, struct cp_client *c);
void cp_dp_key_del(struct cp_server *s, struct cp_client *c, uint8_t key_id);
void cp_dp_maybe_switch(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks);
void cp_dp_on_hello(void *arg, unsigned dp, bool restarted);
void cp_dp_on_msg(void *arg, unsigned dp, const struct ipc_msg *m);
void cp_stats_update(struct cp_server *s, unsigned dp, const struct ipc_session_stats *st);
void cp_dp_start_stats(struct cp_server *s);

#endif
