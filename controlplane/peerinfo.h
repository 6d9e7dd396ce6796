/*
 * Peer-info: the client's "KEY=VALUE\n" capability block, the last string
 * of its key-method-2 message (fact sheet §5.4; OpenVPN 2.6 misc.c
 * output_peer_info_env / validate_peer_info_line, ssl_util.c).
 *
 * Untrusted input. Lines are split at '\n', trailing '\r'/'\n' removed.
 * A line is kept only if it looks like OpenVPN's rule for the environment:
 * key = [A-Za-z0-9_]+ followed by '=', key starting with "IV_" or "UV_";
 * in the value every non-printable, space, '$', '(' and '`' is replaced by
 * '_' (so values are safe to hand to scripts and the management interface).
 * Empty lines are skipped silently; every other dropped line (bad syntax,
 * other prefix, longer than PEERINFO_LINE_MAX, no room left) is counted in
 * n_rejected. OpenVPN truncates over-long lines to 255 bytes; we drop them.
 *
 * Known fields are decoded from the first line carrying that key (OpenVPN
 * uses strstr(), i.e. the first match in the text). Unlike OpenVPN we match
 * whole keys only, so "UV_XIV_NCP=2" does not count as IV_NCP.
 *
 * Pure module: no malloc; the struct is self-contained and may be copied.
 */
#ifndef DPVPN_CP_PEERINFO_H
#define DPVPN_CP_PEERINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum peerinfo_limits {
	PEERINFO_TEXT_MAX = 4096,   /* stored "KEY\0VALUE\0" bytes, all pairs */
	PEERINFO_PAIRS_MAX = 64,    /* pairs kept */
	PEERINFO_LINE_MAX = 255,    /* OpenVPN's line buffer is 256 incl. NUL */
};

/* IV_PROTO bits (OpenVPN ssl.h IV_PROTO_*; 2.7/openvpn3 bits 10-12). Bit 0
 * is reserved: historically "IV_PROTO >= 2" meant DATA_V2. */
enum peerinfo_proto {
	PI_PROTO_DATA_V2 = 1u << 1,          /* may push peer-id, client sends P_DATA_V2 */
	PI_PROTO_REQUEST_PUSH = 1u << 2,     /* PUSH_REPLY without waiting for PUSH_REQUEST */
	PI_PROTO_TLS_KEY_EXPORT = 1u << 3,   /* EKM data-key derivation */
	PI_PROTO_AUTH_PENDING_KW = 1u << 4,  /* AUTH_PENDING,timeout N */
	PI_PROTO_NCP_P2P = 1u << 5,          /* p2p client: will not take a pushed cipher */
	PI_PROTO_DNS_OPTION = 1u << 6,       /* pushed `dns` option */
	PI_PROTO_CC_EXIT_NOTIFY = 1u << 7,   /* protocol-flags, EXIT on the control channel */
	PI_PROTO_AUTH_FAIL_TEMP = 1u << 8,   /* AUTH_FAILED,TEMP */
	PI_PROTO_DYN_TLS_CRYPT = 1u << 9,    /* dynamic tls-crypt for renegotiations */
	PI_PROTO_DATA_EPOCH = 1u << 10,      /* 2.7/o3: aead-epoch (never used by us) */
	PI_PROTO_DNS_OPTION_V2 = 1u << 11,   /* 2.7/o3 */
	PI_PROTO_PUSH_UPDATE = 1u << 12,     /* 2.7/o3: PUSH_UPDATE */
};

/* Compression framings the client understands (§7.6), from IV_LZO=1 etc. */
enum peerinfo_comp {
	PI_COMP_LZO = 1u << 0,          /* IV_LZO */
	PI_COMP_LZ4 = 1u << 1,          /* IV_LZ4 */
	PI_COMP_LZ4V2 = 1u << 2,        /* IV_LZ4v2 */
	PI_COMP_LZO_STUB = 1u << 3,     /* IV_LZO_STUB */
	PI_COMP_STUB = 1u << 4,         /* IV_COMP_STUB */
	PI_COMP_STUBV2 = 1u << 5,       /* IV_COMP_STUBv2 */
};

struct peerinfo_pair {
	uint16_t key_off;       /* into text[] */
	uint16_t val_off;
};

struct peerinfo {
	/* every kept line in client order (the management interface's
	 * >CLIENT:ENV lines); read with peerinfo_key()/peerinfo_value() */
	struct peerinfo_pair pairs[PEERINFO_PAIRS_MAX];
	unsigned n_pairs;
	unsigned n_rejected;
	/* indices into pairs[] of the UV_* entries, in order */
	uint8_t uv[PEERINFO_PAIRS_MAX];
	unsigned n_uv;

	/* decoded fields; strings (IV_VER, IV_PLAT, IV_CIPHERS, IV_HWADDR,
	 * IV_SSL, IV_GUI_VER, IV_SSO ...) via peerinfo_get() */
	uint32_t proto;         /* IV_PROTO; 0 if absent or not a positive number */
	int ncp;                /* IV_NCP; 0 if absent or not a number */
	int mtu;                /* IV_MTU, valid if has_mtu */
	bool has_mtu;           /* IV_MTU is a number: 2.6 then pushes tun-mtu */
	bool tcpnl;             /* IV_TCPNL=1 */
	bool has_ciphers;       /* an IV_CIPHERS line exists (even empty): NCP-capable */
	uint32_t comp;          /* enum peerinfo_comp bits, each for KEY=<nonzero number> */

	uint16_t text_len;
	char text[PEERINFO_TEXT_MAX];
};

/* Parse len bytes of peer-info text (NUL bytes end the text). Always
 * succeeds: what does not fit or is invalid is dropped and counted.
 * text may be NULL when len is 0 (client sent no peer-info). */
void peerinfo_parse(struct peerinfo *pi, const char *text, size_t len);

/* Value of the first pair with exactly this key, or NULL. */
const char *peerinfo_get(const struct peerinfo *pi, const char *key);

/* Pair i < n_pairs. */
const char *peerinfo_key(const struct peerinfo *pi, unsigned i);
const char *peerinfo_value(const struct peerinfo *pi, unsigned i);

/* Shorthands for the NCP rules (§10): the client announced IV_CIPHERS or
 * IV_NCP >= 2, i.e. a pushed `cipher` is understood. */
bool peerinfo_supports_ncp(const struct peerinfo *pi);

#endif
