/*
 * dpvpnd configuration: the supported subset of OpenVPN 2.6 server directives
 * (server.conf) and of client-config-dir files, parsed into plain structs.
 * Pure: no sockets, no event loop, no OpenSSL. Only the configuration text
 * itself is read here; ca/cert/key/... are stored as paths (or inline text)
 * and loaded later by the daemon. docs/config.md is the reference.
 *
 * Use: cp_config_defaults() -> cp_config_parse()/cp_config_load() ->
 * cp_config_finish() -> ... -> cp_config_free(). Errors are
 * "FILE:LINE: message" (or "FILE: message" for a missing directive).
 *
 * IPv4 addresses in these structs are in HOST byte order (pool arithmetic);
 * convert with htonl() when they go on the wire or into the IPC.
 */
#ifndef CP_CONFIG_H
#define CP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum {
	CP_CFG_MAX_PUSH = 64,		/* push lines per config / per CCD file */
	CP_CFG_PUSH_LEN = 256,		/* one pushed option, NUL included */
	CP_CFG_STR_LEN = 256,		/* fixed string fields (any argument fits) */
	CP_CFG_NAME_LEN = 64,		/* user, group, dev, ... */
	CP_CFG_MAX_ROUTES = 64,		/* 'route' lines */
	CP_CFG_MAX_CIPHERS = 8,		/* data-ciphers entries */
	CP_CFG_MAX_DERIVED_PUSH = 8,	/* pushes implied by server/keepalive */
	CP_CFG_MAX_DIRECTIVES = 160,	/* size of the per-directive line table */
	CP_CCD_MAX_IROUTE = 64,
};

enum cp_topology { CP_TOPO_NET30, CP_TOPO_SUBNET };

enum cp_proto { CP_PROTO_UDP, CP_PROTO_UDP4, CP_PROTO_UDP6 };

enum cp_verify_client { CP_VERIFY_REQUIRE, CP_VERIFY_OPTIONAL, CP_VERIFY_NONE };

/* Data-channel ciphers; the values are the IPC 'cipher' codes. */
enum cp_cipher {
	CP_CIPHER_AES_128_GCM = 1,
	CP_CIPHER_AES_256_GCM = 2,
	CP_CIPHER_CHACHA20_POLY1305 = 3,
};

/* compress / comp-lzo, as written; the server itself only frames stubs. */
enum cp_compress {
	CP_COMP_UNSET,		/* neither directive given */
	CP_COMP_STUB,		/* compress | compress stub */
	CP_COMP_STUB_V2,	/* compress stub-v2 */
	CP_COMP_MIGRATE,	/* compress migrate */
	CP_COMP_LZO,		/* compress lzo | comp-lzo yes */
	CP_COMP_LZ4,		/* compress lz4 */
	CP_COMP_LZ4_V2,		/* compress lz4-v2 */
	CP_COMP_LZO_ADAPTIVE,	/* comp-lzo | comp-lzo adaptive */
	CP_COMP_LZO_NO,		/* comp-lzo no (LZO framing byte, never compressed) */
};

enum cp_allow_comp { CP_ALLOWCOMP_UNSET, CP_ALLOWCOMP_NO, CP_ALLOWCOMP_ASYM, CP_ALLOWCOMP_YES };

/* A file argument: a path, or the text of an inline <name> block. */
struct cp_cfg_src {
	char *value;		/* heap; NULL when not configured */
	int is_inline;		/* value is the block's text, not a path */
};

struct cp_cfg_route {
	uint32_t net, mask;
};

/* Values computed by cp_config_finish() from server/topology/keepalive. */
struct cp_cfg_derived {
	uint32_t server_ip;	/* our tunnel address: NET+1 */
	uint32_t netmask;	/* the server network's mask */
	uint32_t net30_peer;	/* net30: NET+2, the far end of our p2p tun; else 0 */
	int has_pool;		/* 0 with 'server ... nopool' and no ifconfig-pool */
	uint32_t pool_start, pool_end;
	uint32_t ping;		/* seconds between our pings; 0 = off */
	uint32_t ping_restart;	/* drop a client silent this long; 0 = off */
	/* Sent after the config's push[] (OpenVPN order); push-reset drops them. */
	char push[CP_CFG_MAX_DERIVED_PUSH][CP_CFG_PUSH_LEN];
	unsigned n_push;
};

