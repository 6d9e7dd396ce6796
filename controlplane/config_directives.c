/*
 * The directive tables: one entry per server.conf / CCD directive with its
 * argument counts and handler. Handlers see argv[1..] already counted and
 * write only the text after "FILE:LINE: NAME: " on error. Generic handlers
 * (flag, number, string, path) find their field through 'off'.
 */
#define CP_CONFIG_INTERNAL
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD(f) offsetof(struct cp_config, f)
#define D(nm, mn, mx, h, use) { .name = nm, .min_args = mn, .max_args = mx, .fn = h, .usage = use }
#define FLAG(nm, f) { .name = nm, .fn = h_flag, .usage = "", .off = FIELD(f) }
#define U32(nm, f, l, h) { .name = nm, .min_args = 1, .max_args = 1, .fn = h_u32, \
	.usage = "N", .off = FIELD(f), .lo = l, .hi = h }
#define NAME(nm, f, use) { .name = nm, .min_args = 1, .max_args = 1, .fn = h_name, \
	.usage = use, .off = FIELD(f) }
#define STR(nm, f, use) { .name = nm, .min_args = 1, .max_args = 1, .fn = h_str, \
	.usage = use, .off = FIELD(f) }
#define PATH(nm, f) { .name = nm, .min_args = 1, .max_args = 1, .fn = cp_cfg_h_path, \
	.usage = "FILE", .off = FIELD(f) }
#define SRC(nm, f, mx, h, use) { .name = nm, .min_args = 1, .max_args = mx, .inline_ok = 1, \
	.fn = h, .usage = use, .off = FIELD(f) }
#define NO_FIELD SIZE_MAX
#define CHOICE(nm, mn, f, base, use, ...) { .name = nm, .min_args = mn, .max_args = 1, \
	.fn = h_choice, .usage = use, .off = f, .lo = base, \
	.words = (const char *const[]){ __VA_ARGS__, NULL } }
#define REFUSE(nm, why) { .name = nm, .max_args = 255, .usage = why }

#define fail cp_cfg_fail

/* ---- generic handlers ---- */

#define AT(c, d, type) ((type *)((char *)(c) + (d)->off))
/* Every handler has this signature; most ignore some of the arguments. */
#define HANDLER(fn) static CP_CFG_HANDLER(fn)

HANDLER(h_flag)
{
	*AT(c, d, int) = 1;
	return 0;
}

HANDLER(h_u32)
{
	return cp_cfg_num(l->argv[1], d->lo, d->hi, AT(c, d, uint32_t), msg, n);
}

HANDLER(h_name)
{
	if (!l->argv[1][0])
		return fail(msg, n, "empty value");
	return cp_cfg_strcpy(AT(c, d, char), CP_CFG_NAME_LEN, l->argv[1], msg, n);
}

HANDLER(h_str)
{
	if (!l->argv[1][0])
		return fail(msg, n, "empty value");
	return cp_cfg_strcpy(AT(c, d, char), CP_CFG_STR_LEN, l->argv[1], msg, n);
}

HANDLER(h_accept)
{
	return 0;
}

/* KEYWORD from d->words (the first when omitted) -> d->lo + its index. */
HANDLER(h_choice)
{
	int i = l->argc > 1 ? cp_cfg_word(l->argv[1], d->words) : 0;
	if (i < 0) {
		size_t k = 0, len = 0;
		char list[128] = "";
		while (d->words[k])
			k++;
		for (size_t j = 0; j < k && len < sizeof(list); j++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
				j == 0 ? "" : j + 1 == k ? " or " : ", ", d->words[j]);
		return fail(msg, n, "bad value '%s' (expected %s)", l->argv[1], list);
	}
	if (d->off != NO_FIELD)
		*AT(c, d, int) = (int)d->lo + i;
	return 0;
}

/* ---- socket and device ---- */

HANDLER(h_port)
{
	uint32_t v;
	if (cp_cfg_num(l->argv[1], 1, 65535, &v, msg, n))
		return -1;
	c->port = (uint16_t)v;
	return 0;
}

HANDLER(h_local)
{
	unsigned char buf[16];
	if (inet_pton(AF_INET, l->argv[1], buf) != 1 && inet_pton(AF_INET6, l->argv[1], buf) != 1)
		return fail(msg, n, "bad address '%s' (an IPv4 or IPv6 address; host names are "
			"not supported)", l->argv[1]);
	return cp_cfg_strcpy(c->local, sizeof(c->local), l->argv[1], msg, n);
}

HANDLER(h_dev)
{
	const char *v = l->argv[1];
	if (!*v || strlen(v) > 15)
		return fail(msg, n, "bad device name '%s' (1 to 15 characters)", v);
	strcpy(c->dev, v);
	return 0;
}

/* ---- addressing ---- */

