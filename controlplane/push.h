/*
 * Text control messages carried as TLS application data after key method 2
 * (fact sheet §9; OpenVPN 2.6 push.c send_push_reply / prepare_push_reply /
 * send_auth_failed / send_auth_pending_messages, helper.c, forward.c
 * parse_incoming_control_channel_command, ssl_pkt.c extract_command_buffer).
 *
 * Framing: every message is printable ASCII terminated by one NUL and is
 * written with one TLS write. All builders here write that NUL and return
 * the number of bytes to write (NUL included), or -1 (bad argument / does
 * not fit in cap). Text given by the caller that is not printable ASCII is
 * copied with '_' in place of each such byte: clients drop messages with
 * control characters (2.6) or invalid UTF-8 (openvpn3).
 *
 * PUSH_REPLY (§9.3): "PUSH_REPLY" then ",option" for each option, in 2.6's
 * order: the global push list (admin `push` lines, then what `server-ipv6`,
 * `server` and `keepalive` add), the client's own `push` lines
 * (client-config-dir / client-connect), then the per-client options
 * ifconfig-ipv6, ifconfig, peer-id, auth-token, cipher, key-derivation /
 * protocol-flags, tun-mtu. Split as 2.6 does: before adding an option of
 * length l to a message of length n, if n + l >= PUSH_BUNDLE_SIZE - 84 the
 * message gets ",push-continuation 2" and a new "PUSH_REPLY" message starts;
 * the last message of a split reply ends with ",push-continuation 1". So
 * every message is < PUSH_BUNDLE_SIZE bytes with its NUL.
 *
 * Pure module: no TLS objects, no malloc.
 */
#ifndef DPVPN_CP_PUSH_H
#define DPVPN_CP_PUSH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peerinfo.h"

enum push_limits {
	PUSH_BUNDLE_SIZE = 1024,        /* 2.6 common.h */
	PUSH_BUNDLE_SLACK = 84,         /* send_push_reply(): room for continuation */
	PUSH_OPTION_MAX = 255,          /* OPTION_LINE_SIZE - 1: one pushed option */
	CTLMSG_MAX = PUSH_BUNDLE_SIZE,  /* our builders' longest message, incl. NUL */
};

#define PUSH_PEER_ID_MAX 0xFFFFFEu      /* 0xFFFFFF means "no peer-id" on the wire */

enum push_topology {
	PUSH_TOPO_NONE = 0,             /* no `server` directive: nothing derived */
	PUSH_TOPO_NET30,                /* 2.6 server default */
	PUSH_TOPO_P2P,
	PUSH_TOPO_SUBNET,
};

/* Options every client gets, derived once from the configuration. */
struct push_global {
	const char *const *push;        /* admin `push "..."` options, config order */
	size_t n_push;
	bool server_ipv6;               /* `server-ipv6`: 2.6 pushes "tun-ipv6" */
	/* `server NETWORK NETMASK` with dev tun (host byte order):
	 *  net30: "route NETWORK+1" ("route NETWORK NETMASK" with client-to-client)
	 *  p2p:   "route NETWORK NETMASK" only with client-to-client
	 *  subnet: "route-gateway NETWORK+1"
	 * then "topology net30|p2p|subnet" */
	enum push_topology topology;
	uint32_t server_network;
	uint32_t server_netmask;
	bool client_to_client;
	/* `keepalive PING RESTART` (server): "ping PING", "ping-restart RESTART" */
	unsigned keepalive_ping;        /* 0: no keepalive */
	unsigned keepalive_restart;
};

/* protocol-flags / key-derivation, see push_proto_flags(). */
enum push_proto_flags {
	PUSH_PF_CC_EXIT = 1u << 0,      /* client has IV_PROTO CC_EXIT_NOTIFY */
	PUSH_PF_TLS_EKM = 1u << 1,      /* data keys come from the TLS exporter */
	PUSH_PF_DYN_TLS_CRYPT = 1u << 2,/* dynamic tls-crypt for renegotiations */
};