struct cp_cfg_mgmt {
	int set;
	int is_unix;			/* 'management PATH unix' */
	char addr[CP_CFG_STR_LEN];	/* IP address, or the socket path */
	uint16_t port;			/* 0 for unix */
	char *pwfile;			/* heap; NULL = no password */
	int client_auth, hold;
	uint32_t log_cache;		/* default 250 */
	char client_user[CP_CFG_NAME_LEN], client_group[CP_CFG_NAME_LEN];
};

struct cp_config {
	/* listening socket */
	uint16_t port;
	enum cp_proto proto;
	char local[CP_CFG_STR_LEN];	/* IP literal; "" = any */
	char dev[CP_CFG_NAME_LEN];	/* tun device name ("tun" = pick one) */

	/* addressing: 'server NET MASK [nopool]', 'topology', 'ifconfig-pool' */
	int server_set, server_nopool;
	uint32_t server_net, server_mask;
	enum cp_topology topology;
	int pool_set;			/* explicit ifconfig-pool */
	uint32_t pool_start, pool_end, pool_mask;
	struct cp_cfg_route routes[CP_CFG_MAX_ROUTES];
	unsigned n_routes;

	/* TLS */
	struct cp_cfg_src ca, cert, key, dh, crl_verify;
	int dh_none, crl_dir;
	struct cp_cfg_src tls_auth, tls_crypt, tls_crypt_v2;
	int key_direction;		/* -1 bidirectional (default), 0 or 1 */
	int tls_crypt_v2_force_cookie;
	uint16_t tls_version_min;	/* wire version: 0x0303 = TLS 1.2 */
	int tls_version_or_highest;
	char tls_cipher[CP_CFG_STR_LEN], tls_ciphersuites[CP_CFG_STR_LEN];
	int remote_cert_tls_client;
	enum cp_verify_client verify_client_cert;

	/* data channel */
	char data_ciphers[CP_CFG_STR_LEN];	/* canonical names joined by ':' */
	uint8_t cipher_ids[CP_CFG_MAX_CIPHERS];	/* enum cp_cipher, preference order */
	unsigned n_ciphers;
	uint8_t fallback_cipher;	/* data-ciphers-fallback; 0 = none */
	char cipher[CP_CFG_NAME_LEN];	/* 'cipher' as written; unused in TLS mode */
	char auth[CP_CFG_NAME_LEN];	/* tls-auth HMAC digest, canonical (SHA1) */
	uint32_t replay_window, replay_time;
	enum cp_compress compress;
	enum cp_allow_comp allow_compression;

	/* timers (seconds) */
	uint32_t reneg_sec, reneg_sec_min;	/* min 0 = unset */
	uint64_t reneg_bytes, reneg_pkts;	/* 0 = off */
	uint32_t hand_window, tran_window, tls_timeout;
	uint32_t ping, ping_restart;
	uint32_t keepalive_ping, keepalive_timeout;	/* 0 = no keepalive */

	/* clients */
	uint32_t max_clients;
	uint32_t connect_freq_n, connect_freq_sec;	/* 0 = unlimited */
	uint32_t connect_freq_initial_n, connect_freq_initial_sec;	/* reset replies */
	int client_to_client, duplicate_cn, ccd_exclusive;
	char *client_config_dir;
	uint32_t explicit_exit_notify;

	/* user/password authentication */
	char *user_pass_db;		/* our crypt(3) hash file */
	char *auth_verify_cmd;		/* auth-user-pass-verify command line */
	int auth_verify_via_file;	/* 1 via-file, 0 via-env */
	uint32_t script_security;	/* default 1 */
	int username_as_cn, auth_user_pass_optional;
	int auth_gen_token, auth_gen_token_external;
	uint32_t auth_gen_token_lifetime, auth_gen_token_renewal;
	struct cp_cfg_src auth_gen_token_secret;

	/* pushes, in file order */
	char push[CP_CFG_MAX_PUSH][CP_CFG_PUSH_LEN];
	unsigned n_push;

	/* sizes */
	uint32_t tun_mtu, tun_mtu_occ, max_packet_size;
	uint32_t mssfix;		/* 0 = off unless mssfix_default */
	int mssfix_default;		/* 'mssfix' without value, or not given */
	int mssfix_mode;		/* 0 plain, 1 'mtu', 2 'fixed' */
	uint32_t sndbuf, rcvbuf, txqueuelen;