HANDLER(h_server)
{
	uint32_t net, mask;
	int bits;
	if (cp_cfg_addr(l->argv[1], &net, msg, n) || cp_cfg_addr(l->argv[2], &mask, msg, n))
		return -1;
	if ((bits = cp_cfg_mask_bits(mask)) < 0)
		return fail(msg, n, "netmask %s is not contiguous", l->argv[2]);
	if (!net || (net & ~mask))
		return fail(msg, n, "%s is not a network address for netmask %s", l->argv[1],
			l->argv[2]);
	if (bits < 16)
		return fail(msg, n, "netmask %s is too short (/16 or longer)", l->argv[2]);
	if (bits > 29)
		return fail(msg, n, "netmask %s is too long for dev tun (/29 or shorter)",
			l->argv[2]);
	if (l->argc > 3 && strcmp(l->argv[3], "nopool"))
		return fail(msg, n, "unknown flag '%s' (expected nopool)", l->argv[3]);
	c->server_set = 1;
	c->server_net = net;
	c->server_mask = mask;
	c->server_nopool = l->argc > 3;
	return 0;
}

HANDLER(h_pool)
{
	uint32_t start, end, mask = 0;
	if (cp_cfg_addr(l->argv[1], &start, msg, n) || cp_cfg_addr(l->argv[2], &end, msg, n))
		return -1;
	if (l->argc > 3 && (cp_cfg_addr(l->argv[3], &mask, msg, n) || cp_cfg_mask_bits(mask) < 0))
		return fail(msg, n, "bad netmask '%s'", l->argv[3]);
	if (start > end)
		return fail(msg, n, "start %s is above end %s", l->argv[1], l->argv[2]);
	if (end - start >= 65536)
		return fail(msg, n, "range too large (max 65536 addresses)");
	c->pool_set = 1;
	c->pool_start = start;
	c->pool_end = end;
	c->pool_mask = mask;
	return 0;
}

HANDLER(h_route)
{
	if (c->n_routes == CP_CFG_MAX_ROUTES)
		return fail(msg, n, "too many routes (max %d)", CP_CFG_MAX_ROUTES);
	if (cp_cfg_net(l, &c->routes[c->n_routes], msg, n))
		return -1;
	c->n_routes++;
	return 0;
}

HANDLER(h_push)
{
	return cp_cfg_push(c->push, &c->n_push, l->argv[1], msg, n);
}

/* ---- TLS and control-channel protection ---- */

HANDLER(h_tls_version_min)
{
	static const char *const v[] = { "1.2", "1.3", NULL };
	int i = cp_cfg_word(l->argv[1], v);
	int highest = l->argc > 2;
	if (highest && strcmp(l->argv[2], "or-highest"))
		return fail(msg, n, "unknown flag '%s' (expected or-highest)", l->argv[2]);
	if (i < 0 && !highest)
		return fail(msg, n, "bad version '%s' (expected 1.2 or 1.3)", l->argv[1]);
	c->tls_version_min = i < 0 ? 0x0304 : (uint16_t)(0x0303 + i);
	c->tls_version_or_highest = highest;
	return 0;
}

/* ---- data channel ---- */

static const struct {
	const char *name;
	uint8_t id;
} aead[] = {
	{ "AES-256-GCM", CP_CIPHER_AES_256_GCM },
	{ "AES-128-GCM", CP_CIPHER_AES_128_GCM },
	{ "CHACHA20-POLY1305", CP_CIPHER_CHACHA20_POLY1305 },
};

/* Cipher names compare case-insensitively, as OpenSSL's lookup does. */
static int
cipher_id(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(aead) / sizeof(aead[0]); i++)
		if (strlen(aead[i].name) == len && !strncasecmp(s, aead[i].name, len))
			return (int)i;
	return -1;
}

#define AEAD_ONLY "(AEAD only: AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305)"

/* LIST is NAME[:NAME...]; "?NAME" is optional: skipped when unsupported. */
HANDLER(h_data_ciphers)
{
	uint8_t ids[CP_CFG_MAX_CIPHERS];
	char names[CP_CFG_STR_LEN] = "";
	unsigned cnt = 0;
	for (const char *p = l->argv[1]; *p;) {
		size_t len = strcspn(p, ":");
		int opt = *p == '?', i = cipher_id(p + opt, len - (size_t)opt), dup = 0;
		if (i < 0 && !opt && len)
			return fail(msg, n, "cipher '%.*s' is not supported " AEAD_ONLY, (int)len,
				p);
		for (unsigned k = 0; i >= 0 && k < cnt; k++)
			dup |= ids[k] == aead[i].id;
		if (i >= 0 && !dup) {
			ids[cnt++] = aead[i].id;
			if (names[0])
				strcat(names, ":");
			strcat(names, aead[i].name);
		}
		p += len + (p[len] == ':');
	}
	if (!cnt)
		return fail(msg, n, "no supported cipher in '%s' " AEAD_ONLY, l->argv[1]);
	memcpy(c->cipher_ids, ids, cnt);
	c->n_ciphers = cnt;
	strcpy(c->data_ciphers, names);
	return 0;
}

HANDLER(h_fallback)
{
	int i = cipher_id(l->argv[1], strlen(l->argv[1]));
	if (i < 0)
		return fail(msg, n, "cipher '%s' is not supported " AEAD_ONLY, l->argv[1]);
	c->fallback_cipher = aead[i].id;
	return 0;
}

HANDLER(h_auth)
{
	static const char *const dg[] = { "SHA1", "SHA224", "SHA256", "SHA384", "SHA512", NULL };
	for (int i = 0; dg[i]; i++)
		if (!strcasecmp(l->argv[1], dg[i])) {
			strcpy(c->auth, dg[i]);
			return 0;
		}
	return fail(msg, n, "digest '%s' is not supported (SHA1, SHA224, SHA256, SHA384 or SHA512)",
		l->argv[1]);
}

