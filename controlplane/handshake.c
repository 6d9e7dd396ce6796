/*
 * What runs inside TLS once it is up (fact sheet §5, §6, §9, §10): the
 * client's key-method-2 message, authentication, cipher negotiation, data
 * key derivation and installation in the dataplane, then PUSH_REPLY and
 * the text messages that follow.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ipc.h"
#include "log.h"
#include "prf.h"
#include "bans.h"
#include "ctl.h"
#include "server.h"

#define EXIT_LINGER_MS 5000	/* §8.3: keep state for retransmits after EXIT */

/* The options string we announce (only compared by clients for warnings). */
static const char server_options[] =
	"V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,keydir 0,"
	"cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-server";

/*
 * A failed first key ends the client; the record goes from the timer on
 * the next loop iteration, so callers up the stack may still touch it.
 */
static void
fail_keystate(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks, const char *why)
{
	if (c->primary < 0 || c->primary == ks->key_id) {
		cp_client_close(s, c, why);
		return;
	}
	log_info("session %u: renegotiation of key %u failed: %s", c->slot, ks->key_id, why);
	ks->state = KS_FAILED;
}

/* The pool index of a tunnel address, or -1 outside the pool. */
int64_t
cp_pool_index(const struct cp_server *s, uint32_t vaddr)
{
	const struct cp_cfg_derived *d = &s->cfg.derived;
	if (!d->has_pool || vaddr < d->pool_start || vaddr > d->pool_end)
		return -1;
	uint32_t off = vaddr - d->pool_start;
	return s->cfg.topology == CP_TOPO_NET30 ? off / 4 : off;
}

/* The client's tunnel address: its ccd one, else the lowest free in the pool. */
static uint32_t
assign_address(struct cp_server *s, const struct cp_client *c)
{
	const struct cp_cfg_derived *d = &s->cfg.derived;
	if (c->ccd && c->ccd->has_ifconfig) {
		int64_t idx = cp_pool_index(s, c->ccd->ifconfig_local);
		if (idx >= 0 && !idpool_take(&s->addrs, (uint32_t)idx))
			return 0;	/* in use by another client */
		return c->ccd->ifconfig_local;
	}
	if (!d->has_pool)
		return 0;
	int64_t off = idpool_alloc(&s->addrs);
	if (off < 0)
		return 0;
	if (s->cfg.topology == CP_TOPO_NET30)
		return d->pool_start + (uint32_t)off * 4 + 2;	/* .6, .10, ...: /30 blocks */
	return d->pool_start + (uint32_t)off;
}

/*
 * client-config-dir/COMMON_NAME: fixed address, iroutes, pushes, disable.
 * Returns false when the client may not connect.
 */
static bool
load_ccd(struct cp_server *s, struct cp_client *c)
{
	char path[4096], err[512];
	const char *cn = c->common_name;
	if (!s->cfg.client_config_dir)
		return true;
	/* A common name is a file name here: refuse anything that could walk. */
	if (!cn[0] || strchr(cn, '/') || cn[0] == '.') {
		log_warnx("session %u: common name '%s' not usable with client-config-dir", c->slot, cn);
		return !s->cfg.ccd_exclusive;
	}
	snprintf(path, sizeof(path), "%s/%s", s->cfg.client_config_dir, cn);
	FILE *f = fopen(path, "r");
	if (!f)
		return !s->cfg.ccd_exclusive;
	char *text = calloc(1, 65536);
	size_t n = text ? fread(text, 1, 65535, f) : 0;
	fclose(f);
	c->ccd = calloc(1, sizeof(*c->ccd));
	bool ok = text && c->ccd && cp_ccd_parse(c->ccd, text, n, path, err, sizeof(err)) == 0
		&& cp_ccd_check(&s->cfg, c->ccd, path, err, sizeof(err)) == 0;
	free(text);
	if (!ok) {
		log_warnx("session %u: %s", c->slot, err);
		return false;
	}
	if (c->ccd->disable) {
		log_info("session %u: %s is disabled in %s", c->slot, cn, path);
		return false;
	}
	return true;
}

static bool
authenticate(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks,
	const struct km2_client_msg *m)
{
	(void)m;
	if (!cp_tls_peer_cn(ks->tls, c->common_name, sizeof(c->common_name)))
		return false;
	/* Certificates were verified by TLS per verify-client-cert. */
	if (s->cfg.verify_client_cert == CP_VERIFY_REQUIRE && !cp_tls_peer_verified(ks->tls))
		return false;
	if (!load_ccd(s, c))
		return false;
	return true;
}