/* What one client gets on top of the global list. */
struct push_client {
	const char *const *push;        /* its own `push` lines (ccd, client-connect) */
	size_t n_push;
	bool ifconfig_ipv6;             /* "ifconfig-ipv6 LOCAL/BITS REMOTE" */
	struct in6_addr ipv6_local;     /* the client's address */
	unsigned ipv6_netbits;
	struct in6_addr ipv6_remote;    /* the server's tunnel address */
	bool ifconfig;                  /* "ifconfig LOCAL REMOTE_NETMASK" (host order): */
	uint32_t ifconfig_local;        /* the client's tunnel address */
	uint32_t ifconfig_remote_netmask;/* subnet: netmask; net30: push_net30_peer(local);
					  * p2p: the server's tunnel address */
	bool peer_id_set;               /* only for IV_PROTO DATA_V2 clients */
	uint32_t peer_id;               /* 0..PUSH_PEER_ID_MAX, else push_reply_build() fails */
	const char *auth_token;         /* NULL: none */
	const char *cipher;             /* NULL: not pushed (client is not NCP-capable) */
	uint32_t proto_flags;           /* enum push_proto_flags */
	bool tun_mtu_set;               /* only if the client sent IV_MTU */
	int tun_mtu;
};

/* The server-side point-to-point address of a net30 client address:
 * the first host of its /30 (client 10.8.0.6 -> 10.8.0.5). */
uint32_t push_net30_peer(uint32_t client_ip);

/*
 * protocol-flags bits 2.6 uses for a client with this IV_PROTO
 * (multi_client_set_protocol_options): cc-exit if CC_EXIT_NOTIFY; tls-ekm
 * if TLS_KEY_EXPORT and ekm_available (our TLS can export); dyn-tls-crypt
 * if DYN_TLS_CRYPT and ekm_available. Emitted as "protocol-flags cc-exit
 * [tls-ekm] [dyn-tls-crypt]"; without cc-exit, EKM is announced with the
 * older "key-derivation tls-ekm" (and dyn-tls-crypt alone as
 * "protocol-flags dyn-tls-crypt", as 2.6 does). PUSH_PF_TLS_EKM set means
 * the data keys MUST then come from EKM, otherwise from the legacy PRF.
 */
uint32_t push_proto_flags(uint32_t iv_proto, bool ekm_available);

/*
 * Fill the peer-dependent parts of *pc as 2.6 does: peer_id_set (DATA_V2),
 * proto_flags, tun_mtu_set (client sent IV_MTU; 2.6 pushes its tun-mtu even
 * if larger, and only warns). pi may be NULL (old client: nothing).
 */
void push_client_caps(struct push_client *pc, const struct peerinfo *pi, bool ekm_available,
		      uint32_t peer_id, int tun_mtu);

/*
 * Build the PUSH_REPLY for one client into out: one or more NUL-terminated
 * messages back to back, each to be written with its own TLS write (walk
 * them with strlen() + 1). *n_msgs (may be NULL) gets their number. Returns
 * the total length, or -1 if an option is invalid (empty, > PUSH_OPTION_MAX,
 * contains a comma or a non-printable byte) or out is too small. Nothing
 * to push gives a bare "PUSH_REPLY" (the client is waiting for a reply).
 */
int push_reply_build(const struct push_global *g, const struct push_client *pc,
		     char *out, size_t cap, unsigned *n_msgs);

/* "PUSH_REPLY,auth-token TOKEN": the token refresh after a renegotiation. */
int push_reply_auth_token(char *out, size_t cap, const char *token);

/* "AUTH_FAILED" or "AUTH_FAILED,REASON" (reason NULL or ""), the reason cut
 * so the message fits PUSH_BUNDLE_SIZE, as 2.6 does. */
int ctlmsg_auth_failed(char *out, size_t cap, const char *reason);

enum ctlmsg_advance {
	CTL_ADVANCE_DEFAULT = 0,        /* no flag */
	CTL_ADVANCE_NO,                 /* retry the same server */
	CTL_ADVANCE_ADDR,               /* next address of the remote */
	CTL_ADVANCE_REMOTE,             /* next remote */
};