HANDLER(h_replay_window)
{
	if (cp_cfg_num(l->argv[1], 0, 65536, &c->replay_window, msg, n))
		return -1;
	return l->argc > 2 ? cp_cfg_num(l->argv[2], 0, 600, &c->replay_time, msg, n) : 0;
}

HANDLER(h_comp_lzo)
{
	static const char *const v[] = { "adaptive", "yes", "no", NULL };
	static const enum cp_compress val[] = { CP_COMP_LZO_ADAPTIVE, CP_COMP_LZO, CP_COMP_LZO_NO };
	int i = l->argc > 1 ? cp_cfg_word(l->argv[1], v) : 0;
	if (i < 0)
		return fail(msg, n, "bad value '%s' (expected yes, no or adaptive)", l->argv[1]);
	c->compress = val[i];
	return 0;
}

HANDLER(h_allow_comp)
{
	static const char *const v[] = { "no", "asym", "yes", NULL };
	int i = cp_cfg_word(l->argv[1], v);
	if (i < 0)
		return fail(msg, n, "bad value '%s' (expected no, asym or yes)", l->argv[1]);
	if (i > 0 && c->allow_compression == CP_ALLOWCOMP_NO)
		return fail(msg, n, "cannot change to '%s' after 'allow-compression no'",
			l->argv[1]);
	c->allow_compression = (enum cp_allow_comp)(CP_ALLOWCOMP_NO + i);
	return 0;
}

/* ---- timers ---- */

HANDLER(h_keepalive)
{
	uint32_t i, t;
	if (cp_cfg_num(l->argv[1], 1, 1u << 30, &i, msg, n)
		|| cp_cfg_num(l->argv[2], 1, 1u << 30, &t, msg, n))
		return -1;
	if (t < 2 * i)
		return fail(msg, n, "TIMEOUT %u must be at least twice INTERVAL %u", (unsigned)t,
			(unsigned)i);
	c->keepalive_ping = i;
	c->keepalive_timeout = t;
	return 0;
}

HANDLER(h_reneg_sec)
{
	uint32_t max, min = 0;
	if (cp_cfg_num(l->argv[1], 0, 1u << 30, &max, msg, n)
		|| (l->argc > 2 && cp_cfg_num(l->argv[2], 0, max, &min, msg, n)))
		return -1;
	c->reneg_sec = max;
	c->reneg_sec_min = min;
	return 0;
}

HANDLER(h_u64)
{
	if (cp_cfg_u64(l->argv[1], 0, UINT64_MAX, AT(c, d, uint64_t)))
		return fail(msg, n, "bad number '%s'", l->argv[1]);
	return 0;
}

HANDLER(h_connect_freq)
{
	if (cp_cfg_num(l->argv[1], 1, 1u << 30, &c->connect_freq_n, msg, n))
		return -1;
	return cp_cfg_num(l->argv[2], 1, 1u << 30, &c->connect_freq_sec, msg, n);
}

HANDLER(h_connect_freq_initial)
{
	if (cp_cfg_num(l->argv[1], 1, 1u << 30, &c->connect_freq_initial_n, msg, n))
		return -1;
	return cp_cfg_num(l->argv[2], 1, 1u << 30, &c->connect_freq_initial_sec, msg, n);
}

HANDLER(h_exit_notify)
{
	c->explicit_exit_notify = 1;	/* the value without an argument */
	if (l->argc == 1)
		return 0;
	return cp_cfg_num(l->argv[1], 0, 65535, &c->explicit_exit_notify, msg, n);
}

/* ---- authentication ---- */

HANDLER(h_auth_verify)
{
	static const char *const how[] = { "via-env", "via-file", NULL };
	int i = cp_cfg_word(l->argv[2], how);
	if (i < 0)
		return fail(msg, n, "bad method '%s' (expected via-file or via-env)", l->argv[2]);
	c->auth_verify_via_file = i;
	return cp_cfg_strdup(&c->auth_verify_cmd, l->argv[1], msg, n);
}

/* auth-gen-token [LIFETIME [RENEWAL]] [external-auth] */
HANDLER(h_gen_token)
{
	uint32_t v[2] = { 0, 0 };
	int ext = l->argc > 1 && !strcmp(l->argv[l->argc - 1], "external-auth");
	int nums = l->argc - 1 - ext;
	if (nums > 2)
		return fail(msg, n, "too many numbers (expected [LIFETIME [RENEWAL]] "
			"[external-auth])");
	for (int i = 0; i < nums; i++)
		if (cp_cfg_num(l->argv[1 + i], 0, 1u << 30, &v[i], msg, n))
			return -1;
	c->auth_gen_token = 1;
	c->auth_gen_token_lifetime = v[0];
	c->auth_gen_token_renewal = v[1];
	c->auth_gen_token_external = ext;
	return 0;
}

/* ---- logging, process, management ---- */

HANDLER(h_daemon)
{
	if (l->argc > 1 && cp_cfg_strcpy(c->daemon_name, CP_CFG_NAME_LEN, l->argv[1], msg, n))
		return -1;
	c->daemon = 1;
	return 0;
}