/* §6: EKM when both sides can (pushed as tls-ekm), else the legacy PRF. */
static int
derive_keys(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks,
	const struct km2_client_msg *m, const uint8_t *sr1, const uint8_t *sr2)
{
	(void)s;
	uint32_t flags = push_proto_flags(c->pi ? c->pi->proto : 0, true);
	if (flags & PUSH_PF_TLS_EKM)
		return cp_tls_export_key_block(ks->tls, ks->key_block);
	struct prf_legacy_input in = { .pre_master = m->pre_master, .client_random1 = m->random1,
		.client_random2 = m->random2, .server_random1 = sr1, .server_random2 = sr2,
		.client_sid = c->sid_remote, .server_sid = c->sid_local };
	return prf_legacy_key_block(&in, ks->key_block);
}

static int
choose_cipher(struct cp_server *s, struct cp_client *c, const struct km2_client_msg *m)
{
	char occ_cipher[64] = "";
	struct ncp_result r;
	ncp_occ_cipher(m->options, occ_cipher, sizeof(occ_cipher));
	if (ncp_select(&s->ciphers, c->pi, occ_cipher[0] ? occ_cipher : NULL,
		(enum ncp_cipher)s->cfg.fallback_cipher, &r) != 0)
		return -1;
	c->cipher = r.cipher;
	return 0;
}

/* What client-auth's config block adds to the client's CCD (2.6: like a client-connect file). */
static int
apply_mgmt_config(struct cp_server *s, struct cp_client *c)
{
	struct cp_ccd *add = calloc(1, sizeof(*add));
	char err[512];
	const char *text = c->mgmt_config;
	int r = -1;
	if (!add || (!c->ccd && !(c->ccd = calloc(1, sizeof(*c->ccd)))))
		goto out;
	if (cp_ccd_parse(add, text, strlen(text), "client-auth", err, sizeof(err)) != 0
		|| cp_ccd_check(&s->cfg, add, "client-auth", err, sizeof(err)) != 0) {
		log_warnx("session %u: %s", c->slot, err);
		goto out;
	}
	struct cp_ccd *cc = c->ccd;
	if (add->has_ifconfig) {
		cc->has_ifconfig = 1;
		cc->ifconfig_local = add->ifconfig_local;
		cc->ifconfig_remote = add->ifconfig_remote;
	}
	if (add->push_reset) {
		cc->push_reset = 1;
		cc->n_push = 0;
	}
	for (unsigned i = 0; i < add->n_iroute && cc->n_iroute < CP_CCD_MAX_IROUTE; i++)
		cc->iroute[cc->n_iroute++] = add->iroute[i];
	for (unsigned i = 0; i < add->n_push && cc->n_push < CP_CFG_MAX_PUSH; i++)
		memcpy(cc->push[cc->n_push++], add->push[i], sizeof(cc->push[0]));
	cc->disable |= add->disable;
	r = cc->disable ? -1 : 0;
out:
	free(add);
	return r;
}

/* First key of a client: where it lives in the tunnel, once it is authenticated. */
static int
setup_session(struct cp_server *s, struct cp_client *c)
{
	if (c->mgmt_config && apply_mgmt_config(s, c) != 0)
		return -1;
	c->vaddr = assign_address(s, c);
	if (!c->vaddr) {
		log_warnx("session %u: no tunnel address (pool exhausted or fixed address in use)",
			c->slot);
		return -1;
	}
	if (c->pi && (c->pi->proto & PI_PROTO_DATA_V2))
		c->peer_id = c->slot;
	c->authenticated = true;
	/* occtl's auth time: first packet to verdict (TLS, key method 2, credentials) */
	cp_sess_stats_auth(&s->sess_stats, ev_now_ms(s->loop) - c->created_ms);
	return 0;
}

/*
 * §2.7: renegotiations are wrapped with a key exported from the first TLS
 * session, mixed with the configured one. On from the PUSH_REPLY that says so.
 */