	/* observability and process */
	char *status_file;
	uint32_t status_sec, status_version;
	uint32_t verb, mute;
	char *log_file;
	int log_append;
	int daemon;
	char daemon_name[CP_CFG_NAME_LEN];
	char *writepid;
	char user[CP_CFG_NAME_LEN], group[CP_CFG_NAME_LEN];
	int persist_key, persist_tun, fast_io, float_ok;
	char *pool_persist_file;
	uint32_t pool_persist_sec;
	struct cp_cfg_mgmt mgmt;
	char dataplane[CP_CFG_STR_LEN];	/* ZeroMQ endpoint */
	char ctl_socket[CP_CFG_STR_LEN];	/* dpvpnctl's unix socket; "none" = off */
	char ctl_socket_group[CP_CFG_NAME_LEN];	/* may use it too (mode 0660) */

	/* IP ban scoring (ocserv's): points per event and source address */
	uint32_t max_ban_score;		/* 0 = no bans */
	uint32_t ban_reset_time, ban_time;
	uint32_t ban_points_wrong_password, ban_points_bad_certificate;
	uint32_t ban_points_bad_packet, ban_points_connection;

	struct cp_cfg_derived derived;

	/* Line where each table directive was last given (0 = never), for the
	 * checks and their messages; kept across parses. source: last file. */
	char source[CP_CFG_STR_LEN];
	uint32_t line_of[CP_CFG_MAX_DIRECTIVES];
};

/* Client-config-dir file (one per common name). */
struct cp_ccd {
	int disable;
	int push_reset;		/* drop the inherited push list (config + derived) */
	int has_ifconfig;
	uint32_t ifconfig_local;	/* the client's address */
	uint32_t ifconfig_remote;	/* subnet: netmask; net30: the /30 peer */
	uint32_t ifconfig_line;
	struct cp_cfg_route iroute[CP_CCD_MAX_IROUTE];
	unsigned n_iroute;
	char push[CP_CFG_MAX_PUSH][CP_CFG_PUSH_LEN];	/* after any push-reset */
	unsigned n_push;
};

/* Fills OpenVPN 2.6 defaults (fact sheet §14). c must hold no heap strings. */
void cp_config_defaults(struct cp_config *c);

/*
 * Parses configuration text (a NUL is an error, not an end). Returns 0, or
 * -1 with "FNAME:LINE: message" in err. Directives not given keep their
 * current values; a repeated directive replaces the earlier one (push and
 * route accumulate). Heap strings are owned by c even after an error.
 */
int cp_config_parse(struct cp_config *c, const char *text, size_t len, const char *fname,
	char *err, size_t errlen);

/* Reads and parses a file; same contract as cp_config_parse. */
int cp_config_load(struct cp_config *c, const char *path, char *err, size_t errlen);

/*
 * Cross-checks after parsing (required directives, conflicts) and computes
 * c->derived (pool, server address, implied pushes, keepalive). 0 or -1.
 * May be called again after more parsing.
 */
int cp_config_finish(struct cp_config *c, char *err, size_t errlen);

/* Frees the heap strings; c may be given to cp_config_defaults() again. */
void cp_config_free(struct cp_config *c);

/* Parses one client-config-dir file into cc (zeroed first). 0 or -1. */
int cp_ccd_parse(struct cp_ccd *cc, const char *text, size_t len, const char *fname,
	char *err, size_t errlen);

/*
 * Checks a parsed CCD against a finished config: ifconfig-push must fit the
 * server network and topology. 0 or -1 with "FNAME:LINE: message".
 */
int cp_ccd_check(const struct cp_config *c, const struct cp_ccd *cc, const char *fname,
	char *err, size_t errlen);

#ifdef CP_CONFIG_INTERNAL
/* ---- shared by config.c, config_directives.c and config_inline.c only ---- */

enum {
	CP_CFG_MAX_WORDS = 16,		/* OpenVPN's MAX_PARMS */
	CP_CFG_WORD_MAX = 255,		/* longest word (OpenVPN: 256-byte parm) */
	CP_CFG_LINE_MAX = 1024,		/* longest directive line */
	CP_CFG_MSG_LEN = 384,
};

/* One directive: argv[0] is the name; inline blocks give argv[1] = text. */
struct cp_cfg_line {
	char *argv[CP_CFG_MAX_WORDS + 1];
	int argc;
	int is_inline;
	uint32_t lineno;
};

/* One directive table entry (config_directives.c). */
struct cp_cfg_directive;
typedef int (*cp_cfg_handler)(struct cp_config *c, const struct cp_cfg_directive *d,
	const struct cp_cfg_line *l, char *msg, size_t n);