HANDLER(h_management)
{
	struct cp_cfg_mgmt *m = &c->mgmt;
	unsigned char buf[16];
	uint32_t port = 0;
	int is_unix = !strcmp(l->argv[2], "unix");
	if (!is_unix && inet_pton(AF_INET, l->argv[1], buf) != 1
		&& inet_pton(AF_INET6, l->argv[1], buf) != 1)
		return fail(msg, n, "bad address '%s' (an IP address, or 'management PATH unix')",
			l->argv[1]);
	if (is_unix && !l->argv[1][0])
		return fail(msg, n, "empty socket path");
	if (!is_unix && cp_cfg_num(l->argv[2], 1, 65535, &port, msg, n))
		return -1;
	if (l->argc > 3 && !strcmp(l->argv[3], "stdin"))
		return fail(msg, n, "password file 'stdin' is not supported (dpvpnd cannot "
			"prompt)");
	if (l->argc > 3 && cp_cfg_strdup(&m->pwfile, l->argv[3], msg, n))
		return -1;
	if (cp_cfg_strcpy(m->addr, sizeof(m->addr), l->argv[1], msg, n))
		return -1;
	m->set = 1;
	m->is_unix = is_unix;
	m->port = (uint16_t)port;
	return 0;
}

HANDLER(h_tun_mtu)
{
	if (cp_cfg_num(l->argv[1], 576, 9000, &c->tun_mtu, msg, n))
		return -1;
	c->tun_mtu_occ = 0;
	return l->argc > 2 ? cp_cfg_num(l->argv[2], 0, 65535, &c->tun_mtu_occ, msg, n) : 0;
}

HANDLER(h_mssfix)
{
	static const char *const modes[] = { "mtu", "fixed", NULL };
	int m = -1;
	if (l->argc == 1) {	/* back to the default: 1492 including encapsulation */
		c->mssfix = 1492;
		c->mssfix_default = 1;
		c->mssfix_mode = 1;
		return 0;
	}
	if (l->argc > 2 && (m = cp_cfg_word(l->argv[2], modes)) < 0)
		return fail(msg, n, "unknown flag '%s' (expected mtu or fixed)", l->argv[2]);
	if (cp_cfg_num(l->argv[1], 0, 9000, &c->mssfix, msg, n))
		return -1;
	c->mssfix_default = 0;
	c->mssfix_mode = m + 1;
	return 0;
}

HANDLER(h_dataplane)
{
	const char *v = l->argv[1];
	if ((strncmp(v, "ipc://", 6) || !v[6]) && (strncmp(v, "tcp://", 6) || !v[6]))
		return fail(msg, n, "bad endpoint '%s' (expected ipc://PATH or tcp://HOST:PORT)",
			v);
	return cp_cfg_strcpy(c->dataplane, sizeof(c->dataplane), v, msg, n);
}

#define CCD_ONLY "only valid in a client-config-dir file"
#define NO_CLIENT "client option; dpvpnd is a server"
#define NO_SCRIPT "not supported yet (of the scripts, only auth-user-pass-verify)"
#define NO_PKI "not supported yet (use ca, cert and key PEM files)"
#define NO_V6 "not supported yet (no IPv6 inside the tunnel)"
#define NO_TCP "not supported yet (UDP only)"
#define NO_TAP "not supported (layer-2 tap; dpvpn is a tun server)"