static bool
enable_dyn_tls_crypt(struct cp_client *c)
{
	uint8_t ekm[256];
	if (c->wrap.dyn)
		return true;
	if (!c->ks[0] || cp_tls_export(c->ks[0]->tls, "EXPORTER-OpenVPN-dynamic-tls-crypt", ekm,
		sizeof(ekm)) != 0)
		return false;
	cp_wrap_enable_dyn(&c->wrap, ekm);
	OPENSSL_cleanse(ekm, sizeof(ekm));
	return c->wrap.dyn;
}

static void
send_push_reply(struct cp_server *s, struct cp_client *c)
{
	char token[AUTHTOKEN_SIZE];
	struct push_client pc = { .ifconfig = true, .ifconfig_local = c->vaddr,
		.cipher = ncp_cipher_name(c->cipher),
		.auth_token = cp_auth_token(s, c, token) ? token : NULL };
	struct push_global g = s->push;
	const char *own[CP_CFG_MAX_PUSH + 1];
	char buf[4 * PUSH_BUNDLE_SIZE];
	unsigned n_msgs = 0;
	pc.push = own;
	/*
	 * §7.6 (2.6's "compress migrate"): a client configured with compression
	 * frames every packet; "compress stub-v2" makes IP packets go unframed
	 * (they never start with 0x50). Older clients cannot be told so.
	 */
	if (c->occ_comp && c->pi && (c->pi->comp & PI_COMP_STUBV2))
		own[pc.n_push++] = "compress stub-v2";
	if (c->ccd) {
		for (unsigned i = 0; i < c->ccd->n_push; i++)
			own[pc.n_push++] = c->ccd->push[i];
		if (c->ccd->push_reset) {	/* drops inherited pushes, implied ones too */
			g.n_push = 0;
			g.topology = PUSH_TOPO_NONE;
			g.keepalive_ping = g.keepalive_restart = 0;
		}
	}
	push_client_caps(&pc, c->pi, true, c->peer_id, (int)s->cfg.tun_mtu);
	if ((pc.proto_flags & PUSH_PF_DYN_TLS_CRYPT) && !enable_dyn_tls_crypt(c))
		pc.proto_flags &= ~(uint32_t)PUSH_PF_DYN_TLS_CRYPT;
	pc.peer_id_set = c->peer_id != IPC_PEER_ID_NONE;
	pc.ifconfig_remote_netmask = s->cfg.topology == CP_TOPO_SUBNET
		? s->cfg.derived.netmask : push_net30_peer(c->vaddr);
	if (c->ccd && c->ccd->has_ifconfig)
		pc.ifconfig_remote_netmask = c->ccd->ifconfig_remote;
	int len = push_reply_build(&g, &pc, buf, sizeof(buf), &n_msgs);
	if (len < 0) {
		log_warnx("session %u: PUSH_REPLY does not build", c->slot);
		return;
	}
	for (int off = 0; off < len; off += (int)strlen(buf + off) + 1)
		cp_ctl_send_text(s, c, buf + off);
	c->push_sent = true;
	char a[INET_ADDRSTRLEN];
	uint32_t be = htonl(c->vaddr);
	inet_ntop(AF_INET, &be, a, sizeof(a));
	log_info("%s session %u: %s, peer-id %d, %s", c->common_name, c->slot, a,
		c->peer_id == IPC_PEER_ID_NONE ? -1 : (int)c->peer_id, ncp_cipher_name(c->cipher));
}

static void
send_auth_failed(struct cp_server *s, struct cp_client *c, const char *reason)
{
	char msg[CTLMSG_MAX];
	s->stats.auth_failed++;
	/* A refused token: the client drops it and asks for the password again. */
	if (c->token_expired)
		reason = "SESSION: token expired";
	else if (!reason && c->deny_reason[0])
		reason = c->deny_reason;	/* client-deny's client reason */

	if (ctlmsg_auth_failed(msg, sizeof(msg), reason) >= 0)
		cp_ctl_send_text(s, c, msg);
	cp_dp_remove(s, c);
	snprintf(c->close_reason, sizeof(c->close_reason), "authentication failed");
	c->exit_at_ms = ev_now_ms(s->loop) + EXIT_LINGER_MS;
}

/* "PUSH_REPLY,auth-token ..." after a renegotiation (§12): a fresh token. */
static void
refresh_token(struct cp_server *s, struct cp_client *c)
{
	char token[AUTHTOKEN_SIZE], msg[PUSH_BUNDLE_SIZE];
	if (cp_auth_token(s, c, token) && push_reply_auth_token(msg, sizeof(msg), token) >= 0)
		cp_ctl_send_text(s, c, msg);
	OPENSSL_cleanse(token, sizeof(token));
}