struct cp_cfg_directive {
	const char *name;
	uint8_t min_args, max_args;
	uint8_t inline_ok;	/* may be given as an inline <name> block */
	cp_cfg_handler fn;	/* NULL: a known directive we refuse */
	const char *usage;	/* argument synopsis, or the refusal reason */
	size_t off;		/* field used by the generic handlers */
	uint32_t lo, hi;	/* h_u32: range; h_choice: value of words[0] */
	const char *const *words;	/* h_choice: the accepted keywords */
};

/* Handlers get argv[1..] already counted; on error msg gets the text after "NAME: ". */
#define CP_CFG_UNUSED __attribute__((unused))
#define CP_CFG_HANDLER(fn) int fn(CP_CFG_UNUSED struct cp_config *c, \
	CP_CFG_UNUSED const struct cp_cfg_directive *d, CP_CFG_UNUSED const struct cp_cfg_line *l, \
	CP_CFG_UNUSED char *msg, CP_CFG_UNUSED size_t n)

/* Value parsers (config.c). Those with msg return 0, or -1 with a message. */
/* Formats msg and returns -1: the one error path of every parser helper. */
int cp_cfg_fail(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int cp_cfg_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);	/* decimal only */
int cp_cfg_num(const char *s, uint32_t lo, uint32_t hi, uint32_t *out, char *msg, size_t n);
int cp_cfg_addr(const char *s, uint32_t *out, char *msg, size_t n);
int cp_cfg_net(const struct cp_cfg_line *l, struct cp_cfg_route *r, char *msg, size_t n);
int cp_cfg_push(char (*push)[CP_CFG_PUSH_LEN], unsigned *count, const char *s, char *msg,
	size_t n);
int cp_cfg_strcpy(char *dst, size_t cap, const char *s, char *msg, size_t n);
int cp_cfg_word(const char *s, const char *const *words);	/* index or -1 */

/* File arguments (config_inline.c): a path, or the text of an inline block. */
int cp_cfg_strdup(char **dst, const char *s, char *msg, size_t n);
int cp_cfg_set_src(struct cp_cfg_src *dst, const struct cp_cfg_line *l, char *msg, size_t n);
CP_CFG_HANDLER(cp_cfg_h_path);		/* FILE into a char * field */
CP_CFG_HANDLER(cp_cfg_h_src);		/* FILE or inline into a struct cp_cfg_src */
CP_CFG_HANDLER(cp_cfg_h_dh);		/* FILE|none */
CP_CFG_HANDLER(cp_cfg_h_crl);		/* FILE [dir] */
CP_CFG_HANDLER(cp_cfg_h_tls_auth);	/* FILE [0|1] */
CP_CFG_HANDLER(cp_cfg_h_tls_crypt_v2);	/* FILE [force-cookie|allow-noncookie] */
CP_CFG_HANDLER(cp_cfg_h_status);	/* FILE [SECONDS] */
CP_CFG_HANDLER(cp_cfg_h_pool_persist);	/* FILE [SECONDS] */
CP_CFG_HANDLER(cp_cfg_h_log);		/* FILE (log or log-append) */

/* Walks text line by line, counting lines. */
struct cp_cfg_reader {
	const char *text;
	size_t len, pos;
	uint32_t lineno;
};

/* Next line without its '\n'; 0 at the end of the text. */
int cp_cfg_next_line(struct cp_cfg_reader *r, const char **line, size_t *n);

/* 1 when l is a lone "<tag>" word; then tag/taglen name the tag. */
int cp_cfg_inline_tag(const struct cp_cfg_line *l, const char **tag, size_t *taglen);

/* Reads the block up to "</tag>" into a heap string (LF line ends). 0 / -1. */
int cp_cfg_inline_read(struct cp_cfg_reader *r, const char *tag, size_t taglen, char **body,
	char *msg, size_t n);

/* Applies one line to c / cc; msg gets the text after "FILE:LINE: ". 0 / -1. */
int cp_cfg_apply(struct cp_config *c, const struct cp_cfg_line *l, char *msg, size_t n);
int cp_ccd_apply(struct cp_ccd *cc, const struct cp_cfg_line *l, char *msg, size_t n);

/* Line where directive name was last given, 0 if never. */
uint32_t cp_cfg_line_of(const struct cp_config *c, const char *name);

/* Strict parsers shared by the handlers and the checks. */
int cp_cfg_ipv4(const char *s, uint32_t *out);
int cp_cfg_mask_bits(uint32_t mask);	/* prefix length, or -1 if not contiguous */
void cp_cfg_fmt_ipv4(uint32_t a, char *buf, size_t n);

#endif /* CP_CONFIG_INTERNAL */

#endif