static const struct cp_cfg_directive directives[] = {
	/* socket and device */
	D("port", 1, 1, h_port, "PORT"),
	CHOICE("proto", 1, FIELD(proto), CP_PROTO_UDP, "udp|udp4|udp6", "udp", "udp4", "udp6"),
	D("local", 1, 1, h_local, "ADDRESS"),
	D("dev", 1, 1, h_dev, "tun|tunN"),
	CHOICE("dev-type", 1, NO_FIELD, 0, "tun", "tun"),
	CHOICE("mode", 1, NO_FIELD, 0, "server", "server"),
	D("tls-server", 0, 0, h_accept, ""),
	/* addressing */
	D("server", 2, 3, h_server, "NETWORK NETMASK [nopool]"),
	CHOICE("topology", 1, FIELD(topology), CP_TOPO_NET30, "subnet|net30", "net30", "subnet"),
	D("ifconfig-pool", 2, 3, h_pool, "START END [NETMASK]"),
	D("route", 1, 2, h_route, "NETWORK [NETMASK]"),
	D("push", 1, 1, h_push, "\"OPTION ...\""),
	/* TLS */
	SRC("ca", ca, 1, cp_cfg_h_src, "FILE"),
	SRC("cert", cert, 1, cp_cfg_h_src, "FILE"),
	SRC("key", key, 1, cp_cfg_h_src, "FILE"),
	SRC("dh", dh, 1, cp_cfg_h_dh, "FILE|none"),
	SRC("crl-verify", crl_verify, 2, cp_cfg_h_crl, "FILE [dir]"),
	SRC("tls-auth", tls_auth, 2, cp_cfg_h_tls_auth, "FILE [0|1]"),
	CHOICE("key-direction", 1, FIELD(key_direction), 0, "0|1", "0", "1"),
	SRC("tls-crypt", tls_crypt, 1, cp_cfg_h_src, "FILE"),
	SRC("tls-crypt-v2", tls_crypt_v2, 2, cp_cfg_h_tls_crypt_v2,
		"FILE [force-cookie|allow-noncookie]"),
	D("tls-version-min", 1, 2, h_tls_version_min, "1.2|1.3 [or-highest]"),
	STR("tls-cipher", tls_cipher, "LIST"),
	STR("tls-ciphersuites", tls_ciphersuites, "LIST"),
	CHOICE("remote-cert-tls", 1, FIELD(remote_cert_tls_client), 1, "client", "client"),
	CHOICE("verify-client-cert", 0, FIELD(verify_client_cert), CP_VERIFY_REQUIRE,
		"[none|optional|require]", "require", "optional", "none"),
	/* data channel */
	D("data-ciphers", 1, 1, h_data_ciphers, "CIPHER[:CIPHER...]"),
	D("ncp-ciphers", 1, 1, h_data_ciphers, "CIPHER[:CIPHER...]"),
	D("data-ciphers-fallback", 1, 1, h_fallback, "CIPHER"),
	NAME("cipher", cipher, "CIPHER"),
	D("auth", 1, 1, h_auth, "DIGEST"),
	D("replay-window", 1, 2, h_replay_window, "N [SECONDS]"),
	CHOICE("compress", 0, FIELD(compress), CP_COMP_STUB,
		"[stub|stub-v2|migrate|lzo|lz4|lz4-v2]",
		"stub", "stub-v2", "migrate", "lzo", "lz4", "lz4-v2"),
	D("comp-lzo", 0, 1, h_comp_lzo, "[yes|no|adaptive]"),
	D("allow-compression", 1, 1, h_allow_comp, "no|asym|yes"),
	/* timers */
	D("keepalive", 2, 2, h_keepalive, "INTERVAL TIMEOUT"),
	U32("ping", ping, 0, 1u << 30),
	U32("ping-restart", ping_restart, 0, 1u << 30),
	D("reneg-sec", 1, 2, h_reneg_sec, "SECONDS [MIN]"),
	{ .name = "reneg-bytes", .min_args = 1, .max_args = 1, .fn = h_u64, .usage = "N",
		.off = FIELD(reneg_bytes) },
	{ .name = "reneg-pkts", .min_args = 1, .max_args = 1, .fn = h_u64, .usage = "N",
		.off = FIELD(reneg_pkts) },
	U32("hand-window", hand_window, 1, 86400),
	U32("tran-window", tran_window, 1, 86400),
	U32("tls-timeout", tls_timeout, 1, 3600),
	/* clients */
	U32("max-clients", max_clients, 1, 0xfffffe),
	D("connect-freq", 2, 2, h_connect_freq, "N SECONDS"),
	D("connect-freq-initial", 2, 2, h_connect_freq_initial, "N SECONDS"),
	FLAG("client-to-client", client_to_client),
	FLAG("duplicate-cn", duplicate_cn),
	PATH("client-config-dir", client_config_dir),
	FLAG("ccd-exclusive", ccd_exclusive),
	D("explicit-exit-notify", 0, 1, h_exit_notify, "[N]"),
	D("ifconfig-pool-persist", 1, 2, cp_cfg_h_pool_persist, "FILE [SECONDS]"),
	/* authentication */
	PATH("user-pass-db", user_pass_db),
	D("auth-user-pass-verify", 2, 2, h_auth_verify, "COMMAND via-file|via-env"),
	U32("script-security", script_security, 0, 3),
	FLAG("username-as-common-name", username_as_cn),
	FLAG("auth-user-pass-optional", auth_user_pass_optional),
	D("auth-gen-token", 0, 3, h_gen_token, "[LIFETIME [RENEWAL]] [external-auth]"),
	SRC("auth-gen-token-secret", auth_gen_token_secret, 1, cp_cfg_h_src, "FILE"),
	/* sizes */
	D("tun-mtu", 1, 2, h_tun_mtu, "MTU [OCC-MTU]"),
	D("mssfix", 0, 2, h_mssfix, "[BYTES [mtu|fixed]]"),
	U32("max-packet-size", max_packet_size, 154, 2048),
	U32("sndbuf", sndbuf, 0, 1u << 30),
	U32("rcvbuf", rcvbuf, 0, 1u << 30),
	U32("txqueuelen", txqueuelen, 0, 1u << 20),
	/* logging and process */
	D("status", 1, 2, cp_cfg_h_status, "FILE [SECONDS]"),
	U32("status-version", status_version, 1, 3),
	U32("verb", verb, 0, 11),
	U32("mute", mute, 0, 1u << 30),
	D("log", 1, 1, cp_cfg_h_log, "FILE"),
	D("log-append", 1, 1, cp_cfg_h_log, "FILE"),
	D("daemon", 0, 1, h_daemon, "[NAME]"),
	PATH("writepid", writepid),
	NAME("user", user, "USER"),
	NAME("group", group, "GROUP"),
	FLAG("persist-key", persist_key),
	FLAG("persist-tun", persist_tun),
	FLAG("fast-io", fast_io),
	FLAG("float", float_ok),
	/* management interface and data plane */
	D("management", 2, 3, h_management, "IP PORT [PWFILE] | PATH unix [PWFILE]"),
	FLAG("management-client-auth", mgmt.client_auth),
	FLAG("management-hold", mgmt.hold),
	U32("management-log-cache", mgmt.log_cache, 1, 1u << 30),
	NAME("management-client-user", mgmt.client_user, "USER"),
	NAME("management-client-group", mgmt.client_group, "GROUP"),
	D("dataplane", 1, 1, h_dataplane, "ENDPOINT"),
	STR("dpvpnctl-socket", ctl_socket, "PATH|none"),
	NAME("dpvpnctl-socket-group", ctl_socket_group, "GROUP"),
	/* IP ban scoring, as ocserv's max-ban-score / ban-reset-time */
	U32("max-ban-score", max_ban_score, 0, 1u << 30),
	U32("ban-reset-time", ban_reset_time, 1, 1u << 30),
	U32("ban-time", ban_time, 1, 1u << 30),
	U32("ban-points-wrong-password", ban_points_wrong_password, 0, 1u << 20),
	U32("ban-points-bad-certificate", ban_points_bad_certificate, 0, 1u << 20),
	U32("ban-points-bad-packet", ban_points_bad_packet, 0, 1u << 20),
	U32("ban-points-connection", ban_points_connection, 0, 1u << 20),
	/* known, refused */
	REFUSE("secret", "static-key mode is not supported (insecure; use TLS with ca, cert, key)"),
	REFUSE("fragment", "not supported (use tun-mtu and mssfix)"),
	REFUSE("ncp-disable", "not supported (removed in OpenVPN 2.6; ciphers are negotiated)"),
	REFUSE("key-method", "not supported (key method 2 is the only one)"),
	REFUSE("server-ipv6", "not supported yet"),
	REFUSE("ifconfig-ipv6", NO_V6),
	REFUSE("ifconfig-ipv6-pool", NO_V6),
	REFUSE("route-ipv6", NO_V6),
	REFUSE("tun-ipv6", NO_V6),
	REFUSE("server-bridge", "not supported (needs dev tap; dpvpn is a tun server)"),
	REFUSE("ifconfig", "not supported (the server address comes from 'server')"),
	REFUSE("config", "not supported (no include files)"),
	REFUSE("client", NO_CLIENT),
	REFUSE("tls-client", NO_CLIENT),
	REFUSE("pull", NO_CLIENT),
	REFUSE("remote", NO_CLIENT),
	REFUSE("auth-user-pass", NO_CLIENT),
	REFUSE("connection", NO_CLIENT),
	REFUSE("client-connect", NO_SCRIPT),
	REFUSE("client-disconnect", NO_SCRIPT),
	REFUSE("learn-address", NO_SCRIPT),
	REFUSE("tls-verify", NO_SCRIPT),
	REFUSE("tls-crypt-v2-verify", NO_SCRIPT),
	REFUSE("plugin", NO_SCRIPT),
	REFUSE("up", NO_SCRIPT),
	REFUSE("down", NO_SCRIPT),
	REFUSE("pkcs12", NO_PKI),
	REFUSE("extra-certs", NO_PKI),
	REFUSE("capath", NO_PKI),
	REFUSE("peer-fingerprint", NO_PKI),
	REFUSE("verify-x509-name", "not supported yet"),
	REFUSE("x509-username-field", "not supported yet"),
	REFUSE("port-share", NO_TCP),
	REFUSE("tcp-queue-limit", NO_TCP),
	REFUSE("tcp-nodelay", NO_TCP),
	REFUSE("push-reset", CCD_ONLY),
	REFUSE("push-remove", CCD_ONLY),
	REFUSE("ifconfig-push", CCD_ONLY),
	REFUSE("iroute", CCD_ONLY),
	REFUSE("disable", CCD_ONLY),
	REFUSE("iroute-ipv6", CCD_ONLY),
	REFUSE("ifconfig-ipv6-push", CCD_ONLY),
};