void
cp_reauth_done(struct cp_server *s, struct cp_client *c, bool ok)
{
	struct cp_keystate *ks = c->ks[c->reauth_key];
	c->reauth_key = -1;
	if (c->closing || !ks)
		return;
	if (!ok) {
		if (!c->token_expired)
			cp_ban_event(s, c->addr, s->cfg.ban_points_wrong_password, "credentials refused");
		send_auth_failed(s, c, NULL);	/* 2.x: AUTH_FAILED on a renegotiation ends it */
		return;
	}
	if (cp_dp_install(s, c, ks) != 0) {
		cp_client_close(s, c, "cannot install the renegotiated key");
		return;
	}
	refresh_token(s, c);
	/* A late verdict may come after the client acknowledged everything: switch now. */
	cp_dp_maybe_switch(s, c, ks);
}

void
cp_auth_done(struct cp_server *s, struct cp_client *c, bool ok)
{
	struct cp_keystate *ks = c->primary >= 0 ? c->ks[c->primary] : NULL;
	if (!ks || c->closing)
		return;
	if (!ok && !c->token_expired && c->cipher != NCP_CIPHER_NONE)	/* (not our side) */
		cp_ban_event(s, c->addr, s->cfg.ban_points_wrong_password, "credentials refused");
	if (!ok || setup_session(s, c) != 0 || cp_dp_install(s, c, ks) != 0) {
		send_auth_failed(s, c, NULL);
		return;
	}
	if (!s->cfg.duplicate_cn)
		cp_clients_drop_duplicates(s, c);
	cp_mgmt_client_address(s, c);
	if (c->push_requested || (c->pi && (c->pi->proto & PI_PROTO_REQUEST_PUSH)))
		send_push_reply(s, c);
	cp_mgmt_client_established(s, c);
	cp_ctl_client_event(s, c, true, NULL);
}

/* The client's key-method-2 message arrived whole: answer and set up keys. */
static int
on_key_method_2(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks,
	struct km2_client_msg *m)
{
	uint8_t sr1[KM2_RANDOM_LEN], sr2[KM2_RANDOM_LEN], out[KM2_SERVER_MSG_MAX];
	bool first = c->primary < 0;
	if (first && m->has_peer_info) {
		c->pi = calloc(1, sizeof(*c->pi));
		if (c->pi)
			peerinfo_parse(c->pi, m->peer_info, m->peer_info_len);
	}
	if (first)
		c->occ_comp = km2_occ_uses_comp(m->options) || (c->pi && (c->pi->comp
			& (PI_COMP_LZO | PI_COMP_LZ4 | PI_COMP_LZ4V2)) && strstr(m->options, ",comp"));
	if (first && m->has_userpass)
		snprintf(c->username, sizeof(c->username), "%.*s", (int)sizeof(c->username) - 1,
			m->username);
	if (RAND_bytes(sr1, sizeof(sr1)) != 1 || RAND_bytes(sr2, sizeof(sr2)) != 1)
		return -1;
	int n = km2_server_build(out, sizeof(out), sr1, sr2, server_options);
	if (n < 0 || cp_tls_write(ks->tls, out, (size_t)n) != 0)
		return -1;
	if (first && choose_cipher(s, c, m) != 0) {
		log_info("session %u: %s", c->slot, NCP_AUTH_FAILED_REASON);
		c->cipher = NCP_CIPHER_NONE;
	}
	if (derive_keys(s, c, ks, m, sr1, sr2) != 0)
		return -1;
	ks->state = KS_ACTIVE;
	cp_client_plan_reneg(s, c);
	if (!first) {
		/* 2.x checks the credentials again (the client sends its token or password). */
		c->reauth_key = ks->key_id;
		/* and re-sets the handshake variables of its env, after client-connect's */
		c->mgmt_rekeyed |= c->mgmt_established;
		switch (c->authenticated ? cp_auth_start(s, c, m) : CP_AUTH_FAIL) {
		case CP_AUTH_OK:
			cp_reauth_done(s, c, true);
			break;
		case CP_AUTH_FAIL:
			cp_reauth_done(s, c, false);
			break;
		case CP_AUTH_PENDING:
			break;
		}
		return 0;
	}
	/* Renegotiations keep the identity of the first key (2.x re-checks it). */
	c->primary = ks->key_id;
	if (c->cipher == NCP_CIPHER_NONE || !authenticate(s, c, ks, m)) {
		cp_auth_done(s, c, false);
		return 0;
	}
	if (s->cfg.username_as_cn && c->username[0])
		snprintf(c->common_name, sizeof(c->common_name), "%s", c->username);
	switch (cp_auth_start(s, c, m)) {
	case CP_AUTH_OK:
		cp_auth_done(s, c, true);
		break;
	case CP_AUTH_FAIL:
		cp_auth_done(s, c, false);
		break;
	case CP_AUTH_PENDING:
		break;	/* cp_auth_done() runs when the worker answers */
	}
	return 0;
}

