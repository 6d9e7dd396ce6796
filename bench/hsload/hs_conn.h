/*
 * One OpenVPN 2.6 client connection of the handshake load generator, up to
 * the pushed options (fact sheet §3.5): HARD_RESET_CLIENT_V2, the server's
 * stateless reset, TLS (client certificate), key method 2, PUSH_REPLY, and
 * EXIT on the control channel to leave. tls-crypt only. Pure: packets in,
 * packets out through a callback, time passed in; no sockets.
 *
 * It reuses dpvpnd's own pure modules where the work is symmetric
 * (ctl_wire, tls_crypt in the client role, reliable, cp_tls in the client
 * role, km2_client_build): what it proves is that dpvpnd completes
 * handshakes at a rate, not that these modules are right, which the real
 * openvpn clients of the system tests do.
 */
#ifndef HS_CONN_H
#define HS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "reliable.h"
#include "tls.h"
#include "tls_crypt.h"

/* What every connection shares. */
struct hs_conf {
	struct tls_crypt_ctx wrap;	/* the --tls-crypt key, client role */
	struct cp_tls_ctx *tls;		/* client certificate, CA */
	const char *peer_info;		/* IV_* lines sent in key method 2 */
	const char *options;		/* the OCC options string */
};

enum hs_state {
	HS_RESET,	/* our reset sent, waiting for the server's */
	HS_TLS,		/* TLS handshake, then key method 2 both ways */
	HS_PUSH,	/* waiting for the whole PUSH_REPLY */
	HS_UP,		/* options received: the session is installed */
	HS_EXITING,	/* EXIT sent, waiting for its ACK */
	HS_DONE,	/* EXIT acknowledged */
	HS_FAILED,	/* see fail[] */
};

/* What PUSH_REPLY gave us. */
struct hs_pushed {
	uint32_t peer_id;	/* 0xFFFFFF: none pushed */
	uint32_t ifconfig;	/* tunnel address, host order */
	char cipher[32];
	bool ekm;		/* key-derivation tls-ekm / protocol-flags tls-ekm */
};

struct hs_conn {
	enum hs_state state;
	const struct hs_conf *conf;
	uint8_t sid[8], peer_sid[8];
	bool have_peer;
	uint32_t tx_replay_id;		/* the last tls-crypt replay id sent */
	uint32_t replay_time;
	bool km2_sent, km2_got;
	size_t app_len;			/* TLS plaintext not parsed yet */
	uint8_t app[4096];
	struct hs_pushed pushed;
	uint8_t key_block[256];		/* data-channel keys (EKM), once HS_UP */
	uint64_t bad_packets;		/* failed unwrap, parse or session id */
	char fail[128];
	struct cp_tls *tls;
	struct reliable rel;
};

typedef void (*hs_emit_fn)(void *arg, const uint8_t *pkt, size_t len);

/* Starts a connection (queues the reset). 0, or -1 when out of memory. */
int hs_conn_start(struct hs_conn *c, const struct hs_conf *conf, uint64_t now_ms);

/* A UDP payload from the server that is not P_DATA_V2. Advances the state. */
void hs_conn_input(struct hs_conn *c, const uint8_t *pkt, size_t len);

/* Sends what is due now (new packets, retransmissions, ACKs). */
void hs_conn_poll(struct hs_conn *c, uint64_t now_ms, hs_emit_fn emit, void *arg);

/* When hs_conn_poll() next has something to do (RELIABLE_NO_DEADLINE: never). */
uint64_t hs_conn_deadline(const struct hs_conn *c);

/* Sends EXIT (explicit-exit-notify over the control channel) from HS_UP. */
void hs_conn_exit(struct hs_conn *c);

/* Frees the TLS session; the struct may then be reused. */
void hs_conn_free(struct hs_conn *c);

/* The server's key method 2 message in p: its length, 0 while incomplete, -1 if bad. */
ssize_t hs_km2_server_len(const uint8_t *p, size_t len);

/* Parses one PUSH_REPLY text (without "PUSH_REPLY,"); whether more follow. */
bool hs_push_parse(const char *opts, struct hs_pushed *out);

#endif