/* Values of supported directives refused by name ('*': any suffix). */
static const struct {
	const char *name, *value, *why;
} refused_values[] = {
	{ "proto", "tcp*", NO_TCP },
	{ "dev", "tap*", NO_TAP },
	{ "dev", "null", NO_TAP },
	{ "dev-type", "tap", NO_TAP },
	{ "mode", "p2p", "not supported (dpvpnd is a multi-client server: use 'mode server')" },
	{ "topology", "p2p", "not supported (use subnet or net30)" },
	{ "tls-version-min", "1.0", "not supported (TLS 1.2 is the minimum)" },
	{ "tls-version-min", "1.1", "not supported (TLS 1.2 is the minimum)" },
	{ "remote-cert-tls", "server", "not supported (a server checks clients: use 'client')" },
};

static int
refused_value(const struct cp_cfg_line *l, char *msg, size_t n)
{
	size_t count = sizeof(refused_values) / sizeof(refused_values[0]);
	for (size_t i = 0; l->argc > 1 && i < count; i++) {
		const char *v = refused_values[i].value;
		size_t len = strcspn(v, "*");
		if (!strcmp(l->argv[0], refused_values[i].name) && !strncmp(l->argv[1], v, len)
			&& (v[len] == '*' || !l->argv[1][len]))
			return fail(msg, n, "%s: '%s' is %s", l->argv[0], l->argv[1],
				refused_values[i].why);
	}
	return 0;
}