static void
consume(struct cp_keystate *ks, size_t n)
{
	memmove(ks->app, ks->app + n, ks->app_len - n);
	ks->app_len -= n;
}

static void
on_text(struct cp_server *s, struct cp_client *c, const char *msg, size_t len)
{
	struct ctlmsg cm;
	ctlmsg_classify(msg, len, &cm);
	switch (cm.type) {
	case CTL_PUSH_REQUEST:
		if (c->auth_pending)
			c->push_requested = true;	/* answered when the verdict comes */
		else if (c->authenticated)
			send_push_reply(s, c);
		break;
	case CTL_CR_RESPONSE:
		/* the answer to a CR_TEXT challenge: for the management client to judge */
		if (len > 12)
			cp_mgmt_cr_response(s, c, msg + 12, len - 12);
		break;
	case CTL_EXIT:
		/* §8.3: the client leaves; free its address now, keep state for ACKs. */
		log_info("session %u: client sent EXIT (explicit-exit-notify)", c->slot);
		cp_dp_remove(s, c);
		c->exit_at_ms = ev_now_ms(s->loop) + EXIT_LINGER_MS;
		break;
	default:
		log_debug("session %u: ignoring control message '%.*s'", c->slot, (int)len, msg);
		break;
	}
}

static void
read_app(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks)
{
	if (ks->state == KS_KM2) {
		struct km2_client_msg *m = calloc(1, sizeof(*m));
		size_t used = 0;
		int r = m ? km2_client_parse(ks->app, ks->app_len, m, &used) : KM2_E_ARG;
		if (r == KM2_OK) {
			consume(ks, used);
			r = on_key_method_2(s, c, ks, m);
		}
		if (m)
			km2_client_msg_wipe(m);
		free(m);
		if (r < 0) {
			fail_keystate(s, c, ks, "bad key-method-2 exchange");
			return;
		}
		if (ks->state != KS_ACTIVE)
			return;	/* incomplete: wait for more */
	}
	size_t off = 0;
	const char *msg;
	size_t len;
	while (ctlmsg_next(ks->app, ks->app_len, &off, &msg, &len))
		on_text(s, c, msg, len);
	consume(ks, off);
}

void
cp_handshake_progress(struct cp_server *s, struct cp_client *c, struct cp_keystate *ks)
{
	uint8_t buf[2048];
	size_t n;
	while ((n = reliable_read(&ks->rel, buf, sizeof(buf))) > 0)
		if (cp_tls_feed(ks->tls, buf, n) != 0)
			break;
	for (;;) {
		ssize_t got = cp_tls_process(ks->tls, ks->app + ks->app_len,
			sizeof(ks->app) - ks->app_len);
		if (got < 0) {
			s->stats.tls_errors++;
			log_info("session %u: TLS error: %s", c->slot, cp_tls_error(ks->tls));
			cp_ban_event(s, c->addr, s->cfg.ban_points_bad_certificate, "TLS handshake failed");
			fail_keystate(s, c, ks, "TLS handshake failed");
			return;
		}
		if (ks->state == KS_HANDSHAKE && cp_tls_established(ks->tls)) {
			char d[200];
			cp_tls_describe(ks->tls, d, sizeof(d));
			log_info("session %u key %u: control channel %s", c->slot, ks->key_id, d);
			ks->state = KS_KM2;
		}
		ks->app_len += (size_t)got;
		if (got == 0)
			break;
		if (ks->app_len == sizeof(ks->app)) {
			fail_keystate(s, c, ks, "control message too long");
			return;
		}
	}
	if (ks->state >= KS_KM2 && ks->state != KS_FAILED)
		read_app(s, c, ks);
}