/* "AUTH_FAILED,TEMP[backoff N,advance X]:TEXT" (flags omitted when 0 /
 * default); only for clients with IV_PROTO AUTH_FAIL_TEMP. */
int ctlmsg_auth_failed_temp(char *out, size_t cap, unsigned backoff_s,
			    enum ctlmsg_advance adv, const char *text);

enum ctlmsg_restart_flags {
	CTL_RESTART_KEEP_CREDS = 1u << 0,       /* 'P': client keeps user/pass */
	CTL_RESTART_NEXT_SERVER = 1u << 1,      /* 'N': advance to the next server */
};

/* "RESTART" / "HALT" [",[PN]TEXT"] (halt: the client exits for good). */
int ctlmsg_restart(char *out, size_t cap, bool halt, unsigned flags, const char *text);

/* "AUTH_PENDING,timeout N" for clients with IV_PROTO AUTH_PENDING_KW, else
 * "AUTH_PENDING". 2.6 caps N at max(reneg-sec/2, hand-window) minus the time
 * already spent: the caller's job. */
int ctlmsg_auth_pending(char *out, size_t cap, uint32_t iv_proto, unsigned timeout_s);

/* "INFO_PRE,EXTRA" (WEB_AUTH:flags:url, CR_TEXT:flags:text, OPEN_URL:url);
 * -1 if longer than PUSH_BUNDLE_SIZE, as 2.6. Sent right after AUTH_PENDING. */
int ctlmsg_info_pre(char *out, size_t cap, const char *extra);

/* "INFO,TEXT". */
int ctlmsg_info(char *out, size_t cap, const char *text);

/* ---- received messages ---- */

enum ctlmsg_type {
	CTL_INVALID = -1,       /* non-printable byte: 2.6 drops it */
	CTL_UNKNOWN = 0,        /* 2.6 logs and ignores */
	CTL_PUSH_REQUEST,       /* C->S: wants PUSH_REPLY */
	CTL_PUSH_REPLY,         /* S->C */
	CTL_PUSH_UPDATE,        /* S->C, 2.7/o3 */
	CTL_AUTH_FAILED,        /* S->C */
	CTL_AUTH_PENDING,       /* S->C */
	CTL_INFO_PRE,           /* S->C */
	CTL_INFO,               /* S->C */
	CTL_CR_RESPONSE,        /* C->S: base64 answer to CR_TEXT */
	CTL_RESTART,            /* S->C */
	CTL_HALT,               /* S->C */
	CTL_EXIT,               /* C->S (and S->C): peer terminates (cc-exit) */
	CTL_ACC,                /* openvpn3 app control: ignore */
	CTL_RELAY,              /* openvpn3: ignore */
};

struct ctlmsg {
	enum ctlmsg_type type;
	const char *arg;        /* after "KEYWORD," (points into the input), "" if none */
	size_t arg_len;
};

/*
 * Next NUL-terminated message in rec[0..len), from *off (start at 0); *off
 * advances past its NUL. Returns true with msg/msg_len (NUL excluded,
 * trailing CR/LF removed, never empty: empty ones are skipped), false when
 * no complete message is left; *off then stays at the first byte of the
 * unterminated tail (len if none). A caller reading one TLS record at a
 * time drops that tail, as 2.6 does (a message never spans records); one
 * that accumulates TLS plaintext keeps it for the next read.
 */
bool ctlmsg_next(const uint8_t *rec, size_t len, size_t *off, const char **msg, size_t *msg_len);

/*
 * Classify one message (len bytes, no NUL needed). The keyword must be the
 * whole message or be followed by ',' (2.6 matches prefixes: we are
 * stricter, "EXITED" is CTL_UNKNOWN here); case-sensitive.
 */
void ctlmsg_classify(const char *msg, size_t len, struct ctlmsg *out);

/* Keyword of a type ("PUSH_REQUEST" ...), "?" for UNKNOWN/INVALID. */
const char *ctlmsg_type_name(enum ctlmsg_type t);

#endif