#define N_DIRECTIVES (sizeof(directives) / sizeof(directives[0]))
_Static_assert(N_DIRECTIVES <= CP_CFG_MAX_DIRECTIVES, "grow CP_CFG_MAX_DIRECTIVES");

/* Other OpenVPN 2.6 option names: refused as "not supported", not "unknown". */
static const char *const openvpn_other[] = {
	"allow-nonadmin", "allow-pull-fqdn", "allow-recursive-routing", "askpass",
	"auth-nocache", "auth-retry", "auth-token", "auth-token-user", "bcast-buffers", "bind",
	"bind-dev", "block-ipv6", "block-outside-dns", "cd", "chroot",
	"client-cert-not-required", "client-crresponse", "client-nat", "comp-noadapt",
	"compat-mode", "compat-names", "connect-freq-initial", "connect-retry",
	"connect-retry-max", "connect-timeout", "cryptoapicert", "dev-node", "dhcp-internal",
	"dhcp-option", "dhcp-pre-release", "dhcp-release", "dhcp-renew", "disable-dco",
	"disable-occ", "dns", "down-pre", "ecdh-curve", "echo", "engine", "errors-to-stderr",
	"force-tls-key-material-export", "genkey", "gremlin", "hash-size", "help",
	"http-proxy", "http-proxy-option", "http-proxy-override", "http-proxy-retry",
	"http-proxy-timeout", "http-proxy-user-pass", "ifconfig-noexec", "ifconfig-nowarn",
	"ifconfig-push-constraint", "ignore-unknown-option", "inactive", "ip-remote-hint",
	"ip-win32", "ipchange", "iproute", "key-derivation", "keying-material-exporter",
	"link-mtu", "lladdr", "lport", "machine-readable-output", "management-client",
	"management-external-cert", "management-external-key", "management-forget-disconnect",
	"management-query-passwords", "management-query-proxy", "management-query-remote",
	"management-signal", "management-up-down", "mark", "max-routes",
	"max-routes-per-client", "memstats", "mktun", "mlock", "msg-channel", "mtu-disc",
	"mtu-dynamic", "mtu-test", "multihome", "mute-replay-warnings", "nice",
	"no-name-remapping", "no-replay", "nobind", "ns-cert-type", "opt-verify", "parameter",
	"passtos", "pause-exit", "peer-id", "persist-local-ip", "persist-remote-ip",
	"ping-exit", "ping-timer-rem", "pkcs11-cert-private", "pkcs11-id",
	"pkcs11-id-management", "pkcs11-pin-cache", "pkcs11-private-mode",
	"pkcs11-protected-authentication", "pkcs11-providers", "preresolve", "prng",
	"proto-force", "protocol-flags", "providers", "pull-filter", "push-continuation",
	"push-peer-info", "rdns-internal", "redirect-gateway", "redirect-private",
	"register-dns", "remap-usr1", "remote-cert-eku", "remote-cert-ku", "remote-random",
	"remote-random-hostname", "replay-persist", "resolv-retry", "rmtun", "route-delay",
	"route-gateway", "route-ipv6-gateway", "route-method", "route-metric", "route-noexec",
	"route-nopull", "route-pre-down", "route-up", "rport", "server-poll-timeout",
	"service", "session-timeout", "setcon", "setenv", "setenv-safe", "shaper",
	"show-adapters", "show-ciphers", "show-curves", "show-digests", "show-engines",
	"show-gateway", "show-groups", "show-net", "show-net-up", "show-pkcs11-ids",
	"show-tls", "show-valid-subnets", "single-session", "socket-flags", "socks-proxy",
	"socks-proxy-retry", "stale-routes-check", "static-challenge", "suppress-timestamps",
	"syslog", "tap-sleep", "test-crypto", "tls-cert-profile", "tls-exit",
	"tls-export-cert", "tls-groups", "tls-version-max", "tmp-dir", "tun-mtu-extra",
	"tun-mtu-max", "udp-mtu", "up-delay", "up-restart", "use-prediction-resistance",
	"verify-hash", "version", "vlan-accept", "vlan-pvid", "vlan-tagging", "win-sys",
	"windows-driver", "x509-track",
	NULL
};

static const struct cp_cfg_directive *
find(const struct cp_cfg_directive *t, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static int
known_elsewhere(const char *name)
{
	return cp_cfg_word(name, openvpn_other) >= 0;
}

uint32_t
cp_cfg_line_of(const struct cp_config *c, const char *name)
{
	const struct cp_cfg_directive *d = find(directives, N_DIRECTIVES, name);
	return d ? c->line_of[d - directives] : 0;
}

/* Wrong number of arguments: say what was expected and show the synopsis. */
static int
bad_count(const struct cp_cfg_directive *d, int got, char *msg, size_t n)
{
	char want[32];
	if (d->min_args == d->max_args)
		snprintf(want, sizeof(want), "%d argument%s", d->min_args,
			d->min_args == 1 ? "" : "s");
	else
		snprintf(want, sizeof(want), "%d to %d arguments", d->min_args, d->max_args);
	return fail(msg, n, "%s: expected %s, got %d (usage: %s%s%s)", d->name, want, got,
		d->name, d->usage[0] ? " " : "", d->usage);
}

/* The checks every table shares; 1 = go on and call d->fn. */
static int
precheck(const struct cp_cfg_directive *d, const struct cp_cfg_line *l, char *msg, size_t n)
{
	if (!d->fn)
		return fail(msg, n, "%s: %s", d->name, d->usage);
	if (refused_value(l, msg, n))
		return -1;
	if (l->is_inline && !d->inline_ok)
		return fail(msg, n, "%s: cannot be given as an inline <%s> block", d->name,
			d->name);
	if (l->argc - 1 < d->min_args || l->argc - 1 > d->max_args)
		return bad_count(d, l->argc - 1, msg, n);
	return 1;
}

int
cp_cfg_apply(struct cp_config *c, const struct cp_cfg_line *l, char *msg, size_t n)
{
	const struct cp_cfg_directive *d = find(directives, N_DIRECTIVES, l->argv[0]);
	char sub[CP_CFG_MSG_LEN - 64];

	if (!d) {
		if (known_elsewhere(l->argv[0]))
			return fail(msg, n, "%s: OpenVPN option not supported by dpvpn",
				l->argv[0]);
		return fail(msg, n, "unknown directive '%s'", l->argv[0]);
	}
	if (precheck(d, l, msg, n) < 0)
		return -1;
	if (d->fn(c, d, l, sub, sizeof(sub)))
		return fail(msg, n, "%s: %s", d->name, sub);
	c->line_of[d - directives] = l->lineno;
	return 0;
}

/* ---- client-config-dir files ---- */

typedef int (*ccd_fn)(struct cp_ccd *cc, const struct cp_cfg_line *l, char *msg, size_t n);

static int
c_ifconfig_push(struct cp_ccd *cc, const struct cp_cfg_line *l, char *msg, size_t n)
{
	if (l->argc > 3)
		return fail(msg, n, "the alias argument is not supported");
	if (cp_cfg_addr(l->argv[1], &cc->ifconfig_local, msg, n)
		|| cp_cfg_addr(l->argv[2], &cc->ifconfig_remote, msg, n))
		return -1;
	cc->has_ifconfig = 1;
	cc->ifconfig_line = l->lineno;
	return 0;
}

static int
c_iroute(struct cp_ccd *cc, const struct cp_cfg_line *l, char *msg, size_t n)
{
	if (cc->n_iroute == CP_CCD_MAX_IROUTE)
		return fail(msg, n, "too many iroutes (max %d)", CP_CCD_MAX_IROUTE);
	if (cp_cfg_net(l, &cc->iroute[cc->n_iroute], msg, n))
		return -1;
	cc->n_iroute++;
	return 0;
}

static int
c_push(struct cp_ccd *cc, const struct cp_cfg_line *l, char *msg, size_t n)
{
	return cp_cfg_push(cc->push, &cc->n_push, l->argv[1], msg, n);
}

/* Forgets the inherited list and this file's earlier pushes. */
static int
c_push_reset(struct cp_ccd *cc, const struct cp_cfg_line *l, char *msg, size_t n)
{
	(void)l, (void)msg, (void)n;
	cc->push_reset = 1;
	cc->n_push = 0;
	return 0;
}

static int
c_disable(struct cp_ccd *cc, const struct cp_cfg_line *l, char *msg, size_t n)
{
	(void)l, (void)msg, (void)n;
	cc->disable = 1;
	return 0;
}

/* CCD entries reuse struct cp_cfg_directive; fn is unused, cfn does the work. */
static const struct {
	struct cp_cfg_directive d;
	ccd_fn cfn;
} ccd_directives[] = {
	{ D("ifconfig-push", 2, 3, h_accept, "LOCAL NETMASK|REMOTE"), c_ifconfig_push },
	{ D("iroute", 1, 2, h_accept, "NETWORK [NETMASK]"), c_iroute },
	{ D("push", 1, 1, h_accept, "\"OPTION ...\""), c_push },
	{ D("push-reset", 0, 0, h_accept, ""), c_push_reset },
	{ D("disable", 0, 0, h_accept, ""), c_disable },
	{ REFUSE("push-remove", "not supported yet"), NULL },
	{ REFUSE("iroute-ipv6", NO_V6), NULL },
	{ REFUSE("ifconfig-ipv6-push", NO_V6), NULL },
	{ REFUSE("config", "not supported (no include files)"), NULL },
};

int
cp_ccd_apply(struct cp_ccd *cc, const struct cp_cfg_line *l, char *msg, size_t n)
{
	char sub[CP_CFG_MSG_LEN - 64];
	const char *name = l->argv[0];

	for (size_t i = 0; i < sizeof(ccd_directives) / sizeof(ccd_directives[0]); i++) {
		const struct cp_cfg_directive *d = &ccd_directives[i].d;
		if (strcmp(d->name, name))
			continue;
		if (precheck(d, l, msg, n) < 0)
			return -1;
		if (ccd_directives[i].cfn(cc, l, sub, sizeof(sub)))
			return fail(msg, n, "%s: %s", d->name, sub);
		return 0;
	}
	if (find(directives, N_DIRECTIVES, name) || known_elsewhere(name))
		return fail(msg, n, "%s: not supported in a client-config-dir file", name);
	return fail(msg, n, "unknown directive '%s'", name);
}
